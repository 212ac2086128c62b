//! `pkt-bench RUNS.jsonl OUT.json`: the benchmark's report (see
//! scripts/bench and Documentation/benchmarks.rst); `pkt-bench chart
//! OUT.json CHART.svg`: its chart (`pkt_bench::chart`).
//!
//! Each input line is one run: what tests/guest/bench/run.sh printed (the
//! drive's counters, the guest's clocks) wrapped by scripts/bench with the
//! driver's name and any kernel report, or a failed run.  The figures are
//! computed here, so that the guest only measures.

use pkt_bench::{differences, flatten, summary, table};
use serde_json::{json, Value};
use std::process::ExitCode;

/// `pkt-bench compare A.json B.json`: exit 0 when the deterministic
/// figures of the runs both files have agree.
fn compare(a: &str, b: &str) -> ExitCode {
    let read = |p: &str| {
        std::fs::read_to_string(p)
            .ok()
            .and_then(|t| serde_json::from_str::<Value>(&t).ok())
    };
    let (Some(x), Some(y)) = (read(a), read(b)) else {
        eprintln!("pkt-bench: cannot read {a} or {b}");
        return ExitCode::FAILURE;
    };
    let (diffs, loose) = differences(&x, &y);
    for d in &diffs {
        println!("{d}");
    }
    for d in &loose {
        println!("{d}");
    }
    let n = x["runs"].as_array().map_or(0, Vec::len);
    println!(
        "{n} runs compared, {} deterministic figures of the packet drivers differ",
        diffs.len()
    );
    if diffs.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

/// `pkt-bench chart RESULTS.json OUT.svg`: the chart of a results file.
fn chart(input: &str, output: &str) -> ExitCode {
    let svg = std::fs::read_to_string(input)
        .map_err(|e| e.to_string())
        .and_then(|t| serde_json::from_str::<Value>(&t).map_err(|e| e.to_string()))
        .and_then(|v| pkt_bench::chart::render(&v))
        .and_then(|svg| std::fs::write(output, svg).map_err(|e| e.to_string()));
    match svg {
        Ok(()) => {
            println!("chart: {output}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("pkt-bench: chart of {input}: {e}");
            ExitCode::FAILURE
        }
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if let [_, cmd, a, b] = args.as_slice() {
        match cmd.as_str() {
            "compare" => return compare(a, b),
            "chart" => return chart(a, b),
            _ => {}
        }
    }
    let [_, input, output] = args.as_slice() else {
        eprintln!(
            "usage: pkt-bench RUNS.jsonl OUT.json | pkt-bench compare A.json B.json | pkt-bench chart OUT.json CHART.svg"
        );
        return ExitCode::from(2);
    };
    let text = match std::fs::read_to_string(input) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("pkt-bench: {input}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut runs = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<Value>(line) {
            Ok(v) => runs.push(flatten(v)),
            Err(e) => eprintln!("pkt-bench: {input}:{}: skipped: {e}", i + 1),
        }
    }
    print!("{}", table(&runs));
    let out = json!({ "runs": runs.iter().map(summary).collect::<Vec<_>>() });
    if let Err(e) = std::fs::write(
        output,
        serde_json::to_string_pretty(&out).unwrap_or_default(),
    ) {
        eprintln!("pkt-bench: {output}: {e}");
        return ExitCode::FAILURE;
    }
    println!("JSON: {output}");
    ExitCode::SUCCESS
}
