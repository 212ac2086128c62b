//! Changing what the disc is: FORMAT UNIT, BLANK, CLOSE TRACK/SESSION,
//! RESERVE TRACK and SEND OPC INFORMATION.
//!
//! Long operations honour IMMED: the command returns at once and TEST UNIT
//! READY / REQUEST SENSE report progress until it completes (see
//! `mechanism.rs`); without IMMED the clock moves by the whole duration.

use crate::bytes::{be24, be32, u8_at};
use crate::drive::Drive;
use crate::media::{Medium, MediumKind, MediumState, BD_CLUSTER, CD_PACKET, DVD_PACKET};
use crate::sense::{self, Sense};
use crate::timing::{MS, OPC};

/// Quick operations (minimal blank, quick format, de-icing start) take a
/// minute of drive time.
const QUICK: u64 = 60_000 * MS;

impl Drive {
    /// Runs or starts a long operation ending with the medium `result`.
    fn long_operation(
        &mut self,
        immed: bool,
        sense: Sense,
        duration: u64,
        result: Medium,
    ) -> Result<Vec<u8>, Sense> {
        self.cache.clear();
        self.store
            .erase(result.raw_blocks)
            .map_err(|_| sense::WRITE_ERROR)?;
        if immed {
            self.start_busy(sense, duration, Some(result));
        } else {
            self.timing.now += duration;
            self.complete(Some(result));
        }
        Ok(Vec::new())
    }

    /// Time to write the whole disc once at the medium's write speed.
    fn full_pass(&self, m: &Medium) -> u64 {
        crate::timing::Rotation::of(m.kind, 0, m.kind.rated_speeds().1).blocks_ns(m.raw_blocks)
    }

    /// FORMAT UNIT with format code 1 and one format descriptor.
    pub(crate) fn format_unit(&mut self, cdb: &[u8], data: &[u8]) -> Result<Vec<u8>, Sense> {
        let Some(m) = self.loaded_medium().cloned() else {
            return Err(sense::NO_MEDIUM_TRAY_CLOSED);
        };
        let fmt_data = u8_at(cdb, 1) & 0x10 != 0;
        if u8_at(cdb, 1) & 0x07 != 1 && fmt_data {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        if m.kind.is_write_once() {
            return Err(sense::CANNOT_WRITE_INCOMPATIBLE);
        }
        // Without data: the medium's default format, in the foreground.
        let (immed, blocks, ftype, param) = if fmt_data {
            if data.len() < 12 {
                return Err(sense::PARAMETER_LIST_LENGTH);
            }
            (
                u8_at(data, 1) & 0x02 != 0,
                be32(data, 4),
                u8_at(data, 8) >> 2,
                be24(data, 9),
            )
        } else {
            let ftype = match m.kind {
                MediumKind::CdRw | MediumKind::DvdRw => 0x10,
                MediumKind::DvdPlusRw => 0x26,
                MediumKind::BdRe => 0x30,
                _ => 0x00,
            };
            (
                false,
                0,
                ftype,
                if m.kind.is_cd() {
                    CD_PACKET
                } else {
                    DVD_PACKET
                },
            )
        };
        let _ = blocks;
        let quick_or_full = |full: u64| {
            if u8_at(data, 1) & 0x20 != 0 {
                QUICK
            } else {
                full
            }
        };
        let (state, duration) = match (m.kind, ftype) {
            (MediumKind::CdRw, 0x10) => {
                if param == 0 || param > 128 {
                    return Err(sense::INVALID_FIELD_IN_PARAMETERS);
                }
                (MediumState::Formatted { packet: param }, self.full_pass(&m))
            }
            (MediumKind::CdRw, 0x24) => (MediumState::Mrw { bg_status: 3 }, QUICK),
            (MediumKind::DvdRw, 0x10) => (
                MediumState::Formatted { packet: DVD_PACKET },
                self.full_pass(&m),
            ),
            (MediumKind::DvdRw, 0x15) => (MediumState::Formatted { packet: DVD_PACKET }, QUICK),
            (MediumKind::DvdPlusRw, 0x26) => (MediumState::Formatted { packet: DVD_PACKET }, QUICK),
            (MediumKind::DvdRam, 0x00 | 0x01) => (
                MediumState::Formatted { packet: DVD_PACKET },
                quick_or_full(2 * self.full_pass(&m)),
            ),
            (MediumKind::BdRe, 0x00 | 0x30 | 0x31) => {
                let full = if u8_at(data, 8) & 3 == 2 {
                    2 * self.full_pass(&m)
                } else {
                    QUICK
                };
                (MediumState::Formatted { packet: BD_CLUSTER }, full)
            }
            _ => return Err(sense::INVALID_FIELD_IN_PARAMETERS),
        };
        let mut result = m.clone();
        result.state = state;
        result.dirty = false;
        self.long_operation(immed, sense::FORMAT_IN_PROGRESS, duration, result)
    }

    /// BLANK: CD-RW and DVD-RW back to blank (sequential for DVD-RW).
    pub(crate) fn blank(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let Some(m) = self.loaded_medium().cloned() else {
            return Err(sense::NO_MEDIUM_TRAY_CLOSED);
        };
        if !matches!(m.kind, MediumKind::CdRw | MediumKind::DvdRw) {
            return Err(sense::CANNOT_WRITE_INCOMPATIBLE);
        }
        let immed = u8_at(cdb, 1) & 0x10 != 0;
        let duration = match u8_at(cdb, 1) & 0x07 {
            0 => self.full_pass(&m),
            1 => QUICK / 2,
            _ => return Err(sense::INVALID_FIELD_IN_CDB),
        };
        let mut result = m;
        result.state = MediumState::Blank;
        result.dirty = false;
        self.long_operation(immed, sense::OPERATION_IN_PROGRESS, duration, result)
    }

    /// CLOSE TRACK/SESSION: function 0 stops background formatting (the
    /// format completes), 2 closes the session (a DVD+RW is no longer dirty).
    pub(crate) fn close_track_session(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let immed = u8_at(cdb, 1) & 1 != 0;
        let function = u8_at(cdb, 2) & 7;
        if function == 0 {
            if let Some(busy) = self.busy.take() {
                self.complete(busy.result);
            }
            return Ok(Vec::new());
        }
        if !matches!(function, 1..=6) {
            return Err(sense::INVALID_FIELD_IN_CDB);
        }
        let mut duration = 100 * MS;
        if let Some(m) = self.medium.as_mut() {
            if m.dirty && function >= 2 {
                m.dirty = false;
                self.medium_changed = true;
                duration = 2_000 * MS;
            }
        }
        self.flush_cache()?;
        if immed {
            self.start_busy(sense::OPERATION_IN_PROGRESS, duration, None);
        } else {
            self.timing.now += duration;
        }
        Ok(Vec::new())
    }

    /// RESERVE TRACK: only on blank media (variable packets), where it
    /// changes nothing this model tracks.
    pub(crate) fn reserve_track(&mut self, _cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        match self.loaded_medium().map(|m| m.state) {
            Some(MediumState::Blank | MediumState::Appendable { .. }) => Ok(Vec::new()),
            _ => Err(sense::INVALID_FIELD_IN_CDB),
        }
    }

    /// SEND OPC INFORMATION with DoOpc: the drive "shall determine OPC
    /// values for the current recording conditions. It may be necessary to
    /// perform an OPC operation" (MMC-5 6.31): it calibrates once per disc
    /// and write speed and keeps the result.
    pub(crate) fn send_opc(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        if u8_at(cdb, 1) & 1 != 0 {
            self.calibrate();
        }
        Ok(Vec::new())
    }

    /// Laser power calibration for the current write speed, unless the
    /// drive has done it on this disc already: a second of test writes in
    /// the power calibration area.  Also before the first write at a speed
    /// the host did not have calibrated: no drive writes uncalibrated.
    pub(crate) fn calibrate(&mut self) {
        if self.opc.insert(self.write_speed) {
            self.timing.now += OPC;
            self.counters.opc_runs += 1;
        }
    }
}
