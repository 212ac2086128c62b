//! What is in the drive: the drive itself, the disc, and the decisions
//! about it (can it be packet-written, how is it formatted).

use crate::sg::{Dir, Mmc, ScsiError};
use pktcore::mmc::{
    self, cdb, Capabilities, DiscInfo, FormatCapacities, ModePageMut, TrackInfo, WriteParams,
};
use pktcore::probe;
use serde_json::{json, Value};

/// A profile's name.
pub fn profile_name(p: u16) -> &'static str {
    match p {
        0x0000 => "no disc",
        0x0008 => "CD-ROM",
        0x0009 => "CD-R",
        0x000a => "CD-RW",
        0x0010 => "DVD-ROM",
        0x0011 => "DVD-R",
        0x0012 => "DVD-RAM",
        0x0013 => "DVD-RW (restricted overwrite)",
        0x0014 => "DVD-RW (sequential)",
        0x001a => "DVD+RW",
        0x001b => "DVD+R",
        0x0040 => "BD-ROM",
        0x0041 | 0x0042 => "BD-R",
        0x0043 => "BD-RE",
        0xffff => "unknown (drive without GET CONFIGURATION)",
        _ => "other",
    }
}

/// Everything pktctl reads about a drive and its disc.
pub struct Facts {
    /// INQUIRY vendor.
    pub vendor: String,
    /// INQUIRY product.
    pub product: String,
    /// INQUIRY revision.
    pub revision: String,
    /// Current profile (0: no disc, 0xffff: unknown).
    pub profile: u16,
    /// Profiles the drive supports.
    pub profiles: Vec<u16>,
    /// Disc information, if a disc is in.
    pub disc: Option<DiscInfo>,
    /// Track 1 information.
    pub track: Option<TrackInfo>,
    /// Track 1's free blocks (READ TRACK INFORMATION bytes 16-19): what
    /// can still be appended; 0 on a formatted, overwritable track.
    pub free_blocks: Option<u32>,
    /// READ CAPACITY: user blocks.
    pub capacity: Option<u32>,
    /// Formatted (READ FORMAT CAPACITIES current descriptor type 2).
    pub formatted: Option<bool>,
    /// Read and write speeds from page 2A, kB/s.
    pub speeds: (Option<u32>, Option<u32>),
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).trim().to_string()
}

/// Reads the drive's and the disc's facts.
pub fn facts(d: &impl Mmc) -> Result<Facts, ScsiError> {
    let inq = d.read(&cdb::inquiry(36), 36)?;
    let (profile, profiles) = match d.read(&cdb::get_configuration(255), 255) {
        Ok(c) => (mmc::current_profile(&c), mmc::profiles(&c).collect()),
        Err(_) => (0xffff, Vec::new()),
    };
    let present = d
        .test_unit_ready()
        .map_or_else(|s| !s.no_medium(), |_| true);
    let (mut disc, mut track, mut capacity, mut formatted) = (None, None, None, None);
    if present && profile != 0 {
        disc = d
            .read(&cdb::read_disc_information(), DiscInfo::LEN)
            .ok()
            .map(|b| DiscInfo::parse(&b));
        track = d
            .read(&cdb::read_track_information(1), TrackInfo::LEN)
            .ok()
            .map(|b| TrackInfo::parse(&b));
        capacity = d
            .read(&cdb::read_capacity(), 8)
            .ok()
            .map(|b| mmc::capacity_blocks(&b));
        formatted = d
            .read(&cdb::read_format_capacities(255), 255)
            .ok()
            .map(|b| FormatCapacities::new(&b).formatted());
    }
    let speeds = match d.read(&cdb::mode_sense(Capabilities::PAGE, 255), 255) {
        Ok(b) => match Capabilities::find(&b) {
            Ok(caps) => (caps.read_speed(), caps.write_speed()),
            Err(_) => (None, None),
        },
        _ => (None, None),
    };
    let [vendor, product, revision] = mmc::inquiry_ids(&inq);
    Ok(Facts {
        vendor: text(vendor),
        product: text(product),
        revision: text(revision),
        profile: if present { profile } else { 0 },
        profiles,
        disc,
        track,
        free_blocks: track.and_then(|t| t.free_blocks),
        capacity,
        formatted,
        speeds,
    })
}

/// The verdict on packet writing: Ok(description) or Err((why, what to do)).
pub fn verdict(f: &Facts) -> Result<String, (String, String)> {
    if f.profile == 0 {
        return Err((
            "there is no disc in the drive".into(),
            "insert a rewritable disc (CD-RW, DVD±RW, DVD-RAM, BD-RE)".into(),
        ));
    }
    let (Some(disc), Some(track)) = (f.disc, f.track) else {
        return Err((
            "the drive does not describe the disc".into(),
            "check the disc, or try another drive".into(),
        ));
    };
    match probe::decide(f.profile, &disc, &track) {
        Ok(s) => Ok(format!(
            "{}: {} packets of {} blocks ({} KiB), Mode {}",
            profile_name(f.profile),
            if s.program_page05 {
                "fixed"
            } else {
                "random-access"
            },
            s.geometry.frames(),
            s.geometry.frames() * 2,
            if s.block_mode == 10 { 2 } else { 1 }
        )),
        Err(r) => Err((r.reason.to_string(), r.advice.to_string())),
    }
}

/// The facts as JSON (`pktctl info --json`).
pub fn to_json(f: &Facts) -> Value {
    json!({
        "drive": {
            "vendor": f.vendor,
            "product": f.product,
            "revision": f.revision,
            "profiles": f.profiles.iter().map(|p| json!({"profile": format!("0x{p:04x}"), "name": profile_name(*p)})).collect::<Vec<_>>(),
            "read_speed_kBps": f.speeds.0,
            "write_speed_kBps": f.speeds.1,
        },
        "medium": if f.profile == 0 { Value::Null } else { json!({
            "profile": format!("0x{:04x}", f.profile),
            "name": profile_name(f.profile),
            "erasable": f.disc.map(|d| d.erasable),
            "disc_status": f.disc.map(|d| ["blank", "incomplete", "complete", "random access"][usize::from(d.status & 3)]),
            "formatted": f.formatted,
            "packet_size_blocks": f.track.map(|t| t.packet_size),
            "fixed_packets": f.track.map(|t| t.fixed),
            "data_mode": f.track.map(|t| t.data_mode),
            "free_blocks": f.free_blocks,
            "capacity_blocks": f.capacity,
            "capacity_bytes": f.capacity.map(|c| u64::from(c) * 2048),
            "packet_writing": match verdict(f) { Ok(s) => json!({"possible": true, "how": s}), Err((why, todo)) => json!({"possible": false, "why": why, "what_to_do": todo}) },
        })},
    })
}

/// How to format a disc: the steps pktctl sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// MODE SELECT of page 05 for fixed 32-block Mode 2 packets (CD-RW).
    FixedPacketParams,
    /// BLANK (minimal when quick).
    Blank {
        /// Minimal blank (else the whole disc).
        quick: bool,
    },
    /// FORMAT UNIT with one descriptor.
    Format {
        /// Format type.
        kind: u8,
        /// Type dependent parameter.
        param: u32,
        /// Format sub-type.
        subtype: u8,
    },
}

/// The FORMAT UNIT variant for a profile (None: cannot be formatted).
pub fn format_plan(profile: u16, quick: bool, mrw: bool) -> Option<Vec<Step>> {
    Some(match profile {
        0x000a if mrw => vec![
            Step::Blank { quick: true },
            Step::Format {
                kind: 0x24,
                param: 0,
                subtype: 0,
            },
        ],
        0x000a => vec![
            Step::Blank { quick },
            Step::FixedPacketParams,
            Step::Format {
                kind: 0x10,
                param: 32,
                subtype: 0,
            },
        ],
        0x0013 | 0x0014 if quick => vec![Step::Format {
            kind: 0x15,
            param: 16,
            subtype: 0,
        }],
        0x0013 | 0x0014 => vec![Step::Format {
            kind: 0x10,
            param: 16,
            subtype: 0,
        }],
        0x001a => vec![Step::Format {
            kind: 0x26,
            param: 0,
            subtype: 0,
        }],
        0x0012 => vec![Step::Format {
            kind: 0x00,
            param: 2048,
            subtype: 0,
        }],
        0x0043 => vec![Step::Format {
            kind: 0x30,
            param: 0,
            subtype: if quick { 3 } else { 2 },
        }],
        _ => return None,
    })
}

/// Blocks to format to: the formattable descriptor of `kind`, from READ
/// FORMAT CAPACITIES.
pub fn format_blocks(d: &impl Mmc, kind: u8) -> Option<u32> {
    let b = d.read(&cdb::read_format_capacities(255), 255).ok()?;
    FormatCapacities::new(&b).formattable(kind)
}

/// Sends one format step.
pub fn send(d: &impl Mmc, step: &Step) -> Result<(), ScsiError> {
    match *step {
        Step::Blank { quick } => d
            .command(&cdb::blank(quick), &mut [], Dir::None, 60_000)
            .map(|_| ()),
        Step::FixedPacketParams => {
            let mut answer = d.read(&cdb::mode_sense(WriteParams::PAGE, 255), 255)?;
            let mut page =
                ModePageMut::find(&mut answer, WriteParams::PAGE).map_err(ScsiError::BadAnswer)?;
            let params = WriteParams {
                packet_frames: 32,
                block_mode: 10,
                track_mode: 7,
            };
            params.fill(page.bytes_mut());
            let (select, list) = page.into_select();
            d.command(&select, list, Dir::Out, 60_000).map(|_| ())
        }
        Step::Format {
            kind,
            param,
            subtype,
        } => {
            let blocks = format_blocks(d, kind).unwrap_or(0);
            let mut list = mmc::format_unit_parameters(blocks, kind, subtype, param);
            d.command(&cdb::format_unit(), &mut list, Dir::Out, 60_000)
                .map(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_format_variant_per_medium() {
        assert_eq!(
            format_plan(0x1a, true, false),
            Some(vec![Step::Format {
                kind: 0x26,
                param: 0,
                subtype: 0
            }])
        );
        assert_eq!(
            format_plan(0x14, true, false).unwrap()[0],
            Step::Format {
                kind: 0x15,
                param: 16,
                subtype: 0
            }
        );
        assert_eq!(
            format_plan(0x14, false, false).unwrap()[0],
            Step::Format {
                kind: 0x10,
                param: 16,
                subtype: 0
            }
        );
        let cd = format_plan(0x0a, true, false).unwrap();
        assert_eq!(
            cd.last(),
            Some(&Step::Format {
                kind: 0x10,
                param: 32,
                subtype: 0
            })
        );
        assert_eq!(
            format_plan(0x0a, true, true).unwrap()[1],
            Step::Format {
                kind: 0x24,
                param: 0,
                subtype: 0
            }
        );
        assert_eq!(
            format_plan(0x43, false, false).unwrap()[0],
            Step::Format {
                kind: 0x30,
                param: 0,
                subtype: 2
            }
        );
        assert_eq!(
            format_plan(0x09, true, false),
            None,
            "write-once discs are not formatted"
        );
    }

    #[test]
    fn names() {
        assert_eq!(profile_name(0x43), "BD-RE");
        assert_eq!(profile_name(0x09), "CD-R");
    }
}
