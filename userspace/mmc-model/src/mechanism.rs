//! The mechanism: readiness and long operations, sense, tray and lock,
//! media events, speeds, buffer, and the physical actions of the control
//! channel (eject, insert, change medium, power cut).

use crate::bytes::{be16, put16, put32, u8_at};
use crate::drive::{Busy, Drive};
use crate::media::Medium;
use crate::sense::{self, Sense};
use crate::timing::{HeadMode, Rotation, TRAY};

/// GET EVENT STATUS NOTIFICATION media event codes.
pub(crate) const EVENT_EJECT_REQUEST: u8 = 1;
pub(crate) const EVENT_NEW_MEDIA: u8 = 2;
pub(crate) const EVENT_MEDIA_REMOVAL: u8 = 3;

/// Top speeds of the drive itself (kB/s), whatever the medium.
const DRIVE_MAX_READ: u32 = 48 * 176;
const DRIVE_MAX_WRITE: u32 = 24 * 176;

impl Drive {
    /// The rated (read, write) speeds of the loaded medium, or the drive's.
    pub(crate) fn rated_speeds(&self) -> (u32, u32) {
        self.loaded_medium()
            .map(|m| m.kind.rated_speeds())
            .unwrap_or((DRIVE_MAX_READ, DRIVE_MAX_WRITE))
    }

    /// Back to the fastest speeds (power on, medium change).
    pub(crate) fn reset_speeds(&mut self) {
        let (r, w) = self.rated_speeds();
        self.read_speed = r;
        self.write_speed = w;
    }

    /// Starts an IMMED operation of modelled `duration` that turns the
    /// medium into `result` when it completes.
    pub(crate) fn start_busy(&mut self, sense: Sense, duration: u64, result: Option<Medium>) {
        let polls = self.config.immed_polls.max(1);
        self.busy = Some(Busy {
            sense,
            polls_left: polls,
            polls,
            duration,
            result,
        });
    }

    /// Finishes a long operation: the medium takes its new state, and the
    /// host is told by a new-medium event, so that it reads the new
    /// capacity (sr revalidates on its next open).
    pub(crate) fn complete(&mut self, result: Option<Medium>) {
        if let Some(m) = result {
            self.medium = Some(m);
            self.medium_changed = true;
            self.reset_speeds();
            self.events.push_back(EVENT_NEW_MEDIA);
        }
    }

    /// A TEST UNIT READY or REQUEST SENSE while a long operation runs: the
    /// operation moves on by one share of its duration.
    pub(crate) fn poll_busy(&mut self, op: u8) -> Result<Vec<u8>, Sense> {
        let Some(busy) = self.busy.as_mut() else {
            return Ok(Vec::new());
        };
        busy.polls_left = busy.polls_left.saturating_sub(1);
        self.timing.now += busy.duration / u64::from(busy.polls);
        if busy.polls_left == 0 {
            let result = busy.result.take();
            self.busy = None;
            self.complete(result);
            return Ok(if op == 0x03 {
                sense::NO_SENSE.to_bytes().to_vec()
            } else {
                Vec::new()
            });
        }
        let done = u64::from(busy.polls - busy.polls_left) * 0x10000 / u64::from(busy.polls);
        let s = busy.sense.with_progress(done.min(0xffff) as u16);
        if op == 0x03 {
            Ok(s.to_bytes().to_vec())
        } else {
            Err(s)
        }
    }

    /// REQUEST SENSE: a pending unit attention, else the last command's sense.
    pub(crate) fn request_sense(&mut self) -> Vec<u8> {
        if let Some(ua) = self.unit_attention.take() {
            return ua.to_bytes().to_vec();
        }
        if !self.loaded {
            let s = if self.tray_open {
                sense::NO_MEDIUM_TRAY_OPEN
            } else {
                sense::NO_MEDIUM_TRAY_CLOSED
            };
            return s.to_bytes().to_vec();
        }
        self.last_sense.to_bytes().to_vec()
    }

    /// START STOP UNIT: eject, load, spin up or down.
    pub(crate) fn start_stop(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let b4 = u8_at(cdb, 4);
        if b4 >> 4 != 0 {
            return Ok(Vec::new()); // power conditions: nothing to model
        }
        let (loej, start) = (b4 & 2 != 0, b4 & 1 != 0);
        match (loej, start) {
            (true, false) => {
                if self.prevent {
                    return Err(sense::REMOVAL_PREVENTED);
                }
                self.flush_cache()?;
                self.timing.now += TRAY;
                self.open_tray();
            }
            (true, true) => {
                if self.tray_open {
                    self.timing.now += TRAY;
                    self.close_tray();
                }
            }
            (false, false) => {
                self.flush_cache()?;
                self.timing.mode = HeadMode::Idle;
            }
            (false, true) => {}
        }
        Ok(Vec::new())
    }

    fn open_tray(&mut self) {
        if self.loaded {
            self.events.push_back(EVENT_MEDIA_REMOVAL);
        }
        self.loaded = false;
        self.tray_open = true;
        self.prevent = false;
        self.busy = None;
    }

    fn close_tray(&mut self) {
        self.tray_open = false;
        if self.medium.is_some() {
            self.loaded = true;
            self.events.push_back(EVENT_NEW_MEDIA);
            self.reset_speeds();
            self.opc.clear();
            self.timing.mode = HeadMode::Idle;
        }
    }

    /// PREVENT ALLOW MEDIUM REMOVAL.
    pub(crate) fn prevent_allow(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        self.prevent = u8_at(cdb, 4) & 1 != 0;
        Ok(Vec::new())
    }

    /// GET EVENT STATUS NOTIFICATION (polled): the media class.
    pub(crate) fn get_event_status(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        if u8_at(cdb, 1) & 1 == 0 {
            return Err(sense::INVALID_FIELD_IN_CDB); // asynchronous mode not supported
        }
        const SUPPORTED: u8 = 0x10; // media class
        let request = u8_at(cdb, 4);
        if request & SUPPORTED == 0 {
            // No supported class asked for: "no event available".
            return Ok(vec![0, 2, 0x80, SUPPORTED]);
        }
        let code = self.events.pop_front().unwrap_or(0);
        let status = (u8::from(self.loaded) << 1) | u8::from(self.tray_open);
        Ok(vec![0, 6, 4, SUPPORTED, code, status, 0, 0])
    }

    /// MECHANISM STATUS: one slot, door state, no changer.
    pub(crate) fn mechanism_status(&mut self) -> Result<Vec<u8>, Sense> {
        let mut b = vec![0u8; 8];
        b[1] = u8::from(self.tray_open) << 4;
        b[5] = 1;
        Ok(b)
    }

    /// SET CD SPEED: read and write speeds in kB/s, 0xffff for the fastest,
    /// clamped to what the medium allows.  Always succeeds, as pktcdvd and
    /// cdrwtool need it to.
    pub(crate) fn set_cd_speed(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let (rated_r, rated_w) = self.rated_speeds();
        let pick = |asked: u16, rated: u32| {
            if asked == 0 || asked == 0xffff {
                rated
            } else {
                u32::from(asked).min(rated)
            }
        };
        self.read_speed = pick(be16(cdb, 2), rated_r);
        self.write_speed = pick(be16(cdb, 4), rated_w);
        Ok(Vec::new())
    }

    /// READ BUFFER CAPACITY: the write cache's size and free space.
    pub(crate) fn read_buffer_capacity(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let total = self.config.cache_blocks;
        let free = total.saturating_sub(self.cache.len() as u32);
        let mut b = vec![0u8; 12];
        put16(&mut b, 0, 10);
        if u8_at(cdb, 1) & 1 != 0 {
            b[3] = 1; // block data returned
            put32(&mut b, 8, free);
        } else {
            put32(&mut b, 4, total * 2048);
            put32(&mut b, 8, free * 2048);
        }
        Ok(b)
    }

    /// GET PERFORMANCE: performance (type 0) or write speed (type 3)
    /// descriptors, consistent with the selected speeds.
    pub(crate) fn get_performance(&mut self, cdb: &[u8]) -> Result<Vec<u8>, Sense> {
        let end = self
            .loaded_medium()
            .map_or(0, |m| m.user_blocks().saturating_sub(1));
        let (rated_r, rated_w) = self.rated_speeds();
        let mut b = vec![0u8; 8];
        match u8_at(cdb, 10) {
            0 => {
                let write = u8_at(cdb, 1) & 4 != 0;
                b[4] = u8::from(write) << 1;
                let speed = if write {
                    self.write_speed
                } else {
                    self.read_speed
                };
                let mut d = [0u8; 16];
                put32(&mut d, 4, speed);
                put32(&mut d, 8, end);
                put32(&mut d, 12, speed);
                b.extend_from_slice(&d);
            }
            3 => {
                let mut d = [0u8; 16];
                put32(&mut d, 4, end);
                put32(&mut d, 8, rated_r);
                put32(&mut d, 12, rated_w);
                b.extend_from_slice(&d);
            }
            _ => return Err(sense::INVALID_FIELD_IN_CDB),
        }
        let len = b.len() as u32 - 4;
        put32(&mut b, 0, len);
        Ok(b)
    }

    /// The disc turning at physical block `phys`, at the current read or
    /// write speed.
    pub(crate) fn rotation(&self, phys: u32, write: bool) -> Rotation {
        let kbps = if write {
            self.write_speed
        } else {
            self.read_speed
        };
        match self.loaded_medium() {
            Some(m) => Rotation::of(m.kind, phys, kbps),
            None => Rotation {
                kbps,
                sector_bytes: 2048,
                rev_milliblocks: 0,
            },
        }
    }

    /// Modelled time of moving `blocks` at the current read or write speed.
    pub(crate) fn transfer_time(&self, blocks: u32, write: bool) -> u64 {
        self.rotation(0, write).blocks_ns(blocks)
    }

    // ---- physical actions, from the control channel ----

    /// The user opens the tray and takes the disc out (its blocks stay in
    /// the store): the cache is written first if it can be, the kernel
    /// sees a media removal, and a later tray close finds no disc.
    pub fn eject(&mut self) {
        let _ = self.flush_cache();
        self.open_tray();
        if self.medium.is_some() {
            self.removed = self.medium.take();
        }
    }

    /// The user presses the eject button: the host is told (event 1) and
    /// decides.
    pub fn eject_request(&mut self) {
        self.events.push_back(EVENT_EJECT_REQUEST);
    }

    /// The user puts the disc taken out back in and closes the tray.
    pub fn insert(&mut self) {
        self.open_tray();
        if self.removed.is_some() {
            self.medium = self.removed.take();
        }
        self.close_tray();
        self.unit_attention = Some(sense::MEDIUM_CHANGED);
    }

    /// The user puts another disc in (`None`: takes the disc away); its
    /// blocks start erased.
    pub fn change(&mut self, medium: Option<Medium>) -> std::io::Result<()> {
        self.eject();
        self.cache.clear();
        let old = self.removed.take().map_or(0, |m| m.raw_blocks);
        let new = medium.as_ref().map_or(0, |m| m.raw_blocks);
        self.store.erase(old.max(new))?;
        self.medium = medium;
        self.medium_changed = true;
        if self.medium.is_some() {
            self.insert();
        } else {
            self.tray_open = false;
        }
        Ok(())
    }

    /// Power is cut and comes back: what the write cache held is lost, the
    /// lock, speeds and mode pages return to their defaults, and the next
    /// command sees a power-on unit attention.
    pub fn power_cut(&mut self) {
        self.counters.cache_blocks_lost += self.cache.len() as u64;
        self.cache.clear();
        self.busy = None;
        self.prevent = false;
        self.events.clear();
        self.mode.wce = true;
        self.mode.mrw_lba_space = 0;
        self.mode.write_params = self.default_write_params();
        self.reset_speeds();
        self.opc.clear();
        self.timing.mode = HeadMode::Idle;
        self.unit_attention = Some(sense::POWER_ON_RESET);
    }

    /// A unit attention for the next command (medium may have changed).
    pub fn raise_unit_attention(&mut self) {
        self.unit_attention = Some(sense::MEDIUM_CHANGED);
    }
}
