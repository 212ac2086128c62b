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
//! 2. `PktDevice::state` (per device): the open state.  Held across the
//!    drive commands of a first open and a last close, so that these never
//!    overlap; a hung drive therefore blocks only its own device.
//!    Never taken with `SLOTS` held.
//! 3. `PktDevice::marks` (per device, leaf): the congestion marks.
//!
//! Counters are atomics and need no lock.

use crate::bio::OwnedBio;
use crate::cdrom::{cdb, CdHandle};
use crate::pktcore::{
    attr::{self, CongestionMarks},
    devnum::DevNum,
    errno::Errno,
    fmt::Name,
    info::Info,
};
use crate::shim::{self, ModuleRef};
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{new_mutex, prelude::*, sync::Mutex};

/// The open state of a device.
pub(crate) struct OpenState {
    /// Openers of the pkt device.
    pub(crate) open_count: u32,
    /// The drive handle held while the device is open: a full cdrom open
    /// (media checked, door locked), claimed exclusively.
    excl: Option<CdHandle>,
    /// Set by teardown: no new opens.
    removed: bool,
}

/// What a device counts (the sysfs `stat/` files), in 512-byte sectors.
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
    /// checks), from setup to teardown: reads and forwarded ioctls go
    /// through it.
    cd: CdHandle,
    #[pin]
    state: Mutex<OpenState>,
    #[pin]
    marks: Mutex<CongestionMarks>,
    stats: Stats,
    /// Dropped last: keeps the module loaded while any of this can run.
    _module: ModuleRef,
}

/// The six ioctls forwarded to the drive, as the C driver did.
const CDROMEJECT: u32 = 0x5309;
const FORWARDED: [u32; 6] = [
    CDROMEJECT,
    0x5310, // CDROMMULTISESSION
    0x5306, // CDROMREADTOCENTRY
    0x5395, // CDROM_LAST_WRITTEN
    0x5393, // CDROM_SEND_PACKET
    1,      // SCSI_IOCTL_SEND_COMMAND
];

/// `ENOTTY` as an ioctl result.
const ENOTTY_RET: i32 = -25;

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
            state <- new_mutex!(OpenState { open_count: 0, excl: None, removed: false }),
            marks <- new_mutex!(CongestionMarks::default()),
            stats: Stats::default(),
            _module: module,
        })
    }

    /// The mapping's lasting handle on the drive.
    pub(crate) fn cd_handle(&self) -> &CdHandle {
        &self.cd
    }

    /// Teardown's first step: refuse (`EBUSY`) while open, else no opens
    /// from now on.  `ENXIO` if another teardown got here first.
    pub(crate) fn begin_removal(&self) -> Result<(), Errno> {
        let mut st = self.state.lock();
        if st.removed {
            return Err(Errno::Nxio);
        }
        if st.open_count > 0 {
            return Err(Errno::Busy);
        }
        st.removed = true;
        Ok(())
    }

    /// An open of the pkt device.  The first one opens the drive fully
    /// (checking the disc, locking the door) and sets the capacity from
    /// the disc; writing arrives with the packet engine.
    pub(crate) fn open(&self, disk: &crate::disk_ops::DiskRef, mode: u32) -> Result<(), Errno> {
        if mode & shim::BLK_OPEN_WRITE != 0 {
            pr_info!("{}: opening for writing needs the packet engine (not yet built)\n", self.name.as_str());
            return Err(Errno::Rofs);
        }
        let mut st = self.state.lock();
        if st.removed {
            return Err(Errno::Nxio);
        }
        if st.open_count == 0 {
            let holder: *const Self = self;
            let excl = CdHandle::open(self.cd_dev, false, holder.cast())?;
            // Frames 0..=last, so the last frame (where UDF keeps an anchor)
            // is readable; the C driver set `last` frames and lost it.  The
            // capacity of the pkt device only: sr0's stays as it is.
            let last = excl.last_written()?;
            disk.set_capacity((u64::from(last) + 1) * 4);
            excl.set_blocksize(2048)?;
            // Reading only: the drive may read as fast as it can.
            let _ = excl.command(&cdb::set_speed(0xffff, 0xffff), true);
            st.excl = Some(excl);
        }
        st.open_count += 1;
        Ok(())
    }

    /// A close of the pkt device.  The last one unlocks the door (the
    /// mapping's lasting handle keeps the drive open, so the cdrom layer
    /// would not) and closes the full handle.
    pub(crate) fn release(&self) {
        let mut st = self.state.lock();
        st.open_count = st.open_count.saturating_sub(1);
        if st.open_count > 0 {
            return;
        }
        if let Some(excl) = st.excl.take() {
            if let Err(e) = excl.command(&cdb::prevent_allow(false), true) {
                pr_warn!(
                    "{}: could not unlock the door: error {}, sense {:02x}/{:02x}/{:02x}\n",
                    self.name.as_str(),
                    e.errno.to_raw(),
                    e.sense[0],
                    e.sense[1],
                    e.sense[2]
                );
            }
            drop(excl);
        }
    }

    /// An ioctl on the pkt device: the six the C driver forwarded go to the
    /// drive (and return its answer); everything else is `ENOTTY`, including
    /// CDROM_GET_CAPABILITY, which tells tools this is not a drive.
    pub(crate) fn ioctl(&self, mode: u32, cmd: u32, arg: usize) -> i32 {
        if !FORWARDED.contains(&cmd) {
            return ENOTTY_RET;
        }
        if cmd == CDROMEJECT {
            // The sole opener may eject: unlock the door first.
            let sole = self.state.lock().open_count == 1;
            if sole {
                let _ = self.cd.command(&cdb::prevent_allow(false), true);
            }
        }
        self.cd.ioctl(mode, cmd, arg)
    }

    /// Media events: the drive's.
    pub(crate) fn check_events(&self, clearing: u32) -> u32 {
        self.cd.check_events(clearing)
    }

    /// A bio for the pkt device.  Reads go straight to the drive.
    pub(crate) fn submit_bio(&self, bio: OwnedBio, op: i32, _sector: u64, bytes: u32) {
        match op {
            shim::BIO_READ => {
                self.stats.sectors_read.fetch_add(u64::from(bytes / 512), Ordering::Relaxed);
                bio.remap(&self.cd);
            }
            // Nothing is cached here: there is nothing to flush yet.
            shim::BIO_FLUSH => bio.end(Ok(())),
            shim::BIO_WRITE => bio.end(Err(Errno::Rofs)),
            _ => bio.end(Err(Errno::NotSupported)),
        }
    }

    /// The text of a per-device attribute.
    pub(crate) fn attr_show(&self, attr: i32, w: &mut impl core::fmt::Write) -> Result<(), Errno> {
        let kb = |c: &AtomicU64| c.load(Ordering::Relaxed) / 2;
        let s = &self.stats;
        let r = match attr {
            ATTR_PACKETS_STARTED => writeln!(w, "{}", s.packets_started.load(Ordering::Relaxed)),
            ATTR_PACKETS_FINISHED => writeln!(w, "{}", s.packets_finished.load(Ordering::Relaxed)),
            ATTR_KB_WRITTEN => writeln!(w, "{}", kb(&s.sectors_written)),
            ATTR_KB_READ => writeln!(w, "{}", kb(&s.sectors_read)),
            ATTR_KB_READ_GATHER => writeln!(w, "{}", kb(&s.sectors_read_gather)),
            ATTR_SIZE => writeln!(w, "0"),
            ATTR_CONGESTION_OFF => writeln!(w, "{}", self.marks.lock().off()),
            ATTR_CONGESTION_ON => writeln!(w, "{}", self.marks.lock().on()),
            _ => return Err(Errno::Inval),
        };
        r.map_err(|_| Errno::Inval)
    }

    /// A write of a per-device attribute.
    pub(crate) fn attr_store(&self, attr: i32, text: &[u8]) -> Result<(), Errno> {
        match attr {
            ATTR_RESET => {
                if text.is_empty() {
                    return Err(Errno::Inval);
                }
                self.stats.reset();
            }
            ATTR_CONGESTION_OFF => {
                let v = attr::parse_int(text)?;
                self.marks.lock().set_off(v);
            }
            ATTR_CONGESTION_ON => {
                let v = attr::parse_int(text)?;
                self.marks.lock().set_on(v);
            }
            _ => return Err(Errno::Inval),
        }
        Ok(())
    }

    /// The debugfs info text.
    pub(crate) fn info(&self, w: &mut impl core::fmt::Write) {
        let s = &self.stats;
        let kb = |c: &AtomicU64| c.load(Ordering::Relaxed) / 2;
        let marks = *self.marks.lock();
        let open_count = self.state.lock().open_count;
        let info = Info {
            name: self.name.as_str(),
            cd_name: self.cd_name.as_str(),
            packets_started: s.packets_started.load(Ordering::Relaxed),
            packets_finished: s.packets_finished.load(Ordering::Relaxed),
            kb_written: kb(&s.sectors_written),
            kb_read_gather: kb(&s.sectors_read_gather),
            kb_read: kb(&s.sectors_read),
            open_count,
            congestion: (marks.off(), marks.on()),
            ..Default::default()
        };
        let _ = info.write(w);
    }
}

/// Per-device attributes, numbered as `enum pktrs_attr` in the shim.
pub(crate) const ATTR_PACKETS_STARTED: i32 = 0;
pub(crate) const ATTR_PACKETS_FINISHED: i32 = 1;
pub(crate) const ATTR_KB_WRITTEN: i32 = 2;
pub(crate) const ATTR_KB_READ: i32 = 3;
pub(crate) const ATTR_KB_READ_GATHER: i32 = 4;
pub(crate) const ATTR_RESET: i32 = 5;
pub(crate) const ATTR_SIZE: i32 = 6;
pub(crate) const ATTR_CONGESTION_OFF: i32 = 7;
pub(crate) const ATTR_CONGESTION_ON: i32 = 8;
