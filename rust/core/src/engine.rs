// SPDX-License-Identifier: GPL-2.0

//! The packet engine: every decision of a writing session, as a
//! deterministic state machine without I/O.
//!
//! Data path: bio in (the submitter cuts writes at zone boundaries into
//! [`Piece`]s, each a share of the bio) -> zone (pieces gathered per zone,
//! in arrival order) -> packet (missing frames read from the disc, each
//! piece copied in at its own frame offset, later pieces over earlier
//! ones) -> drive (whole, aligned packets: one WRITE each, or on
//! random-writable media one WRITE for a run of adjacent full ones) ->
//! completion (every piece ends with its packet's result: never success
//! for data that did not reach the disc).
//!
//! The engine does no I/O and has no clock.  Requests come in as calls
//! ([`Engine::write`], [`Engine::read`], [`Engine::barrier`]); the engine
//! answers with [`Action`]s that its executor carries out, one at a time,
//! returning each one's result ([`Execute`]); time is what the executor's
//! [`Execute::now`] says.  The kernel's worker thread (`rust/engine.rs`)
//! is one executor, the host tests' simulated drive another.  Memory is
//! the [`Tables`] the executor allocated when the session started; the
//! engine never allocates, so no request ever fails for want of memory.
//!
//! # The rules, and where they live
//!
//! - A zone is written as soon as its packet is fully covered
//!   ([`Engine::write`]).  Where one WRITE may carry several packets
//!   ([`Limits::max_run`] above 1: random-writable media), a full zone
//!   waits instead while the pieces go to the zone after it, until
//!   [`Limits::max_run`] adjacent full zones wait, a piece goes elsewhere,
//!   or a rule below for partly covered zones writes it (its writer waits
//!   for it, the writers paused, ...); then the adjacent full zones go in
//!   one WRITE (a run).  Not as soon as nothing is queued: whether the
//!   worker finds the queue empty between two bios of a stream depends on
//!   timing, and the packets' commands would too.  If that WRITE fails, each packet of
//!   the run is written again alone and ends with its own result, so a
//!   writer's result never depends on its neighbours'.
//! - A partly covered zone waits for more, until one of
//!   ([`Engine::idle`] and [`Engine::timer`] for the time limits,
//!   [`Engine::write`] for the counts):
//!   - its writer waits for it ([`Piece::awaited`]) and nothing is
//!     queued: nothing more can come for it before that writer has its
//!     answer, so waiting would only delay the writer;
//!   - the writers paused: no write for [`Limits::gather`] ticks from
//!     when the executor had nothing to do, and none in one more tick
//!     (a virtual machine whose host stopped it fires its timer before
//!     the writers had their turn);
//!   - [`Limits::max_gather_pieces`] pieces came since its first, that
//!     one included (a steady stream elsewhere does not starve it);
//!   - more than [`Limits::max_waiting_zones`] zones wait (the oldest
//!     goes first);
//!   - a barrier, or the end of the session ([`Engine::write_all`]);
//!   - [`Limits::max_gather`] ticks passed since its first piece (a slow
//!     trickle).
//! - Zones written together go in C-SCAN order from the zone after the
//!   last one written (`write_waiting`).
//! - The packet buffer holding a zone is reused for it (the zone cache),
//!   else the least recently used one (`buffer_for`); frames neither
//!   written now nor valid in the buffer are gathered, one read per run.
//! - A read passes in order; the first after packets were written first
//!   flushes the drive's cache ([`Engine::read`]).
//! - A barrier writes every waiting zone, then sends SYNCHRONIZE CACHE
//!   if packets were written since the last successful one, then ends the
//!   FUA pieces held for it ([`Engine::barrier`]).  A failed flush leaves
//!   the writes unflushed: the next barrier sends it again.
//! - Once packets were written and nothing came for
//!   [`Limits::quiet_flush`] ticks, with no zone waiting, the drive's
//!   cache is flushed unasked, once ([`Engine::idle`]).
//! - Speed (as in C): after [`Limits::fast_reads`] bytes of reads in a row
//!   the drive may read at full speed; the next packet write sets the
//!   write speed again.
//!
//! Requests are handled one by one in arrival order, and the count limits
//! count pieces, not time, so the same requests give the same actions.

use super::coverage::Coverage;
use super::errno::Errno;
use super::ticks::{self, Tick};
use super::zone::Geometry;

/// How long the writers must pause before partly covered zones are
/// written, in ms (the C driver waited 5 ms from a zone's first write; a
/// writer preempted for a few milliseconds should not look done).
pub const GATHER_MS: u32 = 10;
/// The longest a partly covered zone waits while writes trickle in, ms.
pub const MAX_GATHER_MS: u32 = 5000;
/// How long the requests must pause, after packets were written, before
/// the drive's cache is flushed unasked, ms.
pub const QUIET_FLUSH_MS: u32 = 1000;
/// Pieces, its own first included, that may come while a partly covered
/// zone waits.
pub const MAX_GATHER_PIECES: u32 = 2048;
/// Partly covered zones that may wait at once.  Waiting zones hold only
/// their pieces (a buffer is taken when a zone is written), so this can be
/// well above the number of buffers: a file system writes a file's data
/// and, later in the same sync, the metadata in the gaps between.
pub const MAX_WAITING_ZONES: u32 = 256;
/// Bytes of reads in a row after which the drive may read at full speed.
pub const FAST_READS: u64 = 512 * 1024;
/// The most packets one WRITE carries.
pub const MAX_RUN: usize = 16;

/// SET CD SPEED's "as fast as the drive can".
pub const FASTEST: u16 = 0xffff;

/// The engine's limits.  Times are in the executor's ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The writers' pause after which waiting zones are written.
    pub gather: usize,
    /// The longest a zone waits.
    pub max_gather: usize,
    /// The pause after which written packets are flushed unasked.
    pub quiet_flush: usize,
    /// See [`MAX_GATHER_PIECES`].
    pub max_gather_pieces: u32,
    /// See [`MAX_WAITING_ZONES`].
    pub max_waiting_zones: u32,
    /// See [`FAST_READS`].
    pub fast_reads: u64,
    /// Packets one WRITE may carry (at most [`MAX_RUN`] and the number of
    /// buffers are used): 1 where each WRITE must be one packet (fixed
    /// packets), more where the drive takes any whole blocks.
    pub max_run: u32,
}

impl Limits {
    /// The driver's limits, with `ms_to_ticks` converting its times (each
    /// at least one tick).
    pub fn new(ms_to_ticks: impl Fn(u32) -> usize) -> Self {
        Limits {
            gather: ms_to_ticks(GATHER_MS).max(1),
            max_gather: ms_to_ticks(MAX_GATHER_MS).max(1),
            quiet_flush: ms_to_ticks(QUIET_FLUSH_MS).max(1),
            max_gather_pieces: MAX_GATHER_PIECES,
            max_waiting_zones: MAX_WAITING_ZONES,
            fast_reads: FAST_READS,
            max_run: 1,
        }
    }

    /// Piece slots a session needs: every waiting piece arrived after the
    /// oldest zone's first, and fewer than `max_gather_pieces` did.
    pub const fn piece_slots(&self) -> usize {
        self.max_gather_pieces as usize
    }

    /// Zone slots a session needs: one more than may wait.
    pub const fn zone_slots(&self) -> usize {
        self.max_waiting_zones as usize + 1
    }
}

/// A write bio's frames that lie within one zone: the whole bio, or one
/// share of it.  `T` is the executor's handle on it (the kernel: the bio).
#[derive(Debug)]
pub struct Piece<T> {
    /// The executor's handle, handed back in [`Action::Fill`] and
    /// [`Action::Complete`].
    pub request: T,
    /// Frames of the bio before this piece's.
    pub skip: u32,
    /// First frame it writes.
    pub frame: u64,
    /// Frames it writes (all within one zone).
    pub frames: u32,
    /// Complete it only after the next barrier's SYNCHRONIZE CACHE (FUA).
    pub hold: bool,
    /// Its writer waits for it and sends nothing more meanwhile (a bio
    /// with both REQ_SYNC and REQ_IDLE: a direct write of a synchronous
    /// writer; writeback never sets REQ_IDLE).  Once nothing is queued,
    /// its zone is written at once.
    pub awaited: bool,
}

/// What the engine asks its executor to do.
#[derive(Debug)]
pub enum Action<'r, T> {
    /// Read frames `first..first + count` of `zone` into packet buffer
    /// `buffer`, at the same offsets.
    Gather {
        /// Packet buffer index.
        buffer: usize,
        /// The zone's first frame.
        zone: u64,
        /// First frame within the zone.
        first: u32,
        /// Frames to read.
        count: u32,
    },
    /// Copy frames `skip..skip + frames` of `request`'s data into packet
    /// buffer `buffer` from frame `at` of the zone.  Cannot fail.
    Fill {
        /// Packet buffer index.
        buffer: usize,
        /// First frame within the zone.
        at: u32,
        /// The piece's request.
        request: &'r T,
        /// Frames of the request before the piece's.
        skip: u32,
        /// Frames to copy.
        frames: u32,
    },
    /// Write the whole packet buffers `buffers` to the adjacent zones
    /// from `zone` on, in that order, as one WRITE.
    WritePackets {
        /// The first zone's first frame.
        zone: u64,
        /// Packet buffer indices, one per zone (at least one).
        buffers: &'r [usize],
    },
    /// SYNCHRONIZE CACHE.
    SynchronizeCache,
    /// SET CD SPEED, kB/s.
    SetSpeed {
        /// Read speed.
        read: u16,
        /// Write speed.
        write: u16,
    },
    /// Pass a read to the drive (it completes there).
    PassRead(T),
    /// Complete a request with this result.
    Complete(T, Result<(), Errno>),
    /// A packet was written, or failed (before its pieces complete).
    PacketDone {
        /// The zone's first frame.
        zone: u64,
        /// Frames the pieces wrote (with overlaps counted twice).
        data_frames: u64,
        /// The result every piece gets.
        result: Result<(), Errno>,
    },
    /// So many write pieces have left the engine (completed, or held for
    /// a flush): congestion can ease.
    WritesDone(usize),
}

impl<T> Action<'_, T> {
    /// Whether the action waits for the drive and its result counts.
    pub const fn is_io(&self) -> bool {
        matches!(
            self,
            Action::Gather { .. }
                | Action::WritePackets { .. }
                | Action::SynchronizeCache
                | Action::SetSpeed { .. }
        )
    }
}

/// An executor: carries out the engine's actions.
pub trait Execute<T> {
    /// Carries out `action` and returns its result (`Ok` for actions that
    /// cannot fail: see [`Action::is_io`]).
    fn execute(&mut self, action: Action<'_, T>) -> Result<(), Errno>;
    /// The time now, in ticks.
    fn now(&self) -> Tick;
}

/// Why [`Engine::idle`] woke the executor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Due {
    /// The writers paused: write every waiting zone.
    Quiet,
    /// The oldest zone waited its longest: write the zones that did.
    MaxGather,
    /// Nothing is queued and a writer waits for a zone: write the zones
    /// that hold an awaited piece.
    Awaited,
    /// Written packets and no request for a while: flush the drive.
    QuietFlush,
}

/// What an executor with nothing queued does next ([`Engine::idle`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Wait {
    /// Nothing to do: wait for a request (the executor may look again
    /// whenever it likes).
    Idle,
    /// Wait for a request at most so many ticks (at least one), then ask
    /// again.
    Ticks(usize),
    /// Something is due: call [`Engine::timer`] with it.
    Due(Due),
}

const NONE: u32 = u32::MAX;

/// A slot of the piece table.
#[derive(Debug)]
pub struct PieceSlot<T> {
    piece: Option<Piece<T>>,
    /// The next piece of the same zone (arrival order), or of the free
    /// list.
    next: u32,
}

impl<T> PieceSlot<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        PieceSlot {
            piece: None,
            next: NONE,
        }
    }
}

impl<T> Default for PieceSlot<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// A waiting zone.
#[derive(Clone, Copy, Debug, Default)]
pub struct ZoneSlot {
    zone: u64,
    covered: Coverage,
    /// When its first piece came.
    since: Tick,
    /// `Engine::arrivals` when its first piece came.
    first_piece: u64,
    /// One of its pieces is awaited ([`Piece::awaited`]).
    awaited: bool,
    /// Its pieces, in arrival order: first and last slot.
    head: u32,
    tail: u32,
}

/// What the engine knows of a packet buffer (the executor holds its
/// pages, at the same index).
#[derive(Clone, Copy, Debug, Default)]
pub struct BufferSlot {
    /// The zone whose data the buffer holds, if any.
    zone: Option<u64>,
    /// Frames that hold that zone's current data.
    valid: Coverage,
    /// When it was last used, for LRU reuse.
    last_use: u64,
}

/// A FUA piece that completes after the next flush, with its packet's
/// result.
#[derive(Debug)]
pub struct HeldSlot<T>(Option<(T, Result<(), Errno>)>);

impl<T> HeldSlot<T> {
    /// An empty slot.
    pub const fn new() -> Self {
        HeldSlot(None)
    }
}

impl<T> Default for HeldSlot<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// The engine's memory, allocated by the executor when the session starts.
pub struct Tables<'a, T> {
    /// At least [`Limits::piece_slots`] (fewer only write zones early).
    pub pieces: &'a mut [PieceSlot<T>],
    /// At least [`Limits::zone_slots`].
    pub zones: &'a mut [ZoneSlot],
    /// One per packet buffer of the executor.
    pub buffers: &'a mut [BufferSlot],
    /// FUA pieces waiting for their flush (a FUA piece is followed by its
    /// barrier, so a few are enough; without room the engine flushes at
    /// once).
    pub held: &'a mut [HeldSlot<T>],
}

/// The packet engine of one writing session.
///
/// # Invariants
///
/// - `zones[..zone_count]` are the waiting zones, oldest first, each with
///   at least one piece; `zone_count <= zones.len()`.
/// - Every slot index in a zone's list or the free list is below
///   `pieces.len()`; a slot is in exactly one list; slots in a zone's
///   list hold a piece, free ones none.
/// - `held[..held_count]` hold a piece each, in the order they came.
pub struct Engine<'a, T> {
    geometry: Geometry,
    limits: Limits,
    pieces: &'a mut [PieceSlot<T>],
    free: u32,
    zones: &'a mut [ZoneSlot],
    zone_count: usize,
    buffers: &'a mut [BufferSlot],
    held: &'a mut [HeldSlot<T>],
    held_count: usize,
    /// Packets were written since the last successful SYNCHRONIZE CACHE.
    unflushed: bool,
    /// C-SCAN position: the zone after the last written.
    position: u64,
    /// Write pieces taken so far.
    arrivals: u64,
    /// Packets assembled so far (the buffers' LRU clock).
    clock: u64,
    /// When the writers' pause is long enough: `gather` from the first
    /// wait after their last request (reads do not count, so a reader
    /// cannot hold a waiting writer back).
    quiet_at: Option<Tick>,
    /// In this wait, once `quiet_at` passed: one more tick, for the
    /// writers to have their turn, ends then.
    confirm_at: Option<Tick>,
    /// When the drive's cache is flushed unasked, if still `unflushed` and
    /// no zone waits: `quiet_flush` after the last packet written or the
    /// last request since.  `None` once tried (a failed flush is reported
    /// by the next barrier, not retried in a loop).
    flush_at: Option<Tick>,
    /// The session's write speed, kB/s.
    write_speed: u16,
    /// Bytes read since the last packet write.
    successive_reads: u64,
    /// Reads run at full speed (the write speed must be set before writing).
    read_fast: bool,
}

impl<'a, T> Engine<'a, T> {
    /// An engine for a session with `geometry`, writing at `write_speed`.
    pub fn new(
        geometry: Geometry,
        write_speed: u16,
        limits: Limits,
        tables: Tables<'a, T>,
    ) -> Self {
        let pieces = tables.pieces;
        // The free list: every slot, in order.
        let n = pieces.len().min(NONE as usize);
        for (i, slot) in pieces.iter_mut().enumerate().take(n) {
            slot.piece = None;
            slot.next = if i + 1 < n { (i + 1) as u32 } else { NONE };
        }
        for b in tables.buffers.iter_mut() {
            *b = BufferSlot::default();
        }
        let held = tables.held;
        for h in held.iter_mut() {
            h.0 = None;
        }
        Engine {
            geometry,
            limits,
            pieces: &mut pieces[..n],
            free: if n > 0 { 0 } else { NONE },
            zones: tables.zones,
            zone_count: 0,
            buffers: tables.buffers,
            held,
            held_count: 0,
            unflushed: false,
            position: 0,
            arrivals: 0,
            clock: 0,
            quiet_at: None,
            confirm_at: None,
            flush_at: None,
            write_speed,
            successive_reads: 0,
            read_fast: false,
        }
    }

    /// The session's packet geometry.
    pub const fn geometry(&self) -> Geometry {
        self.geometry
    }

    /// Whether no zone waits.
    pub const fn is_idle(&self) -> bool {
        self.zone_count == 0
    }

    /// Zones waiting.
    pub const fn waiting_zones(&self) -> usize {
        self.zone_count
    }

    /// Requests were taken from the queue (before they are handed in):
    /// a pending quiet flush waits again.
    pub fn taken(&mut self, now: Tick) {
        if self.flush_at.is_some() {
            self.flush_at = Some(ticks::after(now, self.limits.quiet_flush));
        }
    }

    /// The executor found nothing queued and is about to wait: the
    /// writers' pause starts now, if it had not yet.  Then call
    /// [`Engine::idle`] until a request comes or something is due.
    pub fn begin_wait(&mut self, now: Tick) {
        if self.quiet_at.is_none() {
            self.quiet_at = Some(ticks::after(now, self.limits.gather));
        }
        self.confirm_at = None;
    }

    /// With nothing queued at `now`: how long to wait, or what is due.
    pub fn idle(&mut self, now: Tick) -> Wait {
        if self.waiting().iter().any(|z| z.awaited) {
            return Wait::Due(Due::Awaited);
        }
        let oldest = self
            .waiting()
            .iter()
            .map(|z| z.since)
            .reduce(ticks::earlier);
        let Some(since) = oldest else {
            return match self.flush_at {
                Some(flush_at) if self.unflushed => match ticks::until(flush_at, now) {
                    0 => Wait::Due(Due::QuietFlush),
                    t => Wait::Ticks(t),
                },
                _ => Wait::Idle,
            };
        };
        let max_at = ticks::after(since, self.limits.max_gather);
        if ticks::at_or_after(now, max_at) {
            return Wait::Due(Due::MaxGather);
        }
        let quiet_at = *self
            .quiet_at
            .get_or_insert(ticks::after(now, self.limits.gather));
        let quiet_at = self.confirm_at.unwrap_or(quiet_at);
        if ticks::at_or_after(now, quiet_at) {
            if self.confirm_at.is_none() {
                self.confirm_at = Some(ticks::after(now, 1));
                return Wait::Ticks(1);
            }
            return Wait::Due(Due::Quiet);
        }
        Wait::Ticks(ticks::until(ticks::earlier(quiet_at, max_at), now).max(1))
    }

    /// Does what [`Engine::idle`] said was due.
    pub fn timer(&mut self, due: Due, ex: &mut impl Execute<T>) {
        match due {
            Due::Quiet => self.write_waiting(|_| true, ex),
            Due::MaxGather => {
                let (now, max_gather) = (ex.now(), self.limits.max_gather);
                self.write_waiting(
                    move |z| ticks::at_or_after(now, ticks::after(z.since, max_gather)),
                    ex,
                )
            }
            Due::Awaited => self.write_waiting(|z| z.awaited, ex),
            Due::QuietFlush => {
                self.flush_at = None;
                let _ = self.flush_if_written(ex);
            }
        }
    }

    /// A write piece.  A full zone is written at once, then the zones that
    /// waited `max_gather_pieces`, and the oldest while more than
    /// `max_waiting_zones` wait.
    pub fn write(&mut self, piece: Piece<T>, ex: &mut impl Execute<T>) {
        self.quiet_at = None;
        if piece.hold && self.held_count >= self.held.len() {
            // No room to hold it: the bio's other pieces (all came before
            // it) are written now, so the flush its packet then sends at
            // once covers them too.
            self.write_all(ex);
        }
        let Some(zone) = self.geometry.zone_of(piece.frame) else {
            // Before the track: the submitter checks, so only a bug here.
            let _ = ex.execute(Action::Complete(piece.request, Err(Errno::Io)));
            let _ = ex.execute(Action::WritesDone(1));
            return;
        };
        // Full zones wait only for the zone after them: a piece elsewhere
        // means their run is as long as it gets.
        if let Some((low, high)) = self.full_span() {
            let step = u64::from(self.geometry.frames());
            if zone < low || zone > high + step {
                self.write_waiting(|z| z.covered.is_full(step as u32), ex);
            }
        }
        // Room first, so that writing an old zone to make it cannot
        // remove the zone this piece joins.
        while self.free == NONE && !self.is_idle() {
            self.write_oldest(ex);
        }
        let at = match self.waiting().iter().position(|z| z.zone == zone) {
            Some(i) => i,
            None => {
                while self.zone_count >= self.zones.len() && !self.is_idle() {
                    self.write_oldest(ex);
                }
                if self.free == NONE || self.zone_count >= self.zones.len() {
                    // Tables without a single slot: nothing can wait.
                    let _ = ex.execute(Action::Complete(piece.request, Err(Errno::Nomem)));
                    let _ = ex.execute(Action::WritesDone(1));
                    return;
                }
                self.zones[self.zone_count] = ZoneSlot {
                    zone,
                    covered: Coverage::none(),
                    since: ex.now(),
                    first_piece: self.arrivals,
                    awaited: false,
                    head: NONE,
                    tail: NONE,
                };
                self.zone_count += 1;
                self.zone_count - 1
            }
        };
        self.arrivals += 1;
        let (first, frames) = ((piece.frame - zone) as u32, piece.frames);
        self.zones[at].awaited |= piece.awaited;
        let slot = self.free;
        self.free = self.pieces[slot as usize].next;
        self.pieces[slot as usize] = PieceSlot {
            piece: Some(piece),
            next: NONE,
        };
        let z = &mut self.zones[at];
        if z.tail == NONE {
            z.head = slot;
        } else {
            self.pieces[z.tail as usize].next = slot;
        }
        z.tail = slot;
        z.covered.add(first, frames);
        if z.covered.is_full(self.geometry.frames()) {
            match self.full_run_around(at) {
                // Alone (fixed packets), or a run as long as one WRITE
                // takes: nothing to wait for.
                (start, len) if len >= self.max_run() => self.write_from(start, ex),
                _ => {}
            }
        }
        // The oldest zone waits longest: it goes first on either count.
        while let Some(oldest) = self.waiting().first() {
            let too_many = self.zone_count > self.limits.max_waiting_zones as usize;
            let too_old =
                self.arrivals - oldest.first_piece >= u64::from(self.limits.max_gather_pieces);
            if !too_many && !too_old {
                break;
            }
            self.write_oldest(ex);
        }
    }

    /// A read of `bytes`, passed to the drive in order with the writes;
    /// the first after packets were written flushes the drive first.
    pub fn read(&mut self, request: T, bytes: u32, ex: &mut impl Execute<T>) {
        if self.unflushed {
            let _ = self.flush_drive(ex);
        }
        self.successive_reads += u64::from(bytes);
        if !self.read_fast && self.successive_reads >= self.limits.fast_reads {
            let fast = Action::SetSpeed {
                read: FASTEST,
                write: self.write_speed,
            };
            self.read_fast = ex.execute(fast).is_ok();
        }
        let _ = ex.execute(Action::PassRead(request));
    }

    /// A barrier (a flush bio, `request`, or the one before a PREFLUSH
    /// write or after a FUA write, `None`): everything before it is written
    /// and the drive flushed, then the held pieces and `request` complete.
    /// Returns the result.
    pub fn barrier(&mut self, request: Option<T>, ex: &mut impl Execute<T>) -> Result<(), Errno> {
        self.quiet_at = None;
        let result = self.flush_all(ex);
        if let Some(r) = request {
            let _ = ex.execute(Action::Complete(r, result));
        }
        result
    }

    /// The session ends: every waiting zone is written.  When nothing more
    /// comes, [`Engine::finish`].
    pub fn write_all(&mut self, ex: &mut impl Execute<T>) {
        self.write_waiting(|_| true, ex);
    }

    /// The session's last step: everything written, the drive flushed,
    /// the held pieces completed.
    pub fn finish(&mut self, ex: &mut impl Execute<T>) -> Result<(), Errno> {
        self.flush_all(ex)
    }

    fn waiting(&self) -> &[ZoneSlot] {
        &self.zones[..self.zone_count]
    }

    fn remove_zone(&mut self, i: usize) -> ZoneSlot {
        let z = self.zones[i];
        self.zones.copy_within(i + 1..self.zone_count, i);
        self.zone_count -= 1;
        z
    }

    fn write_oldest(&mut self, ex: &mut impl Execute<T>) {
        if !self.is_idle() {
            self.write_from(0, ex);
        }
    }

    /// Packets one WRITE carries here: at least 1, at most [`MAX_RUN`]
    /// and the number of buffers (a run's packets are in buffers at once).
    fn max_run(&self) -> usize {
        (self.limits.max_run as usize).clamp(1, MAX_RUN.min(self.buffers.len().max(1)))
    }

    /// The lowest and the highest waiting full zone, if any: a run, since
    /// full zones wait only while the pieces go to the zone after them.
    fn full_span(&self) -> Option<(u64, u64)> {
        let frames = self.geometry.frames();
        self.waiting()
            .iter()
            .filter(|z| z.covered.is_full(frames))
            .fold(None, |span, z| match span {
                None => Some((z.zone, z.zone)),
                Some((low, high)) => Some((low.min(z.zone), high.max(z.zone))),
            })
    }

    /// The index of the waiting zone `zone`, if it is full.
    fn waiting_full(&self, zone: u64) -> Option<usize> {
        let frames = self.geometry.frames();
        self.waiting()
            .iter()
            .position(|z| z.zone == zone && z.covered.is_full(frames))
    }

    /// The run of adjacent full waiting zones that full zone `at` is in:
    /// the index of its lowest zone, and how many there are.
    fn full_run_around(&self, at: usize) -> (usize, usize) {
        let step = u64::from(self.geometry.frames());
        let mut start = at;
        let limit = self.max_run();
        let mut len = 1;
        while len < limit {
            let below = self.zones[start].zone.checked_sub(step);
            match below.and_then(|b| self.waiting_full(b)) {
                Some(i) => {
                    start = i;
                    len += 1;
                }
                None => break,
            }
        }
        let mut top = self.zones[at].zone;
        while len < limit {
            match self.waiting_full(top + step) {
                Some(_) => {
                    top += step;
                    len += 1;
                }
                None => break,
            }
        }
        (start, len)
    }

    /// Writes waiting zone `i`; if it is full, with the adjacent full
    /// zones after it, up to [`Engine::max_run`] packets in one WRITE.
    fn write_from(&mut self, i: usize, ex: &mut impl Execute<T>) {
        let frames = self.geometry.frames();
        let first = self.remove_zone(i);
        if self.max_run() == 1 || !first.covered.is_full(frames) || self.buffers.is_empty() {
            self.write_zone(first, ex);
            return;
        }
        // Assemble the run: full zones need no gather, so this cannot fail.
        let mut run = [(0u64, NONE); MAX_RUN];
        let mut buffers = [0usize; MAX_RUN];
        let mut n = 0;
        let mut z = first;
        loop {
            self.clock += 1;
            let Some(b) = self.buffer_for(z.zone) else {
                break;
            };
            let _ = self.assemble(b, &z, ex);
            run[n] = (z.zone, z.head);
            buffers[n] = b;
            n += 1;
            let next = z.zone + u64::from(frames);
            match self.waiting_full(next) {
                Some(j) if n < self.max_run() => z = self.remove_zone(j),
                _ => break,
            }
        }
        let written = self.write_packets(first.zone, &buffers[..n], ex);
        for k in 0..n {
            let (zone, head) = run[k];
            let result = if written.is_ok() || n == 1 {
                written
            } else {
                // Each alone, so that each ends with its own result.
                self.write_packets(zone, &buffers[k..k + 1], ex)
            };
            self.end_packet(zone, head, Some(buffers[k]), result, ex);
        }
    }

    /// Writes the waiting zones that are `due`, in C-SCAN order.
    fn write_waiting(&mut self, due: impl Fn(&ZoneSlot) -> bool, ex: &mut impl Execute<T>) {
        loop {
            // The first due zone at or after the position, else the lowest.
            let position = self.position;
            let pick = self
                .waiting()
                .iter()
                .enumerate()
                .filter(|(_, z)| due(z))
                .min_by_key(|(_, z)| (z.zone < position, z.zone))
                .map(|(i, _)| i);
            let Some(i) = pick else { break };
            self.write_from(i, ex);
        }
    }

    /// The buffer for `zone`: the one holding it, else the least recently
    /// used (emptied).
    fn buffer_for(&mut self, zone: u64) -> Option<usize> {
        if let Some(i) = self.buffers.iter().position(|b| b.zone == Some(zone)) {
            return Some(i);
        }
        let (i, _) = self
            .buffers
            .iter()
            .enumerate()
            .min_by_key(|(_, b)| b.last_use)?;
        self.buffers[i] = BufferSlot {
            zone: Some(zone),
            valid: Coverage::none(),
            last_use: 0,
        };
        Some(i)
    }

    /// Gathers, assembles and writes one packet, then completes its pieces.
    fn write_zone(&mut self, z: ZoneSlot, ex: &mut impl Execute<T>) {
        self.clock += 1;
        let buffer = self.buffer_for(z.zone);
        let result = match buffer {
            None => Err(Errno::Nomem),
            Some(i) => self
                .assemble(i, &z, ex)
                .and_then(|()| self.write_packets(z.zone, &[i], ex)),
        };
        self.end_packet(z.zone, z.head, buffer, result, ex);
    }

    /// A packet's end: its buffer's state, then `PacketDone` and its
    /// pieces (`head`'s list) completed with `result`.
    fn end_packet(
        &mut self,
        zone: u64,
        head: u32,
        buffer: Option<usize>,
        result: Result<(), Errno>,
        ex: &mut impl Execute<T>,
    ) {
        let frames = self.geometry.frames();
        if let Some(buf) = buffer.and_then(|i| self.buffers.get_mut(i)) {
            match result {
                Ok(()) => buf.valid = Coverage::all(frames),
                Err(_) => {
                    *buf = BufferSlot {
                        zone: None,
                        valid: Coverage::none(),
                        last_use: buf.last_use,
                    }
                }
            }
        }
        self.position = zone + u64::from(frames);
        self.flush_at = Some(ticks::after(ex.now(), self.limits.quiet_flush));
        let mut data_frames = 0u64;
        let mut slot = head;
        while slot != NONE {
            let s = &self.pieces[slot as usize];
            data_frames += s.piece.as_ref().map_or(0, |p| u64::from(p.frames));
            slot = s.next;
        }
        let _ = ex.execute(Action::PacketDone {
            zone,
            data_frames,
            result,
        });
        let mut count = 0;
        let mut slot = head;
        while slot != NONE {
            let s = &mut self.pieces[slot as usize];
            let next = s.next;
            let piece = s.piece.take();
            s.next = self.free;
            self.free = slot;
            slot = next;
            let Some(piece) = piece else { continue };
            count += 1;
            if !piece.hold {
                let _ = ex.execute(Action::Complete(piece.request, result));
            } else if self.held_count < self.held.len() {
                self.held[self.held_count] = HeldSlot(Some((piece.request, result)));
                self.held_count += 1;
            } else {
                // No room to hold it until the barrier: flush now, so
                // that it still ends only once its data is durable.
                let flushed = self.flush_if_written(ex);
                let _ = ex.execute(Action::Complete(piece.request, result.and(flushed)));
            }
        }
        let _ = ex.execute(Action::WritesDone(count));
    }

    /// Assembles zone `z` in buffer `i`: gathers the frames neither
    /// written now nor valid in the buffer, then fills in the pieces.
    fn assemble(&mut self, i: usize, z: &ZoneSlot, ex: &mut impl Execute<T>) -> Result<(), Errno> {
        let frames = self.geometry.frames();
        let buf = &mut self.buffers[i];
        buf.last_use = self.clock;
        let mut have = z.covered;
        have.union(&buf.valid);
        let mut result = Ok(());
        for (first, count) in have.missing_runs(frames) {
            result = ex.execute(Action::Gather {
                buffer: i,
                zone: z.zone,
                first,
                count,
            });
            if result.is_err() {
                break;
            }
        }
        if result.is_ok() && self.read_fast {
            let _ = ex.execute(Action::SetSpeed {
                read: self.write_speed,
                write: self.write_speed,
            });
            self.read_fast = false;
        }
        self.successive_reads = 0;
        result?;
        // Arrival order: a later write of the same frame wins.
        let mut slot = z.head;
        while slot != NONE {
            let s = &self.pieces[slot as usize];
            if let Some(p) = &s.piece {
                let fill = Action::Fill {
                    buffer: i,
                    at: (p.frame - z.zone) as u32,
                    request: &p.request,
                    skip: p.skip,
                    frames: p.frames,
                };
                let _ = ex.execute(fill);
            }
            slot = s.next;
        }
        Ok(())
    }

    /// One WRITE of `buffers` to the zones from `zone` on.
    fn write_packets(
        &mut self,
        zone: u64,
        buffers: &[usize],
        ex: &mut impl Execute<T>,
    ) -> Result<(), Errno> {
        let result = ex.execute(Action::WritePackets { zone, buffers });
        self.unflushed = true;
        result
    }

    /// SYNCHRONIZE CACHE.  After a failure the writes stay unflushed: the
    /// next barrier sends it again and reports its result.
    fn flush_drive(&mut self, ex: &mut impl Execute<T>) -> Result<(), Errno> {
        let result = ex.execute(Action::SynchronizeCache);
        self.unflushed = result.is_err();
        result
    }

    /// SYNCHRONIZE CACHE if packets were written since the last one: an
    /// idle drive's cache holds none of our data, so the count of flushes
    /// does not depend on how opens, reads and barriers interleave.
    fn flush_if_written(&mut self, ex: &mut impl Execute<T>) -> Result<(), Errno> {
        if self.unflushed {
            self.flush_drive(ex)
        } else {
            Ok(())
        }
    }

    /// Everything written and the drive flushed; then the held pieces
    /// complete.
    fn flush_all(&mut self, ex: &mut impl Execute<T>) -> Result<(), Errno> {
        self.write_all(ex);
        let result = self.flush_if_written(ex);
        for h in &mut self.held[..self.held_count] {
            if let Some((request, r)) = h.0.take() {
                let _ = ex.execute(Action::Complete(request, r.and(result)));
            }
        }
        self.held_count = 0;
        result
    }
}
