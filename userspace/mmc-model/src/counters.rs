//! What the drive counts, and its JSON form (see Documentation/mmc-drive.rst).

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;

/// Counters since the drive started (or since they were last reset).
#[derive(Clone, Debug, Default)]
pub struct Counters {
    /// Commands received, by opcode.
    pub commands: BTreeMap<u8, u64>,
    /// User blocks returned by READ commands.
    pub blocks_read: u64,
    /// User blocks accepted by WRITE commands.
    pub blocks_written: u64,
    /// Blocks recorded on the medium: user blocks plus CD-RW link blocks,
    /// and whole ECC blocks / clusters where the drive rewrote them.
    pub media_blocks_written: u64,
    /// WRITE commands accepted.
    pub write_commands: u64,
    /// WRITE commands that did not cover whole, aligned packets (or ECC
    /// blocks, clusters) of the medium: one or several.
    pub unaligned_writes: u64,
    /// WRITE commands refused because they were not whole aligned packets
    /// on fixed-packet media.
    pub refused_misaligned_writes: u64,
    /// ECC blocks / clusters the drive had to read, modify and write back
    /// because a write covered them only in part.
    pub rmw_events: u64,
    /// SYNCHRONIZE CACHE commands.
    pub flushes: u64,
    /// Switches of the head between reading and writing.
    pub read_write_switches: u64,
    /// Seeks.
    pub seeks: u64,
    /// Laser power calibrations (OPC) the drive performed.
    pub opc_runs: u64,
    /// The drive clock when the counters were last reset (ns), so that a
    /// run's own virtual time is `virtual_time_ns - clock_at_reset_ns`.
    pub clock_at_reset: u64,
    /// Commands failed by an injected fault.
    pub faults_injected: u64,
    /// Cached blocks lost to a power cut.
    pub cache_blocks_lost: u64,
    /// Writes per physical block (wear).
    pub wear: HashMap<u32, u32>,
}

/// Names of the opcodes the drive knows, for the JSON.
pub fn opcode_name(op: u8) -> &'static str {
    match op {
        0x00 => "TEST_UNIT_READY",
        0x03 => "REQUEST_SENSE",
        0x04 => "FORMAT_UNIT",
        0x12 => "INQUIRY",
        0x15 => "MODE_SELECT_6",
        0x1a => "MODE_SENSE_6",
        0x1b => "START_STOP_UNIT",
        0x1e => "PREVENT_ALLOW_MEDIUM_REMOVAL",
        0x23 => "READ_FORMAT_CAPACITIES",
        0x25 => "READ_CAPACITY",
        0x28 => "READ_10",
        0x2a => "WRITE_10",
        0x2e => "WRITE_AND_VERIFY_10",
        0x2f => "VERIFY_10",
        0x35 => "SYNCHRONIZE_CACHE",
        0x43 => "READ_TOC_PMA_ATIP",
        0x46 => "GET_CONFIGURATION",
        0x4a => "GET_EVENT_STATUS_NOTIFICATION",
        0x51 => "READ_DISC_INFORMATION",
        0x52 => "READ_TRACK_INFORMATION",
        0x53 => "RESERVE_TRACK",
        0x54 => "SEND_OPC_INFORMATION",
        0x55 => "MODE_SELECT_10",
        0x5a => "MODE_SENSE_10",
        0x5b => "CLOSE_TRACK_SESSION",
        0x5c => "READ_BUFFER_CAPACITY",
        0xa1 => "BLANK",
        0xa8 => "READ_12",
        0xaa => "WRITE_12",
        0xac => "GET_PERFORMANCE",
        0xad => "READ_DISC_STRUCTURE",
        0xb6 => "SET_STREAMING",
        0xbb => "SET_CD_SPEED",
        0xbd => "MECHANISM_STATUS",
        _ => "OTHER",
    }
}

impl Counters {
    /// Counts one more write of each physical block in `start..start+count`.
    pub fn wear(&mut self, start: u32, count: u32) {
        for b in start..start.saturating_add(count) {
            *self.wear.entry(b).or_insert(0) += 1;
        }
    }

    /// The counters as a JSON object; `virtual_time_ns` is the drive clock.
    pub fn to_json(&self, virtual_time_ns: u64) -> String {
        let mut s = String::from("{");
        let _ = write!(s, "\"virtual_time_ns\":{virtual_time_ns},\"commands\":{{");
        let mut first = true;
        for (op, n) in &self.commands {
            if !first {
                s.push(',');
            }
            first = false;
            let _ = write!(
                s,
                "\"0x{op:02x}\":{{\"name\":\"{}\",\"count\":{n}}}",
                opcode_name(*op)
            );
        }
        s.push('}');
        let max = self.wear.values().copied().max().unwrap_or(0);
        let total: u64 = self.wear.values().map(|&w| u64::from(w)).sum();
        let mut hist: BTreeMap<u32, u64> = BTreeMap::new();
        for &w in self.wear.values() {
            *hist.entry(w).or_insert(0) += 1;
        }
        let _ = write!(
            s,
            ",\"blocks_read\":{},\"blocks_written\":{},\"media_blocks_written\":{},\
             \"write_commands\":{},\"unaligned_writes\":{},\"refused_misaligned_writes\":{},\
             \"rmw_events\":{},\"flushes\":{},\"read_write_switches\":{},\"seeks\":{},\
             \"opc_runs\":{},\"clock_at_reset_ns\":{},\"faults_injected\":{},\"cache_blocks_lost\":{}",
            self.blocks_read,
            self.blocks_written,
            self.media_blocks_written,
            self.write_commands,
            self.unaligned_writes,
            self.refused_misaligned_writes,
            self.rmw_events,
            self.flushes,
            self.read_write_switches,
            self.seeks,
            self.opc_runs,
            self.clock_at_reset,
            self.faults_injected,
            self.cache_blocks_lost
        );
        let _ = write!(
            s,
            ",\"wear\":{{\"blocks_touched\":{},\"max\":{max},\"total_writes\":{total},\"histogram\":{{",
            self.wear.len()
        );
        let mut first = true;
        for (w, n) in hist {
            if !first {
                s.push(',');
            }
            first = false;
            let _ = write!(s, "\"{w}\":{n}");
        }
        s.push_str("}}}");
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_shape() {
        let mut c = Counters::default();
        c.commands.insert(0x2a, 3);
        c.wear(10, 2);
        c.wear(11, 1);
        let j = c.to_json(42);
        assert!(j.starts_with(
            "{\"virtual_time_ns\":42,\"commands\":{\"0x2a\":{\"name\":\"WRITE_10\",\"count\":3}}"
        ));
        assert!(j.ends_with("\"wear\":{\"blocks_touched\":2,\"max\":2,\"total_writes\":3,\"histogram\":{\"1\":1,\"2\":1}}}"));
    }
}
