// SPDX-License-Identifier: GPL-2.0

//! pktcdvd: packet writing for rewritable CD/DVD/BD media.
//!
//! A drop-in replacement for Linux's former C `pktcdvd` driver, written in
//! Rust.  This crate root wires the pieces together; the kernel-free logic
//! is in `pktcore` (shared with the host tests), the kernel glue in the
//! files named below, and the C shim in `shim/pktcdvd_shim.c`.
//!
//! Files, one concept each:
//! - `shim.rs`: the C shim's ABI (`include/pktcdvd_shim.h`) and the
//!   wrapper that registers its static objects.
//! - `control.rs`: the `PACKET_CTRL_CMD` ioctl of `/dev/pktcdvd/control`.
//! - `class.rs`: the attributes of the sysfs class `/sys/class/pktcdvd`.
//! - `registry.rs`: the table of mappings (pktcdvd device -> CD drive).

use kernel::prelude::*;

/// Kernel-free logic, shared with the host crate in `rust/core`.
#[path = "core/src"]
pub mod pktcore {
    pub mod ctl;
    pub mod devnum;
    pub mod errno;
    pub mod fmt;
    pub mod sysfs;
}

mod class;
mod control;
mod registry;
mod shim;

module! {
    type: PktCdvd,
    name: "pktcdvd",
    authors: ["pktcdvd-rs developers"],
    description: "Packet writing layer for CD/DVD drives",
    license: "GPL",
}

/// The module: its user-visible interfaces, registered while it is loaded.
struct PktCdvd {
    // Fields drop in declaration order: the control node goes first, then the
    // class, the reverse of how they were registered.
    _control: shim::Registration,
    _class: shim::Registration,
}

impl kernel::Module for PktCdvd {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        let class = shim::CLASS.register()?;
        let control = shim::CONTROL_DEVICE.register()?;
        pr_info!("pktcdvd-rs loaded: /dev/pktcdvd/control, /sys/class/pktcdvd\n");
        Ok(PktCdvd {
            _control: control,
            _class: class,
        })
    }
}

impl Drop for PktCdvd {
    fn drop(&mut self) {
        pr_info!("pktcdvd-rs unloading\n");
    }
}
