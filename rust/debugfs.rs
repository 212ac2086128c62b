// SPDX-License-Identifier: GPL-2.0

//! A mapping's debugfs directory `pktcdvd/<name>/` with its `info` file
//! (formatted by `disk_ops.rs`).

use crate::pktcore::fmt::Name;
use crate::shim::{self, Dentry};

/// A debugfs directory, removed on drop.  debugfs can be absent; then
/// there is nothing to remove.
///
/// # Invariants
///
/// `dir` is what `pktrs_debugfs_create` returned and was not yet removed;
/// the data of its `info` file points to a device that outlives this value.
pub(crate) struct DebugfsDir {
    dir: *mut Dentry,
}

// SAFETY: debugfs_remove may run from any task.
unsafe impl Send for DebugfsDir {}
// SAFETY: no operation is offered through `&DebugfsDir`.
unsafe impl Sync for DebugfsDir {}

impl DebugfsDir {
    /// Creates `pktcdvd/<name>/info` with data `pd`.
    ///
    /// # Safety
    ///
    /// `pd` stays valid until the returned value is dropped.
    pub(crate) unsafe fn create(pd: *const core::ffi::c_void, name: &Name<32>) -> Self {
        // SAFETY: `name` is NUL-terminated; the caller keeps `pd` valid
        // while `info` can be read.  debugfs errors are not fatal.
        let dir = unsafe { shim::pktrs_debugfs_create(pd, name.as_nul_terminated().as_ptr()) };
        // INVARIANT: created just now.
        DebugfsDir { dir }
    }
}

impl Drop for DebugfsDir {
    fn drop(&mut self) {
        // SAFETY: by the type invariant not removed yet; debugfs_remove
        // accepts error pointers and NULL, and waits for reads in progress.
        unsafe { shim::pktrs_debugfs_remove(self.dir) };
    }
}
