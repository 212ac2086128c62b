//! Media: kinds, MMC profiles, format states and geometry.

/// The kind of disc in the drive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediumKind {
    /// CD-RW (profile 0x0A), including Mt. Rainier (MRW) formatted ones.
    CdRw,
    /// DVD-RW: sequential (profile 0x14) or restricted overwrite (0x13).
    DvdRw,
    /// DVD+RW (profile 0x1A).
    DvdPlusRw,
    /// DVD-RAM (profile 0x12).
    DvdRam,
    /// BD-RE (profile 0x43).
    BdRe,
    /// CD-R (profile 0x09), write-once.
    CdR,
    /// DVD-R sequential (profile 0x11), write-once.
    DvdR,
}

/// What has been done to the disc's surface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediumState {
    /// Blank (CD-RW after BLANK, DVD-RW sequential, write-once media) or
    /// unformatted (DVD+RW, BD-RE, DVD-RAM).
    Blank,
    /// Formatted for overwriting in units of `packet` blocks: fixed packets
    /// on CD-RW, restricted overwrite on DVD-RW, ECC blocks / clusters on
    /// DVD+RW, DVD-RAM and BD-RE.
    Formatted {
        /// Packet (or ECC block) size in 2048-byte blocks.
        packet: u32,
    },
    /// Mt. Rainier formatted CD-RW, with its background format status
    /// (0 none, 1 incomplete, 2 in progress, 3 complete).
    Mrw {
        /// Background format status, as READ DISC INFORMATION reports it.
        bg_status: u8,
    },
    /// Write-once medium with `next` the next writable address.
    Appendable {
        /// Next writable address.
        next: u32,
    },
}

/// Link blocks (run-out, link, run-in) that a CD-RW fixed packet costs on
/// the medium beyond its user blocks.
pub const CD_LINK_BLOCKS: u32 = 7;
/// Fixed packet size of CD-RW formatted for packet writing (cdrwtool).
pub const CD_PACKET: u32 = 32;
/// Fixed packet size of DVD-RW restricted overwrite: one ECC block.
pub const DVD_PACKET: u32 = 16;
/// BD-RE cluster size in 2048-byte blocks (64 KiB).
pub const BD_CLUSTER: u32 = 32;

/// A disc: kind, state and size.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Medium {
    /// The kind of disc.
    pub kind: MediumKind,
    /// Its format state.
    pub state: MediumState,
    /// Physical size in 2048-byte blocks, before packetisation.
    pub raw_blocks: u32,
    /// Write-protected (a DVD-RAM cartridge switch, for example).
    pub write_protected: bool,
    /// DVD+RW written since its session was last closed.
    pub dirty: bool,
}

impl MediumKind {
    /// The kind's rated physical size in blocks.
    pub const fn default_blocks(self) -> u32 {
        match self {
            // 80-minute CD: last possible lead-out 79:59:74.
            MediumKind::CdRw | MediumKind::CdR => 359_849,
            MediumKind::DvdRw | MediumKind::DvdPlusRw => 2_295_104,
            MediumKind::DvdR => 2_298_496,
            MediumKind::DvdRam => 2_236_704,
            MediumKind::BdRe => 12_219_392,
        }
    }

    /// Whether the medium is a CD (CD addressing, ATIP, link blocks).
    pub const fn is_cd(self) -> bool {
        matches!(self, MediumKind::CdRw | MediumKind::CdR)
    }

    /// Whether the medium can only be written once.
    pub const fn is_write_once(self) -> bool {
        matches!(self, MediumKind::CdR | MediumKind::DvdR)
    }

    /// Whether the medium is erasable (READ DISC INFORMATION "Erasable").
    pub const fn is_erasable(self) -> bool {
        !self.is_write_once()
    }

    /// Size of the unit the drive rewrites internally (ECC block, cluster);
    /// a smaller write costs a read-modify-write.
    pub const fn ecc_blocks(self) -> u32 {
        match self {
            MediumKind::CdRw | MediumKind::CdR => 1,
            MediumKind::BdRe => BD_CLUSTER,
            _ => DVD_PACKET,
        }
    }

    /// Bytes per block that a speed in kB/s counts: MMC gives CD speeds in
    /// kB/s of the 2352-byte raw sector (1x = 176.4 kB/s, 75 sectors/s), of
    /// which a Mode 1 / Mode 2 Form 1 block carries 2048 user bytes (1x =
    /// 153.6 kB/s of data); DVD and BD speeds count user bytes.
    pub const fn sector_bytes(self) -> u32 {
        if self.is_cd() {
            2352
        } else {
            2048
        }
    }

    /// Where the data lies: (first radius µm, last radius µm, track pitch
    /// nm), from the physical format standards (ECMA-394 CD-RW, ECMA-337
    /// DVD+RW, ECMA-338 DVD-RW, ECMA-330 DVD-RAM, BD-RE System
    /// Description); see Documentation/mmc-drive.rst, "Timing".
    pub const fn geometry(self) -> (u64, u64, u64) {
        match self {
            // 80-minute discs: 1.5 µm pitch (74-minute ones have 1.6).
            MediumKind::CdRw | MediumKind::CdR => (25_000, 58_000, 1_500),
            MediumKind::DvdRw | MediumKind::DvdPlusRw | MediumKind::DvdR => (24_000, 58_000, 740),
            // Land and groove are both recorded.
            MediumKind::DvdRam => (24_000, 58_000, 615),
            MediumKind::BdRe => (24_000, 58_000, 320),
        }
    }

    /// Blocks on one turn of the spiral at physical block `phys`, in
    /// thousandths.  The blocks of the standard disc fill its area evenly
    /// (constant linear density), so the radius at `phys` is
    /// sqrt(r0² + (r1² − r0²)·phys/total) and one turn holds
    /// 2π·r·pitch·total / (π·(r1² − r0²)) blocks; a smaller disc of the
    /// model is the inner part of a standard one.
    pub fn revolution_milliblocks(self, phys: u32) -> u64 {
        let (r0, r1, pitch) = self.geometry();
        let total = u64::from(self.default_blocks());
        let area = r1 * r1 - r0 * r0;
        let r2 = r0 * r0 + area * u64::from(phys.min(self.default_blocks())) / total;
        let r = crate::timing::isqrt(r2);
        // r µm · pitch nm = r·pitch/1000 µm²
        2 * r * pitch * total / area
    }

    /// The medium's rated read and write speeds in kB/s (1000 bytes), as a
    /// drive of 2010 would use them.
    pub const fn rated_speeds(self) -> (u32, u32) {
        match self {
            MediumKind::CdRw => (24 * 176, 10 * 176),
            MediumKind::CdR => (40 * 176, 24 * 176),
            MediumKind::DvdRw => (8 * 1385, 4 * 1385),
            MediumKind::DvdPlusRw => (8 * 1385, 4 * 1385),
            MediumKind::DvdR => (16 * 1385, 8 * 1385),
            MediumKind::DvdRam => (5 * 1385, 5 * 1385),
            MediumKind::BdRe => (6 * 4495, 2 * 4495),
        }
    }
}

impl Medium {
    /// A disc of `kind` in `state`, `raw_blocks` big.
    pub fn new(kind: MediumKind, state: MediumState, raw_blocks: u32) -> Self {
        Medium {
            kind,
            state,
            raw_blocks,
            write_protected: false,
            dirty: false,
        }
    }

    /// The current MMC profile of the disc.
    pub fn profile(&self) -> u16 {
        match (self.kind, self.state) {
            (MediumKind::CdRw, _) => 0x000a,
            (MediumKind::CdR, _) => 0x0009,
            (MediumKind::DvdRw, MediumState::Formatted { .. }) => 0x0013,
            (MediumKind::DvdRw, _) => 0x0014,
            (MediumKind::DvdPlusRw, _) => 0x001a,
            (MediumKind::DvdRam, _) => 0x0012,
            (MediumKind::BdRe, _) => 0x0043,
            (MediumKind::DvdR, _) => 0x0011,
        }
    }

    /// Fixed packet size in blocks if writes must be whole aligned packets.
    pub fn fixed_packet(&self) -> Option<u32> {
        match (self.kind, self.state) {
            (MediumKind::CdRw | MediumKind::DvdRw, MediumState::Formatted { packet }) => {
                Some(packet)
            }
            _ => None,
        }
    }

    /// Whether the disc is recorded sequentially, at its next writable
    /// address: write-once media, and blank or appendable CD-RW (track at
    /// once) and DVD-RW (incremental sequential).
    pub fn records_sequentially(&self) -> bool {
        matches!(
            self.state,
            MediumState::Blank | MediumState::Appendable { .. }
        ) && matches!(
            self.kind,
            MediumKind::CdR | MediumKind::DvdR | MediumKind::CdRw | MediumKind::DvdRw
        )
    }

    /// Whether a formatted state allows overwriting any block.
    pub fn is_overwritable(&self) -> bool {
        matches!(
            self.state,
            MediumState::Formatted { .. } | MediumState::Mrw { .. }
        )
    }

    /// Number of user-addressable blocks: what READ CAPACITY reports + 1.
    pub fn user_blocks(&self) -> u32 {
        match self.state {
            MediumState::Formatted { packet } if self.kind == MediumKind::CdRw => {
                (self.raw_blocks / (packet + CD_LINK_BLOCKS)) * packet
            }
            MediumState::Formatted { .. } => {
                if self.kind == MediumKind::BdRe {
                    self.raw_blocks - bd_spare(self.raw_blocks)
                } else {
                    self.raw_blocks
                }
            }
            MediumState::Mrw { .. } => mrw_user_blocks(self.raw_blocks),
            MediumState::Appendable { next } => next,
            MediumState::Blank => 0,
        }
    }

    /// The unit the medium records in, in user blocks: the fixed packet of
    /// CD-RW and DVD-RW, MRW's 32-block packet, the ECC block or cluster of
    /// DVD+RW, DVD-RAM and BD-RE; 1 where blocks are recorded as they
    /// come (sequential recording, CD-R).
    pub fn unit(&self) -> u32 {
        match self.state {
            _ if self.records_sequentially() => 1,
            MediumState::Formatted { packet } => packet,
            MediumState::Mrw { .. } => CD_PACKET,
            _ => self.kind.ecc_blocks(),
        }
    }

    /// Link blocks the medium records before each unit: 7 for the packets
    /// of CD-RW (fixed or MRW), none for DVD and BD.
    pub fn link_blocks(&self) -> u32 {
        match self.state {
            MediumState::Formatted { .. } | MediumState::Mrw { .. }
                if self.kind == MediumKind::CdRw =>
            {
                CD_LINK_BLOCKS
            }
            _ => 0,
        }
    }

    /// Where block `lba` lies on the medium, for wear and seek accounting:
    /// on CD-RW packets each user packet follows its link blocks.  (MRW's
    /// spare areas and defect tables are not laid out.)
    pub fn physical(&self, lba: u32) -> u32 {
        let link = self.link_blocks();
        if link == 0 {
            return lba;
        }
        let unit = self.unit();
        (lba / unit) * (unit + link) + link + lba % unit
    }

    /// Where recording the unit holding `lba` starts on the medium: at its
    /// link blocks.
    pub fn unit_start(&self, lba: u32) -> u32 {
        let unit = self.unit();
        self.physical(lba / unit * unit) - self.link_blocks()
    }

    /// Blocks the medium records for writing `count` user blocks at `lba`
    /// (CD-RW packets add link blocks), for the "media frames" counter.
    pub fn recorded_blocks(&self, count: u32) -> u32 {
        match self.state {
            MediumState::Formatted { .. } | MediumState::Mrw { .. }
                if self.kind == MediumKind::CdRw =>
            {
                count + count.div_ceil(self.unit()) * CD_LINK_BLOCKS
            }
            _ => count,
        }
    }
}

/// Default BD-RE spare area: the difference between 25 GB with and without
/// the standard spare (MMC format type 0x30 vs 0x31).
pub fn bd_spare(raw: u32) -> u32 {
    // 12,219,392 - 11,826,176 = 393,216 blocks for a 25 GB disc.
    let spare = u64::from(raw) * 393_216 / 12_219_392;
    (spare as u32) / BD_CLUSTER * BD_CLUSTER
}

/// User blocks of an MRW CD-RW: 32-block packets with link blocks, less the
/// defect table and spare area (one packet in 32 here).
pub fn mrw_user_blocks(raw: u32) -> u32 {
    let packets = raw / (CD_PACKET + CD_LINK_BLOCKS);
    (packets - packets / 32) * CD_PACKET
}

/// A medium the CLI and tests can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Preset {
    /// The name: `cdrw`, `dvd+rw-blank`, ...
    pub name: &'static str,
    /// What it is.
    pub description: &'static str,
    kind: MediumKind,
    state: MediumState,
}

/// Every medium preset.
pub const PRESETS: &[Preset] = &[
    Preset {
        name: "cdrw-blank",
        description: "CD-RW, blank",
        kind: MediumKind::CdRw,
        state: MediumState::Blank,
    },
    Preset {
        name: "cdrw",
        description: "CD-RW formatted with fixed 32-block packets, Mode 2",
        kind: MediumKind::CdRw,
        state: MediumState::Formatted { packet: CD_PACKET },
    },
    Preset {
        name: "cdrw-mrw",
        description: "CD-RW in Mt. Rainier (MRW) format",
        kind: MediumKind::CdRw,
        state: MediumState::Mrw { bg_status: 3 },
    },
    Preset {
        name: "dvdrw-seq",
        description: "DVD-RW, blank, sequential recording",
        kind: MediumKind::DvdRw,
        state: MediumState::Blank,
    },
    Preset {
        name: "dvdrw",
        description: "DVD-RW formatted for restricted overwrite",
        kind: MediumKind::DvdRw,
        state: MediumState::Formatted { packet: DVD_PACKET },
    },
    Preset {
        name: "dvd+rw-blank",
        description: "DVD+RW, unformatted",
        kind: MediumKind::DvdPlusRw,
        state: MediumState::Blank,
    },
    Preset {
        name: "dvd+rw",
        description: "DVD+RW, formatted",
        kind: MediumKind::DvdPlusRw,
        state: MediumState::Formatted { packet: DVD_PACKET },
    },
    Preset {
        name: "dvdram",
        description: "DVD-RAM, formatted",
        kind: MediumKind::DvdRam,
        state: MediumState::Formatted { packet: DVD_PACKET },
    },
    Preset {
        name: "bdre-blank",
        description: "BD-RE, unformatted",
        kind: MediumKind::BdRe,
        state: MediumState::Blank,
    },
    Preset {
        name: "bdre",
        description: "BD-RE, formatted with the default spare area",
        kind: MediumKind::BdRe,
        state: MediumState::Formatted { packet: BD_CLUSTER },
    },
    Preset {
        name: "cdr",
        description: "CD-R, blank (write-once)",
        kind: MediumKind::CdR,
        state: MediumState::Blank,
    },
    Preset {
        name: "dvdr",
        description: "DVD-R, blank (write-once)",
        kind: MediumKind::DvdR,
        state: MediumState::Blank,
    },
];

impl Preset {
    /// The preset called `name`.
    pub fn find(name: &str) -> Option<&'static Preset> {
        PRESETS.iter().find(|p| p.name == name)
    }

    /// A disc of this preset, `raw_blocks` big (default: the rated size).
    pub fn medium(&self, raw_blocks: Option<u32>) -> Medium {
        Medium::new(
            self.kind,
            self.state,
            raw_blocks.unwrap_or(self.kind.default_blocks()),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cd_rw_fixed_packets_lose_link_blocks() {
        let m = Preset::find("cdrw").unwrap().medium(None);
        assert_eq!(m.profile(), 0x0a);
        assert_eq!(m.user_blocks(), 359_849 / 39 * 32);
        assert_eq!(m.fixed_packet(), Some(32));
        assert_eq!(m.physical(0), 7);
        assert_eq!(m.physical(32), 39 + 7);
        assert_eq!(m.recorded_blocks(32), 39);
    }

    #[test]
    fn profiles_follow_the_format_state() {
        assert_eq!(
            Preset::find("dvdrw-seq").unwrap().medium(None).profile(),
            0x14
        );
        assert_eq!(Preset::find("dvdrw").unwrap().medium(None).profile(), 0x13);
        assert_eq!(
            Preset::find("bdre").unwrap().medium(None).user_blocks(),
            11_826_176
        );
        assert!(Preset::find("nope").is_none());
    }
}
