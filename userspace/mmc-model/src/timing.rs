//! The timing model: a deterministic virtual drive clock.
//!
//! Every command costs modelled drive time: a fixed overhead, a seek when
//! the head must move, a switch between reading and writing, and the
//! transfer at the selected speed.  The clock only moves with commands, so
//! the same command sequence always takes the same virtual time.  Each
//! figure and its source: Documentation/mmc-drive.rst, "Timing".

/// Nanoseconds in a millisecond.
pub const MS: u64 = 1_000_000;

/// Fixed cost of any command (decoding, status phase).
pub const COMMAND_OVERHEAD: u64 = MS / 5;
/// Minimum seek (track-to-track plus settling) when the head moves.
pub const SEEK_MIN: u64 = 10 * MS;
/// Additional seek for a full stroke; a seek over a fraction f of the disc
/// costs SEEK_MIN + SEEK_FULL * sqrt(f), plus the rotational latency.  The
/// mean of sqrt(f) between random places is 8/15, so a random access
/// averages 10 + 80 ms plus half a turn: the 100 ms "average access time
/// (including latency)" drive datasheets give.
pub const SEEK_FULL: u64 = 150 * MS;
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

/// Integer square root (Newton), for the seek curve and the radius.
pub(crate) fn isqrt(n: u64) -> u64 {
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
    sectors_ns(u64::from(blocks) * 2048, kbps)
}

/// Time for `bytes` at `kbps` kB/s: bytes / (kbps * 1000) s.
fn sectors_ns(bytes: u64, kbps: u32) -> u64 {
    bytes * 1_000_000 / u64::from(kbps.max(1))
}

/// The disc turning under the head at one speed and place: what passing
/// blocks and waiting for a block cost.  Every speed is taken as constant
/// linear velocity (CLV), as the rated write speeds of the model's media
/// are recorded (a block passes in the same time anywhere on the disc, a
/// turn takes longer outwards).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rotation {
    /// The speed, kB/s as MMC counts it for the medium.
    pub kbps: u32,
    /// Bytes per block that speed counts (2352 on CD, 2048 otherwise).
    pub sector_bytes: u32,
    /// Blocks on one turn at this place, in thousandths.
    pub rev_milliblocks: u64,
}

impl Rotation {
    /// The rotation of `kind` at physical block `phys` and `kbps`.
    pub fn of(kind: crate::media::MediumKind, phys: u32, kbps: u32) -> Self {
        Rotation {
            kbps,
            sector_bytes: kind.sector_bytes(),
            rev_milliblocks: kind.revolution_milliblocks(phys),
        }
    }

    /// Time for `blocks` to pass under the head (to read or record them).
    pub fn blocks_ns(&self, blocks: u32) -> u64 {
        sectors_ns(u64::from(blocks) * u64::from(self.sector_bytes), self.kbps)
    }

    /// Time of one turn of the disc.
    pub fn revolution_ns(&self) -> u64 {
        sectors_ns(
            self.rev_milliblocks * u64::from(self.sector_bytes),
            self.kbps,
        ) / 1000
    }

    /// Average rotational latency: half a turn.
    pub fn latency_ns(&self) -> u64 {
        self.revolution_ns() / 2
    }
}

/// Cost of a seek over `dist` of `total` blocks, with the rotational
/// latency at its end (`rot`): the same formula as [`Timing::seek`].
pub fn seek_ns(dist: u32, total: u32, rot: &Rotation) -> u64 {
    // sqrt(dist/total) in 1/1024 units.
    let frac = isqrt(u64::from(dist) * 1024 * 1024 / u64::from(total.max(1)));
    SEEK_MIN + SEEK_FULL * frac.min(1024) / 1024 + rot.latency_ns()
}

/// The verify pass after recording for `recording` ns at `rot`: whole
/// turns, one for each turn (or part of one) recorded, since the first
/// block recorded comes back under the head a turn after it was written.
pub fn verify_ns(recording: u64, rot: &Rotation) -> u64 {
    let turn = rot.revolution_ns().max(1);
    recording.div_ceil(turn) * turn
}

impl Timing {
    /// Cost of bringing physical block `to` under the head on a disc of
    /// `total` blocks, turning as `rot` says there; returns whether it was
    /// a seek.  A block less than one turn ahead is not sought: the drive
    /// waits for the blocks before it to pass (the link blocks before a
    /// CD-RW packet, a short gap), as a block behind or further ahead
    /// needs the head moved and then half a turn on average.
    pub fn seek(&mut self, to: u32, total: u32, rot: &Rotation) -> (u64, bool) {
        if to == self.head {
            return (0, false);
        }
        let ahead = to.wrapping_sub(self.head);
        let from = std::mem::replace(&mut self.head, to);
        if to > from && u64::from(ahead) * 1000 < rot.rev_milliblocks {
            return (rot.blocks_ns(ahead), false);
        }
        (seek_ns(to.abs_diff(from), total, rot), true)
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
    use crate::media::MediumKind;

    #[test]
    fn sequential_access_costs_no_seek() {
        let mut t = Timing::default();
        let rot = Rotation::of(MediumKind::DvdPlusRw, 0, 4 * 1385);
        assert_eq!(t.seek(0, 1000, &rot), (0, false));
        let (full, seeked) = t.seek(1000, 1000, &rot);
        assert!(seeked);
        assert_eq!(full, SEEK_MIN + SEEK_FULL + rot.latency_ns());
        assert_eq!(t.seek(1000, 1000, &rot), (0, false));
        assert_eq!(isqrt(1 << 20), 1024);
        // Behind the head: a seek, however close.
        assert!(t.seek(999, 1000, &rot).1);
    }

    #[test]
    fn a_block_less_than_a_turn_ahead_is_waited_for() {
        let mut t = Timing::default();
        // A CD turn holds 9.8 blocks at the inner edge.
        let rot = Rotation::of(MediumKind::CdRw, 0, 10 * 176);
        assert_eq!(t.seek(7, 360_000, &rot), (rot.blocks_ns(7), false));
        assert!(t.seek(17, 360_000, &rot).1, "10 blocks ahead is a turn");
    }

    #[test]
    fn transfer_at_1x_cd() {
        // 75 blocks at 153.6 kB/s is one second of CD audio-speed reading.
        assert_eq!(transfer_ns(75, 153), 75 * 2048 * 1_000_000 / 153);
        // CD speeds count 2352-byte sectors: 75 a second at 1x (176.4 kB/s).
        let cd = Rotation::of(MediumKind::CdRw, 0, 176);
        assert_eq!(cd.blocks_ns(75), 75 * 2352 * 1_000_000 / 176);
    }

    #[test]
    fn latency_is_half_a_turn_at_the_speed_and_radius() {
        // DVD at 1x (3.49 m/s): 1,390 rpm at 24 mm, 575 rpm at 58 mm.
        let inner = Rotation::of(MediumKind::DvdPlusRw, 0, 1385);
        let outer = Rotation::of(MediumKind::DvdPlusRw, 2_295_103, 1385);
        assert_eq!(inner.revolution_ns() / MS, 43, "{inner:?}");
        assert_eq!(outer.revolution_ns() / MS, 104, "{outer:?}");
        // CD-RW at 10x: 13 ms a turn at 25 mm, 30 ms at 58 mm.
        let cd = Rotation::of(MediumKind::CdRw, 0, 10 * 176);
        assert_eq!(cd.revolution_ns() / MS, 13);
        assert_eq!(
            Rotation::of(MediumKind::CdRw, 359_848, 10 * 176).revolution_ns() / MS,
            30
        );
        // Twice the speed, half the turn.
        let fast = Rotation::of(MediumKind::DvdPlusRw, 0, 2 * 1385);
        assert!(fast.latency_ns().abs_diff(inner.latency_ns() / 2) <= 1);
        assert_eq!(inner.latency_ns(), inner.revolution_ns() / 2);
        // BD at 1x (4.917 m/s): 1,950 rpm at 24 mm.
        let bd = Rotation::of(MediumKind::BdRe, 0, 4495);
        assert_eq!(bd.revolution_ns() / MS, 30, "{bd:?}");
    }

    #[test]
    fn random_access_averages_a_datasheet_100_ms() {
        // Every pair of places on a grid over a CD read at 24x.
        let total = 359_849u32;
        let (mut sum, mut n) = (0u64, 0u64);
        for i in 0..60u32 {
            for j in 0..60u32 {
                if i != j {
                    let to = j * (total / 60);
                    let rot = Rotation::of(MediumKind::CdRw, to, 24 * 176);
                    sum += seek_ns(i.abs_diff(j) * (total / 60), total, &rot);
                    n += 1;
                }
            }
        }
        let mean = sum / n / MS;
        assert!((90..=105).contains(&mean), "{mean} ms");
    }

    #[test]
    fn verify_takes_whole_turns() {
        let rot = Rotation::of(MediumKind::DvdRam, 0, 5 * 1385);
        let turn = rot.revolution_ns();
        assert_eq!(verify_ns(rot.blocks_ns(16), &rot), turn);
        assert_eq!(verify_ns(3 * turn, &rot), 3 * turn);
        assert_eq!(verify_ns(3 * turn + 1, &rot), 4 * turn);
    }
}
