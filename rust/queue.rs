// SPDX-License-Identifier: GPL-2.0

//! What submitters hand the worker: requests in arrival order, in a queue
//! whose room is allocated when the writing session starts, so that
//! queueing a bio never allocates (and so never fails, and never loses a
//! barrier).

use crate::bio::OwnedBio;
use crate::packet::PacketBuf;
use crate::pktcore::{probe::WriteSettings, zone::Geometry};
use kernel::prelude::*;

/// Requests the queue holds before submitters wait for the worker to take
/// them.  One bio needs at most 131: a piece per zone of its 128 frames
/// (one-frame packets) and two barriers.
pub(crate) const QUEUE_ROOM: usize = 1024;

/// A write bio's frames that lie within one zone: the whole bio, or one
/// share of it.
pub(crate) struct Piece {
    pub(crate) bio: OwnedBio,
    /// Frames of the bio before this piece's.
    pub(crate) skip: u32,
    /// First frame it writes.
    pub(crate) frame: u64,
    /// Frames it writes.
    pub(crate) frames: u32,
    /// Complete it only after the next barrier's SYNCHRONIZE CACHE (FUA).
    pub(crate) hold: bool,
}

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

/// A writing session's settings and buffers, handed to its worker.
pub(crate) struct Session {
    pub(crate) settings: WriteSettings,
    /// The write speed set at open, kB/s.
    pub(crate) write_speed: u16,
    pub(crate) buffers: KVec<PacketBuf>,
    /// The worker's side of the queue: it swaps this empty one for the
    /// full one, so that both keep their room.
    pub(crate) batch: KVVec<Request>,
}

/// The queue between submitters and the worker (`PktDevice::queue`).
pub(crate) struct Queue {
    /// Requests in arrival order, not yet taken by the worker.  Its room
    /// (`QUEUE_ROOM`) is allocated at session start.
    pub(crate) incoming: KVVec<Request>,
    /// The packet geometry while a writing session runs: requests are
    /// queued only then.  The worker clears it when it has taken the last.
    pub(crate) geometry: Option<Geometry>,
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
            geometry: None,
            session: None,
            stopping: false,
            queued_writes: 0,
        }
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
