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
//! - `registry.rs`: the table of mappings, setup and teardown.
//! - `device.rs`: a mapping's device: open state, I/O, attributes (and
//!   the lock order, at its top).
//! - `disk_ops.rs`: entry points of the block device, sysfs and debugfs.
//! - `write_probe.rs`: what a write open asks the drive and programs.
//! - `queue.rs`, `engine.rs`: the packet engine and its worker's queue.
//! - `cdrom.rs`, `disk.rs`, `bio.rs`, `packet.rs`, `worker.rs`,
//!   `sysfs_dev.rs`, `debugfs.rs`: small owning wrappers around the
//!   shim's C objects.

use kernel::prelude::*;

/// Kernel-free logic, shared with the host crate in `rust/core`.
#[path = "core/src"]
pub mod pktcore {
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
}

mod bio;
mod cdrom;
mod class;
mod control;
mod cred;
mod debugfs;
mod device;
mod disk;
mod disk_ops;
mod engine;
mod packet;
mod queue;
mod registry;
mod shim;
mod sysfs_dev;
mod worker;
mod write_probe;

module! {
    type: PktCdvd,
    name: "pktcdvd",
    authors: ["pktcdvd-rs developers"],
    description: "Packet writing layer for CD/DVD drives",
    license: "GPL",
    // Load on demand when /dev/pktcdvd/control is opened (the shim's fixed
    // misc minor 10:110).
    alias: ["devname:pktcdvd/control", "char-major-10-110"],
    params: {
        buffers: u32 {
            default: 8,
            description: "Packet buffers per device: packets assembled and cached at once (1-64)",
        },
    },
}

/// The module: its user-visible interfaces, registered while it is loaded.
struct PktCdvd {
    // Fields drop in declaration order: the reverse of registration.  No
    // mapping exists at unload: each holds a module reference.
    _control: shim::Registration,
    _class: shim::Registration,
    _major: shim::Registration,
    /// Registered first, gone last: waits for a teardown still finishing.
    _teardowns: shim::Registration,
}

impl kernel::Module for PktCdvd {
    fn init(_module: &'static ThisModule) -> Result<Self> {
        // SAFETY: first thing at init, once.
        unsafe { registry::init() };
        let teardowns = shim::TEARDOWNS.register()?;
        let major = shim::BLOCK_MAJOR.register()?;
        let class = shim::CLASS.register()?;
        let control = shim::CONTROL_DEVICE.register()?;
        pr_info!("pktcdvd-rs loaded: /dev/pktcdvd/control, /sys/class/pktcdvd\n");
        Ok(PktCdvd {
            _control: control,
            _class: class,
            _major: major,
            _teardowns: teardowns,
        })
    }
}

impl Drop for PktCdvd {
    fn drop(&mut self) {
        pr_info!("pktcdvd-rs unloading\n");
    }
}
