// SPDX-License-Identifier: GPL-2.0

//! MMC commands: the command descriptor blocks the module and `pktctl`
//! send ([`cdb`]), and the parsing of the drive's answers.
//!
//! A drive is an untrusted device (any USB gadget can claim to be one), so
//! every parser here takes any bytes of any length: a field past the end of
//! a short answer reads as zero, and where a missing or inconsistent part
//! matters the parser refuses with a [`BadAnswer`].  Nothing here panics or
//! indexes out of range.  The decisions on what the answers mean for packet
//! writing are in `probe.rs`.

use core::ops::Range;
use core::slice::ChunksExact;

/// Byte `i` of `b`, 0 past its end.
fn u8_at(b: &[u8], i: usize) -> u8 {
    b.get(i).copied().unwrap_or(0)
}

/// Big-endian u16 at `i` (0 past the end).
fn be16(b: &[u8], i: usize) -> u16 {
    u16::from_be_bytes([u8_at(b, i), u8_at(b, i.saturating_add(1))])
}

/// Big-endian u32 at `i` (0 past the end).
fn be32(b: &[u8], i: usize) -> u32 {
    let g = |k: usize| u8_at(b, i.saturating_add(k));
    u32::from_be_bytes([g(0), g(1), g(2), g(3)])
}

/// A command descriptor block.
///
/// # Invariants
///
/// `bytes[len..]` are zero, `len` being the length of the opcode's group
/// (6, 10 or 12 bytes): the kernel's `packet_command` takes 12 bytes and
/// the SCSI layer sends as many as the opcode says; SG_IO sends
/// [`Cdb::bytes`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cdb {
    bytes: [u8; 12],
}

/// The CDB length of an opcode by its group: 6 bytes for 0x00-0x1f, 10 for
/// 0x20-0x5f, 12 for 0xa0-0xbf (no builder makes any other group).
const fn group_len(opcode: u8) -> usize {
    match opcode >> 5 {
        0 => 6,
        1 | 2 => 10,
        _ => 12,
    }
}

impl Cdb {
    /// The command in `bytes`, cut to its opcode's length.
    const fn new(mut bytes: [u8; 12]) -> Self {
        let mut i = group_len(bytes[0]);
        while i < bytes.len() {
            bytes[i] = 0;
            i += 1;
        }
        // INVARIANT: zero past the group's length.
        Cdb { bytes }
    }

    /// The operation code.
    pub const fn opcode(&self) -> u8 {
        self.bytes[0]
    }

    /// The CDB, as long as its opcode's group says (SG_IO's `cmd_len`).
    pub fn bytes(&self) -> &[u8] {
        self.bytes
            .get(..group_len(self.opcode()))
            .unwrap_or(&self.bytes)
    }

    /// The CDB zero-padded to 12 bytes, for the kernel's `packet_command`.
    pub const fn padded(&self) -> &[u8; 12] {
        &self.bytes
    }
}

/// The CDBs, one builder per command.
pub mod cdb {
    use super::{Cdb, DiscInfo, TrackInfo};

    /// A 10-byte CDB `[op, b1, b2, 0, 0, b5, 0, v, v]` with `v` big-endian
    /// at bytes 7-8: its allocation or parameter list length.
    const fn ten(op: u8, b1: u8, b2: u8, b5: u8, v: u16) -> Cdb {
        let [hi, lo] = v.to_be_bytes();
        Cdb::new([op, b1, b2, 0, 0, b5, 0, hi, lo, 0, 0, 0])
    }

    /// TEST UNIT READY.
    pub const fn test_unit_ready() -> Cdb {
        Cdb::new([0; 12])
    }

    /// REQUEST SENSE of up to `alloc` bytes.
    pub const fn request_sense(alloc: u8) -> Cdb {
        Cdb::new([0x03, 0, 0, 0, alloc, 0, 0, 0, 0, 0, 0, 0])
    }

    /// FORMAT UNIT with a parameter list (FmtData, format code 1): the
    /// list is [`super::format_unit_parameters`].
    pub const fn format_unit() -> Cdb {
        Cdb::new([0x04, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    /// INQUIRY, standard data, up to `alloc` bytes.
    pub const fn inquiry(alloc: u8) -> Cdb {
        Cdb::new([0x12, 0, 0, 0, alloc, 0, 0, 0, 0, 0, 0, 0])
    }

    /// PREVENT ALLOW MEDIUM REMOVAL: lock (true) or unlock the door.
    pub const fn prevent_allow(lock: bool) -> Cdb {
        Cdb::new([0x1e, 0, 0, 0, lock as u8, 0, 0, 0, 0, 0, 0, 0])
    }

    /// READ FORMAT CAPACITIES.
    pub const fn read_format_capacities(alloc: u16) -> Cdb {
        ten(0x23, 0, 0, 0, alloc)
    }

    /// READ CAPACITY (10): 8 bytes.
    pub const fn read_capacity() -> Cdb {
        ten(0x25, 0, 0, 0, 0)
    }

    /// SYNCHRONIZE CACHE (10) of the whole medium.
    pub const fn synchronize_cache() -> Cdb {
        ten(0x35, 0, 0, 0, 0)
    }

    /// GET CONFIGURATION of every feature (RT 0) from feature 0: the
    /// current profile (in the first 8 bytes), then the profile list.
    pub const fn get_configuration(alloc: u16) -> Cdb {
        ten(0x46, 0, 0, 0, alloc)
    }

    /// READ DISC INFORMATION, [`DiscInfo::LEN`] bytes.
    pub const fn read_disc_information() -> Cdb {
        ten(0x51, 0, 0, 0, DiscInfo::LEN as u16)
    }

    /// READ TRACK INFORMATION of track `track` (address type 1),
    /// [`TrackInfo::LEN`] bytes.
    pub const fn read_track_information(track: u8) -> Cdb {
        ten(0x52, 1, 0, track, TrackInfo::LEN as u16)
    }

    /// SEND OPC INFORMATION: calibrate the laser power now.
    pub const fn send_opc() -> Cdb {
        ten(0x54, 1, 0, 0, 0)
    }

    /// MODE SELECT (10), page format, of a `len`-byte parameter list
    /// (see [`super::ModePageMut::into_select`]).
    pub const fn mode_select(len: u16) -> Cdb {
        ten(0x55, 0x10, 0, 0, len)
    }

    /// MODE SENSE (10) of `page`, current values.
    pub const fn mode_sense(page: u8, alloc: u16) -> Cdb {
        ten(0x5a, 0, page, 0, alloc)
    }

    /// BLANK, minimal when `quick` (else the whole disc), returning at
    /// once (IMMED): the drive reports progress to TEST UNIT READY.
    pub const fn blank(quick: bool) -> Cdb {
        Cdb::new([0xa1, 0x10 | quick as u8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
    }

    /// SET CD SPEED with read and write speeds in kB/s (0xffff: fastest).
    pub const fn set_speed(read: u16, write: u16) -> Cdb {
        let [r0, r1] = read.to_be_bytes();
        let [w0, w1] = write.to_be_bytes();
        Cdb::new([0xbb, 0, r0, r1, w0, w1, 0, 0, 0, 0, 0, 0])
    }
}

/// The parameter list of [`cdb::format_unit`]: IMMED, one format
/// descriptor of `blocks` blocks, format type `kind` and sub-type
/// `subtype`, with the type dependent parameter `param` (24 bits).
pub fn format_unit_parameters(blocks: u32, kind: u8, subtype: u8, param: u32) -> [u8; 12] {
    let [b0, b1, b2, b3] = blocks.to_be_bytes();
    let [_, p1, p2, p3] = param.to_be_bytes();
    let t = (kind << 2) | (subtype & 3);
    [0, 0x02, 0, 8, b0, b1, b2, b3, t, p1, p2, p3]
}

/// An answer that does not hold what was asked, and what is wrong with it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BadAnswer {
    /// What is wrong, for a log line.
    pub reason: &'static str,
}

const fn bad<T>(reason: &'static str) -> Result<T, BadAnswer> {
    Err(BadAnswer { reason })
}

/// Sense data: key, ASC, ASCQ and the progress of a long operation.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sense {
    /// Sense key.
    pub key: u8,
    /// Additional sense code.
    pub asc: u8,
    /// Qualifier.
    pub ascq: u8,
    /// Progress of a long operation, 0..=65535.
    pub progress: Option<u16>,
}

impl Sense {
    /// Decodes fixed or descriptor format sense data.
    pub fn parse(b: &[u8]) -> Self {
        let g = |i: usize| u8_at(b, i);
        match g(0) & 0x7f {
            0x72 | 0x73 => Sense {
                key: g(1) & 0xf,
                asc: g(2),
                ascq: g(3),
                progress: None,
            },
            _ => Sense {
                key: g(2) & 0xf,
                asc: g(12),
                ascq: g(13),
                progress: (g(15) & 0x80 != 0).then(|| be16(b, 16)),
            },
        }
    }

    /// No disc in the drive (2/3A/xx).
    pub fn no_medium(&self) -> bool {
        self.key == 2 && self.asc == 0x3a
    }

    /// A long operation is running (2/04/04 format, 2/04/07 other, 2/04/08).
    pub fn in_progress(&self) -> bool {
        self.key == 2 && self.asc == 0x04 && matches!(self.ascq, 0x04 | 0x07 | 0x08)
    }
}

/// The vendor, product and revision of a standard INQUIRY answer, as the
/// drive sent them (space padded, not necessarily text).
pub fn inquiry_ids(b: &[u8]) -> [&[u8]; 3] {
    let field = |r: Range<usize>| {
        let end = r.end.min(b.len());
        b.get(r.start..end).unwrap_or(&[])
    };
    [field(8..16), field(16..32), field(32..36)]
}

/// The current profile of a GET CONFIGURATION answer (header bytes 6-7).
pub fn current_profile(config: &[u8]) -> u16 {
    be16(config, 6)
}

/// The profiles a GET CONFIGURATION answer lists in its first feature,
/// the profile list (0000), in the drive's order.
pub fn profiles(config: &[u8]) -> Profiles<'_> {
    let list = if config.len() > 12 && be16(config, 8) == 0 {
        let end = config.len().min(12 + usize::from(u8_at(config, 11)));
        config.get(12..end).unwrap_or(&[])
    } else {
        &[]
    };
    Profiles(list.chunks_exact(4))
}

/// The profile numbers of a profile list feature (see [`profiles`]).
#[derive(Clone, Debug)]
pub struct Profiles<'a>(ChunksExact<'a, u8>);

impl Iterator for Profiles<'_> {
    type Item = u16;

    fn next(&mut self) -> Option<u16> {
        self.0.next().map(|d| be16(d, 0))
    }
}

/// The parts of READ DISC INFORMATION the probe and `pktctl` look at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DiscInfo {
    /// Erasable (rewritable) disc.
    pub erasable: bool,
    /// State of the last session (0 empty, 1 incomplete, 2 reserved, 3 complete).
    pub session_state: u8,
    /// Disc status (0 blank, 1 incomplete, 2 complete, 3 random access).
    pub status: u8,
    /// MRW background format status (0: not MRW).
    pub mrw_status: u8,
    /// Disc type (CD: 0x00 CD-DA/ROM, 0x20 CD-ROM XA).
    pub disc_type: u8,
}

impl DiscInfo {
    /// The answer's length the callers ask for: up to the disc type and
    /// the first fields after it.
    pub const LEN: usize = 34;

    /// Parses a READ DISC INFORMATION answer.
    pub fn parse(b: &[u8]) -> Self {
        let b2 = u8_at(b, 2);
        DiscInfo {
            erasable: b2 & 0x10 != 0,
            session_state: (b2 >> 2) & 3,
            status: b2 & 3,
            mrw_status: u8_at(b, 7) & 3,
            disc_type: u8_at(b, 8),
        }
    }
}

/// The parts of READ TRACK INFORMATION the probe and `pktctl` look at.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TrackInfo {
    /// Track mode (byte 5, low nibble).
    pub track_mode: u8,
    /// Reserved track.
    pub rt: bool,
    /// Blank track.
    pub blank: bool,
    /// Packet (incremental) track.
    pub packet: bool,
    /// Fixed packets.
    pub fixed: bool,
    /// Data mode (1 or 2; 15 unknown).
    pub data_mode: u8,
    /// Track start address.
    pub start: u32,
    /// Free blocks (bytes 16-19): what can still be appended; 0 on a
    /// formatted, overwritable track.  `None` if the answer stops before.
    pub free_blocks: Option<u32>,
    /// Fixed packet size in frames.
    pub packet_size: u32,
}

impl TrackInfo {
    /// The answer's length the callers ask for (up to the track size and
    /// the last recorded address).
    pub const LEN: usize = 36;

    /// Parses a READ TRACK INFORMATION answer.
    pub fn parse(b: &[u8]) -> Self {
        let b6 = u8_at(b, 6);
        TrackInfo {
            track_mode: u8_at(b, 5) & 0x0f,
            rt: b6 & 0x80 != 0,
            blank: b6 & 0x40 != 0,
            packet: b6 & 0x20 != 0,
            fixed: b6 & 0x10 != 0,
            data_mode: b6 & 0x0f,
            start: be32(b, 8),
            free_blocks: (b.len() >= 20).then(|| be32(b, 16)),
            packet_size: be32(b, 20),
        }
    }
}

/// The user blocks of a READ CAPACITY (10) answer: its last address plus
/// one (modulo 2^32: a drive that says 0xffffffff reports 0 blocks).
pub fn capacity_blocks(b: &[u8]) -> u32 {
    be32(b, 0).wrapping_add(1)
}

/// A READ FORMAT CAPACITIES answer: the current capacity descriptor
/// (bytes 4-11), then the formattable ones, 8 bytes each.
#[derive(Clone, Copy, Debug)]
pub struct FormatCapacities<'a>(&'a [u8]);

impl<'a> FormatCapacities<'a> {
    /// A view of the answer `b`.
    pub fn new(b: &'a [u8]) -> Self {
        FormatCapacities(b)
    }

    /// Whether the current descriptor says "formatted media" (type 2).
    pub fn formatted(&self) -> bool {
        u8_at(self.0, 8) & 3 == 2
    }

    /// The blocks of the formattable descriptor of format type `kind`:
    /// `None` if there is none, or if the list is longer than the answer.
    pub fn formattable(&self, kind: u8) -> Option<u32> {
        let len = usize::from(self.0.get(3).copied()?);
        self.0
            .get(12..4 + len)?
            .chunks_exact(8)
            .find(|d| u8_at(d, 4) >> 2 == kind)
            .map(|d| be32(d, 0))
    }
}

/// The mode parameter header of MODE SENSE / SELECT (10).
const MODE_HEADER: usize = 8;

/// Where the page of a MODE SENSE (10) answer lies: after the header and
/// the block descriptors (their length at bytes 6-7), up to the end of the
/// mode data (its length at bytes 0-1, plus those 2 bytes) or of the
/// answer, whichever comes first; its page code must be `code`.
fn mode_page_range(answer: &[u8], code: u8) -> Result<Range<usize>, BadAnswer> {
    if answer.len() < MODE_HEADER {
        return bad("the mode parameter header is cut short");
    }
    let end = (usize::from(be16(answer, 0)) + 2)
        .min(answer.len())
        .min(usize::from(u16::MAX));
    let start = MODE_HEADER + usize::from(be16(answer, 6));
    if start + 2 > end {
        return bad("the mode data hold no page");
    }
    if u8_at(answer, start) & 0x3f != code {
        return bad("the drive answered with another mode page");
    }
    Ok(start..end)
}

/// The mode page of a MODE SENSE (10) answer, from its page code byte.
#[derive(Clone, Copy, Debug)]
pub struct ModePage<'a> {
    bytes: &'a [u8],
}

impl<'a> ModePage<'a> {
    /// Page `code` in `answer`, or why it is not there.
    pub fn find(answer: &'a [u8], code: u8) -> Result<Self, BadAnswer> {
        let r = mode_page_range(answer, code)?;
        Ok(ModePage {
            bytes: answer.get(r).unwrap_or(&[]),
        })
    }

    /// The page's bytes, from its page code byte (at least 2).
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

/// The mode page of a MODE SENSE (10) answer, to change and send back
/// with MODE SELECT (10).
#[derive(Debug)]
pub struct ModePageMut<'a> {
    answer: &'a mut [u8],
    page: Range<usize>,
}

impl<'a> ModePageMut<'a> {
    /// Page `code` in `answer`, or why it is not there.
    pub fn find(answer: &'a mut [u8], code: u8) -> Result<Self, BadAnswer> {
        let page = mode_page_range(answer, code)?;
        Ok(ModePageMut { answer, page })
    }

    /// The page's bytes, from its page code byte (at least 2).
    pub fn bytes_mut(&mut self) -> &mut [u8] {
        self.answer.get_mut(self.page.clone()).unwrap_or_default()
    }

    /// The answer made a MODE SELECT (10) parameter list of the page (the
    /// mode data length, reserved there, zeroed; the list ends with the
    /// page), and the CDB that sends it.
    pub fn into_select(self) -> (Cdb, &'a mut [u8]) {
        let list = self.answer.get_mut(..self.page.end).unwrap_or_default();
        if let Some(len) = list.get_mut(..2) {
            len.fill(0);
        }
        let len = u16::try_from(list.len()).unwrap_or(u16::MAX);
        (cdb::mode_select(len), list)
    }
}

/// Capabilities and mechanical status, mode page 2A.
#[derive(Clone, Copy, Debug)]
pub struct Capabilities<'a>(&'a [u8]);

impl<'a> Capabilities<'a> {
    /// Its page code.
    pub const PAGE: u8 = 0x2a;

    /// Page 2A in a MODE SENSE (10) answer.
    pub fn find(answer: &'a [u8]) -> Result<Self, BadAnswer> {
        ModePage::find(answer, Self::PAGE).map(|p| Capabilities(p.bytes()))
    }

    /// Page 2A itself, from its page code byte.
    pub fn from_page(page: &'a [u8]) -> Self {
        Capabilities(page)
    }

    /// The maximum read speed in kB/s (bytes 8-9, obsolete in MMC-5).
    pub fn read_speed(&self) -> Option<u32> {
        self.0
            .get(8..10)
            .map(|s| u32::from(be16(s, 0)))
            .filter(|&v| v > 0)
    }

    /// The write speed in kB/s where the C driver looked: the first write
    /// speed descriptor, else the current write speed, else the obsolete
    /// maximum.
    pub fn write_speed(&self) -> Option<u32> {
        let page = self.0;
        let len = usize::from(page.get(1).copied()?);
        let speed = if len >= 30 && be16(page, 30) > 0 {
            be16(page, 34)
        } else if len >= 28 {
            be16(page, 28)
        } else {
            be16(page, 20)
        };
        (speed > 0).then_some(u32::from(speed))
    }
}

/// Fixed-packet write parameters for mode page 05.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteParams {
    /// Packet size in frames.
    pub packet_frames: u32,
    /// Data block type: 8 = Mode 1, 10 = Mode 2 form 1.
    pub block_mode: u8,
    /// Track mode.
    pub track_mode: u8,
}

impl WriteParams {
    /// Write parameters page 05's code.
    pub const PAGE: u8 = 0x05;

    /// Programs a write parameters page (05), from its page code byte, for
    /// fixed packets, as the C driver did.  A page shorter than its
    /// packet size field is left alone.
    pub fn fill(&self, page: &mut [u8]) {
        let Some(p) = page.first_chunk_mut::<14>() else {
            return;
        };
        let mode2 = self.block_mode == 10;
        p[2] &= 0xf0; // write type 0: packet
        p[3] = (p[3] & 0x10) | 0x20 | (self.track_mode & 0x0f); // no multisession, FP, track mode
        p[4] = (p[4] & 0xf0) | (self.block_mode & 0x0f);
        p[8] = if mode2 { 0x20 } else { 0x00 }; // session format
        [p[10], p[11], p[12], p[13]] = self.packet_frames.to_be_bytes();
        if let Some(b) = page.get_mut(50) {
            *b = if mode2 { 0x08 } else { 0x20 }; // subheader byte 2
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cdbs_have_their_group_length() {
        assert_eq!(cdb::test_unit_ready().bytes(), &[0; 6]);
        assert_eq!(cdb::inquiry(36).bytes(), &[0x12, 0, 0, 0, 36, 0]);
        assert_eq!(cdb::format_unit().bytes(), &[0x04, 0x11, 0, 0, 0, 0]);
        assert_eq!(
            cdb::get_configuration(255).bytes(),
            &[0x46, 0, 0, 0, 0, 0, 0, 0, 255, 0]
        );
        assert_eq!(
            cdb::read_track_information(1).bytes(),
            &[0x52, 1, 0, 0, 0, 1, 0, 0, 36, 0]
        );
        assert_eq!(
            cdb::mode_sense(0x2a, 0x1234).bytes(),
            &[0x5a, 0, 0x2a, 0, 0, 0, 0, 0x12, 0x34, 0]
        );
        assert_eq!(
            cdb::blank(true).bytes(),
            &[0xa1, 0x11, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            cdb::set_speed(0xffff, 1760).padded(),
            &[0xbb, 0, 0xff, 0xff, 0x06, 0xe0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(
            cdb::prevent_allow(true).padded(),
            &[0x1e, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0]
        );
        assert_eq!(cdb::synchronize_cache().bytes().len(), 10);
    }

    #[test]
    fn format_parameters() {
        assert_eq!(
            format_unit_parameters(0x0102_0304, 0x30, 2, 0x00ab_cdef),
            [0, 2, 0, 8, 1, 2, 3, 4, 0xc2, 0xab, 0xcd, 0xef]
        );
    }

    #[test]
    fn fixed_sense_with_progress() {
        let s = Sense::parse(&[
            0x70, 0, 2, 0, 0, 0, 0, 10, 0, 0, 0, 0, 4, 4, 0, 0x80, 0x40, 0x00,
        ]);
        assert_eq!((s.key, s.asc, s.ascq, s.progress), (2, 4, 4, Some(0x4000)));
        assert!(s.in_progress());
        assert!(Sense::parse(&[0x70, 0, 2, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x3a, 1]).no_medium());
        assert_eq!(Sense::parse(&[0x72, 5, 0x24, 0]).asc, 0x24);
    }

    #[test]
    fn short_answers_read_as_zero() {
        assert_eq!(inquiry_ids(&[0; 5]), [&[][..], &[], &[]]);
        assert_eq!(
            inquiry_ids(b"\0\0\0\0\0\0\0\0PKTCDVD Emul"),
            [&b"PKTCDVD "[..], b"Emul", b""]
        );
        assert_eq!(current_profile(&[0, 0, 0, 4, 0, 0, 0]), 0);
        assert_eq!(TrackInfo::parse(&[0; 19]).free_blocks, None);
        assert_eq!(TrackInfo::parse(&[0; 20]).free_blocks, Some(0));
        assert_eq!(capacity_blocks(&[0xff; 8]), 0);
        assert_eq!(profiles(&[0; 12]).count(), 0);
    }

    #[test]
    fn profile_list() {
        let mut c = [0u8; 24];
        c[7] = 0x0a;
        c[11] = 8;
        c[12..14].copy_from_slice(&0x43u16.to_be_bytes());
        c[16..18].copy_from_slice(&0x0au16.to_be_bytes());
        assert_eq!(current_profile(&c), 0x0a);
        assert!(profiles(&c).eq([0x43, 0x0a]));
        c[11] = 200; // longer than the answer: what is there
        assert_eq!(profiles(&c).count(), 3);
        c[9] = 1; // the first feature is not the profile list
        assert_eq!(profiles(&c).count(), 0);
    }

    #[test]
    fn format_capacities() {
        let mut b = [0u8; 28];
        b[3] = 24;
        b[8] = 0x02;
        b[12..16].copy_from_slice(&1000u32.to_be_bytes());
        b[16] = 0x26 << 2;
        b[20..24].copy_from_slice(&2000u32.to_be_bytes());
        b[24] = 0x10 << 2;
        let f = FormatCapacities::new(&b);
        assert!(f.formatted());
        assert_eq!(f.formattable(0x26), Some(1000));
        assert_eq!(f.formattable(0x10), Some(2000));
        assert_eq!(f.formattable(0x30), None);
        b[3] = 32; // a list past the answer's end
        assert_eq!(FormatCapacities::new(&b).formattable(0x26), None);
    }

    /// A MODE SENSE (10) answer of `page` after `bd` bytes of block
    /// descriptors (the page left out if it does not fit), with a mode
    /// data length of `len`.
    fn mode_answer(page: &[u8], bd: u8, len: u16) -> [u8; 128] {
        let mut b = [0u8; 128];
        b[..2].copy_from_slice(&len.to_be_bytes());
        b[7] = bd;
        let start = 8 + usize::from(bd);
        if let Some(p) = b.get_mut(start..start + page.len()) {
            p.copy_from_slice(page);
        }
        b
    }

    #[test]
    fn mode_page_after_the_block_descriptors() {
        let b = mode_answer(&[0x05, 0x32, 0x41], 8, 6 + 8 + 52);
        let p = ModePage::find(&b, 0x05).unwrap();
        assert_eq!(p.bytes().len(), 52);
        assert_eq!(&p.bytes()[..3], &[0x05, 0x32, 0x41]);
        // The PS bit is not part of the page code.
        let b = mode_answer(&[0x85, 0x32], 0, 6 + 52);
        assert_eq!(ModePage::find(&b, 0x05).unwrap().bytes().len(), 52);
        // Mode data longer than the answer: cut at the answer.
        let b = mode_answer(&[0x05, 0x32], 0, 4000);
        assert_eq!(ModePage::find(&b, 0x05).unwrap().bytes().len(), 120);
        let refused = |b: &[u8], code| ModePage::find(b, code).unwrap_err().reason;
        assert!(refused(&b[..7], 5).contains("header"));
        assert!(refused(&mode_answer(&[0x05, 0x32], 0, 6 + 1), 5).contains("no page"));
        assert!(refused(&mode_answer(&[0x05, 0x32], 200, 300), 5).contains("no page"));
        assert!(refused(&mode_answer(&[0x2a, 0x32], 0, 60), 5).contains("another"));
    }

    #[test]
    fn write_parameters_page_and_its_mode_select() {
        let mut b = mode_answer(&[0x05, 0x32, 0x41], 0, 6 + 52);
        b[100] = 0xee; // past the page: not sent
        let mut page = ModePageMut::find(&mut b, WriteParams::PAGE).unwrap();
        // DVD-RW restricted overwrite: Mode 1, 16 frames.
        let dvd_rw = WriteParams {
            packet_frames: 16,
            block_mode: 8,
            track_mode: 5,
        };
        dvd_rw.fill(page.bytes_mut());
        let (cdb, list) = page.into_select();
        assert_eq!(cdb, cdb::mode_select(60));
        assert_eq!(list.len(), 60);
        assert_eq!(&list[..2], &[0, 0]);
        let p = &list[8..];
        assert_eq!(&p[2..5], &[0x40, 0x25, 8]);
        assert_eq!(p[8], 0x00);
        assert_eq!(&p[10..14], &16u32.to_be_bytes());
        assert_eq!(p[50], 0x20);
        // CD-RW: Mode 2 form 1, the CD-ROM XA session format.
        let mut page = [0u8; 52];
        let cd_rw = WriteParams {
            block_mode: 10,
            track_mode: 7,
            ..dvd_rw
        };
        cd_rw.fill(&mut page);
        assert_eq!(
            (page[3], page[4], page[8], page[50]),
            (0x27, 10, 0x20, 0x08)
        );
        // A short page is left alone.
        let mut short = [0x05, 0x0a, 0x41, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        dvd_rw.fill(&mut short);
        assert_eq!(short[2], 0x41);
    }

    #[test]
    fn speed_from_page_2a() {
        let mut p = [0u8; 40];
        p[0] = 0x2a;
        p[1] = 38;
        p[8..10].copy_from_slice(&8448u16.to_be_bytes());
        p[28..30].copy_from_slice(&1760u16.to_be_bytes());
        let caps = Capabilities::from_page(&p);
        assert_eq!(
            (caps.read_speed(), caps.write_speed()),
            (Some(8448), Some(1760))
        );
        p[30..32].copy_from_slice(&1u16.to_be_bytes());
        p[34..36].copy_from_slice(&4234u16.to_be_bytes());
        assert_eq!(Capabilities::from_page(&p).write_speed(), Some(4234));
        p[1] = 18;
        assert_eq!(Capabilities::from_page(&p).write_speed(), None);
        let b = mode_answer(&p, 0, 6 + 40);
        assert_eq!(Capabilities::find(&b).unwrap().read_speed(), Some(8448));
        assert!(Capabilities::find(&b[..8]).is_err());
    }
}
