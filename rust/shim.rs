// SPDX-License-Identifier: GPL-2.0

//! The C shim's ABI (`include/pktcdvd_shim.h`) and the one wrapper through
//! which Rust registers the shim's static kernel objects.

use core::{
    ffi::c_int,
    sync::atomic::{AtomicBool, Ordering},
};
use kernel::{error::to_result, prelude::*};

extern "C" {
    fn pktrs_control_register() -> c_int;
    fn pktrs_control_unregister();
    fn pktrs_class_register() -> c_int;
    fn pktrs_class_unregister();
}

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
        // SAFETY: by the type invariants the object is registered, only this
        // value removes it, and `unregister` is its removing function.  The
        // objects are sysfs files and a misc device whose fops pin the
        // module, so no callback into this module runs past its unload.
        unsafe { (self.0.unregister)() };
        self.0.registered.store(false, Ordering::Release);
    }
}
