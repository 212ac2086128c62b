// SPDX-License-Identifier: GPL-2.0

//! Submission: bios in, cut into the engine's pieces and barriers, in
//! the queue's room; congestion; what the worker reports back.

use super::PktDevice;
use crate::bio::OwnedBio;
use crate::pktcore::{
    errno::Errno,
    zone::{self, Geometry, SECTORS_PER_FRAME},
};
use crate::queue::{Piece, Queue, Request, QUEUE_ROOM};
use crate::shim;
use core::sync::atomic::Ordering;
use kernel::{
    prelude::*,
    sync::{lock::mutex::MutexBackend, lock::Guard},
};

impl PktDevice {
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
            let geometry = q.geometry()?;
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
        let awaited = flags & shim::BIO_AWAITED != 0;
        let needed = |g: Geometry| {
            let pieces = g.zones_touched(first, frames).unwrap_or(0) as usize;
            pieces + usize::from(preflush) + usize::from(fua)
        };
        let mut q = self.queue.lock();
        // The queue limits keep a bio within 128 frames, which never needs
        // more than the room; a larger one would wait forever.
        if q.geometry().is_some_and(|g| needed(g) > QUEUE_ROOM) {
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
            // A share of the bio: a failed flush fails the bio (the writes
            // before it may not be durable).
            q.push(Request::Barrier(Some(bio.share())));
        }
        for s in geometry.shares(first, frames) {
            if s.last {
                q.push(Request::Write(Piece { request: bio, skip: s.skip, frame: s.frame, frames: s.frames, hold: fua, awaited }));
                break;
            }
            let share = bio.share();
            q.push(Request::Write(Piece { request: share, skip: s.skip, frame: s.frame, frames: s.frames, hold: false, awaited }));
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
        if q.geometry().is_none() || q.queued_writes < marks.on() as usize {
            return;
        }
        while q.accepting && q.queued_writes > marks.off() as usize {
            self.congestion.wait(&mut q);
        }
    }

    /// The worker wrote (or failed) a packet whose pieces wrote
    /// `data_frames` frames.
    pub(crate) fn packet_done(&self, data_frames: u64, ok: bool) {
        let sectors = data_frames * SECTORS_PER_FRAME;
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
}
