//! A small, fast hasher for the short keys of the NLP tables (words, phrases, names, word ids).
//! FxHash-style (as in rustc): one multiply per 8 bytes rather than one per byte as FNV does.
//! The keys come from the transcript, but a caller who can choose the input only slows their own
//! run, so the DoS resistance of the default SipHash buys nothing.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

const K: u64 = 0xf135_7aea_2e62_a9c5;

/// FxHash-style hasher over 8-byte words.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Fx(u64);

impl Fx {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for Fx {
    #[inline]
    fn finish(&self) -> u64 {
        // The multiply leaves its best bits at the top; the table indexes with the low ones.
        self.0.rotate_left(26)
    }

    #[inline]
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(load8(c));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(load_partial(rest) ^ ((rest.len() as u64) << 59));
        }
    }

    #[inline]
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }

    #[inline]
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    #[inline]
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
}

/// The first eight bytes of `b` (at least eight), little-endian.
#[inline]
pub(crate) fn load8(b: &[u8]) -> u64 {
    let mut w = [0u8; 8];
    w.copy_from_slice(&b[..8]);
    u64::from_le_bytes(w)
}

/// Up to eight bytes of `b` as a little-endian number, zero-padded: `b` read with at most three
/// loads and no copy through memory (a copy of a variable length calls `memcpy`, and reading it
/// back stalls).
#[inline]
pub(crate) fn load_partial(b: &[u8]) -> u64 {
    let n = b.len();
    if n >= 8 {
        return load8(b);
    }
    if n >= 4 {
        let lo = u64::from(u32::from_le_bytes([b[0], b[1], b[2], b[3]]));
        let hi = u64::from(u32::from_le_bytes([b[n - 4], b[n - 3], b[n - 2], b[n - 1]]));
        // The two halves overlap on equal bytes, so OR puts each byte in its place once.
        return lo | (hi << (8 * (n - 4)));
    }
    if n == 0 {
        return 0;
    }
    u64::from(b[0])
        | (u64::from(b[n / 2]) << (8 * (n / 2)))
        | (u64::from(b[n - 1]) << (8 * (n - 1)))
}

/// The first eight bytes of `b`, zero-padded: a word's head, which most words compare in one step.
#[cfg(test)]
pub(crate) fn head_of(b: &[u8]) -> u64 {
    load_partial(&b[..b.len().min(8)])
}

/// `a == b` for short strings (speaker names) without a call to `memcmp`: equal lengths, then
/// at most two loads of eight bytes each side.
#[inline]
pub(crate) fn short_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let n = a.len();
    if n != b.len() {
        return false;
    }
    match n {
        0..=8 => load_partial(a) == load_partial(b),
        // Two overlapping words cover the bytes.
        9..=16 => load8(a) == load8(b) && load8(&a[n - 8..]) == load8(&b[n - 8..]),
        _ => a == b,
    }
}

/// `HashMap` with [`Fx`].
pub(crate) type FastMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;
/// `HashSet` with [`Fx`].
pub(crate) type FastSet<K> = HashSet<K, BuildHasherDefault<Fx>>;

#[cfg(test)]
mod tests {
    use super::*;
    use std::hash::BuildHasher;

    #[test]
    fn partial_loads_are_zero_padded_little_endian() {
        let bytes = b"abcdefghij";
        for n in 0..=10 {
            let mut w = [0u8; 8];
            let k = n.min(8);
            w[..k].copy_from_slice(&bytes[..k]);
            assert_eq!(load_partial(&bytes[..n]), u64::from_le_bytes(w), "{n}");
        }
    }

    #[test]
    fn short_eq_is_string_equality() {
        let words = [
            "",
            "a",
            "b",
            "ab",
            "a\0",
            "Dana",
            "Dana W",
            "abcdefgh",
            "abcdefgi",
            "abcdefghi",
            "bbcdefghi",
            "Dana Whitfield",
            "Dana Whitfielt",
            "Xana Whitfield",
            "a name longer than sixteen bytes",
            "a name longer than sixteen bytez",
        ];
        for a in words {
            for b in words {
                assert_eq!(short_eq(a, b), a == b, "{a:?} {b:?}");
            }
        }
    }

    #[test]
    fn distinct_short_keys_hash_apart() {
        let b = BuildHasherDefault::<Fx>::default();
        let keys = [
            "",
            "a",
            "b",
            "ab",
            "ba",
            "a\0",
            "abcdefgh",
            "abcdefghi",
            "abcdefgh\0",
        ];
        let hashes: FastSet<u64> = keys.iter().map(|k| b.hash_one(k)).collect();
        assert_eq!(hashes.len(), keys.len());
    }
}
