// SPDX-License-Identifier: GPL-2.0

//! The text of `/sys/kernel/debug/pktcdvd/<name>/info`, in the C driver's
//! layout: settings, statistics, misc, queue state.

use core::fmt::{self, Write};

/// Packet settings of a device (known once it was opened for writing).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    /// Packet size in 2048-byte frames.
    pub packet_frames: u32,
    /// Write type (0 = packet).
    pub write_type: u8,
    /// Fixed (true) or variable packets.
    pub fixed: bool,
    /// Link loss in frames.
    pub link_loss: u8,
    /// Track mode from the track information.
    pub track_mode: u8,
    /// Data block type: 8 = Mode 1, 10 = Mode 2.
    pub block_mode: u8,
}

/// Everything the info file shows.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Info<'a> {
    /// The pkt device's name (`pktcdvd0`).
    pub name: &'a str,
    /// The CD device's name (`sr0`).
    pub cd_name: &'a str,
    /// Packet settings.
    pub settings: Settings,
    /// Packets whose data gathering started.
    pub packets_started: u64,
    /// Packets written.
    pub packets_finished: u64,
    /// KiB written by users.
    pub kb_written: u64,
    /// KiB read to fill packets.
    pub kb_read_gather: u64,
    /// KiB read by users.
    pub kb_read: u64,
    /// Openers of the pkt device.
    pub open_count: u32,
    /// Flags (bit 1 writable, 2 NWA valid, 3 LRA valid, 4 merge segments).
    pub flags: u32,
    /// Read speed in kB/s.
    pub read_speed: u32,
    /// Write speed in kB/s.
    pub write_speed: u32,
    /// Start offset of the packets, in sectors.
    pub offset: u32,
    /// Block descriptor length before the mode pages.
    pub mode_offset: u32,
    /// Bios waiting to be gathered.
    pub bios_queued: u32,
    /// Bios in flight to the drive.
    pub bios_pending: u32,
    /// The scheduler's position, in sectors.
    pub current_sector: u64,
    /// Packets per state: idle, waiting, read wait, write wait, recovery,
    /// finished.
    pub states: [u32; 6],
    /// Write congestion marks (off, on).
    pub congestion: (i32, i32),
}

impl Info<'_> {
    /// Writes the info text.
    pub fn write(&self, w: &mut impl Write) -> fmt::Result {
        let s = &self.settings;
        writeln!(w, "Writer {} mapped to {}:", self.name, self.cd_name)?;
        writeln!(w, "\nSettings:")?;
        writeln!(w, "\tpacket size:\t\t{}kB", s.packet_frames * 2)?;
        let write_type = if s.write_type == 0 {
            "Packet"
        } else {
            "Unknown"
        };
        writeln!(w, "\twrite type:\t\t{write_type}")?;
        writeln!(
            w,
            "\tpacket type:\t\t{}",
            if s.fixed { "Fixed" } else { "Variable" }
        )?;
        writeln!(w, "\tlink loss:\t\t{}", s.link_loss)?;
        writeln!(w, "\ttrack mode:\t\t{}", s.track_mode)?;
        let block_mode = match s.block_mode {
            8 => "Mode 1",
            10 => "Mode 2",
            _ => "Unknown",
        };
        writeln!(w, "\tblock mode:\t\t{block_mode}")?;
        writeln!(w, "\nStatistics:")?;
        writeln!(w, "\tpackets started:\t{}", self.packets_started)?;
        writeln!(w, "\tpackets ended:\t\t{}", self.packets_finished)?;
        writeln!(w, "\twritten:\t\t{}kB", self.kb_written)?;
        writeln!(w, "\tread gather:\t\t{}kB", self.kb_read_gather)?;
        writeln!(w, "\tread:\t\t\t{}kB", self.kb_read)?;
        writeln!(w, "\nMisc:")?;
        writeln!(w, "\treference count:\t{}", self.open_count)?;
        writeln!(w, "\tflags:\t\t\t0x{:x}", self.flags)?;
        writeln!(w, "\tread speed:\t\t{}kB/s", self.read_speed)?;
        writeln!(w, "\twrite speed:\t\t{}kB/s", self.write_speed)?;
        writeln!(w, "\tstart offset:\t\t{}", self.offset)?;
        writeln!(w, "\tmode page offset:\t{}", self.mode_offset)?;
        writeln!(w, "\nQueue state:")?;
        writeln!(w, "\tbios queued:\t\t{}", self.bios_queued)?;
        writeln!(w, "\tbios pending:\t\t{}", self.bios_pending)?;
        writeln!(w, "\tcurrent sector:\t\t0x{:x}", self.current_sector)?;
        let [i, ow, rw, ww, rec, fin] = self.states;
        writeln!(
            w,
            "\tstate:\t\t\ti:{i} ow:{ow} rw:{rw} ww:{ww} rec:{rec} fin:{fin}"
        )?;
        writeln!(
            w,
            "\twrite congestion marks:\toff={} on={}",
            self.congestion.0, self.congestion.1
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::fmt::BufWriter;
    use super::*;

    #[test]
    fn layout_of_the_c_driver() {
        let info = Info {
            name: "pktcdvd0",
            cd_name: "sr0",
            settings: Settings {
                packet_frames: 32,
                write_type: 0,
                fixed: true,
                link_loss: 7,
                track_mode: 7,
                block_mode: 10,
            },
            kb_read: 12,
            open_count: 1,
            flags: 2,
            congestion: (9000, 10000),
            ..Default::default()
        };
        let mut buf = [0u8; 2048];
        let mut w = BufWriter::new(&mut buf);
        info.write(&mut w).unwrap();
        let text = core::str::from_utf8(w.as_bytes()).unwrap();
        assert!(text
            .starts_with("Writer pktcdvd0 mapped to sr0:\n\nSettings:\n\tpacket size:\t\t64kB\n"));
        assert!(text.contains("\tblock mode:\t\tMode 2\n"));
        assert!(text.contains("\tread:\t\t\t12kB\n"));
        assert!(text.contains("\tflags:\t\t\t0x2\n"));
        assert!(text.ends_with("\tstate:\t\t\ti:0 ow:0 rw:0 ww:0 rec:0 fin:0\n\twrite congestion marks:\toff=9000 on=10000\n"));
    }
}
