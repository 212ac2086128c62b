// SPDX-License-Identifier: GPL-2.0

//! A mapping's class device `/sys/class/pktcdvd/<name>/` with its `stat/`
//! and `write_queue/` attributes (shown and stored by `disk_ops.rs`).

use crate::pktcore::{errno::Errno, fmt::Name};
use crate::shim::{self, Device};
use core::ptr;

/// A class device, unregistered on drop.
///
/// # Invariants
///
/// `dev` was created by `pktrs_class_device_create` and not yet destroyed;
/// its driver data points to a device that outlives this value.
pub(crate) struct ClassDevice {
    dev: ptr::NonNull<Device>,
}

// SAFETY: device_unregister may run from any task.
unsafe impl Send for ClassDevice {}
// SAFETY: no operation is offered through `&ClassDevice`.
unsafe impl Sync for ClassDevice {}

impl ClassDevice {
    /// Creates the class device `name` with driver data `pd`.
    ///
    /// # Safety
    ///
    /// `pd` stays valid until the returned value is dropped.
    pub(crate) unsafe fn create(pd: *const core::ffi::c_void, name: &Name<32>) -> Result<Self, Errno> {
        let mut dev = ptr::null_mut();
        // SAFETY: `name` is NUL-terminated; `dev` is a valid out pointer; the
        // caller keeps `pd` valid while attributes can be read.
        Errno::check(unsafe {
            shim::pktrs_class_device_create(pd, name.as_nul_terminated().as_ptr(), &mut dev)
        })?;
        let dev = ptr::NonNull::new(dev).ok_or(Errno::Nomem)?;
        // INVARIANT: created just now.
        Ok(ClassDevice { dev })
    }
}

impl Drop for ClassDevice {
    fn drop(&mut self) {
        // SAFETY: created and not destroyed (type invariant); unregistering
        // waits for attribute calls in progress.
        unsafe { shim::pktrs_class_device_destroy(self.dev.as_ptr()) };
    }
}
