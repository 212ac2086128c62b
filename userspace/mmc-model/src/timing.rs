//! The timing model: a deterministic virtual drive clock.
//!
//! Every command costs modelled drive time: a fixed overhead, a seek when
//! the head must move, a switch between reading and writing, and the
//! transfer at the selected speed.  The clock only moves with commands, so
//! the same command sequence always takes the same virtual time.

/// Nanoseconds in a millisecond.
pub const MS: u64 = 1_000_000;

/// Fixed cost of any command (decoding, status phase).
pub const COMMAND_OVERHEAD: u64 = MS / 5;
/// Minimum seek (track-to-track plus settling) when the head moves.
pub const SEEK_MIN: u64 = 10 * MS;
/// Additional seek for a full stroke; a seek over a fraction f of the disc
/// costs SEEK_MIN + SEEK_FULL * sqrt(f).
pub const SEEK_FULL: u64 = 90 * MS;
/// Average rotational latency after a seek.
pub const ROTATIONAL_LATENCY: u64 = 5 * MS;
/// Switching the laser between reading and writing power.
pub const RW_SWITCH: u64 = 15 * MS;
/// Laser power calibration (SEND OPC INFORMATION).
pub const OPC: u64 = 1_000 * MS;
/// Loading or ejecting the tray.
pub const TRAY: u64 = 2_000 * MS;

/// What the head did last.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HeadMode {
    /// Nothing since the disc was loaded.
    Idle,
    /// Reading.
    Reading,
    /// Writing.
    Writing,
}

/// The drive's clock and head.
#[derive(Clone, Debug)]
pub struct Timing {
    /// Virtual time since the drive started, in nanoseconds.
    pub now: u64,
    /// Physical block under the head.
    pub head: u32,
    /// Reading or writing.
    pub mode: HeadMode,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            now: 0,
            head: 0,
            mode: HeadMode::Idle,
        }
    }
}

/// Integer square root (Newton), for the seek curve.
fn isqrt(n: u64) -> u64 {
    if n < 2 {
        return n;
    }
    let mut x = n;
    let mut y = x.div_ceil(2);
    while y < x {
        x = y;
        y = (x + n / x) / 2;
    }
    x
}

/// Time to move `blocks` 2048-byte blocks at `kbps` kB/s (1000 bytes).
pub fn transfer_ns(blocks: u32, kbps: u32) -> u64 {
    let bytes = u64::from(blocks) * 2048;
    // bytes / (kbps * 1000) seconds = bytes * 1e6 / kbps ns
    bytes * 1_000_000 / u64::from(kbps.max(1))
}

impl Timing {
    /// Cost of moving the head to physical block `to` on a disc of `total`
    /// blocks; returns whether it was a seek.
    pub fn seek(&mut self, to: u32, total: u32) -> (u64, bool) {
        if to == self.head {
            return (0, false);
        }
        let dist = u64::from(to.abs_diff(self.head));
        // sqrt(dist/total) in 1/1024 units.
        let frac = isqrt(dist * 1024 * 1024 / u64::from(total.max(1)));
        self.head = to;
        (
            SEEK_MIN + ROTATIONAL_LATENCY + SEEK_FULL * frac.min(1024) / 1024,
            true,
        )
    }

    /// Cost of switching to `mode`; returns whether it was a switch.
    pub fn switch(&mut self, mode: HeadMode) -> (u64, bool) {
        let switched = self.mode != HeadMode::Idle && self.mode != mode;
        self.mode = mode;
        if switched {
            (RW_SWITCH, true)
        } else {
            (0, false)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequential_access_costs_no_seek() {
        let mut t = Timing::default();
        assert_eq!(t.seek(0, 1000), (0, false));
        let (full, seeked) = t.seek(1000, 1000);
        assert!(seeked);
        assert_eq!(full, SEEK_MIN + ROTATIONAL_LATENCY + SEEK_FULL);
        assert_eq!(t.seek(1000, 1000), (0, false));
        assert_eq!(isqrt(1 << 20), 1024);
    }

    #[test]
    fn transfer_at_1x_cd() {
        // 75 blocks at 153.6 kB/s is one second of CD audio-speed reading.
        assert_eq!(transfer_ns(75, 153), 75 * 2048 * 1_000_000 / 153);
    }
}
