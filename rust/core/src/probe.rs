// SPDX-License-Identifier: GPL-2.0

//! The write-open probe's decisions: is the disc in the drive writable in
//! packets, with which geometry and write parameters, and if not, why not
//! and what to do.  The kernel glue sends the MMC commands; this file only
//! reads their answers (byte slices) and builds what is sent back.

use super::zone::{Geometry, MAX_PACKET_FRAMES};

/// Big-endian u32 at `i` (0 past the end).
fn be32(b: &[u8], i: usize) -> u32 {
    let g = |k| b.get(i + k).copied().unwrap_or(0);
    u32::from_be_bytes([g(0), g(1), g(2), g(3)])
}

/// Big-endian u16 at `i` (0 past the end).
fn be16(b: &[u8], i: usize) -> u16 {
    let g = |k| b.get(i + k).copied().unwrap_or(0);
    u16::from_be_bytes([g(0), g(1)])
}

/// The current profile from a GET CONFIGURATION answer (header bytes 6-7).
pub fn current_profile(config: &[u8]) -> u16 {
    be16(config, 6)
}

/// The parts of READ DISC INFORMATION the probe looks at.
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
    /// Parses a READ DISC INFORMATION answer.
    pub fn parse(b: &[u8]) -> Self {
        let b2 = b.get(2).copied().unwrap_or(0);
        DiscInfo {
            erasable: b2 & 0x10 != 0,
            session_state: (b2 >> 2) & 3,
            status: b2 & 3,
            mrw_status: b.get(7).copied().unwrap_or(0) & 3,
            disc_type: b.get(8).copied().unwrap_or(0),
        }
    }
}

/// The parts of READ TRACK INFORMATION the probe looks at.
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
    /// Fixed packet size in frames.
    pub packet_size: u32,
}

impl TrackInfo {
    /// Parses a READ TRACK INFORMATION answer.
    pub fn parse(b: &[u8]) -> Self {
        let b6 = b.get(6).copied().unwrap_or(0);
        TrackInfo {
            track_mode: b.get(5).copied().unwrap_or(0) & 0x0f,
            rt: b6 & 0x80 != 0,
            blank: b6 & 0x40 != 0,
            packet: b6 & 0x20 != 0,
            fixed: b6 & 0x10 != 0,
            data_mode: b6 & 0x0f,
            start: be32(b, 8),
            packet_size: be32(b, 20),
        }
    }
}

/// The kind of writable disc the probe found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// CD-RW formatted with fixed packets.
    CdRw,
    /// CD-RW in Mt. Rainier format.
    Mrw,
    /// DVD-RW in restricted overwrite.
    DvdRw,
    /// DVD+RW.
    DvdPlusRw,
    /// DVD-RAM.
    DvdRam,
    /// BD-RE.
    BdRe,
}

/// How the disc is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WriteSettings {
    /// The disc.
    pub kind: Kind,
    /// Packet size and alignment.
    pub geometry: Geometry,
    /// Data block type: 8 = Mode 1, 10 = Mode 2.
    pub block_mode: u8,
    /// Track mode, for the write parameters page.
    pub track_mode: u8,
    /// Whether the write parameters page (05) must be programmed.
    pub program_page05: bool,
}

/// Why a disc cannot be opened for packet writing (EROFS), and what to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// What is wrong.
    pub reason: &'static str,
    /// What to do about it.
    pub advice: &'static str,
}

const FORMAT_CD: &str = "format it for packet writing: cdrwtool -q -d /dev/srN";
const FORMAT_DVD: &str = "format it: dvd+rw-format /dev/srN";
const REWRITABLE: &str =
    "packet writing needs a rewritable disc (CD-RW, DVD-RW, DVD+RW, DVD-RAM, BD-RE)";

fn refuse(reason: &'static str, advice: &'static str) -> Result<WriteSettings, Refusal> {
    Err(Refusal { reason, advice })
}

/// The packet size of a random-writable disc: the track's, or its ECC block.
fn ecc_packet(track: &TrackInfo, default: u32) -> u32 {
    if (1..=MAX_PACKET_FRAMES).contains(&track.packet_size) {
        track.packet_size
    } else {
        default
    }
}

/// Decides whether the disc can be written in packets.  `profile` is
/// 0xffff when the drive does not answer GET CONFIGURATION (pre-MMC-3,
/// treated as CD-RW, as the C driver did).
pub fn decide(profile: u16, disc: &DiscInfo, track: &TrackInfo) -> Result<WriteSettings, Refusal> {
    let random = |kind, frames| {
        Ok(WriteSettings {
            kind,
            geometry: Geometry::new(0, frames)
                .unwrap_or(Geometry::new(0, 16).expect("16 is valid")),
            block_mode: 8,
            track_mode: 5,
            program_page05: false,
        })
    };
    match profile {
        0x000a | 0xffff => {
            if !disc.erasable {
                return refuse("the CD is not rewritable", REWRITABLE);
            }
            if disc.mrw_status != 0 {
                return random(Kind::Mrw, 32);
            }
            if disc.status == 0 || track.blank && track.rt {
                return refuse("the CD-RW is blank", FORMAT_CD);
            }
            if disc.disc_type != 0x00 && disc.disc_type != 0x20 {
                return refuse("the CD-RW has an unknown disc type", FORMAT_CD);
            }
            if disc.session_state == 2 {
                return refuse("the CD-RW's last session is damaged", FORMAT_CD);
            }
        }
        0x0013 => {}
        0x0014 => {
            return refuse(
                "the DVD-RW is in sequential recording mode",
                "format it for restricted overwrite: dvd+rw-format /dev/srN",
            )
        }
        0x001a => {
            if disc.status == 0 {
                return refuse("the DVD+RW is not formatted", FORMAT_DVD);
            }
            return random(Kind::DvdPlusRw, ecc_packet(track, 16));
        }
        0x0012 => {
            if disc.status == 0 {
                return refuse("the DVD-RAM is not formatted", FORMAT_DVD);
            }
            return random(Kind::DvdRam, ecc_packet(track, 16));
        }
        0x0043 => {
            if disc.status == 0 {
                return refuse("the BD-RE is not formatted", FORMAT_DVD);
            }
            return random(Kind::BdRe, ecc_packet(track, 32));
        }
        0x0009 | 0x0011 | 0x0015 | 0x0016 | 0x001b | 0x002b | 0x0041 | 0x0042 => {
            return refuse("the disc is write-once", REWRITABLE);
        }
        0x0008 | 0x0010 | 0x0040 => return refuse("the disc is read-only", REWRITABLE),
        0x0000 => {
            return refuse(
                "there is no disc in the drive",
                "insert a formatted rewritable disc",
            )
        }
        _ => {
            return refuse(
                "the drive reports a disc profile pktcdvd does not know",
                REWRITABLE,
            )
        }
    }
    // CD-RW and DVD-RW restricted overwrite: a fixed-packet track.
    if !(track.packet && track.fixed) || (track.rt && track.blank) {
        let advice = if profile == 0x0013 {
            FORMAT_DVD
        } else {
            FORMAT_CD
        };
        return refuse("the disc is not formatted with fixed packets", advice);
    }
    let block_mode = match track.data_mode {
        1 => 8,
        2 => 10,
        _ => return refuse("the track has an unknown data mode", FORMAT_CD),
    };
    let Some(geometry) = Geometry::new(track.start, track.packet_size) else {
        return refuse("the track's packet size is not 1 to 128 frames", FORMAT_CD);
    };
    Ok(WriteSettings {
        kind: if profile == 0x0013 {
            Kind::DvdRw
        } else {
            Kind::CdRw
        },
        geometry,
        block_mode,
        track_mode: track.track_mode,
        program_page05: true,
    })
}

/// Programs a write parameters page (05), starting at its page code byte,
/// for fixed-packet writing with `s`, as the C driver did.
pub fn fill_write_params(page: &mut [u8], s: &WriteSettings) {
    if page.len() < 14 {
        return;
    }
    page[2] &= 0xf0; // write type 0: packet
    page[3] = (page[3] & 0x10) | 0x20 | (s.track_mode & 0x0f); // no multisession, FP, track mode
    page[4] = (page[4] & 0xf0) | (s.block_mode & 0x0f);
    page[8] = if s.block_mode == 10 { 0x20 } else { 0x00 }; // session format
    page[10..14].copy_from_slice(&s.geometry.frames().to_be_bytes());
    if page.len() >= 52 {
        page[50] = if s.block_mode == 10 { 0x08 } else { 0x20 }; // subheader byte 2
    }
}

/// The drive's write speed in kB/s from capabilities page 2A (starting at
/// its page code byte), where the C driver looked: the first write speed
/// descriptor, else the current write speed, else the obsolete maximum.
pub fn write_speed(page: &[u8]) -> Option<u32> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn track(flags: u8, mode: u8, packet: u32) -> TrackInfo {
        let mut b = [0u8; 32];
        b[5] = mode;
        b[6] = flags;
        b[20..24].copy_from_slice(&packet.to_be_bytes());
        TrackInfo::parse(&b)
    }

    fn disc(b2: u8, b7: u8, disc_type: u8) -> DiscInfo {
        DiscInfo::parse(&[0, 32, b2, 1, 1, 1, 1, b7, disc_type])
    }

    #[test]
    fn formatted_cd_rw_is_written_in_its_packets() {
        let s = decide(0x0a, &disc(0x1e, 0x20, 0x20), &track(0x32, 7, 32)).unwrap();
        assert_eq!(s.kind, Kind::CdRw);
        assert_eq!(s.geometry.frames(), 32);
        assert_eq!(
            (s.block_mode, s.track_mode, s.program_page05),
            (10, 7, true)
        );
    }

    #[test]
    fn refusals_say_why_and_what_to_do() {
        let blank = decide(0x0a, &disc(0x10, 0x20, 0), &track(0xe1, 4, 0)).unwrap_err();
        assert_eq!(blank.reason, "the CD-RW is blank");
        assert!(blank.advice.contains("cdrwtool"));
        assert!(decide(0x09, &disc(0, 0, 0), &track(0, 0, 0))
            .unwrap_err()
            .reason
            .contains("write-once"));
        assert!(decide(0x14, &disc(0x10, 0, 0xff), &track(0x61, 5, 16))
            .unwrap_err()
            .advice
            .contains("dvd+rw-format"));
        assert!(decide(0x1a, &disc(0x10, 0, 0xff), &track(0, 5, 16))
            .unwrap_err()
            .reason
            .contains("not formatted"));
        assert!(decide(0x0a, &disc(0x0e, 0x20, 0x20), &track(0x32, 7, 32))
            .unwrap_err()
            .reason
            .contains("not rewritable"));
        assert!(decide(0x0a, &disc(0x1e, 0x20, 0x20), &track(0x02, 7, 32))
            .unwrap_err()
            .reason
            .contains("fixed packets"));
        assert!(decide(0x0a, &disc(0x1e, 0x20, 0x20), &track(0x32, 7, 200))
            .unwrap_err()
            .reason
            .contains("1 to 128"));
        assert!(decide(0x0a, &disc(0x1e, 0x20, 0x20), &track(0x3f, 7, 32))
            .unwrap_err()
            .reason
            .contains("data mode"));
    }

    #[test]
    fn random_writable_media_use_their_ecc_block() {
        let dvdram = decide(0x12, &disc(0x1f, 0x20, 0xff), &track(0x01, 5, 16)).unwrap();
        assert_eq!(
            (dvdram.kind, dvdram.geometry.frames(), dvdram.program_page05),
            (Kind::DvdRam, 16, false)
        );
        let bd = decide(0x43, &disc(0x1f, 0x20, 0xff), &track(0x01, 5, 0)).unwrap();
        assert_eq!(bd.geometry.frames(), 32);
        let mrw = decide(0x0a, &disc(0x1f, 0x23, 0x20), &track(0x32, 7, 32)).unwrap();
        assert_eq!(mrw.kind, Kind::Mrw);
        let dvdrw = decide(0x13, &disc(0x1e, 0x20, 0xff), &track(0x31, 5, 16)).unwrap();
        assert_eq!(
            (dvdrw.kind, dvdrw.block_mode, dvdrw.geometry.frames()),
            (Kind::DvdRw, 8, 16)
        );
    }

    #[test]
    fn odd_packet_sizes_are_accepted() {
        let s = decide(0x0a, &disc(0x1e, 0x20, 0x20), &track(0x32, 7, 24)).unwrap();
        assert_eq!(s.geometry.frames(), 24);
    }

    #[test]
    fn write_parameters_page() {
        let s = decide(0x0a, &disc(0x1e, 0x20, 0x20), &track(0x32, 7, 32)).unwrap();
        let mut page = [0u8; 52];
        page[0] = 0x05;
        page[1] = 0x32;
        page[2] = 0x41; // BUFE + TAO
        fill_write_params(&mut page, &s);
        assert_eq!(&page[2..5], &[0x40, 0x27, 10]);
        assert_eq!(page[8], 0x20);
        assert_eq!(&page[10..14], &32u32.to_be_bytes());
        assert_eq!(page[50], 0x08);
    }

    #[test]
    fn speed_from_page_2a() {
        let mut p = [0u8; 40];
        p[1] = 38;
        p[28..30].copy_from_slice(&1760u16.to_be_bytes());
        assert_eq!(write_speed(&p), Some(1760));
        p[30..32].copy_from_slice(&1u16.to_be_bytes());
        p[34..36].copy_from_slice(&4234u16.to_be_bytes());
        assert_eq!(write_speed(&p), Some(4234));
        p[1] = 18;
        assert_eq!(write_speed(&p), None);
    }
}
