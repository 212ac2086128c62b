// SPDX-License-Identifier: GPL-2.0

//! A bio handed to the driver, which must complete it exactly once.

use crate::cdrom::CdHandle;
use crate::pktcore::errno::Errno;
use crate::shim::{self, Bio};
use core::ptr::NonNull;

/// A bio the driver owns until it completes or passes it on.
///
/// # Invariants
///
/// `bio` is a live bio submitted to a pkt disk that nobody else completes;
/// this value completes or resubmits it exactly once (on drop at the
/// latest, with an I/O error, so that no submitter ever waits forever).
pub(crate) struct OwnedBio {
    bio: NonNull<Bio>,
}

// SAFETY: a bio may be completed or passed on from any task; the worker
// thread does so for the bios submitters queue.
unsafe impl Send for OwnedBio {}

impl OwnedBio {
    /// Takes ownership of a submitted bio.
    ///
    /// # Safety
    ///
    /// `bio` is live, and the caller gives up completing it.
    pub(crate) unsafe fn from_raw(bio: *mut Bio) -> Option<Self> {
        // INVARIANT: the caller hands the bio over.
        NonNull::new(bio).map(|bio| OwnedBio { bio })
    }

    /// Completes the bio with `result`.
    pub(crate) fn end(self, result: Result<(), Errno>) {
        let error = result.err().map_or(0, |e| -e.to_raw());
        let bio = self.bio.as_ptr();
        core::mem::forget(self);
        // SAFETY: owned by the type invariant; completed once, here.
        unsafe { shim::pktrs_bio_endio(bio, error) };
    }

    /// Splits off the bio's first `sectors` as a new bio, chained to this
    /// one (this one completes only after both were ended); this one keeps
    /// the rest.  `None` if no bio could be allocated.
    pub(crate) fn split_front(&mut self, sectors: u32) -> Option<OwnedBio> {
        // SAFETY: owned by the type invariant; the shim returns a new bio
        // that nobody else completes, or NULL.
        let front = unsafe { shim::pktrs_bio_split_front(self.bio.as_ptr(), sectors) };
        // SAFETY: a fresh bio handed to us.
        unsafe { OwnedBio::from_raw(front) }
    }

    /// The raw bio, to copy its data (it stays owned).
    pub(crate) fn as_raw(&self) -> *mut Bio {
        self.bio.as_ptr()
    }

    /// Sends the bio unchanged to the CD device of `cd` (same sector: the
    /// pkt device maps the drive one to one).
    pub(crate) fn remap(self, cd: &CdHandle) {
        let bio = self.bio.as_ptr();
        core::mem::forget(self);
        // SAFETY: owned by the type invariant and passed on once, here;
        // `cd` is an open handle of the drive.
        unsafe { shim::pktrs_bio_remap(bio, cd.as_raw()) };
    }
}

impl Drop for OwnedBio {
    fn drop(&mut self) {
        // SAFETY: not completed yet (`end` and `remap` forget self).
        unsafe { shim::pktrs_bio_endio(self.bio.as_ptr(), -Errno::Io.to_raw()) };
    }
}
