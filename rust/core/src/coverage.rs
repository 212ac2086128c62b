// SPDX-License-Identifier: GPL-2.0

//! Which frames of a packet are covered (by writes, or by data already in
//! the buffer), and the runs of frames that must be read ("gathered")
//! before the packet can be written whole.

use super::zone::MAX_PACKET_FRAMES;

/// A set of frames of one packet (at most 128).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Coverage(u128);

impl Coverage {
    /// No frame.
    pub const fn none() -> Self {
        Coverage(0)
    }

    /// All `frames` frames.
    pub const fn all(frames: u32) -> Self {
        if frames >= MAX_PACKET_FRAMES {
            Coverage(u128::MAX)
        } else {
            Coverage((1u128 << frames) - 1)
        }
    }

    /// Adds frames `first..first+count`, clipped to the packet.
    pub fn add(&mut self, first: u32, count: u32) {
        let end = first.saturating_add(count).min(MAX_PACKET_FRAMES);
        for f in first.min(end)..end {
            self.0 |= 1u128 << f;
        }
    }

    /// Adds every frame of `other`.
    pub fn union(&mut self, other: &Coverage) {
        self.0 |= other.0;
    }

    /// Whether frame `f` is in the set.
    pub const fn has(&self, f: u32) -> bool {
        f < MAX_PACKET_FRAMES && self.0 & (1u128 << f) != 0
    }

    /// Whether all `frames` frames are in the set.
    pub const fn is_full(&self, frames: u32) -> bool {
        let all = Coverage::all(frames).0;
        self.0 & all == all
    }

    /// Frames of the set.
    pub const fn count(&self) -> u32 {
        self.0.count_ones()
    }

    /// The runs `(first, count)` of frames below `frames` that are not in
    /// the set, in order.
    pub fn missing_runs(&self, frames: u32) -> impl Iterator<Item = (u32, u32)> + '_ {
        let frames = frames.min(MAX_PACKET_FRAMES);
        let mut f = 0;
        core::iter::from_fn(move || {
            while f < frames && self.has(f) {
                f += 1;
            }
            if f >= frames {
                return None;
            }
            let first = f;
            while f < frames && !self.has(f) {
                f += 1;
            }
            Some((first, f - first))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_to_gather() {
        let mut c = Coverage::none();
        c.add(4, 2);
        c.add(10, 1);
        let runs: Vec<_> = c.missing_runs(16).collect();
        assert_eq!(runs, vec![(0, 4), (6, 4), (11, 5)]);
        assert!(!c.is_full(16));
        c.add(0, 16);
        assert!(c.is_full(16));
        assert_eq!(c.missing_runs(16).count(), 0);
        assert_eq!(c.count(), 16);
    }

    #[test]
    fn largest_packets_and_clipping() {
        let mut c = Coverage::none();
        c.add(120, 50);
        assert_eq!(c.count(), 8);
        assert!(Coverage::all(128).is_full(128));
        assert_eq!(
            Coverage::none().missing_runs(128).collect::<Vec<_>>(),
            vec![(0, 128)]
        );
    }
}
