// SPDX-License-Identifier: GPL-2.0

//! Packet geometry: which zone (packet) a frame belongs to, where zones
//! start and end, and where a bio must be split.
//!
//! Zones are `frames` frames long and aligned to the track start `start`:
//! zone k covers frames `start + k*frames .. start + (k+1)*frames`.  Plain
//! division, so any packet size from 1 to 128 frames works, not only powers
//! of two (the C driver's bitmask arithmetic did not, and mishandled a
//! non-zero track start).

use core::num::NonZeroU64;

/// Sectors (512 bytes) per frame (2048 bytes).
pub const SECTORS_PER_FRAME: u64 = 4;
/// Bytes per frame.
pub const FRAME_BYTES: u64 = 2048;
/// Largest packet the driver handles, in frames (256 KiB).
pub const MAX_PACKET_FRAMES: u32 = 128;

/// Whether `bytes` at `sector` are whole frames.  Frames are a power of
/// two, so masks test it (`is_multiple_of` is newer than rustc 1.85).
pub const fn whole_frames(sector: u64, bytes: u64) -> bool {
    sector & (SECTORS_PER_FRAME - 1) == 0 && bytes & (FRAME_BYTES - 1) == 0
}

/// A write's frames within one zone ([`Geometry::shares`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ZoneShare {
    /// First frame.
    pub frame: u64,
    /// Frames of the write before this share's.
    pub skip: u32,
    /// Frames (at most one zone's).
    pub frames: u32,
    /// The write's last share.
    pub last: bool,
}

/// The packet layout of a disc.
///
/// # Invariants
///
/// `1 <= frames <= MAX_PACKET_FRAMES`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Geometry {
    start: u32,
    frames: u32,
}

impl Geometry {
    /// Packets of `frames` frames from frame `start`; `None` for a size
    /// outside 1..=128.
    pub const fn new(start: u32, frames: u32) -> Option<Self> {
        if frames == 0 || frames > MAX_PACKET_FRAMES {
            return None;
        }
        Some(Geometry { start, frames })
    }

    /// Frames per packet.
    pub const fn frames(&self) -> u32 {
        self.frames
    }

    /// The first frame of the track.
    pub const fn start(&self) -> u32 {
        self.start
    }

    /// Frames per packet as a divisor that is never zero (by the type
    /// invariant), so dividing by it needs no check (and no panic path).
    const fn divisor(&self) -> NonZeroU64 {
        match NonZeroU64::new(self.frames as u64) {
            Some(d) => d,
            None => NonZeroU64::MIN,
        }
    }

    /// The first frame of the zone holding `frame`, or `None` for frames
    /// before the track (not writable in packets).
    pub fn zone_of(&self, frame: u64) -> Option<u64> {
        let start = u64::from(self.start);
        if frame < start {
            return None;
        }
        Some(start + (frame - start) / self.divisor() * u64::from(self.frames))
    }

    /// How many zones frames `frame..frame+frames` touch (0 for none),
    /// or `None` if they start before the track.
    pub fn zones_touched(&self, frame: u64, frames: u64) -> Option<u64> {
        if frames == 0 {
            return Some(0);
        }
        match (
            self.zone_of(frame),
            self.zone_of(frame.saturating_add(frames - 1)),
        ) {
            (Some(first), Some(last)) => Some((last - first) / self.divisor() + 1),
            _ => None,
        }
    }
}

impl Geometry {
    /// A write of `frames` frames from `first` cut at zone boundaries: one
    /// share per zone it touches, in order (the submitter queues each as a
    /// piece).  None if it starts before the track.
    pub fn shares(&self, first: u64, frames: u64) -> impl Iterator<Item = ZoneShare> {
        let g = *self;
        let end = first.saturating_add(frames);
        let mut at = first;
        core::iter::from_fn(move || {
            if at >= end {
                return None;
            }
            let zone_end = g.zone_of(at)? + u64::from(g.frames);
            let n = zone_end.min(end) - at;
            let share = ZoneShare {
                frame: at,
                skip: (at - first) as u32,
                frames: n as u32,
                last: zone_end >= end,
            };
            at += n;
            Some(share)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_frames_only() {
        assert!(whole_frames(0, 2048));
        assert!(whole_frames(8, 4096));
        assert!(!whole_frames(1, 2048));
        assert!(!whole_frames(4, 512));
        assert!(whole_frames(4, 0));
    }

    #[test]
    fn sizes_are_validated() {
        assert!(Geometry::new(0, 0).is_none());
        assert!(Geometry::new(0, 129).is_none());
        assert!(Geometry::new(0, 128).is_some());
        assert!(Geometry::new(0, 1).is_some());
    }

    #[test]
    fn power_of_two_zones_from_zero() {
        let g = Geometry::new(0, 32).unwrap();
        assert_eq!(g.zone_of(0), Some(0));
        assert_eq!(g.zone_of(31), Some(0));
        assert_eq!(g.zone_of(32), Some(32));
        assert_eq!(g.zone_of(41), Some(32));
        assert_eq!(g.zones_touched(0, 32), Some(1));
        assert_eq!(g.zones_touched(41, 24), Some(2));
    }

    #[test]
    fn odd_sizes_and_a_track_start() {
        let g = Geometry::new(16, 20).unwrap();
        assert_eq!(g.zone_of(15), None);
        assert_eq!(g.zone_of(16), Some(16));
        assert_eq!(g.zone_of(35), Some(16));
        assert_eq!(g.zone_of(36), Some(36));
        assert_eq!(g.zones_touched(36, 20), Some(1));
        // The C bitmask put sector 56 (frame 14) of a 64-sector packet with
        // offset 16 into the zone after it; division never does that.
        let g = Geometry::new(4, 16).unwrap();
        assert_eq!(g.zone_of(14), Some(4));
    }

    #[test]
    fn zones_a_write_touches() {
        let g = Geometry::new(16, 32).unwrap();
        assert_eq!(g.zones_touched(16, 0), Some(0));
        assert_eq!(g.zones_touched(16, 32), Some(1));
        assert_eq!(g.zones_touched(16, 33), Some(2));
        assert_eq!(g.zones_touched(47, 2), Some(2));
        assert_eq!(g.zones_touched(20, 512), Some(17));
        assert_eq!(g.zones_touched(15, 1), None);
        // Agrees with walking the zones one by one.
        for frames in [1u32, 3, 16, 32, 128] {
            let g = Geometry::new(5, frames).unwrap();
            for first in 5..5 + 2 * u64::from(frames) {
                for len in 1..300u64 {
                    let walked = (first..first + len)
                        .filter(|&f| g.zone_of(f) == Some(f) || f == first)
                        .count();
                    assert_eq!(g.zones_touched(first, len), Some(walked as u64));
                }
            }
        }
    }

    #[test]
    fn shares_cut_a_write_at_zone_boundaries() {
        for frames in [1u32, 3, 16, 32, 128] {
            let g = Geometry::new(5, frames).unwrap();
            for first in 5..5 + 2 * u64::from(frames) {
                for len in 1..300u64 {
                    let shares: Vec<_> = g.shares(first, len).collect();
                    assert_eq!(shares.len() as u64, g.zones_touched(first, len).unwrap());
                    let mut at = first;
                    for (i, s) in shares.iter().enumerate() {
                        assert_eq!((s.frame, u64::from(s.skip)), (at, at - first));
                        assert!(s.frames >= 1);
                        // Within one zone.
                        assert_eq!(
                            g.zone_of(s.frame),
                            g.zone_of(s.frame + u64::from(s.frames) - 1)
                        );
                        assert_eq!(s.last, i + 1 == shares.len());
                        at += u64::from(s.frames);
                    }
                    assert_eq!(at, first + len);
                }
            }
        }
        let g = Geometry::new(16, 32).unwrap();
        assert_eq!(g.shares(15, 4).count(), 0);
        assert_eq!(g.shares(16, 0).count(), 0);
    }

    #[test]
    fn every_frame_lies_in_its_zone() {
        for frames in 1..=MAX_PACKET_FRAMES {
            let g = Geometry::new(3, frames).unwrap();
            for f in 3..3 + 3 * u64::from(frames) {
                let z = g.zone_of(f).unwrap();
                assert!(z <= f && f < z + u64::from(frames));
                assert_eq!((z - 3) % u64::from(frames), 0);
            }
        }
    }
}
