//! A tiny seeded PRNG (SplitMix64). Written out here rather than taken from
//! `rand` so that generated data stays byte-identical across crate versions.
//! Only exact IEEE operations (+, *, /, sqrt) are applied to its floats, so
//! the output does not depend on the platform's libm either.

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// The SplitMix64 finaliser: a bijection on `u64` with full avalanche, used
/// both to draw numbers and to derive unique ids from indexes.
pub(crate) fn mix64(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// A key for one named stream of a seed (songs, artists, ids...).
pub(crate) fn stream_key(seed: u64, stream: u64) -> u64 {
    mix64(seed ^ mix64(stream))
}

#[derive(Clone, Debug)]
pub(crate) struct Rng {
    state: u64,
}

impl Rng {
    pub(crate) fn new(seed: u64) -> Self {
        Rng { state: mix64(seed) }
    }

    /// The generator for item `index` of a stream: items can be regenerated
    /// on demand (e.g. song `i` for a matching play) instead of kept in memory.
    pub(crate) fn keyed(key: u64, index: u64) -> Self {
        Rng::new(key ^ mix64(index.wrapping_add(GOLDEN)))
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix64(self.state)
    }

    /// Uniform in `0..n` (0 when `n` is 0), by multiply-shift: no modulo bias
    /// worth mentioning and no rejection loop.
    pub(crate) fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// Uniform in `[0, 1)` with 53 random bits.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len() as u64) as usize]
    }

    /// An index in `0..n` skewed toward 0 (density ~ 1/sqrt(x)): a few hot
    /// songs and heavy users, a long tail of rare ones.
    pub(crate) fn skewed(&mut self, n: u64) -> u64 {
        let r = self.unit();
        ((r * r * n as f64) as u64).min(n.saturating_sub(1))
    }
}
