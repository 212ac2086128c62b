//! The replay: the packet engine (`pktcore::engine`) and an executor that
//! does what the kernel's worker and submission path do, against the
//! drive model (`mmc-model`) instead of `sr`, on the trace's clock.
//!
//! Mirrored from the module (rust/device/, rust/engine.rs,
//! rust/write_probe.rs and the shim):
//!
//! - the session's start: the write-open probe's commands, in its order
//!   (GET CONFIGURATION, READ DISC INFORMATION, READ TRACK INFORMATION,
//!   MODE SENSE/SELECT of page 05 where the disc needs it, MODE SENSE of
//!   page 2A, SET CD SPEED, SEND OPC: `pktcore::mmc`'s), and its decision;
//! - submission (rust/device/submit.rs): the block layer splits a bio at
//!   the pkt disk's `max_sectors` (front part first); a read is queued as
//!   it is; an empty flush is a barrier with its bio; a write is cut at
//!   zone boundaries into pieces sharing the bio, after a barrier (with a
//!   share) for PREFLUSH and before one for FUA, its last piece held for
//!   that barrier;
//! - the worker (`run` and `take_requests`): each time it looks at the
//!   queue, `begin_wait`; while nothing is queued, `idle` and a wait as
//!   long as it says (1 s when idle) until a request comes or something
//!   is due; then it takes everything queued (`taken`), hands the
//!   requests in one by one, and does what came due (`timer`).  A wait of
//!   `t` ticks ends as the kernel's timer wheel ends it
//!   (`schedule_timeout`): at tick `now + t + 1` for short waits, rounded
//!   up to the wheel level's granularity for long ones;
//! - the drive: gather reads and packet writes are READ (10) and WRITE
//!   (10) of the zone's frames, as `sr` sends them; a read passed through
//!   is READ (10) of its range, cut at sr's `max_sectors`; SYNCHRONIZE
//!   CACHE and SET CD SPEED as the worker sends them.
//!
//! Time: the trace's CLOCK_MONOTONIC; jiffies tick on it every
//! `TICK_NSEC`, at its multiples (the kernel aligns the tick so).
//! Requests come at the trace's times.  The worker's commands take as
//! long as the guest's took (the trace's `D` lines, [`Service::Guest`]),
//! or no time ([`Service::Instant`]): when the worker finds nothing
//! queued, and so when the writers' pause starts, depends on it.

use crate::trace::{Event, Op, Record, Trace};
use mmc_model::{Drive, DriveConfig, Preset, Status, Store};
use pktcore::engine::{
    Action, BufferSlot, Engine, Execute, HeldSlot, Limits, Piece, PieceSlot, Tables, Wait, ZoneSlot,
};
use pktcore::errno::Errno;
use pktcore::mmc::{self, cdb, Capabilities, DiscInfo, ModePageMut, TrackInfo, WriteParams};
use pktcore::probe::{self, WriteSettings};
use pktcore::ticks::Tick;
use pktcore::zone::Geometry;
use serde_json::{json, Value};
use std::collections::{HashMap, VecDeque};

/// How long an idle worker sleeps before it looks again, ms (rust/engine.rs).
const IDLE_MS: u32 = 1000;
/// Packet buffers per session (the module parameter `buffers`, default).
pub const BUFFERS: usize = 8;
/// The pkt disk's `max_hw_sectors` (the shim's `PKT_MAX_SECTORS`).
pub const PKT_MAX_SECTORS: u32 = 512;
/// FUA pieces the engine may hold for their barrier (rust/queue.rs
/// `HELD_SLOTS`).
const HELD: usize = 16;

/// How long the worker's drive commands take.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Service {
    /// No time at all.
    Instant,
    /// As long as the guest's took (the trace's `D` lines): a READ or
    /// WRITE as long as the guest's same one (same blocks, in order), any
    /// other command or one the guest did not send the median of its
    /// kind's.  Without `D` lines, no time.
    Guest,
}

/// What the replay is run with.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// Packet buffers.
    pub buffers: usize,
    /// How long commands take.
    pub service: Service,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            buffers: BUFFERS,
            service: Service::Guest,
        }
    }
}

/// A drive command: opcode, and for READ/WRITE the first block and count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Command {
    /// Opcode.
    pub op: u8,
    /// First block (READ and WRITE).
    pub lba: u32,
    /// Blocks (READ and WRITE).
    pub blocks: u32,
}

/// What a replay gives.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The run as the guest's bench prints it (`@@PKTBENCH`), with the
    /// model's counters: pkt-bench computes the figures from it.
    pub run: Value,
    /// The drive commands after the reset, in order.
    pub commands: Vec<Command>,
    /// Requests in the replay (bios after the block layer's split).
    pub requests: usize,
    /// Requests that completed with an error.
    pub failed: usize,
    /// Requests not completed when the replay ended (written by the
    /// engine only later, or held for a flush).
    pub pending: usize,
    /// The session's packet geometry (the probe's decision).
    pub geometry: Geometry,
}

impl Outcome {
    /// Packets written after the reset (a WRITE (10) of a run carries
    /// several).
    pub fn packet_writes(&self) -> u64 {
        let frames = u64::from(self.geometry.frames()).max(1);
        self.commands
            .iter()
            .filter(|c| c.op == 0x2a)
            .map(|c| u64::from(c.blocks).div_ceil(frames))
            .sum()
    }
}

/// A store that keeps nothing: the figures do not depend on the data.
struct NullStore;

impl Store for NullStore {
    fn read(&mut self, _lba: u32, buf: &mut [u8]) -> std::io::Result<()> {
        buf.fill(0);
        Ok(())
    }
    fn write(&mut self, _lba: u32, _data: &[u8]) -> std::io::Result<()> {
        Ok(())
    }
    fn erase(&mut self, _blocks: u32) -> std::io::Result<()> {
        Ok(())
    }
}

/// READ (10) or WRITE (10) as `sr` builds them for a bio (`sr_init_command`).
fn rw10(op: u8, lba: u32, blocks: u16) -> [u8; 10] {
    let [l0, l1, l2, l3] = lba.to_be_bytes();
    let [b0, b1] = blocks.to_be_bytes();
    [op, 0, l0, l1, l2, l3, 0, b0, b1, 0]
}

/// The kernel's `msecs_to_jiffies` (rounds up).
pub fn ms_to_ticks(ms: u32, hz: u32) -> usize {
    (u64::from(ms) * u64::from(hz)).div_ceil(1000) as usize
}

/// The tick at which a `schedule_timeout(timeout)` started at tick `now`
/// wakes (kernel/time/timer.c, `calc_wheel_index`): level 0 timers fire
/// the tick after their expiry, later levels at their bucket's, rounded
/// up to the level's granularity.
pub fn timer_wakes(now: u64, timeout: u64) -> u64 {
    const LVL_CLK_SHIFT: u32 = 3;
    const LVL_SIZE: u64 = 64;
    let expires = now + timeout;
    let mut lvl = 0;
    while lvl < 8 && timeout >= (LVL_SIZE - 1) << (lvl * LVL_CLK_SHIFT) {
        lvl += 1;
    }
    let shift = lvl * LVL_CLK_SHIFT;
    ((expires >> shift) + 1) << shift
}

/// A command as the trace's `D` lines name it: READ and WRITE with their
/// blocks, any other as opcode 0.
fn guest_key(cdb: &[u8]) -> Command {
    match cdb.first() {
        Some(&op @ (0x28 | 0x2a)) if cdb.len() >= 9 => Command {
            op,
            lba: u32::from_be_bytes([cdb[2], cdb[3], cdb[4], cdb[5]]),
            blocks: u32::from(u16::from_be_bytes([cdb[7], cdb[8]])),
        },
        _ => Command {
            op: 0,
            lba: 0,
            blocks: 0,
        },
    }
}

/// A bio of the replay and its completion.
#[derive(Clone, Copy, Debug)]
struct Bio {
    frame: u64,
    frames: u32,
    /// Shares not yet completed.
    shares: u32,
    failed: bool,
}

/// A request on the queue (rust/queue.rs `Request`).
enum Request {
    Read(u32, u32),
    Write(Piece<u32>),
    Barrier(Option<u32>),
}

/// The executor: the drive, the clock, the bios.
struct Exec {
    drive: Drive,
    frames: u32,
    tick_ns: u64,
    /// The worker's clock, ns.
    now_ns: u64,
    zeros: Vec<u8>,
    /// sr's `max_sectors` in frames: passed-through reads are cut there.
    sr_max_frames: u32,
    bios: Vec<Bio>,
    /// Frames gathered since the reset (`stat/kb_read_gather` × 2).
    gathered: u64,
    /// The drive commands since the reset, if it came.
    log: Option<Vec<Command>>,
    service: Service,
    /// The guest's commands by kind, their durations in order (µs).
    guest: HashMap<Command, VecDeque<u64>>,
    /// Median duration per opcode (µs).
    median: HashMap<u8, u64>,
}

impl Exec {
    /// Sends one command; its data-in (zero-padded to `alloc`).
    fn send(&mut self, cdb: &[u8], data_out: &[u8], alloc: usize) -> Result<Vec<u8>, Errno> {
        let c = self.drive.execute(cdb, data_out);
        let command = Command {
            op: cdb[0],
            ..guest_key(cdb)
        };
        if let Some(log) = self.log.as_mut() {
            log.push(command);
        }
        let mut data = c.data_in;
        data.resize(alloc.max(data.len()), 0);
        match c.status {
            Status::Good => Ok(data),
            Status::CheckCondition => Err(Errno::Io),
        }
    }

    /// How long the guest's drive took for `cdb`, µs (the trace's `D`
    /// lines, in order for READ and WRITE, else the median).
    fn guest_time(&mut self, cdb: &[u8]) -> u64 {
        let key = guest_key(cdb);
        self.guest
            .get_mut(&key)
            .and_then(VecDeque::pop_front)
            .or_else(|| self.median.get(&key.op).copied())
            .unwrap_or(0)
    }

    /// A command the worker waits for: it takes the time the guest's took.
    fn send_sync(&mut self, cdb: &[u8], data_out: &[u8]) -> Result<(), Errno> {
        let r = self.send(cdb, data_out, 0).map(|_| ());
        let us = self.guest_time(cdb);
        if self.service == Service::Guest {
            self.now_ns += us * 1000;
        }
        r
    }

    fn read(&mut self, frame: u64, count: u32) -> Result<(), Errno> {
        let lba = u32::try_from(frame).map_err(|_| Errno::Io)?;
        self.send_sync(&rw10(0x28, lba, count as u16), &[])
    }

    /// One WRITE (10) of `packets` whole packets from `zone` on.
    fn write_packets(&mut self, zone: u64, packets: usize) -> Result<(), Errno> {
        let lba = u32::try_from(zone).map_err(|_| Errno::Io)?;
        let blocks = u16::try_from(self.frames as usize * packets).map_err(|_| Errno::Io)?;
        let bytes = usize::from(blocks) * 2048;
        if self.zeros.len() < bytes {
            self.zeros.resize(bytes, 0);
        }
        let data = std::mem::take(&mut self.zeros);
        let r = self.send_sync(&rw10(0x2a, lba, blocks), &data[..bytes]);
        self.zeros = data;
        r
    }

    /// A read bio passed to the drive: READ (10)s of sr's size.  The worker
    /// does not wait for it.
    fn pass_read(&mut self, id: u32) {
        let b = self.bios[id as usize];
        let (mut frame, mut left) = (b.frame, b.frames);
        let mut result = Ok(());
        while left > 0 {
            let n = left.min(self.sr_max_frames.max(1));
            let lba = u32::try_from(frame).unwrap_or(u32::MAX);
            let read = rw10(0x28, lba, n as u16);
            result = result.and(self.send(&read, &[], 0).map(|_| ()));
            // Not waited for; but its guest time is no other command's.
            let _ = self.guest_time(&read);
            frame += u64::from(n);
            left -= n;
        }
        self.end(id, result);
    }

    fn end(&mut self, id: u32, result: Result<(), Errno>) {
        let b = &mut self.bios[id as usize];
        b.shares = b.shares.saturating_sub(1);
        b.failed |= result.is_err();
    }
}

impl Execute<u32> for Exec {
    fn execute(&mut self, action: Action<'_, u32>) -> Result<(), Errno> {
        match action {
            Action::Gather {
                zone, first, count, ..
            } => {
                let r = self.read(zone + u64::from(first), count);
                if r.is_ok() {
                    self.gathered += u64::from(count);
                }
                r
            }
            Action::Fill { .. } => Ok(()),
            Action::WritePackets { zone, buffers } => self.write_packets(zone, buffers.len()),
            Action::SynchronizeCache => self.send_sync(cdb::synchronize_cache().bytes(), &[]),
            Action::SetSpeed { read, write } => {
                self.send_sync(cdb::set_speed(read, write).bytes(), &[])
            }
            Action::PassRead(id) => {
                self.pass_read(id);
                Ok(())
            }
            Action::Complete(id, r) => {
                self.end(id, r);
                Ok(())
            }
            Action::PacketDone { .. } | Action::WritesDone(_) => Ok(()),
        }
    }

    fn now(&self) -> Tick {
        (self.now_ns / self.tick_ns) as Tick
    }
}

/// The write-open probe (rust/write_probe.rs): the session's settings and
/// write speed, or why the disc cannot be written.
fn probe_drive(ex: &mut Exec) -> Result<(WriteSettings, u16), String> {
    let profile = match ex.send(cdb::get_configuration(8).bytes(), &[], 8) {
        Ok(c) => mmc::current_profile(&c),
        Err(_) => 0xffff,
    };
    let di = ex
        .send(cdb::read_disc_information().bytes(), &[], DiscInfo::LEN)
        .map_err(|_| "READ DISC INFORMATION failed")?;
    let ti = ex
        .send(cdb::read_track_information(1).bytes(), &[], TrackInfo::LEN)
        .map_err(|_| "READ TRACK INFORMATION failed")?;
    let settings = probe::decide(profile, &DiscInfo::parse(&di), &TrackInfo::parse(&ti))
        .map_err(|r| format!("cannot write to the disc: {}; {}", r.reason, r.advice))?;
    if let Some(params) = settings.write_params() {
        let mut buf = ex
            .send(cdb::mode_sense(WriteParams::PAGE, 128).bytes(), &[], 128)
            .map_err(|_| "MODE SENSE of the write parameters page failed")?;
        buf.truncate(128);
        let mut page = ModePageMut::find(&mut buf, WriteParams::PAGE)
            .map_err(|e| format!("write parameters page: {}", e.reason))?;
        params.fill(page.bytes_mut());
        let (select, list) = page.into_select();
        let list = list.to_vec();
        ex.send(select.bytes(), &list, 0)
            .map_err(|_| "MODE SELECT of the write parameters page failed")?;
    }
    let speed = match ex.send(cdb::mode_sense(Capabilities::PAGE, 255).bytes(), &[], 255) {
        Ok(caps) => Capabilities::find(&caps)
            .ok()
            .and_then(|c| c.write_speed())
            .unwrap_or(16 * 177),
        Err(_) => 16 * 177,
    };
    let speed = u16::try_from(speed).unwrap_or(0xffff);
    ex.send(cdb::set_speed(speed, speed).bytes(), &[], 0)
        .map_err(|_| "SET CD SPEED failed")?;
    let _ = ex.send(cdb::send_opc().bytes(), &[], 0);
    Ok((settings, speed))
}

/// The submission path (rust/device/submit.rs `submit_bio`, `submit_write`) for
/// one bio as the block layer hands it to the pkt disk.
fn submit(
    queue: &mut VecDeque<Request>,
    bios: &mut Vec<Bio>,
    geometry: Geometry,
    op: Op,
    frame: u64,
    frames: u32,
) {
    let id = bios.len() as u32;
    bios.push(Bio {
        frame,
        frames,
        shares: 1,
        failed: false,
    });
    match op {
        Op::Read => queue.push_back(Request::Read(id, frames * 2048)),
        Op::Flush => queue.push_back(Request::Barrier(Some(id))),
        Op::Write { preflush, fua } => {
            if frames == 0 {
                queue.push_back(Request::Barrier(Some(id)));
                return;
            }
            if geometry.zone_of(frame).is_none() {
                bios[id as usize].failed = true;
                bios[id as usize].shares = 0;
                return;
            }
            if preflush {
                // A share of the bio: a failed flush fails it.
                bios[id as usize].shares += 1;
                queue.push_back(Request::Barrier(Some(id)));
            }
            for s in geometry.shares(frame, u64::from(frames)) {
                if !s.last {
                    bios[id as usize].shares += 1;
                }
                let piece = Piece {
                    request: id,
                    skip: s.skip,
                    frame: s.frame,
                    frames: s.frames,
                    hold: fua && s.last,
                    // The traces are of writeback (blktrace's rwbs does
                    // not show REQ_IDLE): no writer waits.
                    awaited: false,
                };
                queue.push_back(Request::Write(piece));
            }
            if fua {
                queue.push_back(Request::Barrier(None));
            }
        }
    }
}

/// The bio as the block layer hands it to the pkt disk: cut at
/// `max_sectors` from its start (`bio_split_to_limits`), front first.
fn split(op: Op, frame: u64, frames: u32, max_frames: u32) -> Vec<(Op, u64, u32)> {
    if frames <= max_frames || max_frames == 0 {
        return vec![(op, frame, frames)];
    }
    let mut parts = Vec::new();
    let (mut at, mut left) = (frame, frames);
    while left > 0 {
        let n = left.min(max_frames);
        parts.push((op, at, n));
        at += u64::from(n);
        left -= n;
    }
    parts
}

fn header_number(trace: &Trace, key: &str) -> Result<u64, String> {
    trace
        .number(key)
        .ok_or_else(|| format!("the trace's header has no '{key}'"))
}

/// The model's preset for the trace's medium.
fn medium_preset(trace: &Trace) -> Result<(&'static Preset, Option<u32>), String> {
    let m = trace
        .get("medium")
        .ok_or("the trace's header has no 'medium'")?;
    let mut w = m.split_whitespace();
    let name = w.next().unwrap_or("");
    let preset = Preset::find(name).ok_or_else(|| format!("unknown medium '{name}'"))?;
    let blocks = w.next().and_then(|b| b.parse().ok());
    Ok((preset, blocks))
}

/// Replays `trace`: the figures the guest's bench would print.
pub fn replay(trace: &Trace, opts: &Options) -> Result<Outcome, String> {
    let hz = header_number(trace, "hz")? as u32;
    let clock_at_reset = header_number(trace, "drive_clock_at_reset_ns")?;
    let pkt_max_frames = trace
        .number("pkt_max_sectors_kb")
        .map_or(PKT_MAX_SECTORS / 4, |kb| kb as u32 / 2);
    let sr_max_frames = trace
        .number("sr_max_sectors_kb")
        .map_or(u32::MAX, |kb| (kb as u32 / 2).max(1));
    let (preset, blocks) = medium_preset(trace)?;
    let drive = Drive::new(
        DriveConfig::default(),
        Some(preset.medium(blocks)),
        Box::new(NullStore),
    );
    let status: Value = serde_json::from_str(&drive.status_json()).map_err(|e| e.to_string())?;
    let rated = status["write_speed_kBps"].as_u64().unwrap_or(0);
    let kind = status["medium"]["kind"].as_str().unwrap_or("?").to_string();

    let records = &trace.records;
    let start = records
        .iter()
        .position(|r| r.event == Event::Session)
        .unwrap_or(0);
    let end_us = records
        .iter()
        .find(|r| r.event == Event::End)
        .or(records.last())
        .map_or(0, |r| r.t_us);
    let tick_ns = (1_000_000_000 + u64::from(hz) / 2) / u64::from(hz.max(1));
    let mut guest: HashMap<Command, VecDeque<u64>> = HashMap::new();
    let mut by_op: HashMap<u8, Vec<u64>> = HashMap::new();
    for r in &records[start..] {
        if let Event::Drive {
            duration_us,
            op,
            lba,
            blocks,
        } = r.event
        {
            if op != 0 {
                guest
                    .entry(Command { op, lba, blocks })
                    .or_default()
                    .push_back(duration_us);
            }
            by_op.entry(op).or_default().push(duration_us);
        }
    }
    let median = by_op
        .into_iter()
        .map(|(op, mut v)| {
            v.sort_unstable();
            (op, v[v.len() / 2])
        })
        .collect();
    let mut ex = Exec {
        drive,
        frames: 0,
        tick_ns,
        now_ns: records.get(start).map_or(0, |r| r.t_us * 1000),
        zeros: Vec::new(),
        sr_max_frames,
        bios: Vec::new(),
        gathered: 0,
        log: None,
        service: opts.service,
        guest,
        median,
    };
    // A drive that was just powered on reports it once; the guest's sr
    // saw that long before.
    let _ = ex.send(cdb::test_unit_ready().bytes(), &[], 0);
    let (settings, speed) = probe_drive(&mut ex)?;
    let geometry = settings.geometry;
    ex.frames = geometry.frames();
    ex.zeros = vec![0; geometry.frames() as usize * 2048];

    // As the kernel's worker: as many packets per WRITE as sr takes in one
    // request (its size, and a segment per page).
    let sr_segments = trace
        .number("sr_max_segments")
        .map_or(u32::MAX, |n| n as u32);
    let max_write_frames = sr_max_frames.min(sr_segments.min(256).saturating_mul(2));
    let limits = Limits {
        max_run: settings.packets_per_write(max_write_frames),
        ..Limits::new(|ms| ms_to_ticks(ms, hz))
    };
    let mut pieces: Vec<PieceSlot<u32>> = (0..limits.piece_slots())
        .map(|_| PieceSlot::new())
        .collect();
    let mut zones = vec![ZoneSlot::default(); limits.zone_slots()];
    let mut buffers = vec![BufferSlot::default(); opts.buffers.max(1)];
    let mut held: Vec<HeldSlot<u32>> = (0..HELD).map(|_| HeldSlot::new()).collect();
    let tables = Tables {
        pieces: &mut pieces,
        zones: &mut zones,
        buffers: &mut buffers,
        held: &mut held,
    };
    let mut engine = Engine::new(geometry, speed, limits, tables);

    let mut queue: VecDeque<Request> = VecDeque::new();
    let mut next = start;
    let mut sim_clock_at_reset = None;
    let mut requests = 0;
    // Arrivals up to the worker's clock join the queue; the markers act.
    let mut arrive = |ex: &mut Exec, queue: &mut VecDeque<Request>, next: &mut usize| {
        while let Some(r) = records
            .get(*next)
            .filter(|r| r.t_us * 1000 <= ex.now_ns && r.t_us <= end_us)
        {
            match r.event {
                Event::Bio { op, frame, frames } => {
                    for (op, frame, frames) in split(op, frame, frames, pkt_max_frames) {
                        submit(queue, &mut ex.bios, geometry, op, frame, frames);
                        requests += 1;
                    }
                }
                Event::Reset => {
                    let _ = ex.drive.control("reset-counters");
                    ex.gathered = 0;
                    ex.log = Some(Vec::new());
                    sim_clock_at_reset = Some(ex.drive.now());
                }
                Event::Session | Event::End | Event::Drive { .. } => {}
            }
            *next += 1;
        }
    };
    // The next request's time, ns, if before the end (markers do not
    // wake the worker).
    let next_arrival = |next: usize| -> Option<u64> {
        records[next.min(records.len())..]
            .iter()
            .find(|r| matches!(r.event, Event::Bio { .. }))
            .filter(|r| r.t_us <= end_us)
            .map(|r: &Record| r.t_us * 1000)
    };
    let end_ns = end_us * 1000;
    let idle_ticks = ms_to_ticks(IDLE_MS, hz) as u64;
    // rust/engine.rs `run` and `take_requests`.
    let mut ended = false;
    while !ended {
        arrive(&mut ex, &mut queue, &mut next);
        engine.begin_wait(ex.now());
        let mut due = None;
        while queue.is_empty() {
            let timeout = match engine.idle(ex.now()) {
                Wait::Due(d) => {
                    due = Some(d);
                    break;
                }
                Wait::Ticks(t) => t as u64,
                Wait::Idle => idle_ticks,
            };
            let wake = timer_wakes(ex.now() as u64, timeout.max(1)) * tick_ns;
            match next_arrival(next) {
                Some(a) if a <= wake => ex.now_ns = ex.now_ns.max(a),
                _ if wake <= end_ns => ex.now_ns = ex.now_ns.max(wake),
                _ => {
                    ex.now_ns = ex.now_ns.max(end_ns);
                    ended = true;
                }
            }
            arrive(&mut ex, &mut queue, &mut next);
            if ended {
                break;
            }
        }
        if ended {
            break;
        }
        if !queue.is_empty() {
            engine.taken(ex.now());
        }
        while let Some(r) = queue.pop_front() {
            match r {
                Request::Read(id, bytes) => engine.read(id, bytes, &mut ex),
                Request::Write(piece) => engine.write(piece, &mut ex),
                Request::Barrier(bio) => {
                    let _ = engine.barrier(bio, &mut ex);
                }
            }
        }
        if let Some(due) = due {
            engine.timer(due, &mut ex);
        }
    }

    let clock_at_reset_sim = sim_clock_at_reset.ok_or("the trace has no 'reset'")?;
    let mut counters: Value =
        serde_json::from_str(&ex.drive.counters_json()).map_err(|e| e.to_string())?;
    counters["virtual_time_ns"] = json!(clock_at_reset + (ex.drive.now() - clock_at_reset_sim));
    counters["clock_at_reset_ns"] = json!(clock_at_reset);
    let reset_us = records
        .iter()
        .find(|r| r.event == Event::Reset)
        .map_or(0, |r| r.t_us);
    let run = json!({
        "workload": trace.get("workload").unwrap_or("?"),
        "target": "pkt",
        "kernel": "pkt-sim",
        "medium": kind,
        "packet_bytes": geometry.frames() * 2048,
        "user_bytes": trace.number("user_bytes").unwrap_or(0),
        "wall_ns": (end_us - reset_us.min(end_us)) * 1000,
        "sys_cpu_ticks": 0,
        "hz": 100,
        "gather_kib": ex.gathered * 2,
        "rated_kBps": rated,
        "counters": counters,
    });
    Ok(Outcome {
        run,
        commands: ex.log.unwrap_or_default(),
        requests,
        failed: ex.bios.iter().filter(|b| b.shares == 0 && b.failed).count(),
        pending: ex.bios.iter().filter(|b| b.shares > 0).count(),
        geometry,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timer_wheel_rounds_up() {
        // Level 0: the tick after expiry.
        for t in [1, 3, 62] {
            assert_eq!(timer_wakes(1000, t), 1000 + t + 1);
        }
        // Level 1 (63 to 503 ticks): the end of a bucket of 8; level 2, of 64.
        assert_eq!(timer_wakes(1000, 63), 1064);
        assert_eq!(timer_wakes(1001, 250), 1256);
        assert_eq!(timer_wakes(1000, 1250), 2304);
    }

    #[test]
    fn jiffies_round_up() {
        let cases = [
            (10, 250, 3),
            (1000, 250, 250),
            (5000, 250, 1250),
            (10, 1000, 10),
            (10, 100, 1),
        ];
        for (ms, hz, ticks) in cases {
            assert_eq!(ms_to_ticks(ms, hz), ticks, "{ms} ms at HZ={hz}");
        }
    }

    #[test]
    fn bios_are_split_front_first() {
        let w = Op::Write {
            preflush: false,
            fua: false,
        };
        assert_eq!(split(w, 10, 128, 128), vec![(w, 10, 128)]);
        assert_eq!(
            split(w, 10, 300, 128),
            vec![(w, 10, 128), (w, 138, 128), (w, 266, 44)]
        );
    }
}
