// SPDX-License-Identifier: GPL-2.0

//! The PACKET_CTRL_CMD ioctl on an open `/dev/pktcdvd/control`, shared by
//! `pktctl` and the `pkt-ioctl` test tool.

use pktcore::ctl::{CtrlCommand, CTRL_COMMAND_SIZE, PACKET_CTRL_CMD};
use std::fs::File;
use std::os::fd::AsRawFd;

/// Issues PACKET_CTRL_CMD on `control`: the struct the driver wrote back,
/// or the errno.
pub fn ctrl_cmd(control: &File, cmd: &CtrlCommand) -> Result<CtrlCommand, i32> {
    let mut raw = cmd.to_bytes();
    ctrl_cmd_raw(control, &mut raw)?;
    Ok(CtrlCommand::from_bytes(&raw))
}

/// PACKET_CTRL_CMD on the raw 24-byte struct, which the driver may write
/// back in place (the tests look at every byte it copied back).
pub fn ctrl_cmd_raw(control: &File, raw: &mut [u8; CTRL_COMMAND_SIZE]) -> Result<(), i32> {
    // SAFETY: PACKET_CTRL_CMD reads and writes the 24-byte struct at `raw`,
    // which lives until the call returns.
    let r = unsafe {
        libc::ioctl(
            control.as_raw_fd(),
            libc::Ioctl::from(PACKET_CTRL_CMD),
            raw.as_mut_ptr(),
        )
    };
    if r < 0 {
        return Err(std::io::Error::last_os_error().raw_os_error().unwrap_or(0));
    }
    Ok(())
}
