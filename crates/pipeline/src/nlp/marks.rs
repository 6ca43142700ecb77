//! A sentence's tokens by their bits, as bit sets (bit `i` of word `i / 64` for token `i`),
//! built once per sentence for every stage: a stage then visits only the tokens it can act on
//! (capitalised words, trigger and gazetteer openers, topic words...) instead of testing every
//! token, and skips a sentence outright when its set is empty. The sets are read from the
//! token infos sixteen at a time (one shift and one sign-bit gather per bit), so building them
//! costs less than one of the passes they replace.

use std::borrow::Cow;

use super::patterns::Sent;
use super::vocab::{
    T_CAP, T_INNER_UPPER, T_PLAIN, T_UPPER0, T_WORD, TokInfo, W_GAZ_ANY, W_START, W_TOPIC,
    W_TRIG_ANY,
};

/// The token bits that get a set; [`Marks::for_each`] takes combinations of them.
const MARKED: [u32; 9] = [
    T_WORD,
    W_TOPIC,
    T_INNER_UPPER,
    T_UPPER0,
    W_TRIG_ANY,
    W_GAZ_ANY,
    T_CAP,
    W_START,
    T_PLAIN,
];
const K: usize = MARKED.len();

// The x86_64 fill reads each marked bit from the low three bytes of a token's bits.
const _: () = {
    let mut k = 0;
    while k < K {
        assert!(MARKED[k].is_power_of_two() && MARKED[k].trailing_zeros() < 24);
        k += 1;
    }
};

/// The index in [`MARKED`] of the single bit `bit`.
#[inline(always)]
const fn slot(bit: u32) -> usize {
    let mut k = 0;
    while k < K {
        if MARKED[k] == bit {
            return k;
        }
        k += 1;
    }
    panic!("a bit without a set")
}

/// A set of [`Marks`] by where its words are: the tokens with the bits of two words (`a` and
/// `b`) or without the bit of a third (`not`), the all-tokens word standing for a missing one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sel {
    a: usize,
    b: usize,
    not: usize,
}

impl Sel {
    /// The tokens with every bit of `bits` (at most two bits of [`MARKED`]; every token for
    /// none) or without the bit `not` (one of them, or 0 for none).
    #[inline(always)]
    pub const fn new(bits: u32, not: u32) -> Self {
        let low = bits & bits.wrapping_neg();
        Sel {
            a: slot_or_all(low),
            b: slot_or_all(bits & !low),
            not: slot_or_all(not),
        }
    }
}

/// [`slot`] of `bit`, the all-tokens word for 0.
#[inline(always)]
const fn slot_or_all(bit: u32) -> usize {
    if bit == 0 { K } else { slot(bit) }
}

/// The sets of one sentence's tokens; see the module docs.
#[derive(Debug, Default, Clone)]
pub(crate) struct Marks {
    /// The bits of every token OR-ed together.
    pub any: u32,
    /// Tokens covered.
    n: usize,
    /// For each 64 tokens in turn, one word per bit of [`MARKED`].
    sets: Vec<u64>,
}

/// Marks of no tokens, for sentences built without them (tests): see [`marks`].
#[cfg(test)]
pub(crate) static NONE: Marks = Marks {
    any: 0,
    n: 0,
    sets: Vec::new(),
};

/// Whether the sentence came with its marks (see [`marks`]).
#[inline]
pub(crate) fn ready(s: &Sent<'_>) -> bool {
    s.marks.n == s.toks.len() && s.flags.len() == s.toks.len()
}

/// The sentence's marks: its own, or computed from `infos` now when it came without them.
pub(crate) fn marks<'a>(s: &Sent<'a>, infos: &[TokInfo]) -> Cow<'a, Marks> {
    if ready(s) {
        Cow::Borrowed(s.marks)
    } else {
        let mut m = Marks::default();
        m.fill(infos);
        Cow::Owned(m)
    }
}

/// Words per 64 tokens: one per bit of [`MARKED`], then one with every token (which stands
/// for a missing bit in [`Sel::new`]).
const S: usize = K + 1;

impl Marks {
    /// Marks the tokens of `infos` (one sentence's).
    pub fn fill(&mut self, infos: &[TokInfo]) {
        self.n = infos.len();
        let words = infos.len().div_ceil(64) * S;
        if self.sets.len() != words {
            self.sets.resize(words, 0);
        }
        let mut any = 0;
        for (chunk, out) in infos.chunks(64).zip(self.sets.chunks_exact_mut(S)) {
            let mut acc = [0u64; K];
            for (g, sixteen) in chunk.chunks(16).enumerate() {
                // The bits side by side, zero past the sentence's end.
                // Copied four at a time: a loop step per token costs more than the copy.
                let mut bits = [0u32; 16];
                let quads = sixteen.chunks_exact(4);
                let rest = quads.remainder();
                let mut q = 0;
                for four in quads {
                    bits[q..q + 4].copy_from_slice(&[
                        four[0].bits,
                        four[1].bits,
                        four[2].bits,
                        four[3].bits,
                    ]);
                    q += 4;
                }
                for (b, f) in bits[q..].iter_mut().zip(rest) {
                    *b = f.bits;
                }
                any |= set_bits(&bits, 16 * g, &mut acc);
            }
            out[..K].copy_from_slice(&acc);
            // The sentence's tokens of this 64: the sets of bits are zero past its end, so
            // with this word a set's words need no mask of their own.
            out[K] = u64::MAX >> (64 - chunk.len());
        }
        self.any = any;
    }

    /// The words of each 64 tokens in turn (`fill` keeps one group per 64 tokens), for the
    /// loops below: no index to check per word.
    #[inline(always)]
    fn groups(&self) -> impl Iterator<Item = (usize, &[u64; S])> {
        self.sets.as_chunks::<S>().0.iter().enumerate()
    }

    /// Calls `f` with each token that has every bit of `bits` or lacks the bit `not` (as in
    /// [`Sel::new`]), in order.
    #[inline(always)]
    pub fn for_each(&self, bits: u32, not: u32, f: impl FnMut(usize)) {
        self.for_each_in(Sel::new(bits, not), f);
    }

    /// Calls `f` with each token of the set `sel`, in order.
    #[inline(always)]
    pub fn for_each_in(&self, sel: Sel, mut f: impl FnMut(usize)) {
        for (w, at) in self.groups() {
            let mut m = in_words(at, sel);
            while m != 0 {
                f(64 * w + m.trailing_zeros() as usize);
                m &= m - 1;
            }
        }
    }

    /// The first `Some` that `f` gives for a token with every bit of `bits` (as in
    /// [`Sel::new`]), in order.
    #[inline(always)]
    pub fn find_map<R>(&self, bits: u32, mut f: impl FnMut(usize) -> Option<R>) -> Option<R> {
        let sel = Sel::new(bits, 0);
        for (w, at) in self.groups() {
            let mut m = in_words(at, sel);
            while m != 0 {
                if let Some(r) = f(64 * w + m.trailing_zeros() as usize) {
                    return Some(r);
                }
                m &= m - 1;
            }
        }
        None
    }

    /// Whether some token has every bit of `bits` (as in [`Sel::new`]).
    #[inline]
    pub fn any_has(&self, bits: u32) -> bool {
        let sel = Sel::new(bits, 0);
        self.groups().any(|(_, at)| in_words(at, sel) != 0)
    }
}

/// The set `sel`'s word among the words `at` of 64 tokens: only the sentence's tokens, since
/// the words of the bits are zero past its end and the all-tokens word holds exactly its tokens.
#[inline(always)]
fn in_words(at: &[u64; S], sel: Sel) -> u64 {
    (at[sel.a] & at[sel.b]) | (!at[sel.not] & at[K])
}

/// Adds sixteen tokens' `bits` (zero past the sentence's end), the first being token `at` of
/// their 64, to the sets `acc` (one word per bit of [`MARKED`]); returns their bits OR-ed.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn set_bits(bits: &[u32; 16], at: usize, acc: &mut [u64; K]) -> u32 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cvtsi32_si128, _mm_cvtsi128_si32, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_packs_epi32, _mm_packus_epi16, _mm_set1_epi32,
        _mm_shuffle_epi32, _mm_sll_epi16, _mm_srl_epi32,
    };
    // SAFETY: SSE2 is part of the x86_64 baseline; each unaligned load reads four of the
    // sixteen `u32` of `bits`.
    unsafe {
        let p = bits.as_ptr().cast::<__m128i>();
        let v = [0, 1, 2, 3].map(|k| _mm_loadu_si128(p.add(k)));
        // Byte `k` of each token's bits, the sixteen tokens side by side.
        let byte = |k: i32| {
            let one = |x: __m128i| {
                _mm_and_si128(
                    _mm_srl_epi32(x, _mm_cvtsi32_si128(8 * k)),
                    _mm_set1_epi32(0xff),
                )
            };
            _mm_packus_epi16(
                _mm_packs_epi32(one(v[0]), one(v[1])),
                _mm_packs_epi32(one(v[2]), one(v[3])),
            )
        };
        let bytes = [byte(0), byte(1), byte(2)];
        for (k, &bit) in MARKED.iter().enumerate() {
            let b = bit.trailing_zeros();
            // The bit moved to its byte's top, which the gather reads.
            let shift = _mm_cvtsi32_si128(7 - (b % 8) as i32);
            let up = _mm_sll_epi16(bytes[(b / 8) as usize], shift);
            acc[k] |= u64::from(_mm_movemask_epi8(up) as u16) << at;
        }
        let any = _mm_or_si128(_mm_or_si128(v[0], v[1]), _mm_or_si128(v[2], v[3]));
        let any = _mm_or_si128(any, _mm_shuffle_epi32::<0b01_00_11_10>(any));
        let any = _mm_or_si128(any, _mm_shuffle_epi32::<0b10_11_00_01>(any));
        _mm_cvtsi128_si32(any) as u32
    }
}

/// Adds sixteen tokens' `bits` (zero past the sentence's end), the first being token `at` of
/// their 64, to the sets `acc` (one word per bit of [`MARKED`]); returns their bits OR-ed.
#[cfg(not(target_arch = "x86_64"))]
#[inline(always)]
fn set_bits(bits: &[u32; 16], at: usize, acc: &mut [u64; K]) -> u32 {
    let mut any = 0;
    for (i, &b) in bits.iter().enumerate() {
        any |= b;
        for (k, &bit) in MARKED.iter().enumerate() {
            acc[k] |= u64::from(b & bit != 0) << (at + i);
        }
    }
    any
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Infos with the given bits.
    fn infos(bits: &[u32]) -> Vec<TokInfo> {
        bits.iter()
            .map(|&bits| TokInfo {
                id: 0,
                bits,
                gaz: 0,
                trig: 0,
                gaz_cross: 0,
                trig_cross: 0,
                pat: 0,
            })
            .collect()
    }

    proptest! {
        #[test]
        fn sets_are_the_tokens_with_the_bits(
            picks in proptest::collection::vec(proptest::collection::vec(0..K, 0..4), 0..200),
            a in 0..K,
            b in 0..K,
        ) {
            let bits: Vec<u32> = picks
                .iter()
                .map(|p| p.iter().fold(1 << 5, |acc, &k| acc | MARKED[k]))
                .collect();
            let mut m = Marks::default();
            // Refilled: nothing of a longer sentence stays behind.
            m.fill(&infos(&[u32::MAX; 150]));
            m.fill(&infos(&bits));
            let ones = |bits: u32, not: u32| {
                let mut v = Vec::new();
                m.for_each(bits, not, |i| v.push(i));
                v
            };
            prop_assert_eq!(ones(0, 0).len(), bits.len());
            let want = MARKED[a] | MARKED[b];
            let naive: Vec<usize> =
                (0..bits.len()).filter(|&i| bits[i] & want == want).collect();
            prop_assert_eq!(ones(want, 0), naive.clone());
            prop_assert_eq!(m.find_map(want, Some), naive.first().copied());
            let (not, only) = (MARKED[b], MARKED[a]);
            let either: Vec<usize> = (0..bits.len())
                .filter(|&i| bits[i] & only == only || bits[i] & not == 0)
                .collect();
            prop_assert_eq!(ones(only, not), either);
            prop_assert_eq!(m.any_has(want), !naive.is_empty());
            prop_assert_eq!(m.any, bits.iter().fold(0, |x, &y| x | y));
        }
    }
}
