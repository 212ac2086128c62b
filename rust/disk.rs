// SPDX-License-Identifier: GPL-2.0

//! The pkt block device: a bio-based gendisk made by the shim, whose
//! `block_device_operations` call back into `disk_ops.rs`.

use crate::cdrom::CdHandle;
use crate::pktcore::{devnum::DevNum, errno::Errno};
use crate::shim::{self, Gendisk};
use core::ptr;

/// A pkt disk, removed (or, if never added, released) on drop.
///
/// # Invariants
///
/// `disk` was allocated by `pktrs_disk_alloc` and not yet released; it is
/// added to the system iff `added`.  Its private data holds a reference on
/// the device that `free_disk` releases when the disk goes.
pub(crate) struct Disk {
    disk: ptr::NonNull<Gendisk>,
    added: bool,
}

// SAFETY: a gendisk may be set up, changed and removed from any task.
unsafe impl Send for Disk {}
// SAFETY: the operation offered through `&Disk` (its devt) reads a field
// fixed at allocation.
unsafe impl Sync for Disk {}

impl Disk {
    /// Allocates disk `pktcdvd<minor>` with private data `pd`.
    ///
    /// # Safety
    ///
    /// `pd` holds a reference that the disk's `free_disk` callback releases
    /// (also when this fails: then the caller still owns it) .
    pub(crate) unsafe fn alloc(minor: u32, pd: *const core::ffi::c_void) -> Result<Self, Errno> {
        let mut disk = ptr::null_mut();
        // SAFETY: `disk` is a valid out pointer; `pd` is opaque to C.
        Errno::check(unsafe { shim::pktrs_disk_alloc(minor, pd, &mut disk) })?;
        let disk = ptr::NonNull::new(disk).ok_or(Errno::Nomem)?;
        // INVARIANT: allocated just now, not added.
        Ok(Disk { disk, added: false })
    }

    /// Adds the disk to the system, with the media events of `cd`.
    pub(crate) fn add(&mut self, cd: &CdHandle) -> Result<(), Errno> {
        // SAFETY: the disk is allocated and not added (type invariant), and
        // `cd` is an open handle.
        Errno::check(unsafe { shim::pktrs_disk_add(self.disk.as_ptr(), cd.as_raw()) })?;
        // INVARIANT: added now.
        self.added = true;
        Ok(())
    }

    /// The disk's device number.
    pub(crate) fn devnum(&self) -> DevNum {
        // SAFETY: the disk is allocated (type invariant).
        DevNum::from_kernel(unsafe { shim::pktrs_disk_devt(self.disk.as_ptr()) })
    }
}

impl Drop for Disk {
    fn drop(&mut self) {
        // SAFETY: by the type invariant the disk is allocated, added iff
        // `added`, and released only here.  After del_gendisk no bio is
        // inside our submit_bio any more.
        unsafe {
            if self.added {
                shim::pktrs_disk_remove(self.disk.as_ptr());
            } else {
                shim::pktrs_disk_put(self.disk.as_ptr());
            }
        }
    }
}
