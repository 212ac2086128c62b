//! `pkt-sim`: replays block-request traces on the host (see the library's
//! documentation and Documentation/benchmarks.rst).
//!
//! ```text
//! pkt-sim [--json] [--buffers N] [--instant] TRACE...
//!     replay each trace; print the bench's table and the packet writes
//!     against a perfect gatherer's (or, with --json, one run line per
//!     trace in scripts/bench's shape, for pkt-bench)
//! pkt-sim compare [--buffers N] [--instant] TRACE...
//!     replay each trace and compare every figure with the guest's
//!     (NAME.guest.json next to NAME.trace.gz); exit 1 if any differs
//! pkt-sim import FTRACE PKT_DEV [KEY VALUE]...
//!     a tracefs text dump to a trace on stdout, with header KEY VALUE
//! ```
//!
//! `--buffers N`: packet buffers (the module parameter; 8 by default).
//! `--instant`: the worker's drive commands take no time, instead of
//! as long as the guest's took (the trace's `D` lines).

use clap::{Args, Parser, Subcommand};
use pkt_bench::{flatten, table};
use pkt_sim::compare::{command_order, rows};
use pkt_sim::perfect;
use pkt_sim::sim::{replay, Options, Outcome, Service};
use pkt_sim::trace::{import_ftrace, Trace};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::time::Instant;

/// The guest's figures recorded with a trace: NAME.guest.json for
/// NAME.trace[.gz].
fn guest_path(trace: &str) -> String {
    let base = trace.strip_suffix(".gz").unwrap_or(trace);
    let base = base.strip_suffix(".trace").unwrap_or(base);
    format!("{base}.guest.json")
}

/// The medium as scripts/bench names it (the model's preset).
fn medium_arg(t: &Trace) -> String {
    t.get("medium")
        .and_then(|m| m.split_whitespace().next())
        .unwrap_or("?")
        .to_string()
}

/// A replay's run line as scripts/bench writes the guest's.
fn run_line(t: &Trace, o: &Outcome) -> Value {
    json!({"driver": "sim", "medium_arg": medium_arg(t), "report": "", "cleanup": "ok", "run": o.run})
}

fn compare(paths: &[String], opts: &Options) -> ExitCode {
    let mut differ = 0;
    for path in paths {
        let trace = match Trace::read(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("pkt-sim: {e}");
                return ExitCode::FAILURE;
            }
        };
        let guest_file = guest_path(path);
        let guest: Value =
            match std::fs::read_to_string(&guest_file).map(|t| serde_json::from_str(&t)) {
                Ok(Ok(v)) => v,
                _ => {
                    eprintln!("pkt-sim: {guest_file}: no guest figures to compare with");
                    return ExitCode::FAILURE;
                }
            };
        let started = Instant::now();
        let outcome = match replay(&trace, opts) {
            Ok(o) => o,
            Err(e) => {
                eprintln!("pkt-sim: {path}: {e}");
                return ExitCode::FAILURE;
            }
        };
        let took = started.elapsed();
        println!(
            "{} {} ({path}: {} requests, {} failed, {} pending at the end; replayed in {:.1} ms)",
            trace.get("workload").unwrap_or("?"),
            medium_arg(&trace),
            outcome.requests,
            outcome.failed,
            outcome.pending,
            took.as_secs_f64() * 1e3
        );
        println!("  {:<34} {:>14} {:>14}", "figure", "guest", "pkt-sim");
        for r in rows(&guest, &outcome.run) {
            let mark = if r.equal() { "" } else { "  DIFFERS" };
            differ += usize::from(!r.equal());
            println!("  {:<34} {:>14} {:>14}{mark}", r.figure, r.guest, r.sim);
        }
        match command_order(&trace, &outcome) {
            Ok(0) => {}
            Ok(n) => println!("  drive commands in order: the same {n} commands"),
            Err(e) => {
                println!("  drive commands in order: {e}  DIFFERS");
                differ += 1;
            }
        }
    }
    if differ == 0 {
        println!("every figure agrees");
        ExitCode::SUCCESS
    } else {
        println!("{differ} figures differ");
        ExitCode::FAILURE
    }
}

/// Replays block-request traces on the host: the packet engine on the
/// drive model.
#[derive(Parser)]
#[command(name = "pkt-sim", version, args_conflicts_with_subcommands = true)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    replay: ReplayArgs,
    /// Print one run line per trace in scripts/bench's shape (for
    /// pkt-bench) instead of the table.
    #[arg(long)]
    json: bool,
}

#[derive(Args)]
struct ReplayArgs {
    /// Packet buffers (the module parameter `buffers`).
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    buffers: u32,
    /// The worker's drive commands take no time, instead of as long as the
    /// guest's took (the trace's `D` lines).
    #[arg(long)]
    instant: bool,
    /// Traces (NAME.trace or NAME.trace.gz).
    traces: Vec<String>,
}

impl ReplayArgs {
    fn options(&self) -> Options {
        Options {
            buffers: self.buffers as usize,
            service: if self.instant {
                Service::Instant
            } else {
                Options::default().service
            },
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Replay each trace and compare every figure with the guest's
    /// (NAME.guest.json next to NAME.trace.gz); exit 1 if any differs.
    Compare(ReplayArgs),
    /// Turn a tracefs text dump into a trace, on standard output.
    Import {
        /// The tracefs dump.
        ftrace: String,
        /// The pkt disk's device number as the tracepoints print it (MAJ,MIN).
        pkt_dev: String,
        /// Header lines: KEY VALUE pairs.
        #[arg(allow_hyphen_values = true)]
        header: Vec<String>,
    },
}

fn import(ftrace: &str, dev: &str, kv: &[String]) -> Result<ExitCode, String> {
    if kv.len() % 2 != 0 {
        return Err("import: the header takes KEY VALUE pairs".into());
    }
    let header: BTreeMap<String, String> =
        kv.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect();
    let text = std::fs::read_to_string(ftrace).map_err(|e| format!("{ftrace}: {e}"))?;
    let t = import_ftrace(&text, dev, header).map_err(|e| format!("{ftrace}: {e}"))?;
    print!("{t}");
    Ok(ExitCode::SUCCESS)
}

fn replay_all(args: &ReplayArgs, json_out: bool) -> Result<ExitCode, String> {
    let opts = args.options();
    let mut runs = Vec::new();
    let mut gathering = String::new();
    for path in &args.traces {
        let trace = Trace::read(path)?;
        let outcome = replay(&trace, &opts).map_err(|e| format!("{path}: {e}"))?;
        let line = run_line(&trace, &outcome);
        if json_out {
            println!("{line}");
        }
        runs.push(flatten(line));
        let written = outcome.packet_writes();
        let perfect = perfect::packets(&trace, outcome.geometry);
        gathering += &format!(
            "{path}: {written} packet writes, a perfect gatherer's {perfect} ({:.2}x)\n",
            written as f64 / perfect.max(1) as f64
        );
    }
    if !json_out {
        print!("{}", table(&runs));
        print!("{gathering}");
    }
    Ok(ExitCode::SUCCESS)
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Some(Command::Import {
            ftrace,
            pkt_dev,
            header,
        }) => import(ftrace, pkt_dev, header),
        Some(Command::Compare(args)) if !args.traces.is_empty() => {
            Ok(compare(&args.traces, &args.options()))
        }
        None if !cli.replay.traces.is_empty() => replay_all(&cli.replay, cli.json),
        _ => Err("no trace given (see --help)".into()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("pkt-sim: {e}");
            ExitCode::from(2)
        }
    }
}
