// SPDX-License-Identifier: GPL-2.0

//! The packet engine: the worker thread of a writing session.
//!
//! Data path: bio in (`device.rs` cuts writes at zone boundaries into
//! pieces, each a share of the bio) -> zone (pieces gathered per zone, in
//! arrival order) -> packet (missing frames read from the disc, each piece
//! copied in at its own frame offset, later pieces over earlier ones) ->
//! drive (exactly one whole, aligned WRITE per packet) -> completion (every
//! piece ends with the packet's result; a bio fails if any of its pieces
//! failed: never success for data that did not reach the disc).
//!
//! A zone is written as soon as its packet is fully covered.  A partly
//! covered zone waits for more: until no write has come for `GATHER_MS`
//! (the writers have paused, so nothing more is coming soon),
//! until `MAX_GATHER_PIECES` pieces for other zones came after its first
//! (a steady stream never starves it), until more than
//! `MAX_WAITING_ZONES` zones wait (the oldest goes first), until a barrier
//! (flush/FUA), or until the session ends; zones written together go in
//! C-SCAN order from the last one written.  `MAX_GATHER_MS` bounds the
//! wait of a zone in a slow trickle of writes.  Requests are handled one
//! by one in arrival order, whatever batches the worker happens to take
//! them in, and the limits count pieces, not time, so the same stream of
//! requests gives the same packets and drive commands.  Reads pass
//! through in order, and the first read after writes first flushes the
//! drive's cache; a flush is sent only when something was written since
//! the last one.  Once packets were written and nothing has come for
//! `QUIET_FLUSH_MS`, the drive's cache is flushed unasked: UDF's `sync`
//! sends no flush, and `sync` plus a pause should mean durable; a busy
//! stream gets no extra flush.  Speed policy (as in C): after
//! `FAST_READS` bytes of reads the drive may read at full speed; the next
//! packet write sets the write speed again.  The worker only takes the queue lock to move
//! requests; all drive I/O runs without locks.

use crate::bio::OwnedBio;
use crate::cdrom::cdb;
use crate::device::PktDevice;
use crate::packet::PacketBuf;
use crate::pktcore::{
    coverage::Coverage,
    errno::Errno,
    ticks::{self, Tick},
    zone::Geometry,
};
use crate::queue::{Piece, Request};
use crate::shim;
use crate::worker;
use kernel::prelude::*;

/// How long the requests must pause before partly covered zones are
/// written (the C driver waited 5 ms from a zone's first write; a writer
/// preempted for a few milliseconds should not look done).
pub(crate) const GATHER_MS: u32 = 10;

/// Pieces that may come for other zones while a partly covered zone
/// waits for more.
const MAX_GATHER_PIECES: u64 = 2048;

/// Partly covered zones that may wait at once.  Waiting zones hold only
/// their bios (buffers are taken when a zone is written), so this can be
/// well above the number of buffers: a file system writes a file's data
/// and, later in the same sync, the metadata in the gaps between.
const MAX_WAITING_ZONES: usize = 256;

/// The longest a partly covered zone waits while requests trickle in.
const MAX_GATHER_MS: u32 = 5000;

/// How long the requests must pause, after packets were written, before
/// the drive's cache is flushed unasked.
pub(crate) const QUIET_FLUSH_MS: u32 = 1000;

/// Reads in a row after which the drive may read at full speed (512 KiB).
const FAST_READS: u64 = 512 * 1024;

/// Pieces waiting for their zone to be written.
struct ZoneWork {
    zone: u64,
    pieces: KVec<Piece>,
    covered: Coverage,
    /// When its first piece came.
    since: Tick,
    /// `Engine::arrivals` when its first piece came.
    first_piece: u64,
}

/// Why the worker woke (the requests themselves are in `Engine::batch`).
struct Woken {
    /// The session ends.
    stopping: bool,
    /// No write came for `GATHER_MS` (and a tick) while zones waited.
    quiet: bool,
    /// Nothing came for `QUIET_FLUSH_MS` after packets were written.
    flush_due: bool,
}

struct Engine<'a> {
    dev: &'a PktDevice,
    geometry: Geometry,
    buffers: KVec<PacketBuf>,
    /// Partly covered zones, oldest first (full ones are written at once).
    pending: KVec<ZoneWork>,
    /// Pieces (FUA) that complete after the next flush, with their result.
    held: KVec<(OwnedBio, Result<(), Errno>)>,
    /// The requests taken, in arrival order: swapped with the queue's, so
    /// that neither side allocates.
    batch: KVVec<Request>,
    /// Packets were written since the last successful SYNCHRONIZE CACHE.
    unflushed: bool,
    /// C-SCAN position: the zone after the last written.
    position: u64,
    gather: Tick,
    max_gather: Tick,
    quiet_flush: Tick,
    /// Write pieces taken so far.
    arrivals: u64,
    /// When the writers' pause will be long enough (`GATHER_MS` from the
    /// first wait after their last request; reads do not count, so a
    /// reader cannot hold a waiting writer back).
    quiet_at: Option<Tick>,
    /// When the drive's cache is flushed unasked, if still `unflushed` and
    /// no zone waits: `QUIET_FLUSH_MS` after the last packet written or
    /// the last request since.  `None` once tried (a failed flush is
    /// reported by the next barrier, not retried in a loop).
    flush_at: Option<Tick>,
    clock: u64,
    /// The write speed of the session, kB/s.
    write_speed: u16,
    /// Bytes read since the last write.
    successive_reads: u64,
    /// Reads run at full speed (the write speed must be set before writing).
    read_fast: bool,
}

/// The worker: runs until the session ends and it is asked to stop.
pub(crate) fn run(dev: &PktDevice) {
    let Some(session) = dev.queue.lock().session.take() else {
        return;
    };
    let mut e = Engine {
        dev,
        geometry: session.settings.geometry,
        buffers: session.buffers,
        pending: KVec::new(),
        held: KVec::new(),
        batch: session.batch,
        unflushed: false,
        position: 0,
        gather: shim::ms_to_jiffies(GATHER_MS).max(1),
        max_gather: shim::ms_to_jiffies(MAX_GATHER_MS).max(1),
        quiet_flush: shim::ms_to_jiffies(QUIET_FLUSH_MS).max(1),
        arrivals: 0,
        quiet_at: None,
        flush_at: None,
        clock: 0,
        write_speed: session.write_speed,
        successive_reads: 0,
        read_fast: false,
    };
    loop {
        let woken = e.take_requests();
        let mut batch = core::mem::replace(&mut e.batch, KVVec::new());
        for r in batch.drain_all() {
            e.accept(r);
        }
        // Emptied, with its room: the next swap hands it to the submitters.
        e.batch = batch;
        e.write_waiting(woken.stopping || woken.quiet);
        if woken.flush_due {
            e.flush_at = None;
            let _ = e.flush_if_written();
        }
        if woken.stopping && e.pending.is_empty() && dev.close_queue_if_empty() {
            let _ = e.barrier();
            // Return only when told to: kthread_stop needs the thread alive.
            let mut q = dev.queue.lock();
            while !worker::should_stop() {
                let _ = dev.work.wait_interruptible_timeout(&mut q, shim::ms_to_jiffies(100));
            }
            return;
        }
    }
}

impl Engine<'_> {
    /// Waits for requests and takes them (swapping the queue's requests
    /// for the emptied `batch`).  While zones wait, waits until the writers
    /// have paused for `GATHER_MS` (then the requests are quiet) or until
    /// the oldest zone's `MAX_GATHER_MS` are up; while packets are
    /// unflushed and no zone waits, until `flush_at`.
    fn take_requests(&mut self) -> Woken {
        let mut q = self.dev.queue.lock();
        let mut quiet = false;
        let mut flush_due = false;
        let oldest = self.pending.iter().map(|z| z.since).reduce(ticks::earlier);
        let mut quiet_at = *self.quiet_at.get_or_insert(ticks::after(shim::jiffies(), self.gather));
        let mut confirmed = false;
        while q.incoming.is_empty() && !q.stopping && !worker::should_stop() {
            let now = shim::jiffies();
            let timeout = match (oldest, self.flush_at) {
                (None, Some(flush_at)) if self.unflushed => {
                    if ticks::at_or_after(now, flush_at) {
                        flush_due = true;
                        break;
                    }
                    ticks::until(flush_at, now)
                }
                (None, _) => shim::ms_to_jiffies(1000),
                (Some(since), _) if ticks::at_or_after(now, ticks::after(since, self.max_gather)) => break,
                // When the whole machine stood still (a virtual machine's
                // host busy elsewhere), the timer fires before the writers
                // had their turn: one more tick lets them run first.
                (Some(_), _) if ticks::at_or_after(now, quiet_at) && !confirmed => {
                    confirmed = true;
                    quiet_at = ticks::after(now, 1);
                    1
                }
                (Some(_), _) if ticks::at_or_after(now, quiet_at) => {
                    quiet = true;
                    break;
                }
                (Some(since), _) => {
                    let deadline = ticks::earlier(quiet_at, ticks::after(since, self.max_gather));
                    ticks::until(deadline, now)
                }
            };
            let _ = self.dev.work.wait_interruptible_timeout(&mut q, timeout.max(1));
        }
        let stopping = q.stopping || worker::should_stop();
        if !q.incoming.is_empty() {
            core::mem::swap(&mut q.incoming, &mut self.batch);
            drop(q);
            // Room again for the submitters that waited for it.
            self.dev.room.notify_all();
            if self.flush_at.is_some() {
                self.flush_at = Some(ticks::after(shim::jiffies(), self.quiet_flush));
            }
        }
        Woken { stopping, quiet, flush_due }
    }

    fn accept(&mut self, r: Request) {
        match r {
            Request::Read(bio, bytes) => self.issue_read(bio, bytes),
            Request::Write(piece) => {
                self.quiet_at = None;
                self.add_piece(piece);
            }
            Request::Barrier(bio) => {
                self.quiet_at = None;
                let result = self.barrier();
                if let Some(bio) = bio {
                    bio.end(result);
                }
            }
        }
    }

    /// Adds a piece to its zone: a full zone is written at once, then the
    /// zones that waited `MAX_GATHER_PIECES`, and the oldest while more than
    /// `MAX_WAITING_ZONES` wait.
    fn add_piece(&mut self, piece: Piece) {
        let Some(zone) = self.geometry.zone_of(piece.frame) else {
            self.fail_piece(piece, Errno::Io);
            return;
        };
        let at = match self.pending.iter().position(|z| z.zone == zone) {
            Some(i) => i,
            None => {
                let z = ZoneWork {
                    zone,
                    pieces: KVec::new(),
                    covered: Coverage::none(),
                    since: shim::jiffies(),
                    first_piece: self.arrivals,
                };
                if self.pending.push(z, GFP_KERNEL).is_err() {
                    self.fail_piece(piece, Errno::Nomem);
                    return;
                }
                self.pending.len() - 1
            }
        };
        self.arrivals += 1;
        let (first, frames) = ((piece.frame - zone) as u32, piece.frames);
        // Stored first, then its frames count as covered: a piece that
        // could not be stored must not leave frames marked that no piece
        // fills (the packet would be written with stale buffer data).
        if self.pending[at].pieces.reserve(1, GFP_KERNEL).is_err() {
            if self.pending[at].pieces.is_empty() {
                let _ = self.pending.remove(at);
            }
            self.fail_piece(piece, Errno::Nomem);
            return;
        }
        let z = &mut self.pending[at];
        // Within the room just reserved: cannot fail.
        let _ = z.pieces.push(piece, GFP_NOWAIT);
        z.covered.add(first, frames);
        if z.covered.is_full(self.geometry.frames()) {
            if let Ok(z) = self.pending.remove(at) {
                self.write_zone(z);
            }
        }
        // The oldest zone waits longest: it goes first on either count.
        while let Some(oldest) = self.pending.first() {
            if self.pending.len() <= MAX_WAITING_ZONES && self.arrivals - oldest.first_piece < MAX_GATHER_PIECES {
                break;
            }
            let Ok(z) = self.pending.remove(0) else { break };
            self.write_zone(z);
        }
    }

    /// Ends a piece that never joined a zone.
    fn fail_piece(&mut self, piece: Piece, e: Errno) {
        piece.bio.end(Err(e));
        self.dev.writes_done(1);
    }

    /// Sends a read; the first after writes flushes the drive first.
    fn issue_read(&mut self, bio: OwnedBio, bytes: u32) {
        if self.unflushed {
            let _ = self.flush_drive();
        }
        self.successive_reads += u64::from(bytes);
        if !self.read_fast && self.successive_reads >= FAST_READS {
            let fast = cdb::set_speed(0xffff, self.write_speed);
            self.read_fast = self.dev.cd_handle().command(&fast, true).is_ok();
        }
        bio.remap(self.dev.cd_handle());
    }

    /// Writes the waiting zones whose `MAX_GATHER_MS` are up, or all of
    /// them, in C-SCAN order.
    fn write_waiting(&mut self, all: bool) {
        let now = shim::jiffies();
        loop {
            // The first due zone at or after the position, else the lowest.
            let pick = self
                .pending
                .iter()
                .enumerate()
                .filter(|(_, z)| all || ticks::at_or_after(now, ticks::after(z.since, self.max_gather)))
                .min_by_key(|(_, z)| (z.zone < self.position, z.zone))
                .map(|(i, _)| i);
            let Some(i) = pick else { break };
            let Ok(z) = self.pending.remove(i) else { break };
            self.write_zone(z);
        }
    }

    fn write_all(&mut self) {
        self.write_waiting(true);
    }

    /// The buffer for `zone`: the one holding it, else the least recently
    /// used.
    fn buffer_for(&mut self, zone: u64) -> Option<usize> {
        if let Some(i) = self.buffers.iter().position(|b| b.zone == Some(zone)) {
            return Some(i);
        }
        let (i, _) = self.buffers.iter().enumerate().min_by_key(|(_, b)| b.last_use)?;
        let b = &mut self.buffers[i];
        b.zone = Some(zone);
        b.valid = Coverage::none();
        Some(i)
    }

    /// Gathers, assembles and writes one packet, then completes its pieces.
    fn write_zone(&mut self, z: ZoneWork) {
        let frames = self.geometry.frames();
        self.clock += 1;
        let result = match self.buffer_for(z.zone) {
            None => Err(Errno::Nomem),
            Some(i) => self.assemble_and_write(i, &z),
        };
        self.position = z.zone + u64::from(frames);
        self.flush_at = Some(ticks::after(shim::jiffies(), self.quiet_flush));
        self.dev.packet_done(&z.pieces, result.is_ok());
        let count = z.pieces.len();
        for piece in z.pieces {
            if !piece.hold {
                piece.bio.end(result);
            } else if self.held.reserve(1, GFP_KERNEL).is_ok() {
                // Within the room just reserved: cannot fail.
                let _ = self.held.push((piece.bio, result), GFP_NOWAIT);
            } else {
                // No memory to hold it until the barrier: flush now, so
                // that it still ends only once its data is durable.
                let flushed = self.flush_if_written();
                piece.bio.end(result.and(flushed));
            }
        }
        self.dev.writes_done(count);
    }

    fn assemble_and_write(&mut self, i: usize, z: &ZoneWork) -> Result<(), Errno> {
        let frames = self.geometry.frames();
        let cd = self.dev.cd_handle();
        let clock = self.clock;
        let buf = &mut self.buffers[i];
        buf.last_use = clock;
        // Read the frames neither written now nor already in the buffer.
        let mut have = z.covered;
        have.union(&buf.valid);
        let mut gathered = 0u32;
        let mut result = Ok(());
        for (first, count) in have.missing_runs(frames) {
            if let Err(e) = buf.read(cd, z.zone, first, count) {
                result = Err(e);
                break;
            }
            gathered += count;
        }
        self.dev.count_gather(gathered);
        if result.is_ok() && self.read_fast {
            let speed = cdb::set_speed(self.write_speed, self.write_speed);
            let _ = self.dev.cd_handle().command(&speed, true);
            self.read_fast = false;
        }
        self.successive_reads = 0;
        if result.is_ok() {
            // Arrival order: a later write of the same frame wins.
            for p in &z.pieces {
                buf.fill_from((p.frame - z.zone) as u32, &p.bio, p.skip, p.frames);
            }
            result = buf.write(cd, z.zone);
            self.unflushed = true;
        }
        match result {
            Ok(()) => buf.valid = Coverage::all(frames),
            Err(e) => {
                buf.zone = None;
                buf.valid = Coverage::none();
                pr_err!(
                    "{}: writing the packet at frame {} failed (error {})\n",
                    self.dev.name.as_str(),
                    z.zone,
                    e.to_raw()
                );
            }
        }
        result
    }

    /// SYNCHRONIZE CACHE.  After a failure the writes stay unflushed: the
    /// next barrier sends it again and reports its result.
    fn flush_drive(&mut self) -> Result<(), Errno> {
        let result = self
            .dev
            .cd_handle()
            .command(&cdb::synchronize_cache(), false)
            .map_err(|_| Errno::Io);
        self.unflushed = result.is_err();
        result
    }

    /// SYNCHRONIZE CACHE if packets were written since the last one: an
    /// idle drive's cache holds none of our data, so the count of flushes
    /// does not depend on how opens, reads and barriers interleave.
    fn flush_if_written(&mut self) -> Result<(), Errno> {
        if self.unflushed {
            self.flush_drive()
        } else {
            Ok(())
        }
    }

    /// Everything written and the drive flushed; then the held pieces
    /// complete.  At a barrier request and at the session's end.
    fn barrier(&mut self) -> Result<(), Errno> {
        self.write_all();
        let result = self.flush_if_written();
        for (held, r) in self.held.drain_all() {
            held.end(r.and(result));
        }
        result
    }
}
