//! Runs on several drives at once (the `multiN` workloads): the guest
//! prints every drive's counters under `"drives"`, and the figures are
//! those of all the drives together.  The drives run side by side, each
//! on its own virtual clock, so the run's virtual time is the longest of
//! them (the aggregate throughput is all user bytes over it) and its
//! most-worn block the most-worn of any drive; every other count adds up.

use serde_json::{Map, Value};

/// Figures that are the largest of the drives', not their sum.
const LARGEST: [&str; 2] = ["virtual_time_ns", "max"];

/// The counters of all `drives` as one drive's.
pub fn merge(drives: &[Value]) -> Value {
    let mut it = drives.iter();
    let Some(first) = it.next() else {
        return Value::Null;
    };
    it.fold(first.clone(), |acc, d| add(&acc, d, ""))
}

fn add(a: &Value, b: &Value, key: &str) -> Value {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut m = Map::new();
            for (k, v) in x {
                m.insert(
                    k.clone(),
                    match y.get(k) {
                        Some(w) => add(v, w, k),
                        None => v.clone(),
                    },
                );
            }
            for (k, w) in y {
                m.entry(k.clone()).or_insert_with(|| w.clone());
            }
            Value::Object(m)
        }
        (Value::Number(x), Value::Number(y)) => match (x.as_u64(), y.as_u64()) {
            (Some(p), Some(q)) if LARGEST.contains(&key) => p.max(q).into(),
            (Some(p), Some(q)) => (p + q).into(),
            _ => a.clone(),
        },
        // Names (an opcode's) are the same on every drive.
        _ => a.clone(),
    }
}

/// A run line with `"drives"`: its `"counters"` become all the drives'.
pub fn merge_run(mut run: Value) -> Value {
    if let Some(ds) = run.get("drives").and_then(Value::as_array) {
        let merged = merge(ds);
        if let Some(o) = run.as_object_mut() {
            o.insert("counters".into(), merged);
        }
    }
    run
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn drive(vt: u64, frames: u64, max: u64) -> Value {
        json!({"virtual_time_ns": vt, "media_blocks_written": frames, "flushes": 1,
            "commands": {"0x2a": {"name": "WRITE_10", "count": 10}},
            "wear": {"blocks_touched": frames, "max": max, "total_writes": frames,
                "histogram": {"1": frames}}})
    }

    #[test]
    fn counts_add_up_and_clocks_run_side_by_side() {
        let m = merge(&[drive(3, 100, 1), drive(5, 50, 2)]);
        assert_eq!(m["virtual_time_ns"], 5);
        assert_eq!(m["media_blocks_written"], 150);
        assert_eq!(m["flushes"], 2);
        assert_eq!(m["commands"]["0x2a"]["count"], 20);
        assert_eq!(m["commands"]["0x2a"]["name"], "WRITE_10");
        assert_eq!(m["wear"]["max"], 2);
        assert_eq!(m["wear"]["total_writes"], 150);
        assert_eq!(m["wear"]["histogram"]["1"], 150);
    }

    #[test]
    fn a_run_without_drives_is_left_alone() {
        let r = json!({"counters": drive(1, 2, 1)});
        assert_eq!(merge_run(r.clone()), r);
        let r = json!({"counters": drive(1, 2, 1), "drives": [drive(1, 2, 1), drive(4, 2, 1)]});
        assert_eq!(merge_run(r)["counters"]["virtual_time_ns"], 4);
    }
}
