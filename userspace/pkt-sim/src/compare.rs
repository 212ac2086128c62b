//! The guest's figures against the replay's, figure by figure.

use crate::sim::Outcome;
use crate::trace::{Event, Trace};
use pkt_bench::{figures, Figures};
use serde_json::Value;

/// One figure of one run: the guest's value and the replay's.
#[derive(Clone, Debug, PartialEq)]
pub struct Row {
    /// The figure's name (as in the bench's table, or `cmd NAME`).
    pub figure: String,
    /// The guest's value, as printed.
    pub guest: String,
    /// The replay's value, as printed.
    pub sim: String,
}

impl Row {
    /// Whether the two agree.
    pub fn equal(&self) -> bool {
        self.guest == self.sim
    }
}

/// The figures pkt-bench computes, and the count of every command kind,
/// for the guest's run line and the replay's (both `@@PKTBENCH` objects).
pub fn rows(guest: &Value, sim: &Value) -> Vec<Row> {
    // Virtual time counts from the counters' reset.  A guest line captured
    // before the drive reported its clock at the reset has the same clock
    // in its trace's header, which the replay carries.
    let mut guest = guest.clone();
    if guest["counters"].get("clock_at_reset_ns").is_none() {
        if let (Some(c), Some(at)) = (
            guest["counters"].as_object_mut(),
            sim["counters"].get("clock_at_reset_ns"),
        ) {
            c.insert("clock_at_reset_ns".into(), at.clone());
        }
    }
    let guest = &guest;
    let (Some(g), Some(s)) = (figures(guest), figures(sim)) else {
        return vec![Row {
            figure: "run".into(),
            guest: "no figures".into(),
            sim: "no figures".into(),
        }];
    };
    let mut rows = Vec::new();
    let mut row = |figure: &str, f: &dyn Fn(&Figures) -> String| {
        rows.push(Row {
            figure: figure.to_string(),
            guest: f(&g),
            sim: f(&s),
        });
    };
    row("frames", &|f| f.media_frames.to_string());
    row("WA", &|f| format!("{:.2}", f.amplification()));
    row("gathKiB", &|f| f.gather_kib.to_string());
    row("writes", &|f| f.writes.to_string());
    row("reads", &|f| f.reads.to_string());
    row("r<>w", &|f| f.switches.to_string());
    row("flush", &|f| f.flushes.to_string());
    row("virtual_ns", &|f| format!("{:.0}", f.virtual_s * 1e9));
    row("virtMB/s", &|f| format!("{:.3}", f.virtual_mbps()));
    row("rated%", &|f| format!("{:.1}", f.rated_percent()));
    row("wear max", &|f| f.wear_max.to_string());
    row("wear mean", &|f| format!("{:.2}", f.wear_mean));
    let commands = |v: &Value| {
        v["counters"]["commands"]
            .as_object()
            .cloned()
            .unwrap_or_default()
    };
    let (gc, sc) = (commands(guest), commands(sim));
    let mut ops: Vec<&String> = gc.keys().chain(sc.keys()).collect();
    ops.sort();
    ops.dedup();
    for op in ops {
        let name = gc
            .get(op)
            .or(sc.get(op))
            .and_then(|c| c["name"].as_str())
            .unwrap_or("?");
        let n = |m: &serde_json::Map<String, Value>| {
            m.get(op).and_then(|c| c["count"].as_u64()).unwrap_or(0)
        };
        rows.push(Row {
            figure: format!("cmd {op} {name}"),
            guest: n(&gc).to_string(),
            sim: n(&sc).to_string(),
        });
    }
    for key in [
        "blocks_read",
        "blocks_written",
        "unaligned_writes",
        "refused_misaligned_writes",
        "rmw_events",
        "seeks",
    ] {
        let n = |v: &Value| v["counters"][key].as_u64().unwrap_or(0).to_string();
        rows.push(Row {
            figure: key.to_string(),
            guest: n(guest),
            sim: n(sim),
        });
    }
    rows
}

/// A drive command as the trace's `D` lines have it: READ and WRITE
/// with their blocks, others as opcode 0 (the block layer's trace does
/// not name them).
fn as_traced(op: u8, lba: u32, blocks: u32) -> (u8, u32, u32) {
    match op {
        0x28 | 0x2a => (op, lba, blocks),
        _ => (0, 0, 0),
    }
}

/// Whether the replay sent the drive the commands the guest's drive got
/// after the reset (the trace's `D` lines), in the same order: how many,
/// 0 if the trace has none, else where they part.
pub fn command_order(trace: &Trace, outcome: &Outcome) -> Result<usize, String> {
    let r = &trace.records;
    let reset = r.iter().position(|r| r.event == Event::Reset).unwrap_or(0);
    let end = r
        .iter()
        .position(|r| r.event == Event::End)
        .unwrap_or(r.len());
    let guest: Vec<(u8, u32, u32)> = r[reset..end]
        .iter()
        .filter_map(|r| match r.event {
            Event::Drive {
                op, lba, blocks, ..
            } => Some(as_traced(op, lba, blocks)),
            _ => None,
        })
        .collect();
    if guest.is_empty() {
        return Ok(0);
    }
    let sim: Vec<(u8, u32, u32)> = outcome
        .commands
        .iter()
        .map(|c| as_traced(c.op, c.lba, c.blocks))
        .collect();
    let show = |c: Option<&(u8, u32, u32)>| match c {
        Some((0, _, _)) => "a command without data".to_string(),
        Some((op, lba, n)) => format!("0x{op:02x} of {n} blocks at {lba}"),
        None => "none".to_string(),
    };
    match guest.iter().zip(&sim).position(|(a, b)| a != b) {
        None if guest.len() == sim.len() => Ok(guest.len()),
        at => {
            let at = at.unwrap_or(guest.len().min(sim.len()));
            Err(format!(
                "the first {at} agree; then guest {}, pkt-sim {}",
                show(guest.get(at)),
                show(sim.get(at))
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn run(frames: u64, reads: u64) -> Value {
        json!({
            "user_bytes": 1048576, "gather_kib": 64, "rated_kBps": 1000,
            "counters": {
                "virtual_time_ns": 1_000_000_000u64, "media_blocks_written": frames, "flushes": 1,
                "read_write_switches": 2,
                "commands": {"0x2a": {"name": "WRITE_10", "count": 16}, "0x28": {"name": "READ_10", "count": reads}},
                "wear": {"blocks_touched": 4, "max": 3, "total_writes": 6, "histogram": {}}
            }
        })
    }

    #[test]
    fn equal_runs_agree_on_every_row() {
        let r = rows(&run(1024, 3), &run(1024, 3));
        assert!(r.iter().all(Row::equal), "{r:?}");
        assert!(r
            .iter()
            .any(|r| r.figure == "cmd 0x28 READ_10" && r.guest == "3"));
    }

    #[test]
    fn a_difference_shows() {
        let r = rows(&run(1024, 3), &run(1040, 4));
        let differ: Vec<&str> = r
            .iter()
            .filter(|r| !r.equal())
            .map(|r| r.figure.as_str())
            .collect();
        assert_eq!(differ, ["frames", "WA", "reads", "cmd 0x28 READ_10"]);
    }
}
