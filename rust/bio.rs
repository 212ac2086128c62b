// SPDX-License-Identifier: GPL-2.0

//! A bio handed to the driver, which must complete it exactly once.

use crate::cdrom::CdHandle;
use crate::pktcore::errno::Errno;
use crate::shim::{self, Bio};
use core::ptr::NonNull;

/// A bio the driver owns until it completes or passes it on, or one share
/// of such a bio's completion.
///
/// A write that spans several zones is not split into new bios (that would
/// allocate on the I/O path): each zone's piece holds a share of the one
/// bio (`share`), and the bio ends when every share has ended, failed if
/// any share failed, in whatever order they end.
///
/// # Invariants
///
/// `bio` is a live bio submitted to a pkt disk that nobody else completes.
/// This value holds one of the completions the bio waits for and gives it
/// exactly once: `end`, or `remap` while it is the only share (`!shared`),
/// or on drop with an I/O error, so that no submitter ever waits forever.
pub(crate) struct OwnedBio {
    bio: NonNull<Bio>,
    /// The bio's completion is shared with other values.
    shared: bool,
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
        // INVARIANT: the caller hands the bio over, with its one completion.
        NonNull::new(bio).map(|bio| OwnedBio { bio, shared: false })
    }

    /// Ends this share of the bio with `result`.  Success keeps an error
    /// that another share, or a part the block layer split off and chained
    /// to this bio, already gave it: the kernel's rule that `bi_status` is
    /// set only on error, kept by the shim.  This is the one place where
    /// the driver completes bios.
    pub(crate) fn end(self, result: Result<(), Errno>) {
        let error = result.err().map_or(0, |e| -e.to_raw());
        let bio = self.bio.as_ptr();
        core::mem::forget(self);
        // SAFETY: this value's completion (type invariant), given once, here.
        unsafe { shim::pktrs_bio_endio(bio, error) };
    }

    /// Another share of this bio's completion: the bio then ends only
    /// after both this value and the returned one have ended.  Allocates
    /// nothing and cannot fail.
    pub(crate) fn share(&mut self) -> OwnedBio {
        // SAFETY: the bio is live (type invariant); it now waits for one
        // more completion, which the returned value holds.
        unsafe { shim::pktrs_bio_share(self.bio.as_ptr()) };
        self.shared = true;
        // INVARIANT: one more completion, held by the new value.
        OwnedBio { bio: self.bio, shared: true }
    }

    /// The raw bio, to copy its data (it stays owned).
    pub(crate) fn as_raw(&self) -> *mut Bio {
        self.bio.as_ptr()
    }

    /// Sends the bio unchanged to the CD device of `cd` (same sector: the
    /// pkt device maps the drive one to one).  Only reads are passed on,
    /// and they are never shared; a shared bio fails instead.
    pub(crate) fn remap(self, cd: &CdHandle) {
        if self.shared {
            kernel::pr_err!("pktcdvd: a shared bio cannot be passed on\n");
            self.end(Err(Errno::Io));
            return;
        }
        let bio = self.bio.as_ptr();
        core::mem::forget(self);
        // SAFETY: the only completion of the bio (type invariant, `!shared`),
        // passed on once, here; `cd` is an open handle of the drive.
        unsafe { shim::pktrs_bio_remap(bio, cd.as_raw()) };
    }
}

impl Drop for OwnedBio {
    fn drop(&mut self) {
        // SAFETY: not given yet (`end` and `remap` forget self).
        unsafe { shim::pktrs_bio_endio(self.bio.as_ptr(), -Errno::Io.to_raw()) };
    }
}
