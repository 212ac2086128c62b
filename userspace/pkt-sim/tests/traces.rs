//! The stored traces (tests/data/traces/, scripts/capture-trace), replayed:
//! every figure equals the one the guest's bench printed in the run the
//! trace was captured in, and the drive gets the guest's commands in the
//! guest's order.

use pkt_sim::compare::{command_order, rows};
use pkt_sim::perfect;
use pkt_sim::sim::{replay, Options};
use pkt_sim::trace::Trace;
use serde_json::Value;
use std::path::PathBuf;

fn traces() -> Vec<PathBuf> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/traces");
    let mut v: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    v.retain(|p| p.to_string_lossy().ends_with(".trace.gz"));
    v.sort();
    v
}

#[test]
fn replays_equal_the_guest_bench() {
    let all = traces();
    assert!(
        all.len() >= 4,
        "expected the stored traces in tests/data/traces, found {all:?}"
    );
    let mut failures = Vec::new();
    for path in &all {
        let p = path.to_string_lossy().to_string();
        let trace = Trace::read(&p).unwrap();
        let guest_file = p.replace(".trace.gz", ".guest.json");
        let guest: Value =
            serde_json::from_str(&std::fs::read_to_string(&guest_file).unwrap()).unwrap();
        let outcome = replay(&trace, &Options::default()).unwrap();
        // The guest's sync returned: every request had completed.
        if outcome.failed + outcome.pending > 0 {
            failures.push(format!(
                "{p}: {} failed, {} pending",
                outcome.failed, outcome.pending
            ));
        }
        match command_order(&trace, &outcome) {
            Ok(n) if n > 0 => {}
            Ok(_) => failures.push(format!("{p}: no drive commands (D lines) to compare")),
            Err(e) => failures.push(format!("{p}: drive commands: {e}")),
        }
        for r in rows(&guest, &outcome.run) {
            if !r.equal() {
                failures.push(format!(
                    "{p}: {}: guest {} pkt-sim {}",
                    r.figure, r.guest, r.sim
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Issue 21's goal: on UDF untar the engine writes at most 1.2x the
/// packets of a perfect gatherer of the same requests; and no replay
/// writes fewer than that bound (else the bound is wrong).
#[test]
fn gathering_is_near_perfect() {
    let mut failures = Vec::new();
    for path in &traces() {
        let p = path.to_string_lossy().to_string();
        let trace = Trace::read(&p).unwrap();
        let outcome = replay(&trace, &Options::default()).unwrap();
        let written = outcome.packet_writes();
        let perfect = perfect::packets(&trace, outcome.geometry);
        let ratio = written as f64 / perfect.max(1) as f64;
        eprintln!("{p}: {written} packet writes, perfect {perfect} ({ratio:.3}x)");
        if perfect == 0 || written < perfect {
            failures.push(format!(
                "{p}: {written} packet writes under the bound {perfect}"
            ));
        }
        if p.contains("untar") && ratio > 1.2 {
            failures.push(format!("{p}: {ratio:.3}x a perfect gatherer's packets"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
