// SPDX-License-Identifier: GPL-2.0

//! The packet engine: the worker thread of a writing session.
//!
//! Data path: bio in (`device.rs` splits writes at zone boundaries) ->
//! zone (pieces gathered per zone, in arrival order) -> packet (missing
//! frames read from the disc, each piece copied in at its own frame
//! offset, later pieces over earlier ones) -> drive (exactly one whole,
//! aligned WRITE per packet) -> completion (every piece ends with the
//! packet's result: never success for data that did not reach the disc).
//!
//! A zone is written when its packet is fully covered, when its first
//! piece has waited `GATHER_MS`, at a barrier (flush/FUA), when more zones
//! wait than there are buffers, or when the session ends; zones go in
//! C-SCAN order from the last one written.  Reads pass through in order,
//! and the first read after writes first flushes the drive's cache.  Speed
//! policy (as in C): after `FAST_READS` bytes of reads the drive may read
//! at full speed; the next packet write sets the write speed again.  The
//! worker only takes the queue lock to move requests; all drive I/O runs
//! without locks.

use crate::bio::OwnedBio;
use crate::cdrom::cdb;
use crate::device::PktDevice;
use crate::packet::PacketBuf;
use crate::pktcore::{coverage::Coverage, errno::Errno, zone::Geometry};
use crate::queue::{Piece, Request};
use crate::shim;
use crate::worker;
use kernel::{prelude::*, time::Jiffies};

/// How long the first write of a zone waits for more (the C driver's 5 ms).
pub(crate) const GATHER_MS: u32 = 5;

/// Reads in a row after which the drive may read at full speed (512 KiB).
const FAST_READS: u64 = 512 * 1024;

/// Pieces waiting for their zone to be written.
struct ZoneWork {
    zone: u64,
    pieces: KVec<Piece>,
    covered: Coverage,
    since: Jiffies,
}

struct Engine<'a> {
    dev: &'a PktDevice,
    geometry: Geometry,
    buffers: KVec<PacketBuf>,
    pending: KVec<ZoneWork>,
    reads: KVec<OwnedBio>,
    /// Pieces (FUA) that complete after the next flush, with their result.
    held: KVec<(OwnedBio, Result<(), Errno>)>,
    /// The last drive command was a write (a read needs a flush first).
    wrote: bool,
    /// C-SCAN position: the zone after the last written.
    position: u64,
    gather: Jiffies,
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
        reads: KVec::new(),
        held: KVec::new(),
        wrote: false,
        position: 0,
        gather: shim::ms_to_jiffies(GATHER_MS).max(1),
        clock: 0,
        write_speed: session.write_speed,
        successive_reads: 0,
        read_fast: false,
    };
    loop {
        let (requests, stopping) = e.take_requests();
        for r in requests {
            e.accept(r);
        }
        e.issue_reads();
        e.write_ready(stopping);
        if stopping && e.pending.is_empty() && dev.queue.lock().incoming.is_empty() {
            e.finish();
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
    /// Waits for requests (or a zone's deadline) and takes them.
    fn take_requests(&mut self) -> (KVec<Request>, bool) {
        let mut q = self.dev.queue.lock();
        while q.incoming.is_empty() && !q.stopping && !worker::should_stop() {
            let timeout = match self.pending.iter().map(|z| z.since + self.gather).min() {
                None => shim::ms_to_jiffies(1000),
                Some(deadline) => {
                    let now = shim::jiffies();
                    if deadline <= now {
                        break;
                    }
                    deadline - now
                }
            };
            let _ = self.dev.work.wait_interruptible_timeout(&mut q, timeout);
            if !self.pending.is_empty() {
                break;
            }
        }
        let stopping = q.stopping || worker::should_stop();
        (core::mem::replace(&mut q.incoming, KVec::new()), stopping)
    }

    fn accept(&mut self, r: Request) {
        match r {
            // Without memory to queue it, the bio ends with EIO on drop.
            Request::Read(bio, bytes) => {
                self.successive_reads += u64::from(bytes);
                let _ = self.reads.push(bio, GFP_KERNEL);
            }
            Request::Write(piece) => self.add_piece(piece),
            Request::Barrier(bio) => {
                self.issue_reads();
                self.write_all();
                let result = self.flush_drive();
                for (held, r) in self.held.drain_all() {
                    held.end(r.and(result));
                }
                if let Some(bio) = bio {
                    bio.end(result);
                }
            }
        }
    }

    fn add_piece(&mut self, piece: Piece) {
        let Some(zone) = self.geometry.zone_of(piece.frame) else {
            piece.bio.end(Err(Errno::Io));
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
                };
                if self.pending.push(z, GFP_KERNEL).is_err() {
                    piece.bio.end(Err(Errno::Nomem));
                    return;
                }
                self.pending.len() - 1
            }
        };
        let z = &mut self.pending[at];
        z.covered.add((piece.frame - zone) as u32, piece.frames);
        let _ = z.pieces.push(piece, GFP_KERNEL);
    }

    /// Sends the waiting reads; the first after writes flushes the drive.
    fn issue_reads(&mut self) {
        if self.reads.is_empty() {
            return;
        }
        if self.wrote {
            let _ = self.flush_drive();
        }
        if !self.read_fast && self.successive_reads >= FAST_READS {
            let fast = cdb::set_speed(0xffff, self.write_speed);
            self.read_fast = self.dev.cd_handle().command(&fast, true).is_ok();
        }
        for bio in self.reads.drain_all() {
            bio.remap(self.dev.cd_handle());
        }
    }

    /// Writes the zones that are ready, in C-SCAN order.
    fn write_ready(&mut self, all: bool) {
        let now = shim::jiffies();
        let frames = self.geometry.frames();
        let crowded = self.pending.len() > self.buffers.len();
        loop {
            let ready = |z: &ZoneWork| all || crowded || z.covered.is_full(frames) || now >= z.since + self.gather;
            // The first ready zone at or after the position, else the lowest.
            let pick = self
                .pending
                .iter()
                .enumerate()
                .filter(|(_, z)| ready(z))
                .min_by_key(|(_, z)| (z.zone < self.position, z.zone))
                .map(|(i, _)| i);
            let Some(i) = pick else { break };
            let Ok(z) = self.pending.remove(i) else { break };
            self.write_zone(z);
        }
    }

    fn write_all(&mut self) {
        self.write_ready(true);
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
        self.dev.packet_done(&z.pieces, result.is_ok());
        let count = z.pieces.len();
        for piece in z.pieces {
            if piece.hold {
                // Without memory to hold it, the piece ends with EIO on drop.
                let _ = self.held.push((piece.bio, result), GFP_KERNEL);
            } else {
                piece.bio.end(result);
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
                buf.fill_from((p.frame - z.zone) as u32, &p.bio);
            }
            result = buf.write(cd, z.zone);
            self.wrote = true;
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

    /// SYNCHRONIZE CACHE.
    fn flush_drive(&mut self) -> Result<(), Errno> {
        self.wrote = false;
        self.dev
            .cd_handle()
            .command(&cdb::synchronize_cache(), false)
            .map_err(|_| Errno::Io)
    }

    /// The session ends: everything written and flushed.
    fn finish(&mut self) {
        self.issue_reads();
        self.write_all();
        let result = self.flush_drive();
        for (held, r) in self.held.drain_all() {
            held.end(r.and(result));
        }
    }
}
