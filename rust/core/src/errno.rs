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
    /// `ERANGE`: a number out of range.
    Range,
    /// Any other error, as its positive errno value.
    Other(i32),
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
            Errno::Range => 34,
            Errno::Nomedium => 123,
            Errno::Other(e) => e,
        }
    }

    /// The error for a kernel return value `-errno` (or `errno`).
    pub const fn from_raw(raw: i32) -> Self {
        match raw.saturating_abs() {
            1 => Errno::Perm,
            5 => Errno::Io,
            6 => Errno::Nxio,
            12 => Errno::Nomem,
            14 => Errno::Fault,
            16 => Errno::Busy,
            19 => Errno::Nodev,
            22 => Errno::Inval,
            25 => Errno::Notty,
            30 => Errno::Rofs,
            34 => Errno::Range,
            95 => Errno::NotSupported,
            123 => Errno::Nomedium,
            e => Errno::Other(e),
        }
    }

    /// A kernel result: 0 for success, else the error.
    pub const fn check(ret: i32) -> Result<(), Errno> {
        if ret < 0 {
            Err(Errno::from_raw(ret))
        } else {
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_values_round_trip() {
        for e in [
            Errno::Perm,
            Errno::Nxio,
            Errno::Busy,
            Errno::Notty,
            Errno::Nomedium,
            Errno::Range,
        ] {
            assert_eq!(Errno::from_raw(-e.to_raw()), e);
        }
        assert_eq!(Errno::from_raw(-13), Errno::Other(13));
        assert_eq!(Errno::check(0), Ok(()));
        assert_eq!(Errno::check(-16), Err(Errno::Busy));
    }
}
