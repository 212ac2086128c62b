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
//!    worker.  Held only to move requests; no I/O under it.  `work` (the
//!    worker waits on it), `room` (submitters wait on it for room in the
//!    queue) and `congestion` (writers wait on it) are its condition
//!    variables.
//! 5. `PktDevice::marks` (per device, leaf): the congestion marks.
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
    zone::{self, Geometry, SECTORS_PER_FRAME},
};
use crate::queue::{Piece, Queue, Request, Session, QUEUE_ROOM};
use crate::shim::{self, ModuleRef};
use crate::worker::Worker;
use crate::write_probe;
use core::sync::atomic::{AtomicU64, Ordering};
use kernel::{
    new_condvar, new_mutex,
    prelude::*,
    sync::{lock::mutex::MutexBackend, lock::Guard, CondVar, Mutex},
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
    users: Mutex<Users>,
    #[pin]
    pub(crate) queue: Mutex<Queue>,
    /// The worker waits here for requests.
    #[pin]
    pub(crate) work: CondVar,
    /// Submitters wait here for room in the queue.
    #[pin]
    pub(crate) room: CondVar,
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
            state <- new_mutex!(OpenState { excl: None, worker: None }),
            users <- new_mutex!(Users { open_count: 0, in_progress: 0, removed: false, settings: None }),
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

    /// Teardown's first step: refuse (`EBUSY`) while open, or while an
    /// open or last close is under way, else no opens from now on.  `ENXIO`
    /// if another teardown got here first.  Never waits for the drive.
    pub(crate) fn begin_removal(&self) -> Result<(), Errno> {
        let mut u = self.users.lock();
        if u.removed {
            return Err(Errno::Nxio);
        }
        if u.open_count > 0 || u.in_progress > 0 {
            return Err(Errno::Busy);
        }
        u.removed = true;
        Ok(())
    }

    /// An open of the pkt device.  The first one opens the drive fully
    /// (checking the disc, locking the door) and sets the capacity from
    /// the disc; the first one for writing starts a writing session.  A
    /// reader does not keep writers out (the C driver returned EBUSY).
    pub(crate) fn open(&self, disk: &crate::disk_ops::DiskRef, mode: u32) -> Result<(), Errno> {
        let first = {
            let mut u = self.users.lock();
            if u.removed {
                return Err(Errno::Nxio);
            }
            u.in_progress += 1;
            u.open_count == 0
        };
        let result = self.open_drive(&mut self.state.lock(), disk, mode, first);
        let mut u = self.users.lock();
        u.in_progress -= 1;
        match result {
            Ok(settings) => {
                u.open_count += 1;
                if settings.is_some() {
                    u.settings = settings;
                }
                Ok(())
            }
            Err(e) => Err(e),
        }
    }

    /// The drive commands of an open: the first opens the drive fully,
    /// the first for writing starts a session (and returns its settings).
    fn open_drive(&self, st: &mut OpenState, disk: &crate::disk_ops::DiskRef, mode: u32, first: bool)
        -> Result<Option<WriteSettings>, Errno>
    {
        let write = mode & shim::BLK_OPEN_WRITE != 0;
        if first {
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
            return match self.start_session(st) {
                Ok(settings) => Ok(Some(settings)),
                Err(e) => {
                    if first {
                        self.close_drive(st);
                    }
                    Err(e)
                }
            };
        }
        Ok(None)
    }

    /// Starts a writing session: probe the disc, allocate the packet
    /// buffers and the queue's room (here, not on the I/O path), start the
    /// worker.
    fn start_session(&self, st: &mut OpenState) -> Result<WriteSettings, Errno> {
        let excl = st.excl.as_ref().ok_or(Errno::Io)?;
        let (settings, write_speed) = write_probe::probe(excl, &self.name)?;
        let n = buffers_param();
        let mut buffers = KVec::with_capacity(n, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        for _ in 0..n {
            let b = PacketBuf::new(settings.geometry.frames())?;
            buffers.push(b, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        }
        let incoming = KVVec::with_capacity(QUEUE_ROOM, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        let batch = KVVec::with_capacity(QUEUE_ROOM, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        {
            let mut q = self.queue.lock();
            q.incoming = incoming;
            q.geometry = Some(settings.geometry);
            q.session = Some(Session { settings, write_speed, buffers, batch });
            q.stopping = false;
            q.queued_writes = 0;
        }
        let pd: *const Self = self;
        // SAFETY: the worker is stopped (in `end_session`) before the last
        // close returns, and the device outlives every open.
        match unsafe { Worker::start(pd.cast(), &self.name) } {
            Ok(worker) => {
                st.worker = Some(worker);
                Ok(settings)
            }
            Err(e) => {
                self.reset_queue();
                Err(e)
            }
        }
    }

    /// The queue without a session: requests are no longer queued (the
    /// worker closed it, or never ran), its room is freed, and waiting
    /// submitters see that.
    fn reset_queue(&self) {
        let old = {
            let mut q = self.queue.lock();
            q.geometry = None;
            q.session = None;
            q.stopping = false;
            q.queued_writes = 0;
            core::mem::replace(&mut q.incoming, KVVec::new())
        };
        // Empty: the worker takes every request before it closes the
        // queue.  Freed outside the lock.
        drop(old);
        self.room.notify_all();
        self.congestion.notify_all();
    }

    /// Ends the writing session: the worker writes everything, closes the
    /// queue, flushes the drive's cache and stops.
    fn end_session(&self, st: &mut OpenState) {
        if let Some(worker) = st.worker.take() {
            self.queue.lock().stopping = true;
            self.work.notify_all();
            drop(worker);
            self.reset_queue();
        }
    }

    /// The worker's last look at the queue: if nothing more came, it is
    /// closed (from now on bios are not queued), and the worker may finish.
    /// Checked and closed under one lock, so no request is left behind for
    /// the next session.
    pub(crate) fn close_queue_if_empty(&self) -> bool {
        let mut q = self.queue.lock();
        if !q.incoming.is_empty() {
            return false;
        }
        q.geometry = None;
        drop(q);
        self.room.notify_all();
        self.congestion.notify_all();
        true
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
        {
            let mut u = self.users.lock();
            u.open_count = u.open_count.saturating_sub(1);
            if u.open_count > 0 {
                return;
            }
            // Until the drive is closed the device counts as busy: teardown
            // says EBUSY at once instead of waiting.
            u.in_progress += 1;
        }
        self.end_session(&mut st);
        self.close_drive(&mut st);
        drop(st);
        let removed = {
            let mut u = self.users.lock();
            u.in_progress -= 1;
            u.settings = None;
            u.removed
        };
        if self.cd.is_gone() && !removed {
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
            let sole = self.users.lock().open_count == 1;
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
                if self.wait_room(&mut q, |_| 1).is_some() {
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

    /// Waits until the queue has room for the requests `needed` says a bio
    /// takes under a geometry, and returns that geometry; `None` without a
    /// writing session.  Uninterruptible, like the congestion wait: the bio
    /// must be queued whatever signal comes, and the worker always takes
    /// what is queued.
    fn wait_room(&self, q: &mut Guard<'_, Queue, MutexBackend>, needed: impl Fn(Geometry) -> usize)
        -> Option<Geometry>
    {
        loop {
            let geometry = q.geometry?;
            if q.room() >= needed(geometry) {
                return Some(geometry);
            }
            self.room.wait(q);
        }
    }

    /// A write: pieces for the worker, one per zone it touches (shares of
    /// the one bio), with barriers for PREFLUSH (before) and FUA (after).
    /// Nothing is allocated: the queue's room is waited for first, so a
    /// piece or barrier is never lost.
    fn submit_write(&self, mut bio: OwnedBio, sector: u64, bytes: u32, flags: u32) {
        self.wait_congestion();
        if !zone::whole_frames(sector, u64::from(bytes)) {
            pr_err!("{}: write of {} bytes at sector {} is not in whole frames\n", self.name.as_str(), bytes, sector);
            bio.end(Err(Errno::Io));
            return;
        }
        let first = sector / SECTORS_PER_FRAME;
        let frames = u64::from(bytes) / zone::FRAME_BYTES;
        let preflush = flags & shim::BIO_PREFLUSH != 0 || bytes == 0;
        let fua = flags & shim::BIO_FUA != 0 && bytes > 0;
        let needed = |g: Geometry| {
            let pieces = g.zones_touched(first, frames).unwrap_or(0) as usize;
            pieces + usize::from(preflush) + usize::from(fua)
        };
        let mut q = self.queue.lock();
        // The queue limits keep a bio within 128 frames, which never needs
        // more than the room; a larger one would wait forever.
        if q.geometry.is_some_and(|g| needed(g) > QUEUE_ROOM) {
            drop(q);
            pr_err!("{}: write of {} bytes is too large\n", self.name.as_str(), bytes);
            bio.end(Err(Errno::Io));
            return;
        }
        let geometry = self.wait_room(&mut q, needed);
        let Some(geometry) = geometry else {
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
        if geometry.zone_of(first).is_none() {
            drop(q);
            bio.end(Err(Errno::Io));
            return;
        }
        if preflush {
            q.push(Request::Barrier(None));
        }
        let mut frame = first;
        let mut left = frames;
        loop {
            // The frames up to the end of this zone: at least one, since
            // every frame from `first` on lies in a zone.
            let in_zone = geometry.zone_of(frame).map_or(0, |z| z + u64::from(geometry.frames()) - frame);
            let skip = (frame - first) as u32;
            if left <= in_zone || in_zone == 0 {
                q.push(Request::Write(Piece { bio, skip, frame, frames: left as u32, hold: fua }));
                break;
            }
            let share = bio.share();
            q.push(Request::Write(Piece { bio: share, skip, frame, frames: in_zone as u32, hold: false }));
            frame += in_zone;
            left -= in_zone;
        }
        if fua {
            q.push(Request::Barrier(None));
        }
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

    /// `count` write pieces were completed (or held for a flush): wake
    /// congested writers.
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
            let u = self.users.lock();
            (u.open_count, u.settings)
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
