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
//! 2. `PktDevice::state` (per device): the open state and the writing
//!    session.  Held across the drive commands of a first open, a write
//!    open's probe and a last close (which waits for the worker to write
//!    everything), so that these never overlap; a hung drive therefore
//!    blocks only its own device.  Never taken with `SLOTS` held, never by
//!    the worker.
//! 3. `PktDevice::queue` (per device): requests between submitters and the
//!    worker.  Held only to move requests; no I/O under it.  `work` (the
//!    worker waits on it) and `congestion` (writers wait on it) are its
//!    condition variables.
//! 4. `PktDevice::marks` (per device, leaf): the congestion marks.
//!
//! Counters are atomics and need no lock.

use crate::bio::OwnedBio;
use crate::cdrom::{cdb, CdHandle};
use crate::packet::PacketBuf;
use crate::pktcore::{
    attr::{self, CongestionMarks},
    devnum::DevNum,
    errno::Errno,
    fmt::Name,
    info::{self, Info},
    probe::WriteSettings,
    zone::{self, SECTORS_PER_FRAME},
};
use crate::queue::{Piece, Queue, Request, Session};
use crate::shim::{self, ModuleRef};
use crate::worker::Worker;
use crate::write_probe;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    new_condvar, new_mutex,
    prelude::*,
    sync::{CondVar, Mutex},
};

/// The open state of a device.
pub(crate) struct OpenState {
    /// Openers of the pkt device.
    pub(crate) open_count: u32,
    /// The drive handle held while the device is open: a full cdrom open
    /// (media checked, door locked), claimed exclusively.
    excl: Option<CdHandle>,
    /// Set by teardown: no new opens.
    removed: bool,
    /// The writing session's worker, from the first write open to the last
    /// close.
    worker: Option<Worker>,
    /// The writing session's settings.
    settings: Option<WriteSettings>,
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
    #[pin]
    state: Mutex<OpenState>,
    #[pin]
    pub(crate) queue: Mutex<Queue>,
    /// The worker waits here for requests.
    #[pin]
    pub(crate) work: CondVar,
    /// Writers wait here while the queue is congested.
    #[pin]
    congestion: CondVar,
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

/// Packet buffers per device (module parameter `buffers`), clamped.
fn buffers_param() -> usize {
    use core::borrow::Borrow;
    // value() is a u32 in 7.3 and a &u32 in 7.2: Borrow takes either.
    let n: u32 = *Borrow::<u32>::borrow(&crate::module_parameters::buffers.value());
    n.clamp(1, 64) as usize
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
            state <- new_mutex!(OpenState {
                open_count: 0,
                excl: None,
                removed: false,
                worker: None,
                settings: None,
            }),
            queue <- new_mutex!(Queue::new()),
            work <- new_condvar!(),
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
    /// the disc; the first one for writing starts a writing session.  A
    /// reader does not keep writers out (the C driver returned EBUSY).
    pub(crate) fn open(&self, disk: &crate::disk_ops::DiskRef, mode: u32) -> Result<(), Errno> {
        let write = mode & shim::BLK_OPEN_WRITE != 0;
        let mut st = self.state.lock();
        if st.removed {
            return Err(Errno::Nxio);
        }
        if st.open_count == 0 {
            let holder: *const Self = self;
            let excl = CdHandle::open(self.cd_dev, false, holder.cast())?;
            // Frames 0..=last, so the last frame (where UDF keeps an anchor)
            // is readable; the C driver set `last` frames and lost it.  A
            // blank disc has nothing written: capacity 0 (a write open then
            // says why it cannot write).  The capacity of the pkt device
            // only: sr0's stays as it is.
            let capacity = excl.last_written().map_or(0, |last| (u64::from(last) + 1) * SECTORS_PER_FRAME);
            disk.set_capacity(capacity);
            excl.set_blocksize(2048)?;
            if !write {
                // Reading only: the drive may read as fast as it can.
                let _ = excl.command(&cdb::set_speed(0xffff, 0xffff), true);
            }
            st.excl = Some(excl);
        }
        if write && st.worker.is_none() {
            if let Err(e) = self.start_session(&mut st) {
                if st.open_count == 0 {
                    self.close_drive(&mut st);
                }
                return Err(e);
            }
        }
        st.open_count += 1;
        Ok(())
    }

    /// Starts a writing session: probe the disc, allocate the packet
    /// buffers (here, not on the I/O path), start the worker.
    fn start_session(&self, st: &mut OpenState) -> Result<(), Errno> {
        let excl = st.excl.as_ref().ok_or(Errno::Io)?;
        let (settings, write_speed) = write_probe::probe(excl, &self.name)?;
        let n = buffers_param();
        let mut buffers = KVec::with_capacity(n, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        for _ in 0..n {
            let b = PacketBuf::new(settings.geometry.frames())?;
            buffers.push(b, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        }
        {
            let mut q = self.queue.lock();
            q.geometry = Some(settings.geometry);
            q.session = Some(Session { settings, write_speed, buffers });
            q.stopping = false;
        }
        let pd: *const Self = self;
        // SAFETY: the worker is stopped (in `end_session`) before the last
        // close returns, and the device outlives every open.
        match unsafe { Worker::start(pd.cast(), &self.name) } {
            Ok(worker) => {
                st.worker = Some(worker);
                st.settings = Some(settings);
                Ok(())
            }
            Err(e) => {
                let mut q = self.queue.lock();
                q.geometry = None;
                q.session = None;
                Err(e)
            }
        }
    }

    /// Ends the writing session: the worker writes everything, flushes the
    /// drive's cache and stops.
    fn end_session(&self, st: &mut OpenState) {
        if let Some(worker) = st.worker.take() {
            self.queue.lock().stopping = true;
            self.work.notify_all();
            drop(worker);
            let mut q = self.queue.lock();
            q.geometry = None;
            q.session = None;
            q.stopping = false;
        }
    }

    /// Unlocks the door (the mapping's lasting handle keeps the drive
    /// open, so the cdrom layer would not), resets the speed and closes the
    /// full handle.
    fn close_drive(&self, st: &mut OpenState) {
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
            let _ = excl.command(&cdb::set_speed(0xffff, 0xffff), true);
        }
    }

    /// A close of the pkt device; the last one ends the writing session
    /// and releases the drive.
    pub(crate) fn release(&self) {
        let mut st = self.state.lock();
        st.open_count = st.open_count.saturating_sub(1);
        if st.open_count > 0 {
            return;
        }
        self.end_session(&mut st);
        st.settings = None;
        self.close_drive(&mut st);
        if self.cd.is_gone() && !st.removed {
            // The drive went away while the device was open: nothing can
            // use this mapping again, and whoever asked to remove it got
            // EBUSY.  Remove it now (not here: release holds the disk's
            // open mutex, which removing the disk takes).
            pr_info!(
                "{}: {} is gone: removing the mapping\n",
                self.name.as_str(),
                self.cd_name.as_str()
            );
            if shim::defer_teardown(self.pkt_dev.to_kernel()).is_err() {
                pr_warn!("{}: out of memory: remove the mapping by hand\n", self.name.as_str());
            }
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

    /// A bio for the pkt device.
    pub(crate) fn submit_bio(&self, bio: OwnedBio, op: i32, sector: u64, bytes: u32, flags: u32) {
        match op {
            shim::BIO_READ => {
                self.stats.sectors_read.fetch_add(u64::from(bytes / 512), Ordering::Relaxed);
                let mut q = self.queue.lock();
                if q.geometry.is_some() {
                    // While writing, reads go in order through the worker.
                    q.push(Request::Read(bio, bytes));
                    drop(q);
                    self.work.notify_one();
                } else {
                    drop(q);
                    bio.remap(&self.cd);
                }
            }
            shim::BIO_WRITE => self.submit_write(bio, sector, bytes, flags),
            shim::BIO_FLUSH => self.submit_write(bio, sector, 0, shim::BIO_PREFLUSH),
            _ => bio.end(Err(Errno::NotSupported)),
        }
    }

    /// A write: split at zone boundaries into pieces for the worker, with
    /// barriers for PREFLUSH (before) and FUA (after).
    fn submit_write(&self, mut bio: OwnedBio, sector: u64, bytes: u32, flags: u32) {
        self.wait_congestion();
        let mut q = self.queue.lock();
        let Some(geometry) = q.geometry else {
            drop(q);
            // Without a writing session there is nothing to flush.
            let r = if bytes == 0 { Ok(()) } else { Err(Errno::Rofs) };
            bio.end(r);
            return;
        };
        if bytes == 0 {
            q.push(Request::Barrier(Some(bio)));
            drop(q);
            self.work.notify_one();
            return;
        }
        if !zone::whole_frames(sector, u64::from(bytes)) {
            drop(q);
            pr_err!("{}: write of {} bytes at sector {} is not in whole frames\n", self.name.as_str(), bytes, sector);
            bio.end(Err(Errno::Io));
            return;
        }
        if flags & shim::BIO_PREFLUSH != 0 {
            q.push(Request::Barrier(None));
        }
        let fua = flags & shim::BIO_FUA != 0;
        let mut sector = sector;
        let mut left = u64::from(bytes) / 512;
        let mut pieces = 0;
        loop {
            let Some(to_end) = geometry.sectors_to_zone_end(sector) else {
                drop(q);
                bio.end(Err(Errno::Io));
                return;
            };
            let frame = sector / SECTORS_PER_FRAME;
            if left <= to_end {
                let frames = (left / SECTORS_PER_FRAME) as u32;
                q.push(Request::Write(Piece { bio, frame, frames, hold: fua }));
                pieces += 1;
                break;
            }
            let Some(front) = bio.split_front(to_end as u32) else {
                drop(q);
                bio.end(Err(Errno::Nomem));
                return;
            };
            let frames = (to_end / SECTORS_PER_FRAME) as u32;
            q.push(Request::Write(Piece { bio: front, frame, frames, hold: false }));
            pieces += 1;
            sector += to_end;
            left -= to_end;
        }
        if fua {
            q.push(Request::Barrier(None));
        }
        q.queued_writes += pieces;
        drop(q);
        self.work.notify_one();
    }

    /// Holds a writer while the queue is at or above `congestion_on`,
    /// until it drains to `congestion_off`.  Uninterruptible, as in C: the
    /// bio must be queued whatever signal comes; the worker always drains.
    fn wait_congestion(&self) {
        let marks = *self.marks.lock();
        if !marks.enabled() {
            return;
        }
        let mut q = self.queue.lock();
        if q.geometry.is_none() || q.queued_writes < marks.on() as usize {
            return;
        }
        while q.geometry.is_some() && q.queued_writes > marks.off() as usize {
            self.congestion.wait(&mut q);
        }
    }

    /// The worker wrote (or failed) a packet of `pieces`.
    pub(crate) fn packet_done(&self, pieces: &[Piece], ok: bool) {
        let sectors: u64 = pieces.iter().map(|p| u64::from(p.frames) * SECTORS_PER_FRAME).sum();
        self.stats.packets_started.fetch_add(1, Ordering::Relaxed);
        self.stats.packets_finished.fetch_add(1, Ordering::Relaxed);
        if ok {
            self.stats.sectors_written.fetch_add(sectors, Ordering::Relaxed);
        }
    }

    /// The worker read `frames` frames to fill a packet.
    pub(crate) fn count_gather(&self, frames: u32) {
        self.stats
            .sectors_read_gather
            .fetch_add(u64::from(frames) * SECTORS_PER_FRAME, Ordering::Relaxed);
    }

    /// `count` write pieces left the queue: wake congested writers.
    pub(crate) fn writes_done(&self, count: usize) {
        let off = self.marks.lock().off();
        let mut q = self.queue.lock();
        q.queued_writes = q.queued_writes.saturating_sub(count);
        if off < 0 || q.queued_writes <= off as usize {
            self.congestion.notify_all();
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
            ATTR_SIZE => writeln!(w, "{}", self.queue.lock().queued_writes),
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
        // New marks may release waiting writers.
        self.congestion.notify_all();
        Ok(())
    }

    /// The debugfs info text.
    pub(crate) fn info(&self, w: &mut impl core::fmt::Write) {
        let s = &self.stats;
        let kb = |c: &AtomicU64| c.load(Ordering::Relaxed) / 2;
        let marks = *self.marks.lock();
        let (open_count, settings) = {
            let st = self.state.lock();
            (st.open_count, st.settings)
        };
        let queued = self.queue.lock().queued_writes as u32;
        let settings = settings.map_or(info::Settings::default(), |s| info::Settings {
            packet_frames: s.geometry.frames(),
            write_type: 0,
            fixed: true,
            link_loss: 7,
            track_mode: s.track_mode,
            block_mode: s.block_mode,
        });
        let info = Info {
            name: self.name.as_str(),
            cd_name: self.cd_name.as_str(),
            settings,
            packets_started: s.packets_started.load(Ordering::Relaxed),
            packets_finished: s.packets_finished.load(Ordering::Relaxed),
            kb_written: kb(&s.sectors_written),
            kb_read_gather: kb(&s.sectors_read_gather),
            kb_read: kb(&s.sectors_read),
            open_count,
            flags: if settings.packet_frames > 0 { 1 << 1 } else { 0 },
            bios_queued: queued,
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
