//! The perfect gatherer: the fewest packet writes any driver could send
//! for a trace, knowing every request in advance.
//!
//! Between two barriers (an empty flush, a PREFLUSH write, which one
//! opens, or a FUA write, which one closes) a driver may hold every piece
//! and write each zone touched once; at a barrier everything written
//! before it must be on the disc, so a zone touched again after it is
//! written again.  Reads need no write (a driver could answer them from
//! its buffers).  Counted from the trace's counter reset to its end, as
//! the drive's counters are.  The engine's packet writes over this count
//! is how far its gathering is from perfect (issue 21: ≤ 1.2 on UDF
//! untar).

use crate::trace::{Event, Op, Trace};
use pktcore::zone::Geometry;
use std::collections::BTreeSet;

/// Packet writes of the perfect gatherer for `trace` under `geometry`.
pub fn packets(trace: &Trace, geometry: Geometry) -> u64 {
    let mut total = 0;
    let mut epoch = BTreeSet::new();
    let close = |epoch: &mut BTreeSet<u64>, total: &mut u64| {
        *total += epoch.len() as u64;
        epoch.clear();
    };
    for r in &trace.records {
        match r.event {
            // Before the reset the drive's counters do not count: what
            // was flushed then is left out; what waits is written after
            // it, with what follows.
            Event::Reset => total = 0,
            Event::End => break,
            Event::Bio { op: Op::Flush, .. } => close(&mut epoch, &mut total),
            Event::Bio {
                op: Op::Write { preflush, fua },
                frame,
                frames,
            } => {
                if preflush {
                    close(&mut epoch, &mut total);
                }
                for s in geometry.shares(frame, u64::from(frames)) {
                    if let Some(z) = geometry.zone_of(s.frame) {
                        epoch.insert(z);
                    }
                }
                if fua {
                    close(&mut epoch, &mut total);
                }
            }
            _ => {}
        }
    }
    close(&mut epoch, &mut total);
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trace(lines: &str) -> Trace {
        Trace::parse(&format!("# pkt-sim trace 1\n# medium cdrw 359849\n{lines}")).unwrap()
    }

    #[test]
    fn each_zone_once_between_barriers() {
        let g = Geometry::new(0, 32).unwrap();
        // Zone 0 three times and zone 32 once: two packets; a flush, then
        // zone 0 again: a third; FUA closes after itself, PREFLUSH before.
        let t = trace(
            "0 session\n1 W 96 1\n1 F\n1 W 128 1\n2 reset\n3 W 0 1\n4 W 5 1\n5 W 31 2\n6 W 0 1\n7 F\n8 W 0 1\n\
             9 WU 64 1\n10 W 64 1\n11 WP 64 1\n12 R 0 4\n13 end\n",
        );
        // Before the reset: {96} flushed, left out; {128} waits.  Then
        // {128, 0, 32} | {0, 64} FUA | {64} | PREFLUSH {64}.
        assert_eq!(packets(&t, g), 3 + 2 + 1 + 1);
    }
}
