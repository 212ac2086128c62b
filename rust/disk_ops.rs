// SPDX-License-Identifier: GPL-2.0

//! Entry points from the shim: the pkt disks' block_device_operations, the
//! per-device sysfs attributes and the debugfs info file.
//!
//! Each receives the device as `pd`, the pointer the mapping gave the disk,
//! the class device and the debugfs file.  It stays valid while any of them
//! can call: the disk's private data holds a reference until `free_disk`,
//! and the mapping keeps its own reference until after the class device
//! and the debugfs directory are removed (which waits for calls in
//! progress).

use crate::bio::OwnedBio;
use crate::cred::require_sys_admin;
use crate::device::PktDevice;
use crate::pktcore::fmt::BufWriter;
use crate::shim::{self, Bio, Gendisk};
use core::ffi::{c_int, c_uint, c_ulong, c_void};
use kernel::sync::Arc;

/// A disk during one of its own callbacks.
///
/// # Invariants
///
/// `disk` is the live gendisk whose callback is running.
pub(crate) struct DiskRef {
    disk: *mut Gendisk,
}

impl DiskRef {
    /// Sets the disk's capacity in 512-byte sectors.
    pub(crate) fn set_capacity(&self, sectors: u64) {
        // SAFETY: the disk is live during its callback (type invariant).
        unsafe { shim::pktrs_disk_set_capacity(self.disk, sectors) };
    }
}

/// The device behind `pd`.
///
/// # Safety
///
/// `pd` is a device pointer given by the mapping (see the module comment),
/// used while the object that received it can still call.
unsafe fn device<'a>(pd: *const c_void) -> &'a PktDevice {
    // SAFETY: guaranteed by the caller.
    unsafe { &*pd.cast::<PktDevice>() }
}

fn errno_ret(r: Result<(), crate::pktcore::errno::Errno>) -> c_int {
    match r {
        Ok(()) => 0,
        Err(e) => -e.to_raw(),
    }
}

/// `submit_bio` (after splitting to the queue limits).
///
/// # Safety
///
/// Called by the shim with a pkt disk's `pd` and a bio submitted to it.
#[no_mangle]
unsafe extern "C" fn pktrs_submit_bio(pd: *const c_void, bio: *mut Bio, op: c_int, sector: u64, bytes: u32, flags: u32) {
    // SAFETY: the disk's private data, valid while the disk takes bios.
    let dev = unsafe { device(pd) };
    // SAFETY: a live bio, handed to the driver to complete.
    if let Some(bio) = unsafe { OwnedBio::from_raw(bio) } {
        dev.submit_bio(bio, op, sector, bytes, flags);
    }
}

/// `open`.
///
/// # Safety
///
/// Called by the shim with a pkt disk's `pd` and that disk.
#[no_mangle]
unsafe extern "C" fn pktrs_open(pd: *const c_void, disk: *mut Gendisk, mode: u32) -> c_int {
    // SAFETY: the disk's private data, valid during its callbacks.
    let dev = unsafe { device(pd) };
    // INVARIANT: the disk whose open callback runs.
    let disk = DiskRef { disk };
    errno_ret(dev.open(&disk, mode))
}

/// A teardown the driver decided on itself (a drive that is gone), run
/// from the shim's workqueue.
#[no_mangle]
extern "C" fn pktrs_orphan_teardown(pkt_dev: u32) {
    let pkt_dev = crate::pktcore::devnum::DevNum::from_kernel(pkt_dev);
    // ENXIO: someone tore it down first.  EBUSY: opened again meanwhile
    // (the open fails, the drive being gone); its last close retries.
    let _ = crate::registry::teardown(pkt_dev);
}

/// `release`.
///
/// # Safety
///
/// Called by the shim with a pkt disk's `pd`.
#[no_mangle]
unsafe extern "C" fn pktrs_release(pd: *const c_void) {
    // SAFETY: the disk's private data, valid during its callbacks.
    unsafe { device(pd) }.release();
}

/// `ioctl`.
///
/// # Safety
///
/// Called by the shim with a pkt disk's `pd` and the caller's arguments.
#[no_mangle]
unsafe extern "C" fn pktrs_ioctl(pd: *const c_void, mode: u32, cmd: c_uint, arg: c_ulong) -> c_int {
    // SAFETY: the disk's private data, valid during its callbacks.
    unsafe { device(pd) }.ioctl(mode, cmd, arg as usize)
}

/// `check_events`.
///
/// # Safety
///
/// Called by the shim with a pkt disk's `pd`.
#[no_mangle]
unsafe extern "C" fn pktrs_check_events(pd: *const c_void, clearing: c_uint) -> c_uint {
    // SAFETY: the disk's private data, valid during its callbacks.
    unsafe { device(pd) }.check_events(clearing)
}

/// `free_disk`: the disk is gone; its reference on the device goes too.
///
/// # Safety
///
/// Called once per disk, by the shim, with the `pd` the disk was given,
/// which came from `Arc::into_raw`.
#[no_mangle]
unsafe extern "C" fn pktrs_free_disk(pd: *const c_void) {
    // SAFETY: the reference `Arc::into_raw` gave the disk, released once.
    drop(unsafe { Arc::from_raw(pd.cast::<PktDevice>()) });
}

/// Reads of a per-device attribute.
///
/// # Safety
///
/// `pd` is the class device's driver data; `buf` points to `size`
/// initialised bytes (sysfs zeroes its page), not otherwise accessed.
#[no_mangle]
unsafe extern "C" fn pktrs_attr_show(pd: *const c_void, attr: c_int, buf: *mut u8, size: usize) -> isize {
    // SAFETY: the class device's driver data, valid while it exists.
    let dev = unsafe { device(pd) };
    // SAFETY: guaranteed by the caller.
    let page = unsafe { core::slice::from_raw_parts_mut(buf, size) };
    let mut w = BufWriter::new(page);
    match dev.attr_show(attr, &mut w) {
        Ok(()) => isize::try_from(w.len()).unwrap_or(0),
        Err(e) => -(e.to_raw() as isize),
    }
}

/// Writes of a per-device attribute.
///
/// # Safety
///
/// `pd` is the class device's driver data; `buf` points to `count`
/// readable bytes.
#[no_mangle]
unsafe extern "C" fn pktrs_attr_store(pd: *const c_void, attr: c_int, buf: *const u8, count: usize) -> isize {
    // SAFETY: the class device's driver data, valid while it exists.
    let dev = unsafe { device(pd) };
    // SAFETY: guaranteed by the caller.
    let text = unsafe { core::slice::from_raw_parts(buf, count) };
    match require_sys_admin().and_then(|()| dev.attr_store(attr, text)) {
        Ok(()) => isize::try_from(count).unwrap_or(isize::MAX),
        Err(e) => -(e.to_raw() as isize),
    }
}

/// The debugfs info text.
///
/// # Safety
///
/// `pd` is the debugfs file's data; `buf` points to `size` writable
/// bytes, not otherwise accessed.
#[no_mangle]
unsafe extern "C" fn pktrs_info(pd: *const c_void, buf: *mut u8, size: usize) -> usize {
    // SAFETY: the debugfs file's data, valid while the file exists.
    let dev = unsafe { device(pd) };
    // SAFETY: guaranteed by the caller; the buffer comes from kmalloc and
    // is only written.
    let page = unsafe {
        core::ptr::write_bytes(buf, 0, size);
        core::slice::from_raw_parts_mut(buf, size)
    };
    let mut w = BufWriter::new(page);
    dev.info(&mut w);
    w.len()
}

/// The worker thread's body.
///
/// # Safety
///
/// Called by the worker thread the device started, with its `pd`; the
/// device stops the thread before it can go away.
#[no_mangle]
unsafe extern "C" fn pktrs_worker_main(pd: *const c_void) {
    // SAFETY: guaranteed by the caller.
    crate::engine::run(unsafe { device(pd) });
}
