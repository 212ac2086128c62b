//! The limit of a run: the least virtual time any driver could take for
//! the run's workload on its medium, by the drive model's own clock
//! (`mmc_model::timing`), so that "% of limit" says how far a driver is
//! from what the drive allows (Documentation/benchmarks.rst, "Figures").
//!
//! What no driver can avoid:
//!
//! - recording every unit the run touched (a CD-RW packet with its link
//!   blocks, a DVD ECC block, a BD cluster: the blocks the drive's wear
//!   counters saw written), once, in one ascending pass at the selected
//!   write speed, and on DVD-RAM verifying them (at least as long again);
//! - one calibration (OPC) if the drive had to calibrate during the run;
//! - one WRITE command per fixed packet (CD-RW, DVD-RW restricted
//!   overwrite), else one per 65,535 blocks (the most a WRITE (10) takes);
//! - the reads the workload itself asks for: random ones one at a time,
//!   each with the shortest seek and half a turn at the inner edge;
//!   sequential ones as one pass, one READ per 65,535 blocks.
//!
//! Not counted, so the limit stays a lower bound: seeks between the
//! touched units, switches between reading and writing, flushes, and
//! gather reads of frames that held data before the run (which the
//! figures do not show: at most the run's gather reads, and none on the
//! bench's fresh discs but a UDF format's few metadata frames).

use mmc_model::timing::{seek_ns, Rotation, COMMAND_OVERHEAD, OPC};
use mmc_model::{Medium, MediumKind, Preset};

/// Blocks one READ (10) / WRITE (10) can move.
const MAX_COMMAND_BLOCKS: u64 = 65_535;

/// What a run asked of the drive, as far as the limit needs it.
#[derive(Clone, Debug, PartialEq)]
pub struct Workload {
    /// The disc.
    pub medium: Medium,
    /// The selected write and read speeds, kB/s as MMC counts them.
    pub write_kbps: u32,
    /// The read speed.
    pub read_kbps: u32,
    /// Distinct medium blocks recorded (units with their link blocks).
    pub touched_blocks: u64,
    /// Whether the drive calibrated its laser during the run.
    pub calibrated: bool,
    /// Random reads of the workload, and the blocks of each.
    pub random_reads: u64,
    /// Blocks per random read.
    pub random_read_blocks: u32,
    /// Blocks the workload read sequentially.
    pub sequential_read_blocks: u64,
}

/// The limit and its parts, ns.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limit {
    /// Recording the touched units.
    pub recording: u64,
    /// DVD-RAM's verify pass.
    pub verify: u64,
    /// The calibration.
    pub opc: u64,
    /// The WRITE commands' overhead.
    pub write_commands: u64,
    /// The workload's reads, commands included.
    pub reads: u64,
}

impl Limit {
    /// The whole limit, ns.
    pub fn total(&self) -> u64 {
        self.recording + self.verify + self.opc + self.write_commands + self.reads
    }
}

/// The limit of `w`.
pub fn limit(w: &Workload) -> Limit {
    let m = &w.medium;
    let kind = m.kind;
    let blocks_ns = |blocks: u64, kbps: u32| {
        // CLV: a block takes the same time anywhere on the disc.
        let one = Rotation::of(kind, 0, kbps);
        blocks * u64::from(one.sector_bytes) * 1_000_000 / u64::from(kbps.max(1))
    };
    // Whole units as the drive times them (it rounds each command's time
    // down to the nanosecond: a unit a time is the least).
    let unit = u64::from(m.unit() + m.link_blocks());
    let recording = w.touched_blocks / unit * blocks_ns(unit, w.write_kbps)
        + w.touched_blocks % unit * blocks_ns(1, w.write_kbps);
    let verify = if kind == MediumKind::DvdRam {
        recording
    } else {
        0
    };
    let writes = if w.touched_blocks == 0 {
        0
    } else if m.fixed_packet().is_some() {
        w.touched_blocks.div_ceil(unit)
    } else {
        w.touched_blocks.div_ceil(MAX_COMMAND_BLOCKS)
    };
    let opc = if w.calibrated && w.touched_blocks > 0 {
        OPC
    } else {
        0
    };
    // The shortest seek there is, and half the shortest turn.
    let inner = Rotation::of(kind, 0, w.read_kbps);
    let random = w.random_reads
        * (COMMAND_OVERHEAD
            + seek_ns(0, 1, &inner)
            + blocks_ns(u64::from(w.random_read_blocks), w.read_kbps));
    let sequential = w.sequential_read_blocks.div_ceil(MAX_COMMAND_BLOCKS) * COMMAND_OVERHEAD
        + blocks_ns(w.sequential_read_blocks, w.read_kbps);
    Limit {
        recording,
        verify,
        opc,
        write_commands: writes * COMMAND_OVERHEAD,
        reads: random + sequential,
    }
}

/// The reads a workload asks for: (random reads, blocks each, blocks read
/// sequentially).  A run line's `read_bytes` and `read_ios` say it where
/// the guest reports them (random for `mixed` and `rand*`, else
/// sequential); otherwise from the workloads' definitions in
/// tests/guest/bench/run.sh: `seqread` reads its `user_bytes` in one pass,
/// `randread` reads them 4 KiB at a time, `mixed` (fio randrw, 8 MiB of
/// 16 KiB I/O) reads what it did not write.
pub fn workload_reads(run: &serde_json::Value) -> (u64, u32, u64) {
    let u = |k: &str| run.get(k).and_then(serde_json::Value::as_u64);
    let workload = run.get("workload").and_then(|w| w.as_str()).unwrap_or("");
    let user = u("user_bytes").unwrap_or(0);
    let random = workload == "mixed" || workload.starts_with("rand");
    let (bytes, ios) = match (u("read_bytes"), u("read_ios")) {
        (Some(b), Some(n)) => (b, n),
        _ => match workload {
            "seqread" => (user, 1),
            "randread" => (user, user / 4096),
            "mixed" => {
                let b = (8u64 << 20).saturating_sub(user);
                (b, b / 16384)
            }
            _ => (0, 0),
        },
    };
    if random && ios > 0 {
        (ios, (bytes / 2048 / ios) as u32, 0)
    } else {
        (0, 0, bytes / 2048)
    }
}

/// The workload of a run line (see `figures`): the preset named by
/// `medium_arg` at its rated speeds (the fastest a driver can select), the
/// wear counters' blocks touched and the calibrations, and the workload's
/// reads ([`workload_reads`]).  `None` without counters or for an unknown
/// medium.
pub fn workload_of(run: &serde_json::Value) -> Option<Workload> {
    let c = run.get("counters")?;
    let name = run.get("medium_arg")?.as_str()?;
    let medium = Preset::find(name.split_whitespace().next()?)?.medium(None);
    let (read_kbps, write_kbps) = medium.kind.rated_speeds();
    let u = |v: &serde_json::Value, k: &str| v.get(k).and_then(serde_json::Value::as_u64);
    let (random_reads, random_read_blocks, sequential_read_blocks) = workload_reads(run);
    Some(Workload {
        medium,
        write_kbps,
        read_kbps,
        touched_blocks: c
            .get("wear")
            .and_then(|w| u(w, "blocks_touched"))
            .unwrap_or(0),
        calibrated: u(c, "opc_runs").unwrap_or(0) > 0,
        random_reads,
        random_read_blocks,
        sequential_read_blocks,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use mmc_model::fuzz_rng::FuzzRng;
    use mmc_model::{Drive, DriveConfig, MemStore, Status};
    use serde_json::{json, Value};

    fn workload(preset: &str, touched: u64) -> Workload {
        let medium = Preset::find(preset).unwrap().medium(None);
        let (r, w) = medium.kind.rated_speeds();
        Workload {
            medium,
            write_kbps: w,
            read_kbps: r,
            touched_blocks: touched,
            calibrated: false,
            random_reads: 0,
            random_read_blocks: 0,
            sequential_read_blocks: 0,
        }
    }

    #[test]
    fn a_sequential_cd_rw_write_by_hand() {
        // 64 MiB in 1,024 packets of 32 blocks and 7 link blocks, at 10x
        // CD (1,760 kB/s of 2352-byte sectors), a WRITE each, and the OPC.
        let mut w = workload("cdrw", 1024 * 39);
        w.calibrated = true;
        let l = limit(&w);
        assert_eq!(l.recording, 1024 * (39 * 2352 * 1_000_000 / 1760));
        assert_eq!(l.write_commands, 1024 * 200_000);
        assert_eq!(l.opc, 1_000_000_000);
        assert_eq!(l.total(), 1024 * 52_118_181 + 204_800_000 + 1_000_000_000);
        // The share of the rated speed the limit itself reaches, without
        // the OPC: 32/39 of the blocks are user blocks, 2048 of each 2352
        // bytes user data: 71 %.
        let mbps = 64.0 * 1048576.0 / ((l.total() - l.opc) as f64 / 1e9) / 1e3;
        assert!((mbps / 1760.0 * 100.0 - 71.1).abs() < 0.1, "{mbps}");
    }

    #[test]
    fn dvd_media_and_reads() {
        // DVD+RW: 16-block ECC blocks, no link blocks, one WRITE will do.
        let l = limit(&workload("dvd+rw", 32768));
        assert_eq!(l.recording, 2048 * (16 * 2048 * 1_000_000 / (4 * 1385)));
        assert_eq!(l.write_commands, 200_000);
        assert_eq!(l.verify, 0);
        // DVD-RAM verifies: twice the recording.
        let l = limit(&workload("dvdram", 32768));
        assert_eq!(l.verify, l.recording);
        // Random reads: each a command, the shortest seek, half a turn.
        let mut w = workload("dvd+rw", 0);
        (w.random_reads, w.random_read_blocks) = (10, 8);
        let inner = Rotation::of(MediumKind::DvdPlusRw, 0, 8 * 1385);
        assert_eq!(
            limit(&w).reads,
            10 * (200_000 + 10_000_000 + inner.latency_ns() + 8 * 2048 * 1_000_000 / (8 * 1385))
        );
        assert_eq!(limit(&w).total(), limit(&w).reads, "nothing written");
    }

    #[test]
    fn the_workload_comes_from_the_run_line() {
        let run = json!({"medium_arg": "cdrw", "workload": "mixed", "rated_kBps": 1760,
            "read_bytes": 4 * 16384, "read_ios": 4,
            "counters": {"opc_runs": 1, "wear": {"blocks_touched": 390}}});
        let w = workload_of(&run).unwrap();
        assert_eq!((w.touched_blocks, w.calibrated), (390, true));
        assert_eq!((w.random_reads, w.random_read_blocks), (4, 8));
        assert_eq!(w.sequential_read_blocks, 0);
        // Without the guest's read figures: from the workload's definition.
        let mixed = json!({"workload": "mixed", "user_bytes": 4u64 << 20});
        assert_eq!(workload_reads(&mixed), (256, 8, 0));
        let rr = json!({"workload": "randread", "user_bytes": 4u64 << 20});
        assert_eq!(workload_reads(&rr), (1024, 2, 0));
        let sr = json!({"workload": "seqread", "user_bytes": 1u64 << 20});
        assert_eq!(workload_reads(&sr), (0, 0, 512));
        assert_eq!(workload_reads(&json!({"workload": "seq1m"})), (0, 0, 0));
        assert!(workload_of(&json!({"medium_arg": "floppy", "counters": {}})).is_none());
    }

    fn rw10(op: u8, lba: u32, count: u32) -> Vec<u8> {
        let mut c = vec![op, 0];
        c.extend_from_slice(&lba.to_be_bytes());
        c.extend_from_slice(&[0, (count >> 8) as u8, count as u8, 0]);
        c
    }

    /// A run of random commands of the kinds drivers send: the write-open
    /// probe's OPC, whole or (where the medium takes them) partial unit
    /// writes in any order and again, gather reads of any blocks, the
    /// workload's random reads (each where the head is not), flushes.
    /// Returns the drive's time and the run line the bench would print.
    fn random_run(preset: &str, seed: u64) -> (u64, Value) {
        let mut rng = FuzzRng::new(seed);
        let medium = Preset::find(preset).unwrap().medium(None);
        let fixed = medium.fixed_packet().is_some();
        let unit = medium.unit();
        let mut d = Drive::new(
            DriveConfig::default(),
            Some(medium.clone()),
            Box::new(MemStore::new()),
        );
        d.execute(&[0; 6], &[]);
        d.control("reset-counters").unwrap();
        let t0 = d.now();
        let span = 64 * unit;
        let (mut reads, mut read_blocks) = (0u64, 0u64);
        if rng.below(2) == 0 {
            d.execute(&[0x54, 1, 0, 0, 0, 0, 0, 0, 0, 0], &[]);
        }
        for _ in 0..rng.below(200) + 1 {
            match rng.below(10) {
                0..=5 => {
                    let (lba, count) = if fixed {
                        (rng.below(u64::from(span / unit)) as u32 * unit, unit)
                    } else {
                        let lba = rng.below(u64::from(span)) as u32;
                        (lba, rng.below(u64::from(3 * unit)) as u32 + 1)
                    };
                    let c = d.execute(&rw10(0x2a, lba, count), &vec![1; count as usize * 2048]);
                    assert_eq!(c.status, Status::Good);
                }
                6 | 7 => {
                    let lba = rng.below(u64::from(span)) as u32;
                    d.execute(&rw10(0x28, lba, rng.below(8) as u32 + 1), &[]);
                }
                8 => {
                    // The workload's own random read: behind the head, so
                    // that it needs a seek.
                    let seeks = d.counters().seeks;
                    let lba = rng.below(u64::from(span)) as u32;
                    let c = d.execute(&rw10(0x28, lba, 8), &[]);
                    if d.counters().seeks > seeks && c.status == Status::Good {
                        reads += 1;
                        read_blocks += 8;
                    }
                }
                _ => {
                    d.execute(&[0x35, 0, 0, 0, 0, 0, 0, 0, 0, 0], &[]);
                }
            }
        }
        let counters: Value = serde_json::from_str(&d.counters_json()).unwrap();
        let run = json!({"medium_arg": preset, "workload": "mixed",
            "rated_kBps": medium.kind.rated_speeds().1,
            "read_bytes": read_blocks * 2048, "read_ios": reads, "counters": counters});
        (d.now() - t0, run)
    }

    #[test]
    fn no_command_sequence_beats_the_limit() {
        for preset in ["cdrw", "cdrw-mrw", "dvdrw", "dvd+rw", "dvdram", "bdre"] {
            for seed in 1..40 {
                let (time, run) = random_run(preset, seed);
                let l = limit(&workload_of(&run).unwrap());
                assert!(
                    l.total() <= time,
                    "{preset} seed {seed}: limit {l:?} = {} > drive {time}",
                    l.total()
                );
            }
        }
    }

    #[test]
    fn sequential_packets_reach_the_limit() {
        // What a perfect driver sends for 64 MiB on CD-RW: the limit, to
        // the nanosecond.
        let (_, mut run) = random_run("cdrw", 1);
        let mut d = Drive::new(
            DriveConfig::default(),
            Some(Preset::find("cdrw").unwrap().medium(None)),
            Box::new(MemStore::new()),
        );
        d.execute(&[0; 6], &[]);
        let t0 = d.now();
        for k in 0..1024 {
            d.execute(&rw10(0x2a, 32 * k, 32), &[0; 32 * 2048]);
        }
        run["counters"] = serde_json::from_str(&d.counters_json()).unwrap();
        run["read_ios"] = json!(0);
        run["read_bytes"] = json!(0);
        let l = limit(&workload_of(&run).unwrap());
        assert_eq!(l.total(), d.now() - t0);
    }
}
