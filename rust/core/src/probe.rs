// SPDX-License-Identifier: GPL-2.0

//! The write-open probe's decisions: is the disc in the drive writable in
//! packets, with which geometry and write parameters, and if not, why not
//! and what to do.  The kernel glue (and `pktctl`) send the MMC commands
//! and `mmc.rs` parses their answers; this file decides from what they
//! say.

use super::mmc::{DiscInfo, TrackInfo, WriteParams};
use super::zone::Geometry;

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

impl WriteSettings {
    /// Packets one WRITE may carry, for a drive that takes at most
    /// `max_write_frames` frames in one command without splitting it: one
    /// where each WRITE must be exactly one packet (fixed packets), else
    /// as many whole packets as fit.
    pub fn packets_per_write(&self, max_write_frames: u32) -> u32 {
        if self.program_page05 {
            1
        } else {
            max_write_frames
                .checked_div(self.geometry.frames())
                .unwrap_or(1)
                .max(1)
        }
    }

    /// The write parameters page 05 must be programmed with, if any.
    pub fn write_params(&self) -> Option<WriteParams> {
        self.program_page05.then_some(WriteParams {
            packet_frames: self.geometry.frames(),
            block_mode: self.block_mode,
            track_mode: self.track_mode,
        })
    }
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

/// The ECC block of DVD+RW and DVD-RAM (checked when compiled).
const DVD_ECC: Geometry = match Geometry::new(0, 16) {
    Some(g) => g,
    None => panic!("16 frames is a valid packet"),
};
/// The cluster of BD-RE, and the packet of MRW.
const BD_CLUSTER: Geometry = match Geometry::new(0, 32) {
    Some(g) => g,
    None => panic!("32 frames is a valid packet"),
};

/// The packets of a random-writable disc: the track's size if it is one
/// the driver handles, else its ECC block.
fn ecc_packet(track: &TrackInfo, default: Geometry) -> Geometry {
    Geometry::new(0, track.packet_size).unwrap_or(default)
}

/// Decides whether the disc can be written in packets.  `profile` is
/// 0xffff when the drive does not answer GET CONFIGURATION (pre-MMC-3,
/// treated as CD-RW, as the C driver did).
pub fn decide(profile: u16, disc: &DiscInfo, track: &TrackInfo) -> Result<WriteSettings, Refusal> {
    let random = |kind, geometry| {
        Ok(WriteSettings {
            kind,
            geometry,
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
                return random(Kind::Mrw, BD_CLUSTER);
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
            return random(Kind::DvdPlusRw, ecc_packet(track, DVD_ECC));
        }
        0x0012 => {
            if disc.status == 0 {
                return refuse("the DVD-RAM is not formatted", FORMAT_DVD);
            }
            return random(Kind::DvdRam, ecc_packet(track, DVD_ECC));
        }
        0x0043 => {
            if disc.status == 0 {
                return refuse("the BD-RE is not formatted", FORMAT_DVD);
            }
            return random(Kind::BdRe, ecc_packet(track, BD_CLUSTER));
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
    fn fixed_packets_program_page_05() {
        let s = decide(0x0a, &disc(0x1e, 0x20, 0x20), &track(0x32, 7, 32)).unwrap();
        let p = s.write_params().unwrap();
        assert_eq!((p.packet_frames, p.block_mode, p.track_mode), (32, 10, 7));
        let dvdram = decide(0x12, &disc(0x1f, 0x20, 0xff), &track(0x01, 5, 16)).unwrap();
        assert_eq!(dvdram.write_params(), None);
    }
}
