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
