//! Block-request traces: what reached the pkt device, when.
//!
//! A trace is text, one request per line, after a header of `# key
//! value` lines (Documentation/benchmarks.rst, "Replaying on the host"):
//!
//! ```text
//! # pkt-sim trace 1
//! # workload udfcopy
//! # medium cdrw 359849
//! # user_bytes 52795392
//! # hz 250
//! # drive_clock_at_reset_ns 61234000000
//! 101230451 session
//! 101244002 R 256 1
//! 101301777 W 16 16
//! 101301790 D 2210 0x2a 16 16
//! 101302000 WPU 512 4
//! 101302100 F
//! 101400020 reset
//! 104000000 end
//! ```
//!
//! Times are CLOCK_MONOTONIC microseconds (the clock jiffies tick on).
//! `R` and `W` are reads and writes of a frame range (first frame, frames
//! of 2048 bytes); `P` marks a write with REQ_PREFLUSH, `U` one with
//! REQ_FUA; `F` is an empty flush.  `session` is when the writing session
//! the workload runs in was about to start (its first write open), `reset`
//! when the bench zeroed the drive's and the driver's counters, `end` when
//! it read them.  `D` lines are drive commands as the guest saw them
//! (`D duration_us 0xOP lba blocks`: READ (0x28) and WRITE (0x2a) with
//! their first block and count, other commands as 0x00 0 0, for the block
//! layer's trace does not name them): how long the worker waited for
//! each (see `sim::Service`).

use std::collections::BTreeMap;
use std::fmt;
use std::io::Read as _;

/// What a request does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// A read.
    Read,
    /// A write, with its flags.
    Write {
        /// REQ_PREFLUSH: everything before it is flushed first.
        preflush: bool,
        /// REQ_FUA: durable when it completes.
        fua: bool,
    },
    /// An empty flush (REQ_PREFLUSH without data).
    Flush,
}

/// One line of a trace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Event {
    /// A bio submitted to the pkt device: `frames` frames from `frame`.
    Bio {
        /// What it does.
        op: Op,
        /// First frame.
        frame: u64,
        /// Frames (0 for a flush).
        frames: u32,
    },
    /// The writing session starts (its first write open).
    Session,
    /// The counters were zeroed.
    Reset,
    /// The counters were read: the replay ends.
    End,
    /// A drive command as the guest's block layer saw it: not replayed,
    /// but it says how long the guest's worker waited for it.
    Drive {
        /// How long it took, µs.
        duration_us: u64,
        /// Opcode.
        op: u8,
        /// First block (data commands).
        lba: u32,
        /// Blocks (data commands).
        blocks: u32,
    },
}

/// A line: when, and what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Record {
    /// CLOCK_MONOTONIC, µs.
    pub t_us: u64,
    /// What happened.
    pub event: Event,
}

/// A whole trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Trace {
    /// The header, by key (values as written).
    pub header: BTreeMap<String, String>,
    /// The lines, in time order.
    pub records: Vec<Record>,
}

/// The first line of every trace.
pub const MAGIC: &str = "# pkt-sim trace 1";

impl Trace {
    /// A header value.
    pub fn get(&self, key: &str) -> Option<&str> {
        self.header.get(key).map(String::as_str)
    }

    /// A numeric header value.
    pub fn number(&self, key: &str) -> Option<u64> {
        self.get(key)?.split_whitespace().next()?.parse().ok()
    }

    /// Parses a trace's text.
    pub fn parse(text: &str) -> Result<Trace, String> {
        let mut lines = text.lines().enumerate();
        match lines.next() {
            Some((_, l)) if l.trim_end() == MAGIC => {}
            _ => {
                return Err(format!(
                    "not a pkt-sim trace (the first line is not '{MAGIC}')"
                ))
            }
        }
        let mut t = Trace::default();
        for (i, line) in lines {
            let line = line.trim();
            if line.is_empty() {
                continue;
            }
            if let Some(h) = line.strip_prefix('#') {
                let h = h.trim();
                if let Some((k, v)) = h.split_once(' ') {
                    t.header.insert(k.to_string(), v.trim().to_string());
                }
                continue;
            }
            let r = parse_record(line).map_err(|e| format!("line {}: {e}: '{line}'", i + 1))?;
            if t.records.last().is_some_and(|last| last.t_us > r.t_us) {
                return Err(format!("line {}: time goes backwards", i + 1));
            }
            t.records.push(r);
        }
        Ok(t)
    }

    /// Reads a trace file, gzip-compressed if its name ends in `.gz`.
    pub fn read(path: &str) -> Result<Trace, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
        let text = if path.ends_with(".gz") {
            let mut s = String::new();
            flate2::read::GzDecoder::new(&bytes[..])
                .read_to_string(&mut s)
                .map_err(|e| format!("{path}: {e}"))?;
            s
        } else {
            String::from_utf8(bytes).map_err(|e| format!("{path}: {e}"))?
        };
        Trace::parse(&text).map_err(|e| format!("{path}: {e}"))
    }
}

fn parse_record(line: &str) -> Result<Record, String> {
    let w: Vec<&str> = line.split_whitespace().collect();
    let num = |i: usize| -> Result<u64, String> {
        w.get(i)
            .ok_or_else(|| "too few fields".to_string())?
            .parse::<u64>()
            .map_err(|_| format!("field {} is not a number", i + 1))
    };
    let t_us = num(0)?;
    let small = |i: usize| -> Result<u32, String> {
        u32::try_from(num(i)?).map_err(|_| format!("field {} is too large", i + 1))
    };
    let event = match w.get(1).copied() {
        Some("session") => Event::Session,
        Some("reset") => Event::Reset,
        Some("end") => Event::End,
        Some("F") => Event::Bio {
            op: Op::Flush,
            frame: 0,
            frames: 0,
        },
        Some("D") => Event::Drive {
            duration_us: num(2)?,
            op: w
                .get(3)
                .and_then(|o| o.strip_prefix("0x"))
                .and_then(|o| u8::from_str_radix(o, 16).ok())
                .ok_or("not an opcode (0xNN)")?,
            lba: small(4)?,
            blocks: small(5)?,
        },
        Some(op) if op.starts_with('R') || op.starts_with('W') => {
            let flags = &op[1..];
            if !flags.chars().all(|c| c == 'P' || c == 'U') {
                return Err(format!("unknown flags '{flags}'"));
            }
            let op = if op.starts_with('R') {
                Op::Read
            } else {
                Op::Write {
                    preflush: flags.contains('P'),
                    fua: flags.contains('U'),
                }
            };
            Event::Bio {
                op,
                frame: num(2)?,
                frames: small(3)?,
            }
        }
        _ => return Err("unknown event".into()),
    };
    Ok(Record { t_us, event })
}

impl fmt::Display for Record {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ", self.t_us)?;
        match self.event {
            Event::Session => write!(f, "session"),
            Event::Reset => write!(f, "reset"),
            Event::End => write!(f, "end"),
            Event::Bio { op: Op::Flush, .. } => write!(f, "F"),
            Event::Bio {
                op: Op::Read,
                frame,
                frames,
            } => write!(f, "R {frame} {frames}"),
            Event::Bio {
                op: Op::Write { preflush, fua },
                frame,
                frames,
            } => {
                let p = if preflush { "P" } else { "" };
                let u = if fua { "U" } else { "" };
                write!(f, "W{p}{u} {frame} {frames}")
            }
            Event::Drive {
                duration_us,
                op,
                lba,
                blocks,
            } => write!(f, "D {duration_us} 0x{op:02x} {lba} {blocks}"),
        }
    }
}

impl fmt::Display for Trace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "{MAGIC}")?;
        for (k, v) in &self.header {
            writeln!(f, "# {k} {v}")?;
        }
        for r in &self.records {
            writeln!(f, "{r}")?;
        }
        Ok(())
    }
}

/// The trace of a tracefs text dump (`trace` of the `block_bio_queue`
/// event on the pkt disk, `block_rq_issue` and `block_rq_complete` on the
/// drive, markers "pkt-sim session|reset|end"), with `header`.  The
/// drive's events (any device other than `pkt_dev`, "MAJ,MIN") become `D`
/// lines.
pub fn import_ftrace(
    text: &str,
    pkt_dev: &str,
    header: BTreeMap<String, String>,
) -> Result<Trace, String> {
    let mut t = Trace {
        header,
        records: Vec::new(),
    };
    // Drive commands in flight: issue time by (rwbs, sector).
    let mut issued: Vec<(u64, String, u64, u32)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let Some((t_us, event, rest)) = ftrace_fields(line) else {
            return Err(format!("line {}: not a tracefs event: '{line}'", i + 1));
        };
        let at = |e: Event| Record { t_us, event: e };
        match event {
            "tracing_mark_write" => match rest.trim() {
                "pkt-sim session" => t.records.push(at(Event::Session)),
                "pkt-sim reset" => t.records.push(at(Event::Reset)),
                "pkt-sim end" => t.records.push(at(Event::End)),
                _ => {}
            },
            "block_bio_queue" => {
                let w: Vec<&str> = rest.split_whitespace().collect();
                if w.len() < 5 || w[3] != "+" {
                    return Err(format!(
                        "line {}: unexpected block_bio_queue: '{rest}'",
                        i + 1
                    ));
                }
                if w[0] != pkt_dev {
                    continue;
                }
                let sector: u64 = w[2]
                    .parse()
                    .map_err(|_| format!("line {}: bad sector", i + 1))?;
                let sectors: u32 = w[4]
                    .parse()
                    .map_err(|_| format!("line {}: bad size", i + 1))?;
                if sector % 4 != 0 || sectors % 4 != 0 {
                    return Err(format!(
                        "line {}: not whole 2048-byte frames: '{rest}'",
                        i + 1
                    ));
                }
                let op = rwbs_op(w[1])
                    .ok_or_else(|| format!("line {}: unknown rwbs '{}'", i + 1, w[1]))?;
                let op = match op {
                    Op::Write { .. } if sectors == 0 => Op::Flush,
                    op => op,
                };
                t.records.push(at(Event::Bio {
                    op,
                    frame: sector / 4,
                    frames: sectors / 4,
                }));
            }
            "block_rq_issue" | "block_rq_complete" => {
                // issue: DEV RWBS BYTES (CMD) SECTOR + N ...; complete: DEV RWBS (CMD) SECTOR + N ...
                let w: Vec<&str> = rest.split_whitespace().collect();
                let Some(plus) = w.iter().position(|&x| x == "+") else {
                    continue;
                };
                if plus < 2 || w.first() == Some(&pkt_dev) {
                    continue;
                }
                // Commands without blocks complete at "sector" -1.
                let sector: u64 = w[plus - 1].parse().unwrap_or(u64::MAX);
                let sectors: u32 = w.get(plus + 1).and_then(|s| s.parse().ok()).unwrap_or(0);
                let rwbs = w[1].to_string();
                if event == "block_rq_issue" {
                    issued.push((t_us, rwbs, sector, sectors));
                } else if let Some(k) = issued
                    .iter()
                    .position(|(_, r, s, _)| *r == rwbs && (*s == sector || sector == u64::MAX))
                {
                    let (t0, rwbs, sector, sectors) = issued.remove(k);
                    let op = match rwbs_op(&rwbs) {
                        Some(Op::Read) => 0x28,
                        Some(Op::Write { .. }) => 0x2a,
                        _ => 0,
                    };
                    let (lba, blocks) = if op == 0 {
                        (0, 0)
                    } else {
                        ((sector / 4) as u32, sectors / 4)
                    };
                    t.records.push(Record {
                        t_us: t0,
                        event: Event::Drive {
                            duration_us: t_us - t0,
                            op,
                            lba,
                            blocks,
                        },
                    });
                }
            }
            _ => {}
        }
    }
    // Completions are filed at their issue time: keep time order.
    t.records.sort_by_key(|r| r.t_us);
    Ok(t)
}

/// The time (µs), event name and the rest of a tracefs text line
/// ("  task-1  [000] .....  12.345678: name: rest").
fn ftrace_fields(line: &str) -> Option<(u64, &str, &str)> {
    // The timestamp is the last "digits.digits:" before the event name.
    let colon = line.find(": ")?;
    let (head, tail) = line.split_at(colon);
    let stamp = head.rsplit(' ').next()?;
    let (s, us) = stamp.split_once('.')?;
    let t_us = s.parse::<u64>().ok()? * 1_000_000 + us.parse::<u64>().ok()?;
    let tail = &tail[2..];
    let (event, rest) = tail
        .split_once(": ")
        .unwrap_or((tail.trim_end_matches(':'), ""));
    Some((t_us, event, rest))
}

/// The operation of a block-layer rwbs string (`blk_fill_rwbs`): an
/// optional `F` for PREFLUSH, the operation, then `F` for FUA and other
/// flags.
fn rwbs_op(rwbs: &str) -> Option<Op> {
    let (preflush, rest) = match rwbs.strip_prefix('F') {
        // "F" alone, or "FS": an empty REQ_OP_FLUSH.
        Some(r) if r.is_empty() || !r.starts_with(['W', 'R', 'F', 'D', 'N', 'Z']) => {
            return Some(Op::Flush)
        }
        Some(r) => (true, r),
        None => (false, rwbs),
    };
    let mut c = rest.chars();
    let op = c.next()?;
    let fua = c.as_str().starts_with('F');
    match op {
        'R' => Some(Op::Read),
        'W' => Some(Op::Write { preflush, fua }),
        'F' => Some(Op::Flush),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rwbs_strings() {
        assert_eq!(rwbs_op("R"), Some(Op::Read));
        assert_eq!(rwbs_op("RA"), Some(Op::Read));
        assert_eq!(
            rwbs_op("WS"),
            Some(Op::Write {
                preflush: false,
                fua: false
            })
        );
        assert_eq!(
            rwbs_op("FWS"),
            Some(Op::Write {
                preflush: true,
                fua: false
            })
        );
        assert_eq!(
            rwbs_op("WFS"),
            Some(Op::Write {
                preflush: false,
                fua: true
            })
        );
        assert_eq!(
            rwbs_op("FWFS"),
            Some(Op::Write {
                preflush: true,
                fua: true
            })
        );
        assert_eq!(rwbs_op("FF"), Some(Op::Flush));
        assert_eq!(rwbs_op("N"), None);
    }

    #[test]
    fn the_text_form_round_trips() {
        let text = "# pkt-sim trace 1\n# medium cdrw 359849\n# workload untar\n\
                    5 session\n7 R 256 1\n9 W 16 16\n9 WPU 512 4\n10 F\n11 D 120 0x2a 16 16\n12 reset\n20 end\n";
        let t = Trace::parse(text).unwrap();
        assert_eq!(t.get("medium"), Some("cdrw 359849"));
        assert_eq!(t.number("medium"), None);
        assert_eq!(t.records.len(), 8);
        assert_eq!(
            t.records[3].event,
            Event::Bio {
                op: Op::Write {
                    preflush: true,
                    fua: true
                },
                frame: 512,
                frames: 4
            }
        );
        assert_eq!(t.to_string(), text);
        assert!(Trace::parse("5 R 1 1\n").is_err());
        assert!(Trace::parse("# pkt-sim trace 1\n9 R 1 1\n5 R 1 1\n").is_err());
        assert!(Trace::parse("# pkt-sim trace 1\n9 RX 1 1\n").is_err());
    }

    #[test]
    fn tracefs_text_is_imported() {
        let text = "# tracer: nop\n\
            #\n\
            \x20          mount-201     [001] .....    101.230451: tracing_mark_write: pkt-sim session\n\
            \x20          mount-201     [001] ..... 101.244002: block_bio_queue: 251,0 RS 1024 + 4 [mount]\n\
            \x20 kworker/u8:2-40      [000] ..... 101.301777: block_bio_queue: 251,0 WS 64 + 64 [kworker/u8:2]\n\
            \x20         sync-300     [000] ..... 101.302100: block_bio_queue: 251,0 FWS 0 + 0 [sync]\n\
            \x20    pktcdvd0-90      [001] ..... 101.301800: block_rq_issue: 11,0 WS 65536 () 64 + 128 none,0,0 [pktcdvd0]\n\
            \x20         <idle>-0     [001] ..s1. 101.303800: block_rq_complete: 11,0 WS () 64 + 128 none,0,0 [0]\n\
            \x20          bash-1      [000] ..... 101.400020: tracing_mark_write: pkt-sim end\n";
        let t = import_ftrace(text, "251,0", BTreeMap::new()).unwrap();
        let e: Vec<Event> = t.records.iter().map(|r| r.event).collect();
        assert_eq!(
            e,
            vec![
                Event::Session,
                Event::Bio {
                    op: Op::Read,
                    frame: 256,
                    frames: 1
                },
                Event::Bio {
                    op: Op::Write {
                        preflush: false,
                        fua: false
                    },
                    frame: 16,
                    frames: 16
                },
                Event::Drive {
                    duration_us: 2000,
                    op: 0x2a,
                    lba: 16,
                    blocks: 32
                },
                Event::Bio {
                    op: Op::Flush,
                    frame: 0,
                    frames: 0
                },
                Event::End,
            ]
        );
        assert_eq!(t.records[1].t_us, 101_244_002);
        assert!(import_ftrace("garbage\n", "251,0", BTreeMap::new()).is_err());
    }
}
