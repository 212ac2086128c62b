//! The benchmark's figures (see scripts/bench and
//! Documentation/benchmarks.rst): what `pkt-bench` prints for the guest's
//! runs and `pkt-sim` for its replays, from the same counters JSON.
//!
//! A run is one JSON object: what tests/guest/bench/run.sh printed (the
//! drive's counters, the guest's clocks) wrapped by scripts/bench with the
//! driver's name and any kernel report, or a failed run.  The figures are
//! computed here, so that the guest only measures.

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::fmt::Write as _;

pub mod chart;
pub mod multi;

/// The figures of one run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Figures {
    /// What the workload wrote, bytes.
    pub user_bytes: f64,
    /// Blocks the drive recorded on the medium.
    pub media_frames: u64,
    /// KiB the driver read to fill partial packets.
    pub gather_kib: u64,
    /// WRITE commands.
    pub writes: u64,
    /// READ commands.
    pub reads: u64,
    /// SYNCHRONIZE CACHE commands.
    pub flushes: u64,
    /// Switches of the head between reading and writing.
    pub switches: u64,
    /// The run's own virtual time, seconds: the drive clock since the
    /// counters' reset, so that what the drive did before it (probing,
    /// formatting, `mkudffs`, the files `seqread` and `rewrite` need, all
    /// of it written in a timing-dependent way) is not counted.  On
    /// several drives, the longest of theirs.
    pub virtual_s: f64,
    /// The drive clock when the counters were read, seconds since the
    /// drive started (the slowest drive's on several): informational.
    pub drive_clock_s: f64,
    /// Wall time in the guest, seconds.
    pub wall_s: f64,
    /// Guest kernel CPU, seconds.
    pub sys_cpu_s: f64,
    /// The drive's rated write speed, kB/s.
    pub rated_kbps: f64,
    /// The most writes any one medium block received.
    pub wear_max: u64,
    /// The mean writes over the blocks written.
    pub wear_mean: f64,
    /// The least virtual time any driver could take for the run, ns
    /// (`limit`); 0 where it cannot be told (an unknown medium).
    pub limit_ns: u64,
}

impl Figures {
    /// Media bytes recorded per user byte written.
    pub fn amplification(&self) -> f64 {
        if self.user_bytes > 0.0 {
            self.media_frames as f64 * 2048.0 / self.user_bytes
        } else {
            0.0
        }
    }

    /// User megabytes (10^6) per second of the drive's virtual clock.
    pub fn virtual_mbps(&self) -> f64 {
        rate(self.user_bytes, self.virtual_s)
    }

    /// User megabytes per second of wall time in the guest.
    pub fn wall_mbps(&self) -> f64 {
        rate(self.user_bytes, self.wall_s)
    }

    /// The share of the drive's rated write speed reached, in percent.
    pub fn rated_percent(&self) -> f64 {
        if self.rated_kbps > 0.0 {
            self.virtual_mbps() * 1000.0 / self.rated_kbps * 100.0
        } else {
            0.0
        }
    }
}

impl Figures {
    /// The limit's share of the run's virtual time, in percent: 100 is
    /// what the drive allows.
    pub fn limit_percent(&self) -> f64 {
        if self.virtual_s > 0.0 {
            self.limit_ns as f64 / 1e9 / self.virtual_s * 100.0
        } else {
            0.0
        }
    }
}

pub mod limit;

fn rate(bytes: f64, secs: f64) -> f64 {
    if secs > 0.0 {
        bytes / 1e6 / secs
    } else {
        0.0
    }
}

fn num(v: &Value, key: &str) -> f64 {
    v.get(key).and_then(Value::as_f64).unwrap_or(0.0)
}

fn count(v: &Value, key: &str) -> u64 {
    v.get(key).and_then(Value::as_u64).unwrap_or(0)
}

/// How often the drive saw opcode `op` ("0x2a").
fn opcode(counters: &Value, op: &str) -> u64 {
    counters
        .get("commands")
        .and_then(|c| c.get(op))
        .map_or(0, |c| count(c, "count"))
}

/// The figures of a run line; `None` for a failed run.
pub fn figures(run: &Value) -> Option<Figures> {
    let c = run.get("counters")?;
    let wear = c.get("wear").cloned().unwrap_or(Value::Null);
    let touched = count(&wear, "blocks_touched");
    let hz = num(run, "hz").max(1.0);
    Some(Figures {
        user_bytes: num(run, "user_bytes"),
        media_frames: count(c, "media_blocks_written"),
        gather_kib: count(run, "gather_kib"),
        writes: opcode(c, "0x2a") + opcode(c, "0xaa"),
        reads: opcode(c, "0x28") + opcode(c, "0xa8"),
        flushes: count(c, "flushes"),
        switches: count(c, "read_write_switches"),
        drive_clock_s: num(c, "virtual_time_ns") / 1e9,
        wall_s: num(run, "wall_ns") / 1e9,
        sys_cpu_s: num(run, "sys_cpu_ticks") / hz,
        rated_kbps: num(run, "rated_kBps"),
        wear_max: count(&wear, "max"),
        wear_mean: if touched > 0 {
            count(&wear, "total_writes") as f64 / touched as f64
        } else {
            0.0
        },
        limit_ns: per_drive(run, |r| {
            limit::workload_of(r).map_or(0, |w| limit::limit(&w).total())
        }),
        virtual_s: per_drive(run, |r| {
            r.get("counters").map_or(0, |c| {
                count(c, "virtual_time_ns").saturating_sub(count(c, "clock_at_reset_ns"))
            })
        }) as f64
            / 1e9,
    })
}

/// `f` of the run, or on a run over several drives (`"drives"`), the
/// largest of `f` of each drive alone: the drives run side by side, so
/// the run takes as long as its slowest, and so does its limit.
fn per_drive(run: &Value, f: impl Fn(&Value) -> u64) -> u64 {
    match run.get("drives").and_then(Value::as_array) {
        Some(drives) if !drives.is_empty() => drives
            .iter()
            .map(|d| {
                let mut one = run.clone();
                one["counters"] = d.clone();
                f(&one)
            })
            .max()
            .unwrap_or(0),
        _ => f(run),
    }
}

fn driver_name(d: &str) -> &str {
    match d {
        "c" => "C 6.12",
        "rust" => "pktcdvd-rs",
        "none" => "sr0 direct",
        "sim" => "pkt-sim",
        other => other,
    }
}

/// The table, one row per run, and a ratio row after each pair.
pub fn table(runs: &[Value]) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<8} {:<8} {:<11} {:>6} {:>7} {:>5} {:>7} {:>6} {:>6} {:>6} {:>5} {:>8} {:>7} {:>6} {:>6} {:>6} {:>9}",
        "medium", "workload", "driver", "userMB", "frames", "WA", "gathKiB", "writes", "reads",
        "r<>w", "flush", "virtMB/s", "wallMB/s", "sysCPU", "rated%", "%limit", "wear max/mean"
    );
    let mut by_case: BTreeMap<(String, String), Vec<&Value>> = BTreeMap::new();
    for r in runs {
        let key = (
            r["medium_arg"].as_str().unwrap_or("?").to_string(),
            r["workload"].as_str().unwrap_or("?").to_string(),
        );
        by_case.entry(key).or_default().push(r);
    }
    for ((medium, workload), rs) in &by_case {
        let mut pair: BTreeMap<&str, Figures> = BTreeMap::new();
        for r in rs {
            let driver = r["driver"].as_str().unwrap_or("?");
            let name = driver_name(driver);
            match figures(r) {
                Some(f) => {
                    let _ = writeln!(
                        s,
                        "{:<8} {:<8} {:<11} {:>6.1} {:>7} {:>5.2} {:>7} {:>6} {:>6} {:>6} {:>5} {:>8.3} {:>7.3} {:>6.2} {:>6.1} {:>6.1} {:>5}/{:<4.2}{}",
                        medium, workload, name, f.user_bytes / 1e6, f.media_frames, f.amplification(),
                        f.gather_kib, f.writes, f.reads, f.switches, f.flushes, f.virtual_mbps(),
                        f.wall_mbps(), f.sys_cpu_s, f.rated_percent(), f.limit_percent(), f.wear_max, f.wear_mean,
                        cleanup_note(r)
                    );
                    pair.insert(driver, f);
                }
                None => {
                    let _ = writeln!(
                        s,
                        "{:<8} {:<8} {:<11} {}: {}",
                        medium,
                        workload,
                        name,
                        r["failed"].as_str().unwrap_or("failed").to_uppercase(),
                        r["report"]
                            .as_str()
                            .filter(|t| !t.is_empty())
                            .unwrap_or("no figures")
                    );
                }
            }
        }
        if let (Some(c), Some(rust)) = (pair.get("c"), pair.get("rust")) {
            let ratio = |a: f64, b: f64| {
                if b > 0.0 {
                    format!("{:.2}", a / b)
                } else {
                    "-".into()
                }
            };
            let _ = writeln!(
                s,
                "{:<8} {:<8} {:<11} {:>6} {:>7} {:>5} {:>7} {:>6} {:>6} {:>6} {:>5} {:>8} {:>7} {:>6}",
                "", "", "rs/C",
                "",
                ratio(rust.media_frames as f64, c.media_frames as f64),
                ratio(rust.amplification(), c.amplification()),
                ratio(rust.gather_kib as f64, c.gather_kib as f64),
                ratio(rust.writes as f64, c.writes as f64),
                ratio(rust.reads as f64, c.reads as f64),
                ratio(rust.switches as f64, c.switches as f64),
                ratio(rust.flushes as f64, c.flushes as f64),
                ratio(rust.virtual_mbps(), c.virtual_mbps()),
                ratio(rust.wall_mbps(), c.wall_mbps()),
                ratio(rust.sys_cpu_s, c.sys_cpu_s),
            );
        }
    }
    s
}

/// " (cleanup: ...)" when the run's figures came but its cleanup did not
/// finish (a hung teardown), or a kernel report was seen.
fn cleanup_note(r: &Value) -> String {
    let mut notes = Vec::new();
    if let Some(c) = r["cleanup"].as_str().filter(|c| *c != "ok") {
        notes.push(format!("cleanup: {c}"));
    }
    if let Some(rep) = r["report"].as_str().filter(|t| !t.is_empty()) {
        notes.push(format!("kernel: {rep}"));
    }
    if notes.is_empty() {
        String::new()
    } else {
        format!("  [{}]", notes.join("; "))
    }
}

/// One run as the JSON output has it: the inputs and the figures.
pub fn summary(r: &Value) -> Value {
    let mut m = Map::new();
    for k in [
        "driver",
        "medium_arg",
        "workload",
        "target",
        "kernel",
        "failed",
        "report",
        "cleanup",
    ] {
        if let Some(v) = r.get(k) {
            m.insert(k.to_string(), v.clone());
        }
    }
    if let Some(f) = figures(r) {
        m.insert(
            "figures".into(),
            json!({
                "user_bytes": f.user_bytes,
                "media_frames_written": f.media_frames,
                "write_amplification": f.amplification(),
                "gather_read_kib": f.gather_kib,
                "write_commands": f.writes,
                "read_commands": f.reads,
                "read_write_switches": f.switches,
                "flushes": f.flushes,
                "virtual_seconds": f.virtual_s,
                "drive_clock_seconds": f.drive_clock_s,
                "virtual_mb_per_s": f.virtual_mbps(),
                "wall_seconds": f.wall_s,
                "wall_mb_per_s": f.wall_mbps(),
                "guest_kernel_cpu_seconds": f.sys_cpu_s,
                "rated_write_kB_per_s": f.rated_kbps,
                "rated_percent": f.rated_percent(),
                "limit_ns": f.limit_ns,
                "pct_limit": f.limit_percent(),
                "wear_max_writes_per_frame": f.wear_max,
                "wear_mean_writes_per_frame": f.wear_mean,
                "commands": r["counters"]["commands"].clone(),
            }),
        );
    }
    Value::Object(m)
}

/// A line as scripts/bench writes it: the guest's figures under "run",
/// next to what the host knows; one flat object, with the counters of all
/// its drives when it ran on several (`multi::merge_run`).
pub fn flatten(mut v: Value) -> Value {
    if let Some(Value::Object(inner)) = v.as_object_mut().and_then(|o| o.remove("run")) {
        if let Some(o) = v.as_object_mut() {
            for (k, x) in inner {
                o.entry(k).or_insert(x);
            }
        }
    }
    multi::merge_run(v)
}

/// The figures that must not change from one run to the next.
pub const DETERMINISTIC: [&str; 8] = [
    "media_frames_written",
    "write_commands",
    "read_commands",
    "read_write_switches",
    "flushes",
    "gather_read_kib",
    "virtual_seconds",
    "wear_max_writes_per_frame",
];

/// Why a deterministic figure of a run may still vary, where it may:
/// straight to sr0 the block layer merges writes into requests depending
/// on timing (how busy the queue is); the C driver writes a partly
/// covered packet 5 ms after its first write, so how it cuts the UDF
/// workloads' writeback into packets depends on timing, and it sends a
/// packet's gather reads all at once, so the order they reach the drive
/// in (and with it the seeks the virtual clock charges) varies, though
/// not their number.  pktcdvd-rs sends one command at a time and decides
/// by the order of requests: all of its figures repeat.
fn may_vary(run: &Value, figure: &str) -> Option<&'static str> {
    let udf = matches!(run["workload"].as_str(), Some("udfcopy" | "untar"));
    match run["driver"].as_str() {
        Some("none") => Some("straight to sr0: the block layer's merging varies"),
        Some("c") if udf => Some("the C driver's 5 ms packet timer cuts writeback by timing"),
        Some("c") if figure == "virtual_seconds" => {
            Some("the C driver's concurrent gather reads reach the drive in varying order")
        }
        _ => None,
    }
}

/// The deterministic figures of two results files that differ, one line
/// each ("medium workload driver: figure a != b"): those that must repeat
/// exactly, then those that may vary (`may_vary`), with the reason.
pub fn differences(a: &Value, b: &Value) -> (Vec<String>, Vec<String>) {
    let key = |r: &Value| {
        format!(
            "{} {} {}",
            r["medium_arg"].as_str().unwrap_or("?"),
            r["workload"].as_str().unwrap_or("?"),
            r["driver"].as_str().unwrap_or("?")
        )
    };
    let runs = |v: &Value| -> BTreeMap<String, Value> {
        v["runs"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|r| (key(r), r.clone()))
            .collect()
    };
    let (ra, rb) = (runs(a), runs(b));
    let (mut exact, mut loose) = (Vec::new(), Vec::new());
    for (k, x) in &ra {
        let Some(y) = rb.get(k) else { continue };
        let mut differ = |f: &str, line: String| match may_vary(x, f) {
            None => exact.push(line),
            Some(why) => loose.push(format!("{line} ({why})")),
        };
        for f in DETERMINISTIC {
            let (fx, fy) = (&x["figures"][f], &y["figures"][f]);
            if fx != fy {
                differ(f, format!("{k}: {f} {fx} != {fy}"));
            }
        }
        if x["figures"]["commands"] != y["figures"]["commands"] {
            differ("commands", format!("{k}: commands differ"));
        }
    }
    (exact, loose)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(driver: &str, frames: u64, vt_ns: u64) -> Value {
        json!({
            "driver": driver, "medium_arg": "cdrw", "workload": "seq1m", "target": "pkt",
            "user_bytes": 1048576, "wall_ns": 2_000_000_000u64, "sys_cpu_ticks": 50, "hz": 100,
            "gather_kib": 64, "rated_kBps": 1000,
            "counters": {
                "virtual_time_ns": vt_ns, "media_blocks_written": frames, "flushes": 1,
                "read_write_switches": 2,
                "commands": {"0x2a": {"name": "WRITE_10", "count": 16}},
                "wear": {"blocks_touched": 4, "max": 3, "total_writes": 6, "histogram": {}}
            }
        })
    }

    #[test]
    fn figures_come_from_the_counters() {
        let f = figures(&run("rust", 1024, 1_000_000_000)).unwrap();
        assert_eq!(f.writes, 16);
        assert!((f.amplification() - 2.0).abs() < 1e-9);
        assert!((f.virtual_mbps() - 1.048576).abs() < 1e-9);
        assert!((f.rated_percent() - 104.8576).abs() < 1e-6);
        assert!((f.wear_mean - 1.5).abs() < 1e-9);
        assert!((f.sys_cpu_s - 0.5).abs() < 1e-9);
    }

    #[test]
    fn the_limit_is_in_the_figures_table_and_json() {
        // 4 blocks touched on CD-RW: 4 blocks at 10x CD and one WRITE
        // (written back: no synchronous writes to count).
        let mut r = run("rust", 1024, 1_000_000_000);
        r["workload"] = json!("udfcopy");
        let f = figures(&r).unwrap();
        assert_eq!(f.limit_ns, 4 * (2352 * 1_000_000 / 1760) + 200_000);
        assert!((f.limit_percent() - f.limit_ns as f64 / 1e7).abs() < 1e-9);
        // Of the time since the counters' reset only.
        let mut half = r.clone();
        half["counters"]["clock_at_reset_ns"] = json!(500_000_000u64);
        let h = figures(&half).unwrap();
        assert!((h.limit_percent() - 2.0 * f.limit_percent()).abs() < 1e-9);
        let s = summary(&r);
        assert_eq!(s["figures"]["limit_ns"], json!(f.limit_ns));
        assert!(s["figures"]["pct_limit"].as_f64().unwrap() > 0.0);
        let t = table(&[r]);
        assert!(t.lines().next().unwrap().contains("%limit"));
        assert!(t.contains(&format!("{:>6.1}", f.limit_percent())), "{t}");
    }

    #[test]
    fn several_drives_take_as_long_as_the_slowest_and_so_does_the_limit() {
        let mut one = run("rust", 1024, 1_000_000_000);
        one["workload"] = json!("udfcopy");
        let drive = |vt: u64, reset: u64, touched: u64| {
            let mut c = one["counters"].clone();
            c["virtual_time_ns"] = json!(vt);
            c["clock_at_reset_ns"] = json!(reset);
            c["wear"]["blocks_touched"] = json!(touched);
            c
        };
        let mut multi = one.clone();
        multi["drives"] = json!([
            drive(3_000_000_000, 1_000_000_000, 4),
            drive(2_500_000_000, 0, 8)
        ]);
        let f = figures(&multi::merge_run(multi)).unwrap();
        // The second drive ran 2.5 s since its reset, the first 2 s; the
        // second touched more blocks: its limit, not the sum of both.
        assert!((f.virtual_s - 2.5).abs() < 1e-9);
        assert_eq!(f.limit_ns, 8 * (2352 * 1_000_000 / 1760) + 200_000);
    }

    #[test]
    fn the_table_has_both_drivers_and_their_ratio() {
        let t = table(&[
            run("c", 2048, 2_000_000_000),
            run("rust", 1024, 1_000_000_000),
        ]);
        assert!(t.contains("C 6.12"));
        assert!(t.contains("pktcdvd-rs"));
        let ratio = t.lines().find(|l| l.contains("rs/C")).unwrap();
        assert!(ratio.contains("0.50"), "{ratio}");
    }

    #[test]
    fn compare_finds_changed_figures() {
        let a = json!({"runs": [summary(&run("rust", 1024, 1_000_000_000))]});
        let b = json!({"runs": [summary(&run("rust", 1024, 1_000_000_000))]});
        assert!(differences(&a, &b).0.is_empty());
        let c = json!({"runs": [summary(&run("rust", 1025, 1_000_000_000))]});
        let (d, loose) = differences(&a, &c);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(loose.is_empty());
        assert!(d[0].contains("media_frames_written"));
        // Straight to sr0: reported apart, not counted.
        let e = json!({"runs": [summary(&run("none", 1024, 1_000_000_000))]});
        let f = json!({"runs": [summary(&run("none", 1040, 1_000_000_000))]});
        let (d, loose) = differences(&e, &f);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(loose.len(), 1, "{loose:?}");
        // The C driver: its virtual time may vary, its counts may not.
        let g = json!({"runs": [summary(&run("c", 1024, 1_000_000_000))]});
        let h = json!({"runs": [summary(&run("c", 1024, 1_000_001_000))]});
        let (d, loose) = differences(&g, &h);
        assert!(d.is_empty() && loose.len() == 1, "{d:?} {loose:?}");
        let i = json!({"runs": [summary(&run("c", 1040, 1_000_000_000))]});
        assert_eq!(differences(&g, &i).0.len(), 1);
    }

    #[test]
    fn virtual_time_counts_from_the_reset() {
        // The same run after a preparation that took 10 s longer (the
        // files seqread reads, written back by timing): the same figures.
        let at = |reset: u64| {
            let mut r = run("rust", 1024, reset + 1_000_000_000);
            r["counters"]["clock_at_reset_ns"] = json!(reset);
            r
        };
        let (early, late) = (at(5_000_000_000), at(15_000_000_000));
        let f = figures(&early).unwrap();
        assert!((f.virtual_s - 1.0).abs() < 1e-9);
        assert!((f.drive_clock_s - 6.0).abs() < 1e-9);
        assert!((f.virtual_mbps() - 1.048576).abs() < 1e-9);
        let a = json!({"runs": [summary(&early)]});
        let b = json!({"runs": [summary(&late)]});
        assert_eq!(differences(&a, &b), (vec![], vec![]));
        assert_eq!(b["runs"][0]["figures"]["drive_clock_seconds"], json!(16.0));
    }

    #[test]
    fn wrapped_lines_are_flattened() {
        let v = flatten(
            json!({"driver": "c", "report": "", "run": {"workload": "untar", "user_bytes": 5}}),
        );
        assert_eq!(v["workload"], "untar");
        assert_eq!(v["driver"], "c");
        assert!(v.get("run").is_none());
    }

    #[test]
    fn a_failed_run_is_reported() {
        let failed = json!({"driver": "c", "medium_arg": "dvd+rw", "workload": "udfcopy",
            "failed": "crash", "report": "kernel BUG at drivers/block/pktcdvd.c:1234!"});
        let t = table(&[failed]);
        assert!(t.contains("CRASH: kernel BUG"), "{t}");
        assert!(figures(&json!({"failed": "hang"})).is_none());
    }
}
