// SPDX-License-Identifier: GPL-2.0

//! What `pktctl` shares with the project's other userspace tools.

pub mod ctrl_ioctl;
pub mod disc;
pub mod sg;
