// SPDX-License-Identifier: GPL-2.0

//! The per-device attributes (sysfs `stat/`, `write_queue/`) and the
//! debugfs `info` text.

use super::PktDevice;
use crate::pktcore::{
    attr,
    errno::Errno,
    info::{self, Info},
};
use core::sync::atomic::{AtomicU64, Ordering};

impl PktDevice {
    /// The text of a per-device attribute.
    pub(crate) fn attr_show(&self, attr: i32, w: &mut impl core::fmt::Write) -> Result<(), Errno> {
        let kb = |c: &AtomicU64| c.load(Ordering::Relaxed) / 2;
        let s = &self.stats;
        let r = match attr {
            ATTR_PACKETS_STARTED => writeln!(w, "{}", s.packets_started.load(Ordering::Relaxed)),
            ATTR_PACKETS_FINISHED => writeln!(w, "{}", s.packets_finished.load(Ordering::Relaxed)),
            ATTR_KB_WRITTEN => writeln!(w, "{}", kb(&s.sectors_written)),
            ATTR_KB_READ => writeln!(w, "{}", kb(&s.sectors_read)),
            ATTR_KB_READ_GATHER => writeln!(w, "{}", kb(&s.sectors_read_gather)),
            ATTR_SIZE => writeln!(w, "{}", self.queue.lock().queued_writes),
            ATTR_CONGESTION_OFF => writeln!(w, "{}", self.marks.lock().off()),
            ATTR_CONGESTION_ON => writeln!(w, "{}", self.marks.lock().on()),
            _ => return Err(Errno::Inval),
        };
        r.map_err(|_| Errno::Inval)
    }

    /// A write of a per-device attribute.
    pub(crate) fn attr_store(&self, attr: i32, text: &[u8]) -> Result<(), Errno> {
        match attr {
            ATTR_RESET => {
                if text.is_empty() {
                    return Err(Errno::Inval);
                }
                self.stats.reset();
            }
            ATTR_CONGESTION_OFF => {
                let v = attr::parse_int(text)?;
                self.marks.lock().set_off(v);
            }
            ATTR_CONGESTION_ON => {
                let v = attr::parse_int(text)?;
                self.marks.lock().set_on(v);
            }
            _ => return Err(Errno::Inval),
        }
        // New marks may release waiting writers.
        self.congestion.notify_all();
        Ok(())
    }

    /// The debugfs info text.
    pub(crate) fn info(&self, w: &mut impl core::fmt::Write) {
        let s = &self.stats;
        let kb = |c: &AtomicU64| c.load(Ordering::Relaxed) / 2;
        let marks = *self.marks.lock();
        let open_count = self.users.lock().open_count;
        let (queued, settings) = {
            let q = self.queue.lock();
            (q.queued_writes as u32, q.settings)
        };
        let settings = settings.map_or(info::Settings::default(), |s| info::Settings {
            packet_frames: s.geometry.frames(),
            write_type: 0,
            fixed: true,
            link_loss: 7,
            track_mode: s.track_mode,
            block_mode: s.block_mode,
        });
        let info = Info {
            name: self.name.as_str(),
            cd_name: self.cd_name.as_str(),
            settings,
            packets_started: s.packets_started.load(Ordering::Relaxed),
            packets_finished: s.packets_finished.load(Ordering::Relaxed),
            kb_written: kb(&s.sectors_written),
            kb_read_gather: kb(&s.sectors_read_gather),
            kb_read: kb(&s.sectors_read),
            open_count,
            flags: if settings.packet_frames > 0 { 1 << 1 } else { 0 },
            bios_queued: queued,
            congestion: (marks.off(), marks.on()),
            ..Default::default()
        };
        let _ = info.write(w);
    }
}

/// Per-device attributes, numbered as `enum pktrs_attr` in the shim.
const ATTR_PACKETS_STARTED: i32 = 0;
const ATTR_PACKETS_FINISHED: i32 = 1;
const ATTR_KB_WRITTEN: i32 = 2;
const ATTR_KB_READ: i32 = 3;
const ATTR_KB_READ_GATHER: i32 = 4;
const ATTR_RESET: i32 = 5;
const ATTR_SIZE: i32 = 6;
const ATTR_CONGESTION_OFF: i32 = 7;
const ATTR_CONGESTION_ON: i32 = 8;
