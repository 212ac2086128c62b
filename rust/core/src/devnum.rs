// SPDX-License-Identifier: GPL-2.0

//! Device numbers: the kernel's internal `dev_t` and the 32-bit "new"
//! encoding that the control ioctl carries (`new_encode_dev`).

/// Bits of the minor number in the kernel's internal `dev_t` (`MINORBITS`).
const MINOR_BITS: u32 = 20;
/// Largest major number the internal `dev_t` can hold.
pub const MAJOR_MAX: u32 = (1 << (32 - MINOR_BITS)) - 1;
/// Largest minor number the internal `dev_t` can hold.
pub const MINOR_MAX: u32 = (1 << MINOR_BITS) - 1;

/// A block or character device number.
///
/// # Invariants
///
/// `major <= MAJOR_MAX` and `minor <= MINOR_MAX`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DevNum {
    major: u32,
    minor: u32,
}

impl DevNum {
    /// A device number, or `None` if a part is out of range.
    pub const fn new(major: u32, minor: u32) -> Option<Self> {
        if major > MAJOR_MAX || minor > MINOR_MAX {
            return None;
        }
        Some(Self { major, minor })
    }

    /// The major number.
    pub const fn major(self) -> u32 {
        self.major
    }

    /// The minor number.
    pub const fn minor(self) -> u32 {
        self.minor
    }

    /// The kernel's internal `dev_t` (`MKDEV`).
    pub const fn to_kernel(self) -> u32 {
        (self.major << MINOR_BITS) | self.minor
    }

    /// Decodes the kernel's internal `dev_t` (`MAJOR`/`MINOR`).
    pub const fn from_kernel(dev: u32) -> Self {
        Self {
            major: dev >> MINOR_BITS,
            minor: dev & MINOR_MAX,
        }
    }

    /// The "new" 32-bit userspace encoding (`new_encode_dev`): minor bits
    /// 0-7, major in bits 8-19, minor bits 8-19 in bits 20-31.  This is what
    /// glibc's `makedev` gives for these ranges, so `st_rdev` compares equal.
    pub const fn encode(self) -> u32 {
        (self.minor & 0xff) | (self.major << 8) | ((self.minor & !0xff) << 12)
    }

    /// Decodes the "new" 32-bit encoding (`new_decode_dev`).  Every `u32` is
    /// a valid encoding.
    pub const fn decode(dev: u32) -> Self {
        Self {
            major: (dev & 0xfff00) >> 8,
            minor: (dev & 0xff) | ((dev >> 12) & 0xfff00),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sr0_encodes_as_glibc_makedev() {
        let sr0 = DevNum::new(11, 0).unwrap();
        assert_eq!(sr0.encode(), 0x0b00);
        // glibc: makedev(253, 300) = (300 & 0xff) | (253 << 8) | ((300 & ~0xff) << 12)
        let d = DevNum::new(253, 300).unwrap();
        assert_eq!(d.encode(), 0x2c | (253 << 8) | (0x100 << 12));
    }

    #[test]
    fn encode_decode_round_trip_over_the_whole_range() {
        for major in [0, 1, 11, 253, 4095] {
            for minor in [0, 1, 255, 256, 65535, MINOR_MAX] {
                let d = DevNum::new(major, minor).unwrap();
                assert_eq!(DevNum::decode(d.encode()), d);
                assert_eq!(DevNum::from_kernel(d.to_kernel()), d);
            }
        }
    }

    #[test]
    fn out_of_range_parts_are_refused() {
        assert!(DevNum::new(MAJOR_MAX + 1, 0).is_none());
        assert!(DevNum::new(0, MINOR_MAX + 1).is_none());
    }

    #[test]
    fn any_u32_decodes_to_a_valid_number() {
        for raw in [0u32, 1, 0xffff_ffff, 0x8000_0000, 0x000f_ff00] {
            let d = DevNum::decode(raw);
            assert!(DevNum::new(d.major(), d.minor()).is_some());
            assert_eq!(d.encode(), raw);
        }
    }
}
