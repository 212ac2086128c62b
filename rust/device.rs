// SPDX-License-Identifier: GPL-2.0

//! A mapping's device: the pkt block device standing on one CD/DVD drive.
//!
//! # Locking
//!
//! Locks, in the order they may be taken (outermost first):
//!
//! 1. `registry::SLOTS` (global): the slot table.  Held only for lookups
//!    and bookkeeping: never across a drive command, a device open or
//!    close, or while waiting for another lock.
//! 2. `PktDevice::state` (per device): the full drive handle and the
//!    writing session's worker.  Held across the drive commands of a first
//!    open, a write open's probe and a last close (which waits for the
//!    worker to write everything), so that these never overlap; only opens
//!    and closes take it (the block layer serialises those anyway), so a
//!    hung drive blocks only the opens of its own device.  Never taken
//!    with `SLOTS` held, never by the worker.
//! 3. `PktDevice::users` (per device): who uses the device.  Held only to
//!    read or change its fields, never across a drive command: teardown
//!    (EBUSY while open or closing), the eject ioctl and debugfs `info`
//!    take only this, so they never wait for the drive.
//! 4. `PktDevice::queue` (per device): requests between submitters and the
//!    worker, and the writing session's settings.  Held only to move
//!    requests or read the settings; no I/O under it.  `work` (the
//!    worker waits on it), `room` (submitters wait on it for room in the
//!    queue) and `congestion` (writers wait on it) are its condition
//!    variables.
//! 5. `PktDevice::marks` (per device, leaf): the congestion marks.
//!
//! Counters are atomics and need no lock.

mod attrs;
mod session;
mod submit;

use crate::cdrom::CdHandle;
use crate::pktcore::{attr::CongestionMarks, devnum::DevNum, fmt::Name};
use crate::queue::Queue;
use crate::shim::ModuleRef;
use crate::worker::Worker;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    new_condvar, new_mutex,
    prelude::*,
    sync::{CondVar, Mutex},
};

/// The open state of a device (`PktDevice::state`).
pub(crate) struct OpenState {
    /// The drive handle held while the device is open: a full cdrom open
    /// (media checked, door locked), claimed exclusively.
    excl: Option<CdHandle>,
    /// The writing session's worker, from the first write open to the last
    /// close.
    worker: Option<Worker>,
}

/// Who uses a device (`PktDevice::users`).
pub(crate) struct Users {
    /// Openers of the pkt device (opens that returned success, not yet
    /// closed).
    open_count: u32,
    /// Opens and last closes under way (they send drive commands).
    in_progress: u32,
    /// Set by teardown: no new opens.
    removed: bool,
}

/// What a device counts (the sysfs `stat/` files), sectors in 512 bytes.
#[derive(Default)]
pub(crate) struct Stats {
    packets_started: AtomicU64,
    packets_finished: AtomicU64,
    sectors_written: AtomicU64,
    sectors_read: AtomicU64,
    sectors_read_gather: AtomicU64,
}

impl Stats {
    fn reset(&self) {
        for c in [
            &self.packets_started,
            &self.packets_finished,
            &self.sectors_written,
            &self.sectors_read,
            &self.sectors_read_gather,
        ] {
            c.store(0, Ordering::Relaxed);
        }
    }
}

/// A pkt device.
#[pin_data]
pub(crate) struct PktDevice {
    /// Slot index, the disk's minor.
    pub(crate) slot: u32,
    /// This device's name, `pktcdvdN`.
    pub(crate) name: Name<32>,
    /// This device's number.
    pub(crate) pkt_dev: DevNum,
    /// The drive's device number, as given at setup.
    pub(crate) cd_dev: DevNum,
    /// The drive's name, `sr0`.
    pub(crate) cd_name: Name<32>,
    /// The mapping's lasting handle on the drive (read-only, no media
    /// checks), from setup to teardown: all I/O to the drive goes through it.
    cd: CdHandle,
    /// Guards the full drive handle and the worker; held across the drive
    /// commands of opens and last closes (lock 2).
    #[pin]
    state: Mutex<OpenState>,
    /// Guards the counts of openers and opens under way, and teardown's
    /// mark; never held across a drive command (lock 3).
    #[pin]
    users: Mutex<Users>,
    /// Guards the requests between submitters and the worker, and the
    /// writing session's settings; no I/O under it (lock 4).
    #[pin]
    pub(crate) queue: Mutex<Queue>,
    /// The worker waits here for requests (with `queue`).
    #[pin]
    pub(crate) work: CondVar,
    /// Submitters wait here for room in the queue (with `queue`).
    #[pin]
    pub(crate) room: CondVar,
    /// Writers wait here while the queue is congested (with `queue`).
    #[pin]
    congestion: CondVar,
    /// Guards the congestion marks (a leaf: lock 5).
    #[pin]
    marks: Mutex<CongestionMarks>,
    /// The `stat/` counters: atomics, no lock.
    stats: Stats,
    /// Dropped last: keeps the module loaded while any of this can run.
    _module: ModuleRef,
}

impl PktDevice {
    /// A device for `slot`, mapping drive `cd_dev` through `cd`.
    pub(crate) fn new(slot: u32, major: u32, cd_dev: DevNum, cd: CdHandle, module: ModuleRef)
        -> impl PinInit<Self, Error>
    {
        let mut name = Name::new();
        for &c in b"pktcdvd" {
            name.push(c);
        }
        if slot >= 10 {
            name.push(b'0' + (slot / 10 % 10) as u8);
        }
        name.push(b'0' + (slot % 10) as u8);
        let cd_name = cd.name();
        let pkt_dev = DevNum::new(major, slot).unwrap_or(DevNum::decode(0));
        try_pin_init!(Self {
            slot,
            name,
            pkt_dev,
            cd_dev,
            cd_name,
            cd,
            state <- new_mutex!(OpenState { excl: None, worker: None }),
            users <- new_mutex!(Users { open_count: 0, in_progress: 0, removed: false }),
            queue <- new_mutex!(Queue::new()),
            work <- new_condvar!(),
            room <- new_condvar!(),
            congestion <- new_condvar!(),
            marks <- new_mutex!(CongestionMarks::default()),
            stats: Stats::default(),
            _module: module,
        })
    }

    /// The mapping's lasting handle on the drive.
    pub(crate) fn cd_handle(&self) -> &CdHandle {
        &self.cd
    }
}
