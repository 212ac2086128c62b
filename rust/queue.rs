// SPDX-License-Identifier: GPL-2.0

//! What submitters hand the worker: requests in arrival order, in a queue
//! whose room is allocated when the writing session starts, so that
//! queueing a bio never allocates (and so never fails, and never loses a
//! barrier).

use crate::bio::OwnedBio;
use crate::packet::PacketBuf;
use crate::pktcore::{
    engine::{self, BufferSlot, HeldSlot, Limits, PieceSlot, ZoneSlot},
    errno::Errno,
    probe::WriteSettings,
    zone::Geometry,
};
use kernel::prelude::*;

/// Requests the queue holds before submitters wait for the worker to take
/// them.  One bio needs at most 131: a piece per zone of its 128 frames
/// (one-frame packets) and two barriers.
pub(crate) const QUEUE_ROOM: usize = 1024;

/// A write bio's frames that lie within one zone: the whole bio, or one
/// share of it.
pub(crate) type Piece = engine::Piece<OwnedBio>;

/// FUA pieces the engine can hold for their barrier (each is followed by
/// its barrier, so one is used at a time; without room the engine
/// flushes at once).
const HELD_SLOTS: usize = 16;

/// A request for the worker.
pub(crate) enum Request {
    /// A read of so many bytes, passed to the drive in order with the
    /// writes.
    Read(OwnedBio, u32),
    /// Data for a packet.
    Write(Piece),
    /// Everything queued before is written and the drive cache flushed
    /// before this completes (an empty flush bio, if any, and held pieces).
    Barrier(Option<OwnedBio>),
}

/// A writing session's buffers and engine memory, handed to its worker.
pub(crate) struct Session {
    /// The write speed set at open, kB/s.
    pub(crate) write_speed: u16,
    pub(crate) buffers: KVec<PacketBuf>,
    /// The engine's memory.
    pub(crate) tables: EngineTables,
    /// The worker's side of the queue: it swaps this empty one for the
    /// full one, so that both keep their room.
    pub(crate) batch: KVVec<Request>,
}

/// The packet engine's memory, allocated when the session starts (the
/// engine itself never allocates).
pub(crate) struct EngineTables {
    pub(crate) pieces: KVVec<PieceSlot<OwnedBio>>,
    pub(crate) zones: KVec<ZoneSlot>,
    pub(crate) buffers: KVec<BufferSlot>,
    pub(crate) held: KVec<HeldSlot<OwnedBio>>,
}

impl EngineTables {
    /// Tables for `buffers` packet buffers and the engine's `limits`.
    pub(crate) fn new(limits: &Limits, buffers: usize) -> Result<Self, Errno> {
        let mut pieces = KVVec::with_capacity(limits.piece_slots(), GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        let mut zones = KVec::with_capacity(limits.zone_slots(), GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        let mut bufs = KVec::with_capacity(buffers, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        let mut held = KVec::with_capacity(HELD_SLOTS, GFP_KERNEL).map_err(|_| Errno::Nomem)?;
        // Within the capacities just allocated: these pushes cannot fail.
        for _ in 0..limits.piece_slots() {
            let _ = pieces.push(PieceSlot::new(), GFP_NOWAIT);
        }
        for _ in 0..limits.zone_slots() {
            let _ = zones.push(ZoneSlot::default(), GFP_NOWAIT);
        }
        for _ in 0..buffers {
            let _ = bufs.push(BufferSlot::default(), GFP_NOWAIT);
        }
        for _ in 0..HELD_SLOTS {
            let _ = held.push(HeldSlot::new(), GFP_NOWAIT);
        }
        Ok(EngineTables { pieces, zones, buffers: bufs, held })
    }
}

/// The queue between submitters and the worker (`PktDevice::queue`).
pub(crate) struct Queue {
    /// Requests in arrival order, not yet taken by the worker.  Its room
    /// (`QUEUE_ROOM`) is allocated at session start.
    pub(crate) incoming: KVVec<Request>,
    /// The writing session's settings, from its start to its end: the
    /// device's one copy (the worker's engine takes the geometry).
    pub(crate) settings: Option<WriteSettings>,
    /// Requests are queued: a session runs, and its worker has not yet
    /// taken the last request (it clears this when it has).
    pub(crate) accepting: bool,
    /// Handed over to the worker when it starts.
    pub(crate) session: Option<Session>,
    /// The session ends: write everything and stop.
    pub(crate) stopping: bool,
    /// Write pieces queued or waiting in the worker (write_queue/size).
    pub(crate) queued_writes: usize,
}

impl Queue {
    pub(crate) fn new() -> Self {
        Queue {
            incoming: KVVec::new(),
            settings: None,
            accepting: false,
            session: None,
            stopping: false,
            queued_writes: 0,
        }
    }

    /// The packet geometry while requests are queued: `None` when they
    /// are not.
    pub(crate) fn geometry(&self) -> Option<Geometry> {
        self.settings.filter(|_| self.accepting).map(|s| s.geometry)
    }

    /// Free room for requests.
    pub(crate) fn room(&self) -> usize {
        self.incoming.capacity() - self.incoming.len()
    }

    /// Queues `r` in room the caller made sure of (`room`): never
    /// allocates.
    pub(crate) fn push(&mut self, r: Request) {
        if let Request::Write(_) = r {
            self.queued_writes += 1;
        }
        if self.incoming.len() < self.incoming.capacity() {
            // Within the capacity: this push does not allocate.
            let _ = self.incoming.push(r, GFP_NOWAIT);
        } else {
            // A caller that did not check the room: fail the bio (on drop)
            // rather than allocate.
            kernel::pr_err!("pktcdvd: request queue full\n");
            if let Request::Write(_) = r {
                self.queued_writes -= 1;
            }
        }
    }
}
