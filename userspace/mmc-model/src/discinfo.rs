//! What the drive says about the disc: disc and track information, TOC,
//! session and ATIP, format capacities, capacity, disc structure.

use crate::bytes::{be32, lba_to_msf, put16, put24, put32, u8_at};
use crate::drive::Drive;
use crate::media::{bd_spare, Medium, MediumKind, MediumState, CD_PACKET, DVD_PACKET};
use crate::sense::{self, Sense};

/// Start of the lead-in of a CD-RW per its ATIP (97:26:66 as MSF).
const CD_LEAD_IN: [u8; 3] = [97, 26, 66];

/// A track as the disc describes it.
struct Track {
    start: u32,
    size: u32,
    /// Byte 5: track mode (and damage/copy bits).
    mode: u8,
    /// Byte 6: RT, blank, packet, FP, data mode.
    flags: u8,
    nwa: Option<u32>,
    lra: Option<u32>,
    free: u32,
    packet: u32,
}

impl Medium {
    /// The one track of the disc.
    fn track(&self) -> Track {
        let user = self.user_blocks();
        // A formatted, overwritable track covering the disc, with its mode
        // (byte 5), flags (byte 6: packet, fixed packet, data mode) and
        // packet size.
        let overwritable = |mode, flags, packet| Track {
            start: 0,
            size: user,
            mode,
            flags,
            nwa: None,
            lra: Some(user.saturating_sub(1)),
            free: 0,
            packet,
        };
        match (self.kind, self.state) {
            (MediumKind::CdRw, MediumState::Formatted { packet }) => {
                overwritable(0x07, 0x32, packet)
            }
            (MediumKind::DvdRw, MediumState::Formatted { packet }) => {
                overwritable(0x05, 0x31, packet)
            }
            // Random writable: data mode 1 and the ECC block as packet size.
            (_, MediumState::Formatted { packet }) => overwritable(0x05, 0x01, packet),
            (_, MediumState::Mrw { .. }) => overwritable(0x07, 0x32, CD_PACKET),
            (_, MediumState::Appendable { next }) => Track {
                start: 0,
                size: self.raw_blocks,
                mode: 0x05,
                flags: 0x21, // incremental, data mode 1
                nwa: Some(next),
                lra: next.checked_sub(1),
                free: self.raw_blocks - next,
                packet: 0,
            },
            (kind, MediumState::Blank) => Track {
                start: 0,
                size: self.raw_blocks,
                mode: if kind.is_cd() { 0x04 } else { 0x05 },
                // Reserved/blank: RT only on rewritable CDs; incremental.
                flags: if kind == MediumKind::CdRw { 0xe1 } else { 0x61 },
                nwa: Some(0),
                lra: None,
                free: self.raw_blocks,
                packet: if kind.is_cd() { 0 } else { DVD_PACKET },
            },
        }
    }

    /// Disc status (bits 1-0 of READ DISC INFORMATION byte 2).
    fn disc_status(&self) -> u8 {
        match (self.kind, self.state) {
            (_, MediumState::Blank) => 0,
            (_, MediumState::Appendable { .. }) => 1,
            (MediumKind::DvdRam | MediumKind::BdRe, _) | (_, MediumState::Mrw { .. }) => 3,
            _ => 2,
        }
    }
}

impl Drive {
    fn medium_or_err(&self) -> Result<Medium, Sense> {
        self.loaded_medium()
            .cloned()
            .ok_or(sense::NO_MEDIUM_TRAY_CLOSED)
    }

    /// READ DISC INFORMATION (data type 0).
    pub(crate) fn read_disc_information(&mut self) -> Result<Vec<u8>, Sense> {
        let m = self.medium_or_err()?;
        let status = m.disc_status();
        let session_state = match status {
            0 => 0,
            1 => 1,
            _ => 3,
        };
        let mut b = vec![0u8; 34];
        put16(&mut b, 0, 32);
        b[2] = (u8::from(m.kind.is_erasable()) << 4) | (session_state << 2) | status;
        b[3] = 1; // first track
        b[4] = 1; // sessions
        b[5] = 1; // first track in last session
        b[6] = 1; // last track in last session
        b[7] = 0x20; // URU
        if let MediumState::Mrw { bg_status } = m.state {
            b[7] |= bg_status & 3;
        }
        b[8] = match (m.kind, m.state) {
            (MediumKind::CdRw, MediumState::Blank) | (MediumKind::CdR, _) => 0x00,
            (k, _) if k.is_cd() => 0x20, // CD-ROM XA (Mode 2)
            _ => 0xff,
        };
        if m.kind.is_cd() {
            b[17..20].copy_from_slice(&CD_LEAD_IN);
            let lead_out = lba_to_msf(m.raw_blocks);
            b[21..24].copy_from_slice(&lead_out);
        } else {
            put32(&mut b, 16, 0xffff_ffff);
            put32(&mut b, 20, m.raw_blocks);
        }
        Ok(b)
    }

    /// READ TRACK INFORMATION: address type 0 (LBA), 1 (track) or 2 (session).
    pub(crate) fn read_track_information(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let m = self.medium_or_err()?;
        let kind = u8_at(cdb, 1) & 3;
        let number = be32(cdb, 2);
        let t = m.track();
        let ok = match kind {
            0 => number < t.start.saturating_add(t.size),
            1 => number == 1 || number == 0xff,
            2 => number == 1,
            _ => false,
        };
        if !ok {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let mut b = vec![0u8; 48];
        put16(&mut b, 0, 46);
        b[2] = 1; // track
        b[3] = 1; // session
        b[5] = t.mode;
        b[6] = t.flags;
        b[7] = (u8::from(t.lra.is_some()) << 1) | u8::from(t.nwa.is_some());
        put32(&mut b, 8, t.start);
        put32(&mut b, 12, t.nwa.unwrap_or(0));
        put32(&mut b, 16, t.free);
        put32(&mut b, 20, t.packet);
        put32(&mut b, 24, t.size);
        put32(&mut b, 28, t.lra.unwrap_or(0));
        Ok(b)
    }

    /// READ TOC/PMA/ATIP: formats 0 (TOC), 1 (session info), 4 (ATIP), and
    /// the legacy format in control byte bits 7-6 that sr uses.
    pub(crate) fn read_toc(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let m = self.medium_or_err()?;
        let msf = u8_at(cdb, 1) & 2 != 0;
        let mut format = u8_at(cdb, 2) & 0x0f;
        if format == 0 {
            format = u8_at(cdb, 9) >> 6;
        }
        let addr = |lba: u32| -> [u8; 4] {
            if msf {
                let [mm, ss, ff] = lba_to_msf(lba);
                [0, mm, ss, ff]
            } else {
                lba.to_be_bytes()
            }
        };
        let recorded = !matches!(m.state, MediumState::Blank);
        let end = m.user_blocks();
        match format {
            0 => {
                if !recorded {
                    return Err(sense::INVALID_FIELD_IN_CDB);
                }
                let track = u8_at(cdb, 6);
                let mut b = vec![0, 0, 1, 1];
                if track <= 1 {
                    b.extend_from_slice(&[0, 0x14, 1, 0]);
                    b.extend_from_slice(&addr(0));
                } else if track != 0xaa {
                    return Err(sense::INVALID_FIELD_IN_CDB);
                }
                b.extend_from_slice(&[0, 0x14, 0xaa, 0]);
                b.extend_from_slice(&addr(end));
                let len = b.len() as u16 - 2;
                put16(&mut b, 0, len);
                Ok(b)
            }
            1 => {
                if !recorded {
                    return Err(sense::INVALID_FIELD_IN_CDB);
                }
                let mut b = vec![0, 10, 1, 1, 0, 0x14, 1, 0];
                b.extend_from_slice(&addr(0));
                Ok(b)
            }
            4 => {
                if !m.kind.is_cd() {
                    return Err(sense::INVALID_FIELD_IN_CDB);
                }
                let mut b = vec![0u8; 28];
                put16(&mut b, 0, 26);
                b[4] = 0x55; // writing power 5, reference speed 5
                b[6] = 0x80
                    | if m.kind == MediumKind::CdRw {
                        0x40 | 0x08 | 0x04
                    } else {
                        0
                    };
                b[8..11].copy_from_slice(&CD_LEAD_IN);
                b[12..15].copy_from_slice(&lba_to_msf(m.raw_blocks));
                b[16] = 0x14; // A1: lowest 1, highest code 4 (10x on high-speed CD-RW)
                Ok(b)
            }
            _ => Err(sense::INVALID_FIELD_IN_CDB),
        }
    }

    /// READ FORMAT CAPACITIES: the current capacity and what it can be
    /// formatted to.
    pub(crate) fn read_format_capacities(&mut self) -> Result<Vec<u8>, Sense> {
        let mut b = vec![0u8; 4];
        let desc = |blocks: u32, kind: u8, param: u32| -> [u8; 8] {
            let mut d = [0u8; 8];
            put32(&mut d, 0, blocks);
            d[4] = kind;
            put24(&mut d, 5, param);
            d
        };
        let Some(m) = self.loaded_medium().cloned() else {
            b.extend_from_slice(&desc(0xffff_ffff, 3, 2048));
            b[3] = 8;
            return Ok(b);
        };
        let formatted = m.is_overwritable();
        let current = if formatted {
            m.user_blocks()
        } else {
            m.raw_blocks
        };
        b.extend_from_slice(&desc(current, if formatted { 2 } else { 1 }, 2048));
        let raw = m.raw_blocks;
        let cd_fixed = (raw / (CD_PACKET + 7)) * CD_PACKET;
        let formats: Vec<[u8; 8]> = match m.kind {
            MediumKind::CdRw => vec![
                desc(cd_fixed, 0x10 << 2, CD_PACKET),
                desc(crate::media::mrw_user_blocks(raw), 0x24 << 2, 0),
            ],
            // Full format (type 00) first: growisofs needs it to size a
            // restricted overwrite DVD-RW.
            MediumKind::DvdRw => vec![
                desc(raw, 0x00, 2048),
                desc(raw, 0x10 << 2, DVD_PACKET),
                desc(raw, 0x15 << 2, DVD_PACKET),
            ],
            MediumKind::DvdPlusRw => vec![desc(raw, 0x26 << 2, 0)],
            MediumKind::DvdRam => vec![desc(raw, 0x00, 2048), desc(raw, 0x01 << 2, 2048)],
            MediumKind::BdRe => vec![
                desc(raw - bd_spare(raw), 0x00, bd_spare(raw)),
                desc(raw - bd_spare(raw), 0x30 << 2, bd_spare(raw)),
                desc(raw, 0x31 << 2, 0),
            ],
            MediumKind::CdR | MediumKind::DvdR => Vec::new(),
        };
        for d in formats {
            b.extend_from_slice(&d);
        }
        b[3] = (b.len() - 4) as u8;
        Ok(b)
    }

    /// READ CAPACITY: the last readable LBA and the block length.
    pub(crate) fn read_capacity(&mut self) -> Result<Vec<u8>, Sense> {
        let m = self.medium_or_err()?;
        let mut b = vec![0u8; 8];
        put32(&mut b, 0, m.user_blocks().saturating_sub(1));
        put32(&mut b, 4, 2048);
        Ok(b)
    }

    /// READ DISC STRUCTURE.  DVD (media type 0): physical format (0x00,
    /// and 0x10 from the lead-in of DVD-R/-RW), pre-recorded information
    /// with the media ID (0x0E, DVD-R/-RW), ADIP information (0x11,
    /// DVD+RW), write protection (0xC0) and the list (0xFF).  BD (media
    /// type 1): disc information (0x00) and the list.
    pub(crate) fn read_disc_structure(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let m = self.medium_or_err()?;
        let format = u8_at(cdb, 7);
        let bd = m.kind == MediumKind::BdRe;
        let dvd = !m.kind.is_cd() && !bd;
        let dash = matches!(m.kind, MediumKind::DvdR | MediumKind::DvdRw);
        let plus = m.kind == MediumKind::DvdPlusRw;
        let media_type = u8_at(cdb, 1) & 0x0f;
        if media_type != u8::from(bd) || m.kind.is_cd() {
            return Err(sense::INCOMPATIBLE_FORMAT);
        }
        let list: &[(u8, u16)] = if bd {
            &[(0x00, 4 + 4096), (0xff, 4 + 8)]
        } else if dash {
            &[
                (0x00, 2052),
                (0x0e, 4 + 40),
                (0x10, 2052),
                (0xc0, 8),
                (0xff, 4 + 20),
            ]
        } else if plus {
            &[(0x00, 2052), (0x11, 4 + 256), (0xc0, 8), (0xff, 4 + 16)]
        } else {
            &[(0x00, 2052), (0xc0, 8), (0xff, 4 + 12)]
        };
        if !list.iter().any(|&(code, _)| code == format) {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let mut b = match format {
            0x00 if bd => bd_disc_information(&m),
            0x00 | 0x10 if dvd => dvd_physical_format(&m),
            0x0e => {
                // Pre-recorded information in the lead-in: 5 fields of 8
                // bytes, field 3 and 4 holding the manufacturer's ID.
                let id = media_id(m.kind);
                let mut b = vec![0u8; 4 + 40];
                for field in 0..5u8 {
                    b[4 + 8 * usize::from(field)] = field + 1;
                }
                b[4 + 17..4 + 23].copy_from_slice(&id[..6]);
                b[4 + 25..4 + 31].copy_from_slice(&id[6..12]);
                b
            }
            0x11 => {
                // ADIP information: the disc's own physical format info,
                // with the manufacturer (8 bytes) and media type ID (3).
                let mut b = vec![0u8; 4 + 256];
                b[4..4 + 17].copy_from_slice(&dvd_physical_format(&m)[4..4 + 17]);
                write_plus_media_id(&mut b);
                b
            }
            0xc0 => {
                let mut b = vec![0u8; 8];
                b[4] = u8::from(m.write_protected) << 2;
                b
            }
            _ => {
                let mut b = vec![0u8; 4];
                for &(code, len) in list {
                    let mut d = [code, 0x40, 0, 0];
                    put16(&mut d, 2, len);
                    b.extend_from_slice(&d);
                }
                b
            }
        };
        let len = b.len() as u16 - 2;
        put16(&mut b, 0, len);
        Ok(b)
    }
}

/// The manufacturer's media ID, as a real disc of the kind carries it:
/// DVD-R/-RW 12 bytes (two 6-byte halves of the pre-recorded info), DVD+RW
/// 8 + 3 bytes, BD 6 + 3 bytes.
pub(crate) fn media_id(kind: MediumKind) -> &'static [u8; 12] {
    match kind {
        MediumKind::DvdR => b"MCC 02RG20  ",
        MediumKind::DvdRw => b"MKM   A03   ",
        MediumKind::DvdPlusRw => b"RICOHJPNW11 ",
        MediumKind::BdRe => b"VERBATIMe   ",
        MediumKind::DvdRam => b"MATSHITA    ",
        _ => b"            ",
    }
}

/// DVD+RW media ID at bytes 23..31 (manufacturer) and 31..34 (type) of a
/// physical format or ADIP structure, with its product revision.
fn write_plus_media_id(b: &mut [u8]) {
    let id = media_id(MediumKind::DvdPlusRw);
    b[4 + 19..4 + 27].copy_from_slice(&id[..8]);
    b[4 + 27..4 + 30].copy_from_slice(&id[8..11]);
    b[4 + 30] = 1; // product revision
}

/// DVD physical format information (format 0x00): book type and part
/// version, disc size, layers, data area.
fn dvd_physical_format(m: &Medium) -> Vec<u8> {
    let mut b = vec![0u8; 4 + 2048];
    // Book type (high nibble) and part version, as the discs carry them.
    b[4] = match m.kind {
        MediumKind::DvdRam => 0x16, // DVD-RAM 2.1
        MediumKind::DvdR => 0x25,   // DVD-R for General 2.0
        MediumKind::DvdRw => 0x32,  // DVD-RW 1.1
        _ => 0x92,                  // DVD+RW 1.2
    };
    b[5] = 0x0f; // 120 mm, max rate not specified
                 // One layer, layer type: recordable (DVD-R) or rewritable.
    b[6] = if m.kind == MediumKind::DvdR {
        0x02
    } else {
        0x04
    };
    let start = if m.kind == MediumKind::DvdRam {
        0x031000
    } else {
        0x030000
    };
    put24(&mut b, 9, start); // data area start
    put24(&mut b, 13, start + m.raw_blocks - 1); // data area end
    if m.kind == MediumKind::DvdPlusRw {
        write_plus_media_id(&mut b);
    }
    b
}

/// BD disc information (BD format 0x00): one 112-byte DI unit with the
/// disc type, the layer and the media ID.
fn bd_disc_information(m: &Medium) -> Vec<u8> {
    let mut b = vec![0u8; 4 + 4096];
    let di = &mut b[4..4 + 112];
    di[0..2].copy_from_slice(b"DI");
    di[2] = 1; // DI format version
    di[3] = 0x08; // one DI unit in the block
    di[6] = 112; // bytes in use
    di[8..11].copy_from_slice(b"BDW"); // disc type identifier: BD-RE
    di[11] = 0x02; // 120 mm, class 0, version 2
    di[12] = 0x11; // one layer, layer 0
    di[13] = 0x10; // 25 GB per layer
    put32(di, 16, m.raw_blocks); // last user data address (approximate)
    let id = media_id(m.kind);
    di[100..106].copy_from_slice(&id[..6]);
    di[106..109].copy_from_slice(&id[6..9]);
    di[111] = 1; // product revision
    b
}
