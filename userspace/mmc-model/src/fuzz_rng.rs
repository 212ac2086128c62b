// SPDX-License-Identifier: GPL-2.0

//! A small deterministic random source for the project's fuzzers (the
//! model's own and `pkt-ioctl fuzz`): a seed reproduces a run.

/// xorshift64*: small, deterministic, good enough for fuzzing.
///
/// # Invariants
///
/// The state is never 0 (xorshift would stay at 0 for ever).
pub struct FuzzRng(u64);

impl FuzzRng {
    /// A generator for `seed` (0 is taken as 1).
    pub fn new(seed: u64) -> Self {
        FuzzRng(seed.max(1))
    }

    /// The next 64 random bits.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// A random byte.
    pub fn byte(&mut self) -> u8 {
        self.next() as u8
    }
}
