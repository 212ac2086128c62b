// SPDX-License-Identifier: GPL-2.0

//! The caller's privilege: every change made through the control node or
//! sysfs (setup, teardown, congestion marks, counter reset) needs
//! `CAP_SYS_ADMIN`, whatever the file modes say (root without the
//! capability included).

use crate::pktcore::errno::Errno;

/// Whether the calling task has `CAP_SYS_ADMIN`.
pub(crate) fn capable_sys_admin() -> bool {
    // SAFETY: capable() only inspects the current task's credentials.
    unsafe { kernel::bindings::capable(kernel::bindings::CAP_SYS_ADMIN as i32) }
}

/// `Ok` for a caller with `CAP_SYS_ADMIN`, else `EPERM`.
pub(crate) fn require_sys_admin() -> Result<(), Errno> {
    if capable_sys_admin() {
        Ok(())
    } else {
        Err(Errno::Perm)
    }
}
