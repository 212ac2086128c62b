//! The drive: its state and the command dispatcher.
//!
//! Command families live in their own files as `impl Drive` blocks:
//! `identify.rs` (INQUIRY, GET CONFIGURATION, mode pages), `discinfo.rs`
//! (disc, track, TOC/ATIP, capacities), `io.rs` (READ, WRITE, VERIFY,
//! SYNCHRONIZE CACHE, the write cache), `format.rs` (FORMAT UNIT, BLANK,
//! CLOSE, RESERVE, OPC), `mechanism.rs` (TUR, sense, tray, events, speeds).

use crate::counters::Counters;
use crate::faults::{Fault, FaultKind};
use crate::media::Medium;
use crate::sense::{self, Sense};
use crate::store::Store;
use crate::timing::{Timing, COMMAND_OVERHEAD, MS};
use std::collections::{BTreeMap, BTreeSet, VecDeque};

/// SCSI status of a completed command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// GOOD (0x00).
    Good,
    /// CHECK CONDITION (0x02), with sense data.
    CheckCondition,
}

/// The outcome of one command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    /// SCSI status.
    pub status: Status,
    /// Sense data for CHECK CONDITION.
    pub sense: Option<Sense>,
    /// Data-in, no longer than the CDB's allocation length.
    pub data_in: Vec<u8>,
    /// Modelled drive time of this command, in nanoseconds.
    pub time_ns: u64,
    /// Real time the adapter must hold the command (injected slowness).
    pub real_delay_ms: u32,
}

/// Which way a command's data flows, from the initiator's side.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// No data phase.
    None,
    /// Data from the drive (data-in).
    In,
    /// Data to the drive (data-out).
    Out,
}

/// The data direction of a CDB, as the transport must know it.
pub fn direction(cdb: &[u8]) -> Direction {
    match cdb.first().copied().unwrap_or(0) {
        0x04 | 0x15 | 0x55 | 0x2a | 0xaa | 0x2e | 0xb6 | 0x54 | 0xbf | 0xa3 => Direction::Out,
        0x00 | 0x1b | 0x1e | 0x35 | 0x53 | 0x5b | 0xa1 | 0xbb | 0x2f => Direction::None,
        _ => Direction::In,
    }
}

/// Fixed facts about the drive.
#[derive(Clone, Debug)]
pub struct DriveConfig {
    /// INQUIRY vendor (8 bytes, space padded).
    pub vendor: [u8; 8],
    /// INQUIRY product (16 bytes).
    pub product: [u8; 16],
    /// INQUIRY revision (4 bytes).
    pub revision: [u8; 4],
    /// Write cache size in blocks (READ BUFFER CAPACITY, page 2A).
    pub cache_blocks: u32,
    /// How many TEST UNIT READY / REQUEST SENSE polls an IMMED operation
    /// (format, blank, close) takes to finish; each poll moves the virtual
    /// clock by a share of the operation's modelled duration.
    pub immed_polls: u32,
}

impl Default for DriveConfig {
    fn default() -> Self {
        DriveConfig {
            vendor: *b"PKTCDVD ",
            product: *b"Emulated RW Dr. ",
            revision: *b"1.00",
            cache_blocks: 1024, // 2 MiB
            immed_polls: 6,
        }
    }
}

/// A long operation started with IMMED, reported through TEST UNIT READY.
#[derive(Clone, Debug)]
pub(crate) struct Busy {
    /// Sense to report while it runs (format or operation in progress).
    pub sense: Sense,
    /// Polls left until it completes.
    pub polls_left: u32,
    /// Polls it takes in all.
    pub polls: u32,
    /// Modelled duration of the whole operation.
    pub duration: u64,
    /// What the medium becomes when it completes.
    pub result: Option<Medium>,
}

/// The mode parameters the host can change (MODE SELECT).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ModeState {
    /// Write parameters page 05, page bytes 2.. (after code and length).
    pub write_params: [u8; 0x32],
    /// Caching page 08: write cache enabled.
    pub wce: bool,
    /// MRW page 03/2C: LBA space (0 DMA, 1 GAA).
    pub mrw_lba_space: u8,
}

/// The emulated drive.
pub struct Drive {
    pub(crate) config: DriveConfig,
    pub(crate) store: Box<dyn Store + Send>,
    /// The disc in the drive or on its open tray.
    pub(crate) medium: Option<Medium>,
    /// A disc the user took out (control `eject`), to put back with `insert`.
    pub(crate) removed: Option<Medium>,
    /// Whether the disc is loaded (tray closed with a disc).
    pub(crate) loaded: bool,
    pub(crate) tray_open: bool,
    /// PREVENT MEDIUM REMOVAL in force.
    pub(crate) prevent: bool,
    /// A pending unit attention (reported once).
    pub(crate) unit_attention: Option<Sense>,
    /// Media event codes not yet reported by GET EVENT STATUS NOTIFICATION.
    pub(crate) events: VecDeque<u8>,
    /// Sense of the last command, for REQUEST SENSE.
    pub(crate) last_sense: Sense,
    pub(crate) busy: Option<Busy>,
    pub(crate) mode: ModeState,
    /// Speeds selected by SET CD SPEED / SET STREAMING (kB/s).
    pub(crate) read_speed: u32,
    pub(crate) write_speed: u32,
    /// Written blocks held in the write cache, by LBA.
    pub(crate) cache: BTreeMap<u32, Box<[u8]>>,
    /// Write speeds (kB/s) the drive has calibrated the laser for on the
    /// loaded disc (OPC); forgotten when the disc is loaded again or power
    /// is lost.
    pub(crate) opc: BTreeSet<u32>,
    pub(crate) timing: Timing,
    pub(crate) counters: Counters,
    pub(crate) faults: Vec<Fault>,
    /// The medium's metadata changed (format, change): the adapter saves it.
    pub(crate) medium_changed: bool,
}

/// Commands that report no pending unit attention (SPC: INQUIRY, REQUEST
/// SENSE; MMC: GET CONFIGURATION, GET EVENT STATUS NOTIFICATION).
fn ignores_unit_attention(op: u8) -> bool {
    matches!(op, 0x12 | 0x03 | 0x46 | 0x4a)
}

/// Commands that run while an IMMED operation is in progress.
fn allowed_while_busy(op: u8) -> bool {
    matches!(
        op,
        0x12 | 0x03 | 0x46 | 0x4a | 0x1a | 0x5a | 0x5c | 0xbd | 0x1e | 0x00
    )
}

/// Commands that need a loaded disc.
fn needs_medium(op: u8) -> bool {
    matches!(
        op,
        0x00 | 0x04
            | 0x25
            | 0x28
            | 0x2a
            | 0x2e
            | 0x2f
            | 0x35
            | 0x43
            | 0x51
            | 0x52
            | 0x53
            | 0x54
            | 0x5b
            | 0xa1
            | 0xa8
            | 0xaa
            | 0xad
    )
}

impl Drive {
    /// A drive holding `medium` (or empty), with blocks in `store`.
    pub fn new(config: DriveConfig, medium: Option<Medium>, store: Box<dyn Store + Send>) -> Self {
        let loaded = medium.is_some();
        let mut d = Drive {
            config,
            store,
            medium,
            removed: None,
            loaded,
            tray_open: false,
            prevent: false,
            unit_attention: Some(sense::POWER_ON_RESET),
            events: VecDeque::new(),
            last_sense: sense::NO_SENSE,
            busy: None,
            mode: ModeState {
                write_params: [0; 0x32],
                wce: true,
                mrw_lba_space: 0,
            },
            read_speed: 0,
            write_speed: 0,
            cache: BTreeMap::new(),
            opc: BTreeSet::new(),
            timing: Timing::default(),
            counters: Counters::default(),
            faults: Vec::new(),
            medium_changed: false,
        };
        d.reset_speeds();
        d.mode.write_params = d.default_write_params();
        d
    }

    /// The disc, loaded or on the tray.
    pub fn medium(&self) -> Option<&Medium> {
        self.medium.as_ref()
    }

    /// The loaded disc, if the tray is closed with one.
    pub(crate) fn loaded_medium(&self) -> Option<&Medium> {
        if self.loaded {
            self.medium.as_ref()
        } else {
            None
        }
    }

    /// Whether the medium's metadata changed since the last call.
    pub fn take_medium_changed(&mut self) -> bool {
        std::mem::take(&mut self.medium_changed)
    }

    /// The counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }

    /// The counters as JSON.
    pub fn counters_json(&self) -> String {
        self.counters.to_json(self.timing.now)
    }

    /// The virtual drive clock, in nanoseconds.
    pub fn now(&self) -> u64 {
        self.timing.now
    }

    /// Carries out one command: `cdb`, with `data_out` for commands that
    /// send data.  Never panics, whatever the bytes.
    pub fn execute(&mut self, cdb: &[u8], data_out: &[u8]) -> Completion {
        let op = cdb.first().copied().unwrap_or(0xff);
        *self.counters.commands.entry(op).or_insert(0) += 1;
        let start = self.timing.now;
        self.timing.now += COMMAND_OVERHEAD;
        let mut real_delay_ms = 0;
        let result = self.run(op, cdb, data_out, &mut real_delay_ms);
        let (status, sense, mut data_in) = match result {
            Ok(data) => {
                if op != 0x03 {
                    self.last_sense = sense::NO_SENSE;
                }
                (Status::Good, None, data)
            }
            Err(s) => {
                self.last_sense = s;
                (Status::CheckCondition, Some(s), Vec::new())
            }
        };
        data_in.truncate(allocation_length(cdb));
        Completion {
            status,
            sense,
            data_in,
            time_ns: self.timing.now - start,
            real_delay_ms,
        }
    }

    fn run(
        &mut self,
        op: u8,
        cdb: &[u8],
        data_out: &[u8],
        delay: &mut u32,
    ) -> Result<Vec<u8>, Sense> {
        if cdb.is_empty() {
            return Err(sense::INVALID_OPCODE);
        }
        for f in &mut self.faults {
            if let FaultKind::Slow { ms } = f.kind {
                if f.remaining == Some(0) {
                    continue;
                }
                *delay = (*delay).max(ms);
                self.timing.now += u64::from(ms) * MS;
                if let Some(n) = f.remaining.as_mut() {
                    *n -= 1;
                }
            }
        }
        self.faults.retain(|f| f.remaining != Some(0));
        if !ignores_unit_attention(op) {
            if let Some(ua) = self.unit_attention.take() {
                return Err(ua);
            }
        }
        if self.busy.is_some() {
            if op == 0x00 || op == 0x03 {
                return self.poll_busy(op);
            }
            // CLOSE TRACK/SESSION function 0 stops a background format.
            let stops_format = op == 0x5b && cdb.get(2).copied().unwrap_or(0) & 7 == 0;
            if !(allowed_while_busy(op) || stops_format) {
                let b = self
                    .busy
                    .as_ref()
                    .map(|b| b.sense)
                    .unwrap_or(sense::OPERATION_IN_PROGRESS);
                return Err(b);
            }
        }
        if needs_medium(op) {
            if !self.loaded {
                return Err(if self.tray_open {
                    sense::NO_MEDIUM_TRAY_OPEN
                } else {
                    sense::NO_MEDIUM_TRAY_CLOSED
                });
            }
            if let Some(s) = self.fault_not_ready() {
                return Err(s);
            }
        }
        match op {
            0x00 => Ok(Vec::new()),
            0x03 => Ok(self.request_sense()),
            0x04 => self.format_unit(cdb, data_out),
            0x12 => self.inquiry(cdb),
            0x15 => self.mode_select(cdb, data_out, false),
            0x55 => self.mode_select(cdb, data_out, true),
            0x1a => self.mode_sense(cdb, false),
            0x5a => self.mode_sense(cdb, true),
            0x1b => self.start_stop(cdb),
            0x1e => self.prevent_allow(cdb),
            0x23 => self.read_format_capacities(),
            0x25 => self.read_capacity(),
            0x28 | 0xa8 => self.read(cdb),
            0x2a | 0xaa | 0x2e => self.write(cdb, data_out),
            0x2f => self.verify(cdb),
            0x35 => self.synchronize_cache(),
            0x43 => self.read_toc(cdb),
            0x46 => self.get_configuration(cdb),
            0x4a => self.get_event_status(cdb),
            0x51 => self.read_disc_information(),
            0x52 => self.read_track_information(cdb),
            0x53 => self.reserve_track(cdb),
            0x54 => self.send_opc(cdb),
            0x5b => self.close_track_session(cdb),
            0x5c => self.read_buffer_capacity(cdb),
            0xa1 => self.blank(cdb),
            0xac => self.get_performance(cdb),
            0xad => self.read_disc_structure(cdb),
            0xb6 => Ok(Vec::new()), // SET STREAMING: accepted, speeds stay
            0xbb => self.set_cd_speed(cdb),
            0xbd => self.mechanism_status(),
            _ => Err(sense::INVALID_OPCODE),
        }
    }
}

/// The allocation length a CDB allows for data-in.
pub fn allocation_length(cdb: &[u8]) -> usize {
    use crate::bytes::{be16, u8_at};
    let op = u8_at(cdb, 0);
    match op {
        0x03 => usize::from(u8_at(cdb, 4)),
        0x12 => usize::from(be16(cdb, 3)),
        0x1a => usize::from(u8_at(cdb, 4)),
        0x25 => 8,
        0x28 => usize::from(be16(cdb, 7)) * 2048,
        0xa8 => crate::bytes::be32(cdb, 6) as usize * 2048,
        0x23 | 0x43 | 0x46 | 0x4a | 0x51 | 0x52 | 0x5a | 0x5c => usize::from(be16(cdb, 7)),
        0xac => 8 + usize::from(be16(cdb, 8)) * 16,
        0xad | 0xbd => usize::from(be16(cdb, 8)),
        _ => 0,
    }
}
