//! Byte classes of 64-byte blocks as bit masks (bit `k` for byte `k`), for the fast paths of
//! cleaning and sentence splitting over printable ASCII: words, marks and punctuation are then
//! found with bit operations instead of a branch per byte.

/// The classes of one block's bytes.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Classes {
    /// `' '`.
    pub(crate) space: u64,
    /// Sentence end marks: `.`, `!`, `?`.
    pub(crate) mark: u64,
    /// Punctuation that trails a word's core: `,` `.` `?` `!` `;` `:`.
    pub(crate) trail: u64,
    /// Quotes and brackets that open a word's core: `"` `'` `(`.
    pub(crate) open: u64,
    /// ASCII letters and digits.
    pub(crate) alnum: u64,
    /// Bytes outside `0x20..0x80` (control characters, non-ASCII).
    pub(crate) bad: u64,
    /// Bytes from `0x80` (parts of non-ASCII characters).
    pub(crate) high: u64,
}

/// Classes of the bytes of `chunk`.
#[cfg(target_arch = "x86_64")]
// Always inlined: each caller uses a few of the masks, and the rest are then never computed.
#[inline(always)]
pub(crate) fn classify(chunk: &[u8; 64]) -> Classes {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_cmpgt_epi8, _mm_cmplt_epi8, _mm_loadu_si128,
        _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8,
    };
    let mut c = Classes::default();
    for (i, sixteen) in chunk.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of the x86_64 baseline, and the unaligned load reads the 16
        // bytes of `sixteen`.
        let bits = unsafe {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>());
            let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            // Signed compares: bytes from 0x80 are negative, below every bound used here.
            let within = |x: __m128i, lo: u8, hi: u8| {
                _mm_and_si128(
                    _mm_cmpgt_epi8(x, _mm_set1_epi8(lo as i8 - 1)),
                    _mm_cmplt_epi8(x, _mm_set1_epi8(hi as i8 + 1)),
                )
            };
            let mark = _mm_or_si128(_mm_or_si128(is(b'.'), is(b'!')), is(b'?'));
            let trail = _mm_or_si128(
                mark,
                _mm_or_si128(_mm_or_si128(is(b','), is(b';')), is(b':')),
            );
            let open = _mm_or_si128(_mm_or_si128(is(b'"'), is(b'\'')), is(b'('));
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let alnum = _mm_or_si128(within(folded, b'a', b'z'), within(v, b'0', b'9'));
            let bad = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
            [is(b' '), mark, trail, open, alnum, bad, v].map(|m| _mm_movemask_epi8(m) as u16)
        };
        let at = 16 * i;
        c.space |= u64::from(bits[0]) << at;
        c.mark |= u64::from(bits[1]) << at;
        c.trail |= u64::from(bits[2]) << at;
        c.open |= u64::from(bits[3]) << at;
        c.alnum |= u64::from(bits[4]) << at;
        c.bad |= u64::from(bits[5]) << at;
        c.high |= u64::from(bits[6]) << at;
    }
    c
}

/// Classes of the bytes of `chunk`.
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn classify(chunk: &[u8; 64]) -> Classes {
    let mut c = Classes::default();
    for (k, &b) in chunk.iter().enumerate() {
        c.space |= u64::from(b == b' ') << k;
        c.mark |= u64::from(matches!(b, b'.' | b'!' | b'?')) << k;
        c.trail |= u64::from(matches!(b, b',' | b'.' | b'?' | b'!' | b';' | b':')) << k;
        c.open |= u64::from(matches!(b, b'"' | b'\'' | b'(')) << k;
        c.alnum |= u64::from(b.is_ascii_alphanumeric()) << k;
        c.bad |= u64::from(!(0x20..0x80).contains(&b)) << k;
        c.high |= u64::from(b >= 0x80) << k;
    }
    c
}

/// Bit `k` set when bytes `k` and `k + 1` of `block` (at least 65 bytes) may open a filler
/// or an aside: in ASCII case "um", "uh", "er", "ah", "hm", "mm", "mh" or "yo", or `I`
/// followed by a space or trailing punctuation (`,.?!;:`).
#[cfg(target_arch = "x86_64")]
#[inline]
pub(crate) fn filler_starts(block: &[u8]) -> u64 {
    use std::arch::x86_64::{
        __m128i, _mm_and_si128, _mm_cmpeq_epi8, _mm_loadu_si128, _mm_movemask_epi8, _mm_or_si128,
        _mm_set1_epi8,
    };
    assert!(block.len() > 64, "a block and the byte after it");
    let mut out = 0u64;
    for i in 0..4 {
        // SAFETY: SSE2 is part of the x86_64 baseline; the loads read bytes
        // `16 * i..16 * i + 17` of `block`, which holds at least 65.
        let bits = unsafe {
            let v = _mm_loadu_si128(block.as_ptr().add(16 * i).cast::<__m128i>());
            let n = _mm_loadu_si128(block.as_ptr().add(16 * i + 1).cast::<__m128i>());
            let eq = |x: __m128i, b: u8| _mm_cmpeq_epi8(x, _mm_set1_epi8(b as i8));
            let (f, g) = (
                _mm_or_si128(v, _mm_set1_epi8(0x20)),
                _mm_or_si128(n, _mm_set1_epi8(0x20)),
            );
            let m_or_h = _mm_or_si128(eq(g, b'm'), eq(g, b'h'));
            let pairs = _mm_or_si128(
                _mm_or_si128(
                    _mm_and_si128(_mm_or_si128(eq(f, b'u'), eq(f, b'm')), m_or_h),
                    _mm_and_si128(eq(f, b'e'), eq(g, b'r')),
                ),
                _mm_or_si128(
                    _mm_or_si128(
                        _mm_and_si128(eq(f, b'a'), eq(g, b'h')),
                        _mm_and_si128(eq(f, b'h'), eq(g, b'm')),
                    ),
                    _mm_and_si128(eq(f, b'y'), eq(g, b'o')),
                ),
            );
            let after_i = _mm_or_si128(
                _mm_or_si128(
                    _mm_or_si128(eq(n, b' '), eq(n, b',')),
                    _mm_or_si128(eq(n, b'.'), eq(n, b'?')),
                ),
                _mm_or_si128(_mm_or_si128(eq(n, b'!'), eq(n, b';')), eq(n, b':')),
            );
            let lone_i = _mm_and_si128(eq(v, b'I'), after_i);
            _mm_movemask_epi8(_mm_or_si128(pairs, lone_i)) as u16
        };
        out |= u64::from(bits) << (16 * i);
    }
    out
}

/// Bit `k` set when bytes `k` and `k + 1` of `block` (at least 65 bytes) may open a filler
/// or an aside: in ASCII case "um", "uh", "er", "ah", "hm", "mm", "mh" or "yo", or `I`
/// followed by a space or trailing punctuation (`,.?!;:`).
#[cfg(not(target_arch = "x86_64"))]
#[inline]
pub(crate) fn filler_starts(block: &[u8]) -> u64 {
    filler_starts_bytewise(block)
}

/// [`filler_starts`] one byte pair at a time.
#[cfg_attr(target_arch = "x86_64", allow(dead_code))]
fn filler_starts_bytewise(block: &[u8]) -> u64 {
    let mut out = 0u64;
    for k in 0..64 {
        let (a, b) = (block[k], block[k + 1]);
        let pair = [a | 0x20, b | 0x20];
        let hit = matches!(
            &pair,
            b"um" | b"uh" | b"er" | b"ah" | b"hm" | b"mm" | b"mh" | b"yo"
        ) || (a == b'I' && matches!(b, b' ' | b',' | b'.' | b'?' | b'!' | b';' | b':'));
        out |= u64::from(hit) << k;
    }
    out
}

/// Whether `text` holds whitespace other than ASCII (`U+00A0`, `U+2003`, …): the bit-mask paths
/// take `' '` as the only whitespace, so such text goes through the general paths.
pub(crate) fn has_unicode_space(text: &str) -> bool {
    text.chars().any(|c| !c.is_ascii() && c.is_whitespace())
}

/// Calls `f` with the classes of each 64-byte block of `bytes` and the mask of its bytes that
/// belong to the text; the last block is padded with spaces.
#[inline]
pub(crate) fn for_each_block(bytes: &[u8], mut f: impl FnMut(Classes, u64)) {
    let mut chunks = bytes.chunks_exact(64);
    for chunk in &mut chunks {
        let chunk: &[u8; 64] = chunk.try_into().unwrap_or(&[0; 64]);
        f(classify(chunk), u64::MAX);
    }
    let tail = chunks.remainder();
    if !tail.is_empty() {
        let mut padded = [b' '; 64];
        padded[..tail.len()].copy_from_slice(tail);
        f(classify(&padded), (1u64 << tail.len()) - 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_match_the_byte_tests() {
        let mut chunk = [0u8; 64];
        for base in (0..256).step_by(64) {
            for (k, b) in chunk.iter_mut().enumerate() {
                *b = (base + k) as u8;
            }
            let c = classify(&chunk);
            for (k, &b) in chunk.iter().enumerate() {
                let bit = |m: u64| m >> k & 1 == 1;
                assert_eq!(bit(c.space), b == b' ', "{b}");
                assert_eq!(bit(c.mark), matches!(b, b'.' | b'!' | b'?'), "{b}");
                assert_eq!(
                    bit(c.trail),
                    matches!(b, b',' | b'.' | b'?' | b'!' | b';' | b':'),
                    "{b}"
                );
                assert_eq!(bit(c.open), matches!(b, b'"' | b'\'' | b'('), "{b}");
                assert_eq!(bit(c.alnum), b.is_ascii_alphanumeric(), "{b}");
                assert_eq!(bit(c.bad), !(0x20..0x80).contains(&b), "{b}");
                assert_eq!(bit(c.high), b >= 0x80, "{b}");
            }
        }
    }

    #[test]
    fn filler_starts_match_the_bytewise_test() {
        let text = b"um Uh hmm MHM er, ah. you YOU I I, I. It Io U m umbrella yo! (I) x-I 0I ....";
        let mut block = [b' '; 65];
        for from in 0..text.len() {
            let n = (text.len() - from).min(65);
            block[..n].copy_from_slice(&text[from..from + n]);
            block[n..].fill(b' ');
            assert_eq!(
                filler_starts(&block),
                filler_starts_bytewise(&block),
                "{from}"
            );
            if from == 0 {
                // Every pair and lone "I" of the first 64 bytes, and no "Io", "U m" or "(I)".
                assert_eq!(filler_starts(&block).count_ones(), 15);
            }
        }
    }
}
