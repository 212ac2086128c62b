// SPDX-License-Identifier: GPL-2.0

//! Opens, closes and writing sessions of a pkt device, and teardown's
//! first step: what takes `PktDevice::state`.

use super::{OpenState, PktDevice};
use crate::cdrom::CdHandle;
use crate::packet::PacketBuf;
use crate::pktcore::mmc::cdb;
use crate::pktcore::{engine::Limits, errno::Errno, zone::SECTORS_PER_FRAME};
use crate::queue::{EngineTables, Session, QUEUE_ROOM};
use crate::shim;
use crate::worker::Worker;
use crate::write_probe;
use kernel::prelude::*;

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
        if result.is_ok() {
            u.open_count += 1;
        }
        result
    }

    /// The drive commands of an open: the first opens the drive fully,
    /// the first for writing starts a session.
    fn open_drive(&self, st: &mut OpenState, disk: &crate::disk_ops::DiskRef, mode: u32, first: bool)
        -> Result<(), Errno>
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
            let started = self.start_session(st);
            if started.is_err() && first {
                self.close_drive(st);
            }
            return started;
        }
        Ok(())
    }

    /// Starts a writing session: probe the disc, allocate the packet
    /// buffers and the queue's room (here, not on the I/O path), start the
    /// worker.
    fn start_session(&self, st: &mut OpenState) -> Result<(), Errno> {
        let excl = st.excl.as_ref().ok_or(Errno::Io)?;
        let (settings, write_speed) = write_probe::probe(excl, &self.name)?;
        // A media change from before the session (the disc's insertion,
        // the probe's own commands) is no reason to fail its first flush:
        // forget it (see `CdHandle::media_changed`).
        excl.media_changed();
        let n = buffers_param();
        let mut buffers = KVec::with_capacity(n, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        for _ in 0..n {
            let b = PacketBuf::new(settings.geometry.frames())?;
            buffers.push(b, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        }
        let tables = EngineTables::new(&Limits::new(shim::ms_to_jiffies), n)?;
        let incoming = KVVec::with_capacity(QUEUE_ROOM, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        let batch = KVVec::with_capacity(QUEUE_ROOM, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        {
            let mut q = self.queue.lock();
            q.incoming = incoming;
            q.settings = Some(settings);
            q.accepting = true;
            q.session = Some(Session { write_speed, buffers, tables, batch });
            q.stopping = false;
            q.queued_writes = 0;
        }
        let pd: *const Self = self;
        // SAFETY: the worker is stopped (in `end_session`) before the last
        // close returns, and the device outlives every open.
        match unsafe { Worker::start(pd.cast(), &self.name) } {
            Ok(worker) => {
                st.worker = Some(worker);
                Ok(())
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
            q.settings = None;
            q.accepting = false;
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
        q.accepting = false;
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
}
