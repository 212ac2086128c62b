// SPDX-License-Identifier: GPL-2.0

//! Text formats of the sysfs class `pktcdvd` (`/sys/class/pktcdvd`).

use super::devnum::DevNum;
use core::fmt;

/// Why a `major:minor` string written to `add` or `remove` was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParseDevError {
    /// Not of the form `<major>:<minor>` with decimal numbers.
    Syntax,
    /// A number does not fit a device number (major < 4096, minor < 2^20).
    Range,
}

/// Parses what is written to `add` / `remove`: `"%u:%u"` as the C driver's
/// `sscanf` read it — leading white space before each number is skipped and
/// anything after the minor (a newline from `echo`, say) is ignored.
pub fn parse_dev(text: &[u8]) -> Result<DevNum, ParseDevError> {
    let (major, rest) = parse_u32(text)?;
    let rest = rest.strip_prefix(b":").ok_or(ParseDevError::Syntax)?;
    let (minor, _trailing) = parse_u32(rest)?;
    DevNum::new(major, minor).ok_or(ParseDevError::Range)
}

/// A decimal number after optional white space, and the rest of the text.
fn parse_u32(text: &[u8]) -> Result<(u32, &[u8]), ParseDevError> {
    let start = text
        .iter()
        .position(|c| !c.is_ascii_whitespace())
        .unwrap_or(text.len());
    let text = &text[start..];
    let digits = text.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 {
        return Err(ParseDevError::Syntax);
    }
    let mut value: u32 = 0;
    for &c in &text[..digits] {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u32::from(c - b'0')))
            .ok_or(ParseDevError::Range)?;
    }
    Ok((value, &text[digits..]))
}

/// One line of `device_map`: `pktcdvdN <pktmaj>:<pktmin> <cdmaj>:<cdmin>`.
pub fn write_map_line(w: &mut impl fmt::Write, slot: u32, pkt: DevNum, cd: DevNum) -> fmt::Result {
    writeln!(
        w,
        "pktcdvd{} {}:{} {}:{}",
        slot,
        pkt.major(),
        pkt.minor(),
        cd.major(),
        cd.minor()
    )
}

#[cfg(test)]
mod tests {
    use super::super::fmt::BufWriter;
    use super::*;

    fn dev(major: u32, minor: u32) -> DevNum {
        DevNum::new(major, minor).unwrap()
    }

    #[test]
    fn parses_what_echo_writes() {
        assert_eq!(parse_dev(b"11:0\n"), Ok(dev(11, 0)));
        assert_eq!(parse_dev(b" 11: 1"), Ok(dev(11, 1)));
        assert_eq!(parse_dev(b"253:7 trailing text"), Ok(dev(253, 7)));
    }

    #[test]
    fn refuses_malformed_text() {
        for bad in [
            &b""[..],
            b"\n",
            b"11",
            b"11:",
            b":0",
            b"11 0",
            b"-1:0",
            b"sr0",
            b"11;0",
            b"0x0b:0",
        ] {
            assert_eq!(parse_dev(bad), Err(ParseDevError::Syntax), "{bad:?}");
        }
    }

    #[test]
    fn refuses_numbers_out_of_range() {
        assert_eq!(parse_dev(b"4096:0"), Err(ParseDevError::Range));
        assert_eq!(parse_dev(b"0:1048576"), Err(ParseDevError::Range));
        assert_eq!(parse_dev(b"99999999999:0"), Err(ParseDevError::Range));
        assert_eq!(parse_dev(b"4095:1048575"), Ok(dev(4095, 1_048_575)));
    }

    #[test]
    fn device_map_line_has_the_c_format() {
        let mut buf = [0u8; 64];
        let mut w = BufWriter::new(&mut buf);
        write_map_line(&mut w, 0, dev(253, 0), dev(11, 0)).unwrap();
        assert_eq!(w.as_bytes(), b"pktcdvd0 253:0 11:0\n");
    }
}
