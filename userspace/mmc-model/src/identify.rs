//! What the drive says about itself: INQUIRY, GET CONFIGURATION (profiles
//! and features) and the mode pages (MODE SENSE / MODE SELECT).

use crate::bytes::{be16, put16, put32, u8_at};
use crate::drive::Drive;
use crate::media::{MediumKind, MediumState};
use crate::sense::{self, Sense};

/// Every profile the drive can handle, highest first (feature 0000).
const PROFILES: [u16; 12] = [
    0x43, 0x40, 0x1a, 0x14, 0x13, 0x12, 0x11, 0x10, 0x0a, 0x09, 0x08, 0x02,
];

/// One feature descriptor of GET CONFIGURATION.
struct Feature {
    code: u16,
    version: u8,
    persistent: bool,
    current: bool,
    data: Vec<u8>,
}

impl Drive {
    /// INQUIRY: standard data, or the VPD pages 00 and 80.
    pub(crate) fn inquiry(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let evpd = u8_at(cdb, 1) & 1 != 0;
        let page = u8_at(cdb, 2);
        if evpd {
            return match page {
                0x00 => Ok(vec![0x05, 0x00, 0x00, 2, 0x00, 0x80]),
                0x80 => {
                    let serial = b"PKTRS0001";
                    let mut b = vec![0x05, 0x80, 0x00, serial.len() as u8];
                    b.extend_from_slice(serial);
                    Ok(b)
                }
                _ => Err(sense::INVALID_FIELD_IN_CDB),
            };
        }
        if page != 0 {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let mut b = vec![0u8; 36];
        b[0] = 0x05; // peripheral device type: CD/DVD (MMC)
        b[1] = 0x80; // removable medium
        b[2] = 0x05; // SPC-3
        b[3] = 0x02; // response data format
        b[4] = 31; // additional length
        b[8..16].copy_from_slice(&self.config.vendor);
        b[16..32].copy_from_slice(&self.config.product);
        b[32..36].copy_from_slice(&self.config.revision);
        Ok(b)
    }

    /// The drive's features, with the current bits for the loaded disc.
    fn features(&self) -> Vec<Feature> {
        let m = self.loaded_medium();
        let profile = m.map_or(0, |m| m.profile());
        let kind = m.map(|m| m.kind);
        let state = m.map(|m| m.state);
        let is = |k: MediumKind| kind == Some(k);
        let cd = kind.is_some_and(|k| k.is_cd());
        let dvd = matches!(
            kind,
            Some(MediumKind::DvdRw | MediumKind::DvdPlusRw | MediumKind::DvdRam | MediumKind::DvdR)
        );
        let formatted = m.is_some_and(|m| m.is_overwritable());
        let mrw = matches!(state, Some(MediumState::Mrw { .. }));
        let random_writable = formatted
            && (is(MediumKind::DvdRam) || is(MediumKind::BdRe) || mrw || is(MediumKind::DvdPlusRw));
        let sequential = matches!(
            state,
            Some(MediumState::Blank | MediumState::Appendable { .. })
        ) && (is(MediumKind::DvdRw)
            || is(MediumKind::CdRw)
            || kind.is_some_and(|k| k.is_write_once()));
        let blocking: u16 = match kind {
            Some(MediumKind::BdRe) => 32,
            Some(k) if !k.is_cd() => 16,
            _ => 1,
        };
        let last_lba = m.map_or(0, |m| m.user_blocks().saturating_sub(1));

        let mut list = Vec::new();
        let mut profiles = Vec::new();
        for p in PROFILES {
            let mut d = [0u8; 4];
            put16(&mut d, 0, p);
            d[2] = u8::from(p == profile);
            profiles.extend_from_slice(&d);
        }
        let f = |code, version, persistent, current, data: Vec<u8>| Feature {
            code,
            version,
            persistent,
            current,
            data,
        };
        list.push(f(0x0000, 0, true, true, profiles));
        list.push(f(0x0001, 2, true, true, vec![0, 0, 0, 1, 0x01, 0, 0, 0])); // core: SCSI, DBE
        list.push(f(0x0002, 1, true, true, vec![0x02, 0, 0, 0])); // morphing: OCEvent
        list.push(f(0x0003, 2, true, true, vec![0x29, 0, 0, 0])); // removable: tray, eject, lock
        let mut rr = vec![0u8; 8];
        put32(&mut rr, 0, 2048);
        put16(&mut rr, 4, blocking);
        list.push(f(0x0010, 0, false, m.is_some(), rr));
        list.push(f(0x001d, 0, false, cd, Vec::new())); // multi-read
        list.push(f(0x001e, 2, false, cd, vec![0, 0, 0, 0])); // CD read
        list.push(f(0x001f, 1, false, dvd, vec![0, 0, 0, 0])); // DVD read
        let mut rw = vec![0u8; 12];
        put32(&mut rw, 0, last_lba);
        put32(&mut rw, 4, 2048);
        put16(&mut rw, 8, blocking);
        list.push(f(0x0020, 1, false, random_writable, rw));
        list.push(f(
            0x0021,
            1,
            false,
            sequential,
            vec![0x00, 0x01, 0, 1, 0, 0, 0, 0],
        )); // incremental
        list.push(f(
            0x0023,
            0,
            false,
            m.is_some_and(|m| m.kind.is_erasable()),
            Vec::new(),
        )); // formattable
        list.push(f(
            0x0024,
            0,
            false,
            is(MediumKind::DvdRam) || is(MediumKind::BdRe) || mrw,
            vec![0x80, 0, 0, 0],
        ));
        list.push(f(
            0x0026,
            0,
            false,
            is(MediumKind::DvdRw) && formatted,
            Vec::new(),
        )); // restricted overwrite
        list.push(f(0x0027, 0, false, is(MediumKind::CdRw), vec![0, 0, 0, 0])); // CD-RW CAV write
        if mrw {
            // MRW only while an MRW disc is loaded: the kernel probes it once at
            // attach and then routes every write open through its MRW path.
            list.push(f(0x0028, 1, false, true, vec![0x01, 0, 0, 0]));
        }
        list.push(f(
            0x002a,
            1,
            false,
            is(MediumKind::DvdPlusRw),
            vec![0x01, 0, 0, 0],
        )); // DVD+RW write
        list.push(f(
            0x002d,
            5,
            false,
            is(MediumKind::CdR) || is(MediumKind::CdRw),
            vec![0x46, 0, 0, 0],
        )); // CD TAO
        list.push(f(0x0040, 1, false, is(MediumKind::BdRe), vec![0; 28])); // BD read
        list.push(f(0x0041, 2, false, is(MediumKind::BdRe), vec![0; 20])); // BD write
        list.push(f(0x0105, 0, false, true, vec![0, 0, 0, 0])); // timeout
        list.push(f(0x0107, 3, false, true, vec![0x0f, 0, 0, 0])); // real-time streaming
        list
    }

    /// GET CONFIGURATION: RT 0 (all from start), 1 (current from start),
    /// 2 (just the start feature).
    pub(crate) fn get_configuration(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let rt = u8_at(cdb, 1) & 3;
        let start = be16(cdb, 2);
        let profile = self.loaded_medium().map_or(0, |m| m.profile());
        let mut b = vec![0u8; 8];
        put16(&mut b, 6, profile);
        for f in self.features() {
            let take = match rt {
                0 => f.code >= start,
                1 => f.code >= start && f.current,
                2 => f.code == start,
                _ => return Err(sense::INVALID_FIELD_IN_CDB),
            };
            if !take {
                continue;
            }
            let mut h = [0u8; 4];
            put16(&mut h, 0, f.code);
            h[2] = (f.version << 2) | (u8::from(f.persistent) << 1) | u8::from(f.current);
            h[3] = f.data.len() as u8;
            b.extend_from_slice(&h);
            b.extend_from_slice(&f.data);
        }
        let len = b.len() as u32 - 4;
        put32(&mut b, 0, len);
        Ok(b)
    }

    /// Page 05 as it is after power on: TAO, Mode 1, no fixed packets; for
    /// fixed-packet media the packet parameters of their format.
    pub(crate) fn default_write_params(&self) -> [u8; 0x32] {
        let mut p = [0u8; 0x32];
        let fixed = self.medium.as_ref().and_then(|m| m.fixed_packet());
        if let Some(packet) = fixed {
            let cd = self.medium.as_ref().is_some_and(|m| m.kind.is_cd());
            p[0] = 0x00; // packet
            p[1] = 0x20 | if cd { 0x07 } else { 0x05 }; // FP, track mode
            p[2] = if cd { 10 } else { 8 }; // Mode 2 form 1 / Mode 1
            p[3] = 7; // link size
            p[6] = if cd { 0x20 } else { 0 }; // session format CD-ROM XA
            put32(&mut p, 8, packet);
        } else {
            p[0] = 0x01; // TAO
            p[1] = 0x04;
            p[2] = 8;
        }
        p
    }

    /// One mode page (code and length first) for page control `pc`.
    fn mode_page(&self, code: u8, pc: u8) -> Option<Vec<u8>> {
        let changeable = pc == 1;
        let default = pc == 2;
        let page = match code {
            0x01 => {
                let mut p = vec![0x01, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                if !changeable {
                    p[3] = 5; // read retries
                    p[8] = 5; // write retries
                }
                p
            }
            0x05 => {
                let mut p = vec![0x05, 0x32];
                if changeable {
                    p.extend_from_slice(&[0xff; 0x32]);
                } else if default {
                    p.extend_from_slice(&self.default_write_params());
                } else {
                    p.extend_from_slice(&self.mode.write_params);
                }
                p
            }
            0x08 => {
                let mut p = vec![0x08, 0x0a, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
                p[2] = if changeable || default || self.mode.wce {
                    0x04
                } else {
                    0
                };
                p
            }
            0x03 | 0x2c => {
                let mut p = vec![code, 0x06, 0, 0, 0, 0, 0, 0];
                p[3] = if changeable {
                    1
                } else if default {
                    0
                } else {
                    self.mode.mrw_lba_space
                };
                p
            }
            0x2a => self.capabilities_page(changeable),
            _ => return None,
        };
        Some(page)
    }

    /// Page 2A, MM capabilities and mechanical status, with one write
    /// speed descriptor per speed step of the medium.
    fn capabilities_page(&self, changeable: bool) -> Vec<u8> {
        let (rated_r, rated_w) = self.rated_speeds();
        let mut steps = vec![rated_w];
        if rated_w / 2 >= 176 {
            steps.push(rated_w / 2);
        }
        let mut p = vec![0u8; 32 + 4 * steps.len()];
        p[0] = 0x2a;
        p[1] = (p.len() - 2) as u8;
        if changeable {
            return p;
        }
        p[2] = 0x3f; // reads CD-R, CD-RW, method 2, DVD-ROM, DVD-R, DVD-RAM
        p[3] = 0x37; // writes CD-R, CD-RW, test write, DVD-R, DVD-RAM
        p[4] = 0x70; // mode 2 form 1 and 2, multisession
        p[5] = 0x03; // CD-DA commands, accurate stream
        p[6] = 0x29 | (u8::from(self.prevent) << 1); // tray, eject, lock (+ locked)
        put16(&mut p, 8, (48 * 176) as u16); // maximum read speed (obsolete)
        put16(&mut p, 10, 256); // volume levels
        put16(&mut p, 12, (self.config.cache_blocks * 2) as u16); // buffer, KiB
        put16(&mut p, 14, self.read_speed.min(0xffff) as u16); // current read speed
        put16(&mut p, 18, rated_w.min(0xffff) as u16); // maximum write speed (obsolete)
        put16(&mut p, 20, self.write_speed.min(0xffff) as u16); // current write speed (obsolete)
        put16(&mut p, 28, self.write_speed.min(0xffff) as u16); // current write speed selected
        put16(&mut p, 30, steps.len() as u16);
        for (i, s) in steps.iter().enumerate() {
            put16(&mut p, 32 + 4 * i + 2, (*s).min(0xffff) as u16);
        }
        let _ = rated_r;
        p
    }

    /// MODE SENSE (6) and (10).
    pub(crate) fn mode_sense(&mut self, cdb: &[u8], ten: bool) -> Result<Vec<u8>, Sense> {
        let pc = u8_at(cdb, 2) >> 6;
        let code = u8_at(cdb, 2) & 0x3f;
        if pc == 3 {
            return Err(sense::SAVING_NOT_SUPPORTED);
        }
        let mut pages = Vec::new();
        if code == 0x3f {
            for c in [0x01, 0x05, 0x08, 0x2a] {
                pages.extend(self.mode_page(c, pc).unwrap_or_default());
            }
        } else {
            pages = self
                .mode_page(code, pc)
                .ok_or(sense::INVALID_FIELD_IN_CDB)?;
        }
        let mut b = if ten { vec![0u8; 8] } else { vec![0u8; 4] };
        b.extend_from_slice(&pages);
        let len = b.len();
        if ten {
            put16(&mut b, 0, (len - 2) as u16);
        } else {
            b[0] = (len - 1).min(255) as u8;
        }
        Ok(b)
    }

    /// MODE SELECT (6) and (10): pages 01, 05, 08 and the MRW page.
    pub(crate) fn mode_select(
        &mut self,
        cdb: &[u8],
        data: &[u8],
        ten: bool,
    ) -> Result<Vec<u8>, Sense> {
        let list_len = if ten {
            usize::from(be16(cdb, 7))
        } else {
            usize::from(u8_at(cdb, 4))
        };
        let data = &data[..list_len.min(data.len())];
        let (hdr, bd_len) = if ten {
            (8, usize::from(be16(data, 6)))
        } else {
            (4, usize::from(u8_at(data, 3)))
        };
        if data.len() < hdr {
            return if data.is_empty() {
                Ok(Vec::new())
            } else {
                Err(sense::PARAMETER_LIST_LENGTH)
            };
        }
        let mut i = hdr + bd_len;
        let mut mode = self.mode.clone();
        while i + 2 <= data.len() {
            let code = data[i] & 0x3f;
            let len = usize::from(data[i + 1]);
            let body = data
                .get(i + 2..i + 2 + len)
                .ok_or(sense::PARAMETER_LIST_LENGTH)?;
            match code {
                0x01 => {}
                0x05 => {
                    let write_type = u8_at(body, 0) & 0x0f;
                    let block_type = u8_at(body, 2) & 0x0f;
                    if write_type > 4 || !matches!(block_type, 0..=3 | 8 | 10..=13) {
                        return Err(sense::INVALID_FIELD_IN_PARAMETERS);
                    }
                    let n = body.len().min(0x32);
                    mode.write_params[..n].copy_from_slice(&body[..n]);
                }
                0x08 => mode.wce = u8_at(body, 0) & 0x04 != 0,
                0x03 | 0x2c => mode.mrw_lba_space = u8_at(body, 1) & 1,
                _ => return Err(sense::INVALID_FIELD_IN_PARAMETERS),
            }
            i += 2 + len;
        }
        if mode.wce != self.mode.wce && !mode.wce {
            self.flush_cache()?;
        }
        self.mode = mode;
        Ok(Vec::new())
    }
}
