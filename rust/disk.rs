// SPDX-License-Identifier: GPL-2.0

//! The pkt block device: a bio-based gendisk made by the shim, whose
//! `block_device_operations` call back into `disk_ops.rs`.

use crate::cdrom::CdHandle;
use crate::device::PktDevice;
use crate::pktcore::{devnum::DevNum, errno::Errno};
use crate::shim::{self, Gendisk};
use core::{ffi::c_void, ptr};
use kernel::sync::Arc;

/// A pkt disk, removed (or, if never added, released) on drop.
///
/// # Invariants
///
/// `disk` was allocated by `pktrs_disk_alloc` and not yet released; it is
/// added to the system iff `added`.  Its private data `device` holds a
/// reference on the device (from `Arc::into_raw`): once the disk is added,
/// its `free_disk` callback releases it when the block layer frees the
/// disk; before that, this value's drop does (the block layer calls
/// `free_disk` only for disks that were added).
pub(crate) struct Disk {
    disk: ptr::NonNull<Gendisk>,
    device: *const PktDevice,
    added: bool,
}

// SAFETY: a gendisk may be set up, changed and removed from any task, and
// the device reference it holds is an `Arc`'s, which may go anywhere.
unsafe impl Send for Disk {}
// SAFETY: the operation offered through `&Disk` (its devt) reads a field
// fixed at allocation.
unsafe impl Sync for Disk {}

impl Disk {
    /// Allocates disk `pktcdvd<minor>` for `device`, which it keeps a
    /// reference on.
    pub(crate) fn alloc(minor: u32, device: Arc<PktDevice>) -> Result<Self, Errno> {
        let pd = Arc::into_raw(device);
        let mut disk = ptr::null_mut();
        // SAFETY: `disk` is a valid out pointer; `pd` is opaque to C.
        let allocated = Errno::check(unsafe { shim::pktrs_disk_alloc(minor, pd.cast::<c_void>(), &mut disk) })
            .and_then(|()| ptr::NonNull::new(disk).ok_or(Errno::Nomem));
        match allocated {
            // INVARIANT: allocated just now, not added, holding `pd`.
            Ok(disk) => Ok(Disk { disk, device: pd, added: false }),
            Err(e) => {
                // SAFETY: no disk took the reference `into_raw` gave.
                drop(unsafe { Arc::from_raw(pd) });
                Err(e)
            }
        }
    }

    /// Adds the disk to the system, with the media events of `cd`.
    pub(crate) fn add(&mut self, cd: &CdHandle) -> Result<(), Errno> {
        // SAFETY: the disk is allocated and not added (type invariant), and
        // `cd` is an open handle.
        Errno::check(unsafe { shim::pktrs_disk_add(self.disk.as_ptr(), cd.as_raw()) })?;
        // INVARIANT: added now: the disk's free_disk releases `device`.
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
        if self.added {
            // After del_gendisk no bio is inside our submit_bio any more.
            // SAFETY: allocated, added, and released only here (type
            // invariant); the disk's free_disk releases `device`.
            unsafe { shim::pktrs_disk_remove(self.disk.as_ptr()) };
        } else {
            // A disk never added (add_disk failed) gets no free_disk call.
            // SAFETY: allocated, not added, and released only here (type
            // invariant); then its reference on the device, once.
            unsafe {
                shim::pktrs_disk_put(self.disk.as_ptr());
                drop(Arc::from_raw(self.device));
            }
        }
    }
}
