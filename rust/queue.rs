// SPDX-License-Identifier: GPL-2.0

//! What submitters hand the worker: requests in arrival order.

use crate::bio::OwnedBio;
use crate::packet::PacketBuf;
use crate::pktcore::{probe::WriteSettings, zone::Geometry};
use kernel::prelude::*;

/// A write bio (or the part of one) that lies within one zone.
pub(crate) struct Piece {
    pub(crate) bio: OwnedBio,
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
}

/// The queue between submitters and the worker (`PktDevice::queue`).
pub(crate) struct Queue {
    /// Requests in arrival order, not yet taken by the worker.
    pub(crate) incoming: KVec<Request>,
    /// The packet geometry while a writing session runs.
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
            incoming: KVec::new(),
            geometry: None,
            session: None,
            stopping: false,
            queued_writes: 0,
        }
    }

    /// Queues `r`; if there is no memory for it, its bio fails (never a
    /// silent loss).
    pub(crate) fn push(&mut self, r: Request) {
        // On failure `r` is dropped, and an OwnedBio ends with EIO on drop.
        let _ = self.incoming.push(r, GFP_KERNEL);
    }
}
