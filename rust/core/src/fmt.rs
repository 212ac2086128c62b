// SPDX-License-Identifier: GPL-2.0

//! Formatting into a caller's fixed buffer, for sysfs and debugfs text.

use core::fmt;

/// A `core::fmt::Write` sink over a byte buffer that never overflows: text
/// past the end is dropped and remembered as truncation.
pub struct BufWriter<'a> {
    buf: &'a mut [u8],
    len: usize,
    truncated: bool,
}

impl<'a> BufWriter<'a> {
    /// A writer that fills `buf` from the start.
    pub fn new(buf: &'a mut [u8]) -> Self {
        Self {
            buf,
            len: 0,
            truncated: false,
        }
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether some text did not fit.
    pub fn truncated(&self) -> bool {
        self.truncated
    }

    /// The text written so far.
    pub fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}

impl fmt::Write for BufWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let room = self.buf.len() - self.len;
        let n = s.len().min(room);
        self.buf[self.len..self.len + n].copy_from_slice(&s.as_bytes()[..n]);
        self.len += n;
        if n < s.len() {
            self.truncated = true;
            return Err(fmt::Error);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::fmt::Write;

    #[test]
    fn writes_and_truncates_without_overflow() {
        let mut buf = [0u8; 8];
        let mut w = BufWriter::new(&mut buf);
        assert!(write!(w, "{}:{}", 11, 0).is_ok());
        assert_eq!(w.as_bytes(), b"11:0");
        assert!(write!(w, "-longer").is_err());
        assert!(w.truncated());
        assert_eq!(w.as_bytes(), b"11:0-lon");
        assert_eq!(w.len(), 8);
    }
}

/// A short ASCII name in a fixed buffer (a disk name like `sr0`).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct Name<const N: usize> {
    bytes: [u8; N],
    len: usize,
}

impl<const N: usize> Default for Name<N> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const N: usize> Name<N> {
    /// An empty name.
    pub const fn new() -> Self {
        Name {
            bytes: [0; N],
            len: 0,
        }
    }

    /// Appends a byte; non-printable bytes become `?`, and a full name
    /// (N - 1 bytes, leaving room for a NUL) stays as it is.
    pub fn push(&mut self, c: u8) {
        if self.len + 1 < N {
            self.bytes[self.len] = if c.is_ascii_graphic() { c } else { b'?' };
            self.len += 1;
        }
    }

    /// A name from `text`.
    pub fn from_text(text: &str) -> Self {
        let mut n = Self::new();
        for &c in text.as_bytes() {
            n.push(c);
        }
        n
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        // Only ASCII graphic bytes are ever stored.
        core::str::from_utf8(&self.bytes[..self.len]).unwrap_or("?")
    }

    /// The name with a terminating NUL, for C.
    pub fn as_nul_terminated(&self) -> &[u8] {
        &self.bytes[..self.len + 1]
    }
}

impl<const N: usize> fmt::Display for Name<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl<const N: usize> fmt::Debug for Name<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod name_tests {
    use super::*;

    #[test]
    fn names_are_bounded_printable_and_nul_terminated() {
        let n: Name<8> = Name::from_text("sr0");
        assert_eq!(n.as_str(), "sr0");
        assert_eq!(n.as_nul_terminated(), b"sr0\0");
        let long: Name<4> = Name::from_text("pktcdvd0");
        assert_eq!(long.as_str(), "pkt");
        let odd: Name<8> = Name::from_text("a b\n");
        assert_eq!(odd.as_str(), "a?b?");
    }
}
