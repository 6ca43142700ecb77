//! Searching short byte strings for a few ASCII bytes, 16 at a time with SSE2 (baseline on
//! x86_64) and a table that decides: cheaper than `memchr`'s per-call setup for the cue lines,
//! captions and transcript entries this crate scans, and shared by the parser, the utterance
//! stage and the renderers.

/// A set of ASCII bytes to search for.
pub(crate) trait ByteSet {
    /// `TABLE[b]` is true when byte `b` is in the set.
    const TABLE: [bool; 256];

    /// A mask with bit `k` set for every byte `k` of the 16 that may be in the set (a superset
    /// is fine: the table decides).
    ///
    /// # Safety
    /// `block` must hold at least 16 bytes.
    #[cfg(target_arch = "x86_64")]
    unsafe fn candidates(block: *const u8) -> u32;
}

/// The set of the ASCII bytes `A` and `B` (one byte: the same twice), its table and its
/// vector test both derived from them.
pub(crate) struct Either<const A: u8, const B: u8>;

impl<const A: u8, const B: u8> ByteSet for Either<A, B> {
    const TABLE: [bool; 256] = table(&[A, B]);

    #[cfg(target_arch = "x86_64")]
    #[inline]
    unsafe fn candidates(block: *const u8) -> u32 {
        // SAFETY: forwarded from the caller.
        let v = unsafe { sse::load(block) };
        sse::mask(&[sse::eq(v, A), sse::eq(v, B)])
    }
}

/// The table of `set`.
pub(crate) const fn table(set: &[u8]) -> [bool; 256] {
    let mut t = [false; 256];
    let mut i = 0;
    while i < set.len() {
        t[set[i] as usize] = true;
        i += 1;
    }
    t
}

#[cfg(target_arch = "x86_64")]
pub(crate) mod sse {
    pub(crate) use std::arch::x86_64::{
        __m128i, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_min_epu8, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8, _mm_sub_epi8,
    };

    /// Bytes of `v` equal to `b`, as a vector of 0xFF/0x00.
    #[inline]
    pub(crate) fn eq(v: __m128i, b: u8) -> __m128i {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8)) }
    }

    /// Bytes of `v` in `lo..=hi`, as a vector of 0xFF/0x00.
    #[inline]
    pub(crate) fn within(v: __m128i, lo: u8, hi: u8) -> __m128i {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe {
            let d = _mm_sub_epi8(v, _mm_set1_epi8(lo as i8));
            _mm_cmpeq_epi8(_mm_min_epu8(d, _mm_set1_epi8((hi - lo) as i8)), d)
        }
    }

    /// `a | b`.
    #[inline]
    pub(crate) fn or(a: __m128i, b: __m128i) -> __m128i {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { _mm_or_si128(a, b) }
    }

    /// The byte mask of `v`: bit `k` is the top bit of byte `k`.
    #[inline]
    pub(crate) fn bits(v: __m128i) -> u32 {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe { _mm_movemask_epi8(v) as u32 }
    }

    /// ORs the vectors and returns their byte mask.
    #[inline]
    pub(crate) fn mask(parts: &[__m128i]) -> u32 {
        // SAFETY: SSE2 is part of the x86_64 baseline.
        unsafe {
            let mut acc = parts[0];
            for p in &parts[1..] {
                acc = _mm_or_si128(acc, *p);
            }
            _mm_movemask_epi8(acc) as u32
        }
    }

    /// Loads 16 bytes.
    ///
    /// # Safety
    /// `p` must point to at least 16 readable bytes.
    #[inline]
    pub(crate) unsafe fn load(p: *const u8) -> __m128i {
        // SAFETY: the caller guarantees 16 readable bytes; the load is unaligned.
        unsafe { _mm_loadu_si128(p.cast::<__m128i>()) }
    }
}

/// Index of the first byte of `b[from..]` in `S`, or `None`.
#[inline]
pub(crate) fn next_in_set<S: ByteSet>(b: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    // Most text has no special byte for hundreds of bytes: 64 at a time until one may show.
    #[cfg(target_arch = "x86_64")]
    while let Some(block) = b.get(at..at + 64) {
        // SAFETY: `block` holds 64 bytes.
        let any = unsafe {
            S::candidates(block.as_ptr())
                | S::candidates(block.as_ptr().add(16))
                | S::candidates(block.as_ptr().add(32))
                | S::candidates(block.as_ptr().add(48))
        };
        if any != 0 {
            break;
        }
        at += 64;
    }
    next_in_set_near::<S>(b, at)
}

/// [`next_in_set`] for a byte expected within the first few blocks (a `Name:` colon): 16 bytes
/// at a time from the start, without first skipping 64-byte stretches.
#[inline]
pub(crate) fn next_in_set_near<S: ByteSet>(b: &[u8], from: usize) -> Option<usize> {
    let mut at = from;
    #[cfg(target_arch = "x86_64")]
    while let Some(block) = b.get(at..at + 16) {
        // SAFETY: `block` holds 16 bytes.
        let mut m = unsafe { S::candidates(block.as_ptr()) };
        while m != 0 {
            let k = m.trailing_zeros() as usize;
            if S::TABLE[usize::from(block[k])] {
                return Some(at + k);
            }
            m &= m - 1;
        }
        at += 16;
    }
    // The last partial block: the final 16 bytes again, without the ones already looked at.
    #[cfg(target_arch = "x86_64")]
    if at < b.len() && b.len() >= 16 {
        let start = b.len() - 16;
        // SAFETY: `b[start..]` holds 16 bytes.
        let mut m = unsafe { S::candidates(b[start..].as_ptr()) } & (u32::MAX << (at - start));
        while m != 0 {
            let k = m.trailing_zeros() as usize;
            if S::TABLE[usize::from(b[start + k])] {
                return Some(start + k);
            }
            m &= m - 1;
        }
        return None;
    }
    b.get(at..)?
        .iter()
        .position(|&c| S::TABLE[usize::from(c)])
        .map(|i| at + i)
}
