// SPDX-License-Identifier: GPL-2.0

//! The table of mappings: which pkt device stands on which CD/DVD drive,
//! and setting them up and tearing them down.
//!
//! `SLOTS` is the driver's only global lock (see `device.rs` for the lock
//! order).  It is held only to look at or change the table: setup reserves
//! a slot under it, builds the device without it (opening the drive,
//! adding the disk), and publishes the result under it; teardown takes the
//! mapping out under it and destroys it without it (closing the drive can
//! take minutes, finalizing a DVD+RW).

use crate::cdrom::CdHandle;
use crate::debugfs::DebugfsDir;
use crate::device::PktDevice;
use crate::disk::Disk;
use crate::pktcore::{
    ctl::{Slots, MAX_WRITERS},
    devnum::DevNum,
    errno::Errno,
};
use crate::shim::{self, ModuleRef};
use crate::sysfs_dev::ClassDevice;
use core::ffi::c_void;
use kernel::{prelude::*, sync::Arc};

/// A set-up mapping: the objects that make it, destroyed in field order.
struct Mapping {
    _debugfs: DebugfsDir,
    _class_device: ClassDevice,
    /// Removing the disk waits for bios in submission; its reference on the
    /// device goes when the block layer frees it.
    disk: Disk,
    /// The mapping's own reference, kept until the class device and the
    /// debugfs file (which point to the device) are gone.
    device: Arc<PktDevice>,
}

/// One entry of the table.
enum Slot {
    Free,
    /// Being set up for this drive.
    Reserved(DevNum),
    Mapped(Mapping),
}

/// The table.
pub(crate) struct Table {
    slots: [Slot; MAX_WRITERS as usize],
}

impl Table {
    const fn new() -> Self {
        Table {
            slots: [const { Slot::Free }; MAX_WRITERS as usize],
        }
    }
}

kernel::sync::global_lock! {
    // SAFETY: `init` is called once, first thing in the module's init.
    unsafe(uninit) static SLOTS: Mutex<Table> = Table::new();
}

/// Initialises the table's lock.
///
/// # Safety
///
/// Called once, before any other use of the table.
pub(crate) unsafe fn init() {
    // SAFETY: guaranteed by the caller.
    unsafe { SLOTS.init() };
}

/// Builds a mapping of `cd_dev` in `slot`, without holding `SLOTS`.
fn build(slot: u32, cd_dev: DevNum) -> Result<Mapping, Errno> {
    let module = ModuleRef::get().ok_or(Errno::Nodev)?;
    // The mapping's lasting handle: no media checks, no door lock.
    let cd = CdHandle::open(cd_dev, true, core::ptr::null())?;
    if cd.is_pktcdvd() {
        return Err(Errno::Busy); // no chaining
    }
    if !cd.is_cdrom() {
        return Err(Errno::Inval);
    }
    // SAFETY: the major is registered while the module is loaded.
    let major = unsafe { shim::pktrs_blkdev_major() };
    let device = Arc::pin_init(PktDevice::new(slot, major, cd_dev, cd, module), GFP_KERNEL)
        .map_err(|_| Errno::Nomem)?;
    let mut disk = Disk::alloc(slot, device.clone())?;
    // If adding fails, dropping the disk releases its reference on the
    // device, and returning drops ours: the drive handle and the module
    // reference go with the device.
    disk.add(device.cd_handle())?;
    let pd = Arc::as_ptr(&device).cast::<c_void>();
    // SAFETY: the mapping drops the class device and the debugfs directory
    // before its reference on the device (field order of `Mapping`).
    let class_device = unsafe { ClassDevice::create(pd, &device.name) }?;
    // SAFETY: as above.
    let debugfs = unsafe { DebugfsDir::create(pd, &device.name) };
    Ok(Mapping {
        _debugfs: debugfs,
        _class_device: class_device,
        disk,
        device,
    })
}

/// Maps drive `cd_dev` to a new pkt device in the lowest free slot.
pub(crate) fn setup(cd_dev: DevNum) -> Result<DevNum, Errno> {
    // SAFETY: the major is registered while the module is loaded.
    if cd_dev.major() == unsafe { shim::pktrs_blkdev_major() } {
        return Err(Errno::Busy); // a pkt device cannot stand on another
    }
    let slot = {
        let mut table = SLOTS.lock();
        let taken = table.slots.iter().any(|s| match s {
            Slot::Reserved(d) => *d == cd_dev,
            Slot::Mapped(m) => m.device.cd_dev == cd_dev,
            Slot::Free => false,
        });
        if taken {
            return Err(Errno::Busy);
        }
        let Some(i) = table.slots.iter().position(|s| matches!(s, Slot::Free)) else {
            pr_info!("max {} writers supported\n", MAX_WRITERS);
            return Err(Errno::Busy);
        };
        table.slots[i] = Slot::Reserved(cd_dev);
        i
    };
    let result = build(slot as u32, cd_dev);
    let mut table = SLOTS.lock();
    match result {
        Ok(mapping) => {
            let pkt_dev = mapping.disk.devnum();
            pr_info!(
                "{}: writer mapped to {}\n",
                mapping.device.name.as_str(),
                mapping.device.cd_name.as_str()
            );
            table.slots[slot] = Slot::Mapped(mapping);
            Ok(pkt_dev)
        }
        Err(e) => {
            table.slots[slot] = Slot::Free;
            Err(e)
        }
    }
}

/// Removes the mapping of pkt device `pkt_dev`: `ENXIO` if there is none,
/// `EBUSY` while it is open.
pub(crate) fn teardown(pkt_dev: DevNum) -> Result<(), Errno> {
    let device = {
        let table = SLOTS.lock();
        table
            .slots
            .iter()
            .find_map(|s| match s {
                Slot::Mapped(m) if m.device.pkt_dev == pkt_dev => Some(m.device.clone()),
                _ => None,
            })
            .ok_or(Errno::Nxio)?
    };
    // Without SLOTS: this waits for an open in progress on this device.
    device.begin_removal()?;
    let mapping = {
        let mut table = SLOTS.lock();
        let slot = table.slots.iter_mut().find(
            |s| matches!(s, Slot::Mapped(m) if Arc::ptr_eq(&m.device, &device)),
        );
        match slot.map(|s| core::mem::replace(s, Slot::Free)) {
            Some(Slot::Mapped(m)) => m,
            _ => return Err(Errno::Nxio),
        }
    };
    let name = device.name;
    drop(device);
    // Without SLOTS: closing the drive may finalize the disc.
    drop(mapping);
    pr_info!("{}: writer unmapped\n", name.as_str());
    Ok(())
}

/// The mappings, as the control ioctl and sysfs see them.
pub(crate) struct Registry;

impl Slots for Registry {
    fn setup(&mut self, cd: DevNum) -> Result<DevNum, Errno> {
        setup(cd)
    }

    fn teardown(&mut self, pkt: DevNum) -> Result<(), Errno> {
        teardown(pkt)
    }

    fn status(&self, index: u32) -> Option<(DevNum, DevNum)> {
        let table = SLOTS.lock();
        match table.slots.get(index as usize)? {
            Slot::Mapped(m) => Some((m.device.cd_dev, m.device.pkt_dev)),
            _ => None,
        }
    }
}
