// SPDX-License-Identifier: GPL-2.0

//! The process-wide calls pktctl makes: Ctrl-C during long operations,
//! and sync before unmounting.

use std::sync::atomic::{AtomicBool, Ordering};

/// Set by SIGINT: a long operation stops waiting and says what it left.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_sigint(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

/// From now on Ctrl-C sets [`interrupted`] instead of killing the process.
pub fn catch_ctrl_c() {
    // SAFETY: the handler only stores to an atomic, which is
    // async-signal-safe.
    unsafe { libc::signal(libc::SIGINT, on_sigint as *const () as libc::sighandler_t) };
}

/// Whether Ctrl-C was pressed since [`catch_ctrl_c`].
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Flushes every file system's dirty data, as sync(1) does.
pub fn sync_all() {
    // SAFETY: sync takes no arguments and cannot fail.
    unsafe { libc::sync() };
}
