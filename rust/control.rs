// SPDX-License-Identifier: GPL-2.0

//! The `PACKET_CTRL_CMD` ioctl of `/dev/pktcdvd/control` (the misc device
//! itself is the shim's `CONTROL_DEVICE`).

use crate::cred::capable_sys_admin;
use crate::pktcore::{
    ctl::{self, CtrlCommand, CTRL_COMMAND_SIZE},
    errno::Errno,
};
use crate::registry::Registry;
use core::ffi::c_long;

/// Carries out one control command on the kernel copy of the caller's
/// struct.  Returns the ioctl's result and whether to copy the struct back.
fn command(raw: &mut [u8; CTRL_COMMAND_SIZE]) -> (Result<(), Errno>, bool) {
    let mut cmd = CtrlCommand::from_bytes(raw);
    let reply = ctl::dispatch(&mut cmd, capable_sys_admin, &mut Registry);
    *raw = cmd.to_bytes();
    (reply.result, reply.copy_back)
}

/// Entry point of the shim's ioctl handler (`pktrs_control_command`).
///
/// # Safety
///
/// `raw` points to `CTRL_COMMAND_SIZE` bytes and `copy_back` to a `bool`,
/// both valid and not otherwise accessed for the duration of the call.
#[no_mangle]
unsafe extern "C" fn pktrs_control_command(raw: *mut u8, copy_back: *mut bool) -> c_long {
    // SAFETY: the caller guarantees `raw` points to CTRL_COMMAND_SIZE bytes
    // it does not touch during the call; [u8; N] has alignment 1.
    let raw = unsafe { &mut *raw.cast::<[u8; CTRL_COMMAND_SIZE]>() };
    let (result, copy) = command(raw);
    // SAFETY: the caller guarantees `copy_back` is valid for writes.
    unsafe { *copy_back = copy };
    match result {
        Ok(()) => 0,
        Err(e) => -c_long::from(e.to_raw()),
    }
}
