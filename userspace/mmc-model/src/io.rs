//! The data path: READ, WRITE, VERIFY, SYNCHRONIZE CACHE and the write
//! cache.
//!
//! Writes follow the medium's rules: on fixed-packet media (CD-RW formatted
//! for packet writing, DVD-RW restricted overwrite) a WRITE must be exactly
//! one whole, aligned packet or the drive refuses it; on DVD+RW, DVD-RAM,
//! BD-RE and MRW any block can be written, but a write that covers an ECC
//! block (cluster) only in part costs the drive a read-modify-write.

use crate::bytes::{be16, be32, u8_at};
use crate::drive::Drive;
use crate::faults::FaultKind;
use crate::media::{MediumKind, MediumState};
use crate::sense::{self, Sense};
use crate::store::BLOCK;
use crate::timing::{HeadMode, MS};

/// LBA and block count of a READ/WRITE/VERIFY CDB.
fn lba_count(cdb: &[u8]) -> (u32, u32) {
    let lba = be32(cdb, 2);
    let count = match u8_at(cdb, 0) {
        0xa8 | 0xaa => be32(cdb, 6),
        _ => u32::from(be16(cdb, 7)),
    };
    (lba, count)
}

impl Drive {
    /// Brings physical block `phys` under the head for reading or writing;
    /// counts seeks and switches.
    fn position(&mut self, phys: u32, mode: HeadMode) {
        let Some(total) = self.loaded_medium().map(|m| m.raw_blocks) else {
            return;
        };
        let rot = self.rotation(phys, mode == HeadMode::Writing);
        let (switch, switched) = self.timing.switch(mode);
        let (seek, seeked) = self.timing.seek(phys, total, &rot);
        self.timing.now += switch + seek;
        self.counters.read_write_switches += u64::from(switched);
        self.counters.seeks += u64::from(seeked);
    }

    /// Physical block of `lba` on the loaded disc.
    fn physical(&self, lba: u32) -> u32 {
        self.loaded_medium().map_or(lba, |m| m.physical(lba))
    }

    /// Blocks that can be read: everything recorded.
    fn readable_blocks(&self) -> u32 {
        self.loaded_medium().map_or(0, |m| match m.state {
            MediumState::Blank => 0,
            _ => m.user_blocks(),
        })
    }

    /// READ (10) and (12).
    pub(crate) fn read(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let (lba, count) = lba_count(cdb);
        if count == 0 {
            return Ok(Vec::new());
        }
        if u64::from(lba) + u64::from(count) > u64::from(self.readable_blocks()) {
            return Err(sense::LBA_OUT_OF_RANGE);
        }
        if let Some(s) = self.fault_for(FaultKind::ReadError, lba, count) {
            return Err(s);
        }
        let mut data = vec![0u8; count as usize * BLOCK];
        self.store
            .read(lba, &mut data)
            .map_err(|_| sense::READ_ERROR)?;
        for (&cached, block) in self.cache.range(lba..lba + count) {
            let at = (cached - lba) as usize * BLOCK;
            data[at..at + BLOCK].copy_from_slice(block);
        }
        self.position(self.physical(lba), HeadMode::Reading);
        self.timing.now += self.transfer_time(count, false);
        self.timing.head = self.physical(lba + count - 1) + 1;
        self.counters.blocks_read += u64::from(count);
        Ok(data)
    }

    /// VERIFY (10): reads without transferring.
    pub(crate) fn verify(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let (lba, count) = lba_count(cdb);
        if u64::from(lba) + u64::from(count) > u64::from(self.readable_blocks()) {
            return Err(sense::LBA_OUT_OF_RANGE);
        }
        if let Some(s) = self.fault_for(FaultKind::ReadError, lba, count) {
            return Err(s);
        }
        if count > 0 {
            self.position(self.physical(lba), HeadMode::Reading);
            self.timing.now += self.transfer_time(count, false);
            self.timing.head = self.physical(lba + count - 1) + 1;
        }
        Ok(Vec::new())
    }

    /// WRITE (10), (12) and WRITE AND VERIFY (10).
    pub(crate) fn write(&mut self, cdb: &[u8], data: &[u8]) -> Result<Vec<u8>, Sense> {
        let (lba, count) = lba_count(cdb);
        let Some(m) = self.loaded_medium().cloned() else {
            return Err(sense::NO_MEDIUM_TRAY_CLOSED);
        };
        if count == 0 {
            return Ok(Vec::new());
        }
        let bytes = count as usize * BLOCK;
        if data.len() < bytes {
            return Err(sense::PARAMETER_LIST_LENGTH);
        }
        if m.write_protected {
            return Err(sense::WRITE_PROTECTED);
        }
        let end = u64::from(lba) + u64::from(count);
        match m.state {
            _ if m.records_sequentially() => {
                let next = match m.state {
                    MediumState::Appendable { next } => next,
                    _ => 0,
                };
                if lba != next {
                    return Err(sense::INVALID_WRITE_ADDRESS);
                }
                if end > u64::from(m.raw_blocks) {
                    return Err(sense::LBA_OUT_OF_RANGE);
                }
            }
            MediumState::Blank => return Err(sense::CANNOT_WRITE_INCOMPATIBLE),
            _ => {
                if let Some(packet) = m.fixed_packet() {
                    if lba % packet != 0 || count != packet {
                        self.counters.refused_misaligned_writes += 1;
                        return Err(sense::INVALID_WRITE_ADDRESS);
                    }
                }
                if end > u64::from(m.user_blocks()) {
                    return Err(sense::LBA_OUT_OF_RANGE);
                }
            }
        }
        if let Some(s) = self.fault_for(FaultKind::WriteError, lba, count) {
            return Err(s);
        }

        // What the medium records: whole units (packets with their link
        // blocks on CD-RW, ECC blocks, clusters), starting at the first
        // one's link blocks, so that consecutive units are recorded in
        // stream.
        let unit = m.unit();
        if lba % unit != 0 || count % unit != 0 {
            self.counters.unaligned_writes += 1;
        }
        let first = lba / unit;
        let last = (lba + count - 1) / unit;
        let head_partial = lba % unit != 0;
        let tail_partial = (lba + count) % unit != 0;
        let rmw = if first == last {
            u32::from(head_partial || tail_partial)
        } else {
            u32::from(head_partial) + u32::from(tail_partial)
        };
        let media_start = m.unit_start(lba);
        let media_blocks = (last - first + 1) * (unit + m.link_blocks());
        self.calibrate();
        self.position(media_start, HeadMode::Writing);
        let rot = self.rotation(media_start, true);
        let recording = rot.blocks_ns(media_blocks);
        self.timing.now += recording;
        if rmw > 0 {
            // Read the partly covered units back before rewriting them.
            self.timing.now += self.transfer_time(rmw * unit, false) + 2 * crate::timing::RW_SWITCH;
        }
        if m.kind == MediumKind::DvdRam || u8_at(cdb, 0) == 0x2e {
            // The verify pass: the drive reads what it recorded once it
            // comes round again, a turn after it was written for each turn
            // recorded (write with verify halves the rate, or worse).
            self.timing.now += crate::timing::verify_ns(recording, &rot);
        }
        self.timing.head = media_start + media_blocks;
        self.counters.rmw_events += u64::from(rmw);
        self.counters.media_blocks_written += u64::from(media_blocks);
        self.counters.wear(media_start, media_blocks);
        self.counters.blocks_written += u64::from(count);
        self.counters.write_commands += 1;

        let data = &data[..bytes];
        if self.mode.wce {
            for (i, block) in data.chunks(BLOCK).enumerate() {
                self.cache.insert(lba + i as u32, block.into());
            }
            if self.cache.len() > self.config.cache_blocks as usize {
                self.flush_cache()?;
            }
        } else {
            self.store
                .write(lba, data)
                .map_err(|_| sense::WRITE_ERROR)?;
        }
        if let Some(medium) = self.medium.as_mut() {
            if medium.records_sequentially() {
                medium.state = MediumState::Appendable { next: lba + count };
                self.medium_changed = true;
            }
            if medium.kind == MediumKind::DvdPlusRw && !medium.dirty {
                medium.dirty = true;
                self.medium_changed = true;
            }
        }
        Ok(Vec::new())
    }

    /// Writes what the cache holds to the medium.
    pub(crate) fn flush_cache(&mut self) -> Result<(), Sense> {
        let cache = std::mem::take(&mut self.cache);
        let mut run_start = 0;
        let mut run: Vec<u8> = Vec::new();
        for (lba, block) in cache {
            if !run.is_empty() && lba != run_start + (run.len() / BLOCK) as u32 {
                self.store
                    .write(run_start, &run)
                    .map_err(|_| sense::WRITE_ERROR)?;
                run.clear();
            }
            if run.is_empty() {
                run_start = lba;
            }
            run.extend_from_slice(&block);
        }
        if !run.is_empty() {
            self.store
                .write(run_start, &run)
                .map_err(|_| sense::WRITE_ERROR)?;
        }
        Ok(())
    }

    /// SYNCHRONIZE CACHE.
    pub(crate) fn synchronize_cache(&mut self) -> Result<Vec<u8>, Sense> {
        self.counters.flushes += 1;
        self.timing.now += 2 * MS;
        self.flush_cache()?;
        Ok(Vec::new())
    }
}
