// SPDX-License-Identifier: GPL-2.0

//! A packet buffer: the pages one packet is assembled in.  Which zone it
//! holds and which of its frames match the disc (the zone cache) is the
//! engine's (`pktcore::engine::BufferSlot`).

use crate::bio::OwnedBio;
use crate::cdrom::CdHandle;
use crate::pktcore::{engine::MAX_RUN, errno::Errno, zone::SECTORS_PER_FRAME};
use crate::shim::{self, PktBuf};
use core::ptr::NonNull;

/// A packet buffer.
///
/// # Invariants
///
/// `buf` was allocated by `pktrs_buf_alloc(frames)` and is freed only on
/// drop; only the worker thread uses it.
pub(crate) struct PacketBuf {
    buf: NonNull<PktBuf>,
    frames: u32,
}

// SAFETY: the pages may be used from any task, one at a time (only the
// worker does).
unsafe impl Send for PacketBuf {}

impl PacketBuf {
    /// A buffer for `frames`-frame packets (at write-open, not on the I/O
    /// path).
    pub(crate) fn new(frames: u32) -> Result<Self, Errno> {
        // SAFETY: allocates pages; NULL on failure.
        let buf = NonNull::new(unsafe { shim::pktrs_buf_alloc(frames) }).ok_or(Errno::Nomem)?;
        // INVARIANT: allocated just now for `frames`.
        Ok(PacketBuf { buf, frames })
    }

    /// Copies frames `skip..skip+frames` of `bio`'s data in, from frame
    /// `first`.
    pub(crate) fn fill_from(&mut self, first: u32, bio: &OwnedBio, skip: u32, frames: u32) {
        // SAFETY: the buffer is allocated (type invariant) and the bio is
        // live; the shim stops at the buffer's and the bio's end.
        unsafe { shim::pktrs_buf_fill_from_bio(self.buf.as_ptr(), first, bio.as_raw(), skip, frames) };
    }

    /// Reads frames `first..first+count` of zone `zone` from the drive.
    pub(crate) fn read(&mut self, cd: &CdHandle, zone: u64, first: u32, count: u32) -> Result<(), Errno> {
        self.io(cd, zone, first, count, false)
    }

    /// Writes the whole packet to zone `zone`, as one WRITE.
    pub(crate) fn write(&mut self, cd: &CdHandle, zone: u64) -> Result<(), Errno> {
        self.io(cd, zone, 0, self.frames, true)
    }

    /// Writes `bufs` (packets of one size) to the adjacent zones from
    /// `zone` on, in that order, as one WRITE.  `EIO` if one is missing.
    pub(crate) fn write_run(cd: &CdHandle, zone: u64, bufs: &[Option<&PacketBuf>]) -> Result<(), Errno> {
        let mut raw = [core::ptr::null_mut(); MAX_RUN];
        if bufs.len() > MAX_RUN {
            return Err(Errno::Io);
        }
        for (r, b) in raw.iter_mut().zip(bufs) {
            *r = b.ok_or(Errno::Io)?.buf.as_ptr();
        }
        // SAFETY: each pointer is an allocated buffer (type invariant),
        // borrowed for the call and used only by the worker; `cd` is an
        // open handle; the shim checks the count and the buffers' sizes.
        Errno::check(unsafe {
            shim::pktrs_bufs_write(raw.as_ptr(), bufs.len() as u32, cd.as_raw(), zone * SECTORS_PER_FRAME)
        })
    }

    fn io(&mut self, cd: &CdHandle, zone: u64, first: u32, count: u32, write: bool) -> Result<(), Errno> {
        // SAFETY: the buffer is allocated; `cd` is an open handle; the shim
        // checks the frame range against the buffer.
        Errno::check(unsafe {
            shim::pktrs_buf_io(self.buf.as_ptr(), cd.as_raw(), zone * SECTORS_PER_FRAME, first, count, write)
        })
    }
}

impl Drop for PacketBuf {
    fn drop(&mut self) {
        // SAFETY: allocated and freed only here (type invariant).
        unsafe { shim::pktrs_buf_free(self.buf.as_ptr()) };
    }
}
