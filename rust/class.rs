// SPDX-License-Identifier: GPL-2.0

//! What `/sys/class/pktcdvd`'s `add`, `remove` and `device_map` do (the class
//! itself is the shim's `CLASS`).
//!
//! Unlike the C driver, `add` and `remove` return the setup or teardown
//! error to the writer instead of always reporting success.

use crate::cred::require_sys_admin;
use crate::pktcore::{
    ctl::{Slots, MAX_WRITERS},
    errno::Errno,
    fmt::BufWriter,
    sysfs,
};
use crate::registry::Registry;

/// A write to `add`: map the CD device `major:minor`.
fn add(text: &[u8]) -> Result<(), Errno> {
    require_sys_admin()?;
    let cd = sysfs::parse_dev(text).map_err(|_| Errno::Inval)?;
    Registry.setup(cd).map(|_| ())
}

/// A write to `remove`: unmap the pktcdvd device `major:minor`.
fn remove(text: &[u8]) -> Result<(), Errno> {
    require_sys_admin()?;
    let pkt = sysfs::parse_dev(text).map_err(|_| Errno::Inval)?;
    Registry.teardown(pkt)
}

/// The text of `device_map`: one line per mapping, in slot order.
fn device_map(w: &mut BufWriter<'_>) {
    let registry = Registry;
    for slot in 0..MAX_WRITERS {
        if let Some((cd, pkt)) = registry.status(slot) {
            // Eight short lines always fit a page; a cut line is just cut.
            let _ = sysfs::write_map_line(w, slot, pkt, cd);
        }
    }
}

/// A store's return value: the whole write consumed, or `-errno`.
fn store_result(result: Result<(), Errno>, count: usize) -> isize {
    match result {
        Ok(()) => isize::try_from(count).unwrap_or(isize::MAX),
        Err(e) => -(e.to_raw() as isize),
    }
}

/// Shim entry for writes to `add`.
///
/// # Safety
///
/// `buf` points to `count` readable bytes that stay valid for the call.
#[no_mangle]
unsafe extern "C" fn pktrs_class_add(buf: *const u8, count: usize) -> isize {
    // SAFETY: guaranteed by the caller (sysfs passes its write buffer).
    let text = unsafe { core::slice::from_raw_parts(buf, count) };
    store_result(add(text), count)
}

/// Shim entry for writes to `remove`.
///
/// # Safety
///
/// `buf` points to `count` readable bytes that stay valid for the call.
#[no_mangle]
unsafe extern "C" fn pktrs_class_remove(buf: *const u8, count: usize) -> isize {
    // SAFETY: guaranteed by the caller (sysfs passes its write buffer).
    let text = unsafe { core::slice::from_raw_parts(buf, count) };
    store_result(remove(text), count)
}

/// Shim entry for reads of `device_map`.
///
/// # Safety
///
/// `buf` points to `size` initialised, writable bytes, not otherwise
/// accessed during the call (sysfs zeroes its page before `show`).
#[no_mangle]
unsafe extern "C" fn pktrs_class_device_map(buf: *mut u8, size: usize) -> isize {
    // SAFETY: guaranteed by the caller.
    let page = unsafe { core::slice::from_raw_parts_mut(buf, size) };
    let mut w = BufWriter::new(page);
    device_map(&mut w);
    isize::try_from(w.len()).unwrap_or(0)
}
