// SPDX-License-Identifier: GPL-2.0

//! The C shim's ABI (`include/pktcdvd_shim.h`), the wrapper through which
//! Rust registers the shim's static kernel objects, and the module
//! reference each mapping holds.
//!
//! Only the small wrapper types (`cdrom.rs`, `disk.rs`, `sysfs_dev.rs`,
//! `debugfs.rs`, this file) call the shim; the rest of the driver uses them.

use core::{
    ffi::{c_int, c_uint, c_ulong, c_void},
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{error::to_result, prelude::*, time::Jiffies};

/// Declares opaque C types that Rust only handles by pointer.
macro_rules! opaque {
    ($($(#[$m:meta])* $name:ident;)*) => {$(
        $(#[$m])*
        #[repr(C)]
        pub(crate) struct $name {
            _private: [u8; 0],
        }
    )*};
}

opaque! {
    /// `struct file`: an open block device.
    File;
    /// `struct gendisk`.
    Gendisk;
    /// `struct bio`.
    Bio;
    /// `struct device`.
    Device;
    /// `struct dentry`.
    Dentry;
    /// `struct pktrs_buf`: the pages of one packet buffer.
    PktBuf;
    /// `struct task_struct`: the worker thread.
    Task;
}

extern "C" {
    fn pktrs_control_register() -> c_int;
    fn pktrs_control_unregister();
    fn pktrs_class_register() -> c_int;
    fn pktrs_class_unregister();
    fn pktrs_blkdev_register() -> c_int;
    fn pktrs_blkdev_unregister();
    pub(crate) fn pktrs_blkdev_major() -> u32;
    fn pktrs_teardowns_register() -> c_int;
    fn pktrs_teardowns_unregister();
    fn pktrs_defer_teardown(pkt_dev: u32) -> c_int;
    fn pktrs_module_get() -> bool;
    fn pktrs_module_put();

    pub(crate) fn pktrs_cd_open(dev: u32, ndelay: bool, holder: *const c_void, out: *mut *mut File) -> c_int;
    pub(crate) fn pktrs_cd_close(cd: *mut File);
    pub(crate) fn pktrs_cd_is_cdrom(cd: *mut File) -> bool;
    pub(crate) fn pktrs_cd_is_pktcdvd(cd: *mut File) -> bool;
    pub(crate) fn pktrs_cd_name(cd: *mut File) -> *const u8;
    pub(crate) fn pktrs_cd_last_written(cd: *mut File, last: *mut u32) -> c_int;
    pub(crate) fn pktrs_cd_set_blocksize(cd: *mut File, size: c_int) -> c_int;
    pub(crate) fn pktrs_cd_mmc(
        cd: *mut File,
        cdb: *const u8,
        buf: *mut c_void,
        len: u32,
        dir: c_int,
        timeout_ms: u32,
        quiet: bool,
        sense: *mut u8,
    ) -> c_int;
    pub(crate) fn pktrs_cd_ioctl(cd: *mut File, mode: u32, cmd: c_uint, arg: c_ulong) -> c_int;
    pub(crate) fn pktrs_cd_check_events(cd: *mut File, clearing: c_uint) -> c_uint;
    pub(crate) fn pktrs_cd_sync_cache(cd: *mut File, timeout_ms: u32, sense: *mut u8) -> c_int;
    pub(crate) fn pktrs_cd_is_gone(cd: *mut File) -> bool;

    pub(crate) fn pktrs_disk_alloc(minor: u32, pd: *const c_void, out: *mut *mut Gendisk) -> c_int;
    pub(crate) fn pktrs_disk_add(disk: *mut Gendisk, cd: *mut File) -> c_int;
    pub(crate) fn pktrs_disk_remove(disk: *mut Gendisk);
    pub(crate) fn pktrs_disk_put(disk: *mut Gendisk);
    pub(crate) fn pktrs_disk_set_capacity(disk: *mut Gendisk, sectors: u64);
    pub(crate) fn pktrs_disk_devt(disk: *mut Gendisk) -> u32;
    pub(crate) fn pktrs_bio_endio(bio: *mut Bio, error: c_int);
    pub(crate) fn pktrs_bio_remap(bio: *mut Bio, cd: *mut File);
    pub(crate) fn pktrs_bio_share(bio: *mut Bio);

    pub(crate) fn pktrs_buf_alloc(frames: u32) -> *mut PktBuf;
    pub(crate) fn pktrs_buf_free(buf: *mut PktBuf);
    pub(crate) fn pktrs_buf_fill_from_bio(buf: *mut PktBuf, first: u32, bio: *mut Bio, skip: u32, frames: u32);
    pub(crate) fn pktrs_buf_io(buf: *mut PktBuf, cd: *mut File, zone_sector: u64, first: u32, count: u32, write: bool) -> c_int;
    pub(crate) fn pktrs_bufs_write(bufs: *const *mut PktBuf, count: u32, cd: *mut File, zone_sector: u64) -> c_int;
    pub(crate) fn pktrs_max_write_frames(cd: *mut File) -> u32;

    pub(crate) fn pktrs_worker_start(pd: *const c_void, name: *const u8) -> *mut Task;
    pub(crate) fn pktrs_worker_stop(task: *mut Task);
    pub(crate) fn pktrs_worker_should_stop() -> bool;
    pub(crate) fn pktrs_jiffies() -> Jiffies;
    pub(crate) fn pktrs_ms_to_jiffies(ms: u32) -> Jiffies;

    pub(crate) fn pktrs_class_device_create(pd: *const c_void, name: *const u8, out: *mut *mut Device) -> c_int;
    pub(crate) fn pktrs_class_device_destroy(dev: *mut Device);
    pub(crate) fn pktrs_debugfs_create(pd: *const c_void, name: *const u8) -> *mut Dentry;
    pub(crate) fn pktrs_debugfs_remove(dir: *mut Dentry);
}

/// `PKTRS_BIO_*`: what a bio asks for.
pub(crate) const BIO_READ: c_int = 0;
pub(crate) const BIO_WRITE: c_int = 1;
pub(crate) const BIO_FLUSH: c_int = 2;

/// `PKTRS_BIO_PREFLUSH`, `PKTRS_BIO_FUA`, `PKTRS_BIO_AWAITED`: flags of a
/// write bio.
pub(crate) const BIO_PREFLUSH: u32 = 1;
pub(crate) const BIO_FUA: u32 = 2;
pub(crate) const BIO_AWAITED: u32 = 4;

/// `BLK_OPEN_WRITE` in the raw open mode (the shim asserts it is bit 1).
pub(crate) const BLK_OPEN_WRITE: u32 = 1 << 1;

/// One of the shim's static kernel objects, with the shim functions that
/// register and unregister it.
///
/// # Invariants
///
/// `register` registers the object and returns 0 or `-errno`; `unregister`
/// removes it again; `registered` is true while a [`Registration`] of it
/// exists.
pub(crate) struct ShimObject {
    registered: AtomicBool,
    register: unsafe extern "C" fn() -> c_int,
    unregister: unsafe extern "C" fn(),
}

/// The misc device "pktcdvd" with node `pktcdvd/control`; the Rust
/// misc-device abstraction cannot set a node name.
// INVARIANT: the shim's register/unregister pair for its misc device.
pub(crate) static CONTROL_DEVICE: ShimObject = ShimObject {
    registered: AtomicBool::new(false),
    register: pktrs_control_register,
    unregister: pktrs_control_unregister,
};

/// The sysfs class "pktcdvd" with `add`, `remove` and `device_map`; the
/// kernel crate has no sysfs class abstraction.
// INVARIANT: the shim's register/unregister pair for its class.
pub(crate) static CLASS: ShimObject = ShimObject {
    registered: AtomicBool::new(false),
    register: pktrs_class_register,
    unregister: pktrs_class_unregister,
};

/// The dynamic block major "pktcdvd" (and the debugfs directory).
// INVARIANT: the shim's register/unregister pair for its major.
pub(crate) static BLOCK_MAJOR: ShimObject = ShimObject {
    registered: AtomicBool::new(false),
    register: pktrs_blkdev_register,
    unregister: pktrs_blkdev_unregister,
};

/// The workqueue on which the driver tears down mappings whose drive is
/// gone (see `PktDevice::release`); unregistering waits for them.
// INVARIANT: the shim's register/unregister pair for its workqueue.
pub(crate) static TEARDOWNS: ShimObject = ShimObject {
    registered: AtomicBool::new(false),
    register: pktrs_teardowns_register,
    unregister: pktrs_teardowns_unregister,
};

/// Has the mapping of `pkt_dev` torn down soon, from [`TEARDOWNS`]'s
/// workqueue (`pktrs_orphan_teardown`).  Fails only without memory.
pub(crate) fn defer_teardown(pkt_dev: u32) -> Result {
    // SAFETY: takes a plain number; the workqueue exists while the module
    // is loaded, and a device calling this keeps the module loaded.
    to_result(unsafe { pktrs_defer_teardown(pkt_dev) })
}

impl ShimObject {
    /// Registers the object; it stays registered while the returned value
    /// lives.  Fails with `EBUSY` if it is registered already: registering
    /// a static object twice would corrupt the kernel's lists.
    pub(crate) fn register(&'static self) -> Result<Registration> {
        if self.registered.swap(true, Ordering::AcqRel) {
            return Err(EBUSY);
        }
        // SAFETY: `registered` was false, so the object is not registered,
        // and by the type invariant `register` is its registering function.
        if let Err(e) = to_result(unsafe { (self.register)() }) {
            self.registered.store(false, Ordering::Release);
            return Err(e);
        }
        // INVARIANT: registered just now; `registered` blocks a second one.
        Ok(Registration(self))
    }
}

/// A registered [`ShimObject`], unregistered on drop.
///
/// # Invariants
///
/// The object is registered, and this is its only `Registration`.
pub(crate) struct Registration(&'static ShimObject);

impl Drop for Registration {
    fn drop(&mut self) {
        // The objects are sysfs files and a misc device whose fops pin the
        // module, so no callback into this module runs past its unload.
        // SAFETY: by the type invariants the object is registered, only this
        // value removes it, and `unregister` is its removing function.
        unsafe { (self.0.unregister)() };
        self.0.registered.store(false, Ordering::Release);
    }
}

/// A reference on this module: while one exists the module cannot be
/// unloaded.  Each mapping holds one, as in the C driver.
///
/// # Invariants
///
/// Holds one reference taken with `try_module_get`.
pub(crate) struct ModuleRef(());

impl ModuleRef {
    /// Takes a reference; `None` while the module is being unloaded.
    pub(crate) fn get() -> Option<Self> {
        // SAFETY: try_module_get on this module has no precondition.
        // INVARIANT: a reference is held when it returns true.
        unsafe { pktrs_module_get() }.then_some(ModuleRef(()))
    }
}

impl Drop for ModuleRef {
    fn drop(&mut self) {
        // SAFETY: by the type invariant this value holds one reference.
        unsafe { pktrs_module_put() };
    }
}

/// Reads a NUL-terminated C string of at most `N - 1` bytes into a name.
///
/// # Safety
///
/// `p` points to a NUL-terminated string that stays valid for the call.
pub(crate) unsafe fn c_name<const N: usize>(p: *const u8) -> crate::pktcore::fmt::Name<N> {
    let mut name = crate::pktcore::fmt::Name::new();
    let mut i = 0;
    while i < N - 1 {
        // SAFETY: the caller guarantees a NUL within the string; we stop at it.
        let c = unsafe { *p.add(i) };
        if c == 0 {
            break;
        }
        name.push(c);
        i += 1;
    }
    name
}

/// jiffies now.
pub(crate) fn jiffies() -> Jiffies {
    // SAFETY: reads the jiffies counter.
    unsafe { pktrs_jiffies() }
}

/// `ms` milliseconds in jiffies.
pub(crate) fn ms_to_jiffies(ms: u32) -> Jiffies {
    // SAFETY: a pure conversion.
    unsafe { pktrs_ms_to_jiffies(ms) }
}
