//! Big-endian field access for CDBs and responses (MMC is big-endian).

/// Byte `i` of `b`, or 0 past its end (short CDBs read as zero-filled).
pub fn u8_at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// A big-endian u16 at `i` (zero-filled past the end).
pub fn be16(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([u8_at(b, i), u8_at(b, i + 1)])
}

/// A big-endian 24-bit number at `i` (zero-filled past the end).
pub fn be24(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([0, u8_at(b, i), u8_at(b, i + 1), u8_at(b, i + 2)])
}

/// A big-endian u32 at `i` (zero-filled past the end).
pub fn be32(b: &[u8], i: usize) -> u32 {
    u32::from_be_bytes([
        u8_at(b, i),
        u8_at(b, i + 1),
        u8_at(b, i + 2),
        u8_at(b, i + 3),
    ])
}

/// Writes a big-endian u16 at `i`.
pub fn put16(b: &mut [u8], i: usize, v: u16) {
    b[i..i + 2].copy_from_slice(&v.to_be_bytes());
}

/// Writes a big-endian 24-bit number at `i` (the low 24 bits of `v`).
pub fn put24(b: &mut [u8], i: usize, v: u32) {
    b[i..i + 3].copy_from_slice(&v.to_be_bytes()[1..]);
}

/// Writes a big-endian u32 at `i`.
pub fn put32(b: &mut [u8], i: usize, v: u32) {
    b[i..i + 4].copy_from_slice(&v.to_be_bytes());
}

/// An LBA as MSF (minutes, seconds, frames), with the 150-frame lead-in
/// offset of CD addressing.
pub fn lba_to_msf(lba: u32) -> [u8; 3] {
    let f = lba.saturating_add(150);
    let m = (f / (60 * 75)).min(255);
    [m as u8, ((f / 75) % 60) as u8, (f % 75) as u8]
}
