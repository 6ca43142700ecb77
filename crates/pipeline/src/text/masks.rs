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
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let alnum = _mm_or_si128(within(folded, b'a', b'z'), within(v, b'0', b'9'));
            let bad = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
            [is(b' '), mark, alnum, bad, v].map(|m| _mm_movemask_epi8(m) as u16)
        };
        let at = 16 * i;
        c.space |= u64::from(bits[0]) << at;
        c.mark |= u64::from(bits[1]) << at;
        c.alnum |= u64::from(bits[2]) << at;
        c.bad |= u64::from(bits[3]) << at;
        c.high |= u64::from(bits[4]) << at;
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
        c.alnum |= u64::from(b.is_ascii_alphanumeric()) << k;
        c.bad |= u64::from(!(0x20..0x80).contains(&b)) << k;
        c.high |= u64::from(b >= 0x80) << k;
    }
    c
}

/// Whether `text` holds whitespace other than ASCII (`U+00A0`, `U+2003`, …): the bit-mask paths
/// take `' '` as the only whitespace, so such text goes through the general paths.
pub(crate) fn has_unicode_space(text: &str) -> bool {
    text.chars().any(|c| !c.is_ascii() && c.is_whitespace())
}

/// The bytes of `bytes` after its whole 64-byte blocks, padded with spaces to a block, with
/// the mask of those that belong to the text; `None` when there are none.
#[inline]
pub(crate) fn padded_tail(bytes: &[u8]) -> Option<([u8; 64], u64)> {
    let tail = &bytes[bytes.len() / 64 * 64..];
    if tail.is_empty() {
        return None;
    }
    let mut padded = [b' '; 64];
    padded[..tail.len()].copy_from_slice(tail);
    Some((padded, (1u64 << tail.len()) - 1))
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
                assert_eq!(bit(c.alnum), b.is_ascii_alphanumeric(), "{b}");
                assert_eq!(bit(c.bad), !(0x20..0x80).contains(&b), "{b}");
                assert_eq!(bit(c.high), b >= 0x80, "{b}");
            }
        }
    }
}
