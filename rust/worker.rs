// SPDX-License-Identifier: GPL-2.0

//! The worker thread of a writing session (runs `engine::run`).

use crate::pktcore::{errno::Errno, fmt::Name};
use crate::shim::{self, Task};
use core::ffi::c_void;
use core::ptr::NonNull;

/// A running worker thread, stopped (and waited for) on drop.
///
/// # Invariants
///
/// `task` was started by `pktrs_worker_start` and not yet stopped.
pub(crate) struct Worker {
    task: NonNull<Task>,
}

// SAFETY: a kthread may be stopped from any task.
unsafe impl Send for Worker {}

impl Worker {
    /// Starts thread `name` running the worker on `pd`.
    ///
    /// # Safety
    ///
    /// `pd` stays valid until the returned value is dropped.
    pub(crate) unsafe fn start(pd: *const c_void, name: &Name<32>) -> Result<Self, Errno> {
        // SAFETY: `name` is NUL-terminated; the caller keeps `pd` valid
        // while the thread runs.
        let task = unsafe { shim::pktrs_worker_start(pd, name.as_nul_terminated().as_ptr()) };
        // INVARIANT: started just now.
        NonNull::new(task).map(|task| Worker { task }).ok_or(Errno::Nomem)
    }
}

impl Drop for Worker {
    fn drop(&mut self) {
        // SAFETY: started and not stopped (type invariant); returns once
        // the thread has returned.
        unsafe { shim::pktrs_worker_stop(self.task.as_ptr()) };
    }
}

/// Whether the current worker thread was asked to stop.
pub(crate) fn should_stop() -> bool {
    // SAFETY: called from the worker thread.
    unsafe { shim::pktrs_worker_should_stop() }
}
