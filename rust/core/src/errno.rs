// SPDX-License-Identifier: GPL-2.0

//! The error numbers the driver's interfaces return, as the kernel glue maps
//! them onto `kernel::error::Error`.

/// An error a pktcdvd interface reports to userspace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Errno {
    /// `EPERM`: the caller lacks `CAP_SYS_ADMIN`.
    Perm,
    /// `ENXIO`: no such pktcdvd device (TEARDOWN of an unknown one).
    Nxio,
    /// `ENODEV`: the device number names no block device.
    Nodev,
    /// `EBUSY`: all slots used, already mapped, chained, or in use.
    Busy,
    /// `EINVAL`: a malformed argument, or a device that is not a CD/DVD drive.
    Inval,
    /// `ENOTTY`: an ioctl or command the driver does not know.
    Notty,
    /// `ENOMEM`: out of memory.
    Nomem,
    /// `EFAULT`: a bad user pointer.
    Fault,
    /// `EIO`: the drive failed.
    Io,
    /// `EROFS`: the medium cannot be written.
    Rofs,
    /// `ENOMEDIUM`: no disc in the drive.
    Nomedium,
    /// `EOPNOTSUPP`: the operation is not supported (yet).
    NotSupported,
}

impl Errno {
    /// The positive errno value (Linux generic numbers, as on x86 and arm).
    pub const fn to_raw(self) -> i32 {
        match self {
            Errno::Perm => 1,
            Errno::Nxio => 6,
            Errno::Io => 5,
            Errno::Nomem => 12,
            Errno::Fault => 14,
            Errno::Busy => 16,
            Errno::Nodev => 19,
            Errno::Inval => 22,
            Errno::Notty => 25,
            Errno::Rofs => 30,
            Errno::NotSupported => 95,
            Errno::Nomedium => 123,
        }
    }
}
