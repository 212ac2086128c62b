// SPDX-License-Identifier: GPL-2.0

//! Kernel-free logic of the pktcdvd-rs packet writing driver.
//!
//! Everything here is plain `core` Rust with no `unsafe`: it is compiled into
//! the kernel module (the module's crate root includes these files with
//! `#[path]`) and tested on the host with `cargo test`.  The kernel glue only
//! moves bytes between these types and the kernel.
//!
//! Rules for code in this crate, because it also runs in the kernel:
//! no `alloc`, no floating point, no panics (an overflow or `unwrap` is a
//! kernel BUG there), and Rust 1.85 / edition 2021.

#![cfg_attr(not(test), no_std)]

pub mod attr;
pub mod coverage;
pub mod ctl;
pub mod devnum;
pub mod engine;
pub mod errno;
pub mod fmt;
pub mod info;
pub mod mmc;
pub mod probe;
pub mod sysfs;
pub mod ticks;
pub mod zone;
