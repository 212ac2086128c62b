// SPDX-License-Identifier: GPL-2.0

//! Values of the per-device sysfs attributes: integer parsing as the
//! kernel's `kstrtoint` does it, and the write-congestion marks with the C
//! driver's clamping.

use super::errno::Errno;

/// Parses a decimal `int` as `kstrtoint(text, 10, ..)`: an optional sign,
/// digits, and at most one trailing newline.  `EINVAL` for anything else,
/// `ERANGE` when it does not fit.
pub fn parse_int(text: &[u8]) -> Result<i32, Errno> {
    let text = text.strip_suffix(b"\n").unwrap_or(text);
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return Err(Errno::Inval);
    }
    let mut value: i64 = 0;
    for &d in digits {
        value = value * 10 + i64::from(d - b'0');
        if value > i64::from(i32::MAX) + 1 {
            return Err(Errno::Range);
        }
    }
    let value = if negative { -value } else { value };
    i32::try_from(value).map_err(|_| Errno::Range)
}

/// Default mark at which writers start to wait.
pub const CONGESTION_ON: i32 = 10_000;
/// Default mark at which waiting writers resume.
pub const CONGESTION_OFF: i32 = 9_000;

/// The write-congestion marks of a device (`write_queue/congestion_on`
/// and `congestion_off`), counted in queued bios.
///
/// # Invariants
///
/// Either both are -1 (congestion control off), or the defaults, or
/// `500 <= on <= 1_000_000` and `100 <= off <= on - 100`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CongestionMarks {
    on: i32,
    off: i32,
}

impl Default for CongestionMarks {
    fn default() -> Self {
        // The defaults are not passed through the clamp, as in C.
        CongestionMarks {
            on: CONGESTION_ON,
            off: CONGESTION_OFF,
        }
    }
}

impl CongestionMarks {
    /// The mark at which writers wait; -1 when congestion control is off.
    pub fn on(&self) -> i32 {
        self.on
    }

    /// The mark at which they resume; -1 when congestion control is off.
    pub fn off(&self) -> i32 {
        self.off
    }

    /// Whether writers ever wait.
    pub fn enabled(&self) -> bool {
        self.on > 0
    }

    /// A write of `congestion_on`.
    pub fn set_on(&mut self, on: i32) {
        self.on = on;
        self.clamp();
    }

    /// A write of `congestion_off`.
    pub fn set_off(&mut self, off: i32) {
        self.off = off;
        self.clamp();
    }

    /// The C driver's `init_write_congestion_marks`.
    fn clamp(&mut self) {
        if self.on > 0 {
            self.on = self.on.clamp(500, 1_000_000);
            if self.off <= 0 {
                self.off = self.on - 100;
            } else {
                self.off = self.off.min(self.on - 100).max(100);
            }
        } else {
            self.on = -1;
            self.off = -1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kstrtoint_semantics() {
        assert_eq!(parse_int(b"42\n"), Ok(42));
        assert_eq!(parse_int(b"-7"), Ok(-7));
        assert_eq!(parse_int(b"+9"), Ok(9));
        assert_eq!(parse_int(b"-2147483648"), Ok(i32::MIN));
        assert_eq!(parse_int(b"2147483648"), Err(Errno::Range));
        assert_eq!(parse_int(b"99999999999999999999"), Err(Errno::Range));
        for bad in [
            &b""[..],
            b"\n",
            b"12 ",
            b" 12",
            b"0x10",
            b"1.5",
            b"-",
            b"12\n\n",
            b"ten",
        ] {
            assert_eq!(parse_int(bad), Err(Errno::Inval), "{bad:?}");
        }
    }

    #[test]
    fn marks_clamp_as_c_does() {
        let mut m = CongestionMarks::default();
        assert_eq!((m.on(), m.off()), (10_000, 9_000));
        m.set_on(100);
        assert_eq!((m.on(), m.off()), (500, 400));
        m.set_on(2_000_000);
        assert_eq!((m.on(), m.off()), (1_000_000, 400));
        m.set_off(5);
        assert_eq!((m.on(), m.off()), (1_000_000, 100));
        m.set_off(2_000_000);
        assert_eq!((m.on(), m.off()), (1_000_000, 999_900));
        m.set_off(0);
        assert_eq!((m.on(), m.off()), (1_000_000, 999_900));
        m.set_on(0);
        assert_eq!((m.on(), m.off()), (-1, -1));
        assert!(!m.enabled());
        m.set_off(700);
        assert_eq!((m.on(), m.off()), (-1, -1), "off alone cannot re-enable");
        m.set_on(800);
        assert_eq!((m.on(), m.off()), (800, 700));
    }
}
