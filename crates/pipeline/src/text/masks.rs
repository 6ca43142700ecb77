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
    /// Bytes outside `0x20..0x80` (control characters, non-ASCII): rare, so the fills find
    /// which are non-ASCII ([`high_bits`]) only in a block that has some.
    pub(crate) bad: u64,
}

/// Classes of the bytes of `chunk`.
#[cfg(target_arch = "x86_64")]
// Always inlined: each caller uses a few of the masks, and the rest are then never computed.
#[inline(always)]
pub(crate) fn classify(chunk: &[u8; 64]) -> Classes {
    use std::arch::x86_64::{
        __m128i, _mm_add_epi8, _mm_cmpeq_epi8, _mm_cmplt_epi8, _mm_loadu_si128, _mm_movemask_epi8,
        _mm_or_si128, _mm_set1_epi8,
    };
    let mut c = Classes::default();
    for (i, sixteen) in chunk.chunks_exact(16).enumerate() {
        // SAFETY: SSE2 is part of the x86_64 baseline, and the unaligned load reads the 16
        // bytes of `sixteen`.
        let bits = unsafe {
            let v = _mm_loadu_si128(sixteen.as_ptr().cast::<__m128i>());
            let is = |b: u8| _mm_cmpeq_epi8(v, _mm_set1_epi8(b as i8));
            // Bytes `lo..=hi`, one add and one signed compare: the add moves `lo` to -128
            // (wrapping), so exactly the bytes of the range land below `-128 + (hi - lo + 1)`.
            let within = |x: __m128i, lo: u8, hi: u8| {
                _mm_cmplt_epi8(
                    _mm_add_epi8(x, _mm_set1_epi8(0x80u8.wrapping_sub(lo) as i8)),
                    _mm_set1_epi8((0x80 + (hi - lo) + 1) as i8),
                )
            };
            let mark = _mm_or_si128(_mm_or_si128(is(b'.'), is(b'!')), is(b'?'));
            let folded = _mm_or_si128(v, _mm_set1_epi8(0x20));
            let alnum = _mm_or_si128(within(folded, b'a', b'z'), within(v, b'0', b'9'));
            let bad = _mm_cmplt_epi8(v, _mm_set1_epi8(0x20));
            [is(b' '), mark, alnum, bad].map(|m| _mm_movemask_epi8(m) as u16)
        };
        let at = 16 * i;
        c.space |= u64::from(bits[0]) << at;
        c.mark |= u64::from(bits[1]) << at;
        c.alnum |= u64::from(bits[2]) << at;
        c.bad |= u64::from(bits[3]) << at;
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
    }
    c
}

/// Whether a character starting at one of the non-ASCII bytes of `text` marked in `high`
/// (bit `k` for byte `base + k`) is whitespace (`U+00A0`, `U+2003`, …): the bit-mask paths
/// take `' '` as the only whitespace, so such text goes through the general paths. Every such
/// character (U+0085, U+00A0, U+1680, U+2000..U+3000) starts with byte C2, E1, E2 or E3; only
/// those are decoded.
#[inline(never)]
pub(crate) fn has_unicode_space_at(text: &str, base: usize, mut high: u64) -> bool {
    let bytes = text.as_bytes();
    while high != 0 {
        let p = base + high.trailing_zeros() as usize;
        high &= high - 1;
        if matches!(bytes[p], 0xC2 | 0xE1 | 0xE2 | 0xE3)
            && text[p..].chars().next().is_some_and(char::is_whitespace)
        {
            return true;
        }
    }
    false
}

/// The bytes from `0x80` of block `b` of `bytes` (bit `k` for byte `64 * b + k`).
#[cold]
#[inline(never)]
pub(crate) fn high_bits(bytes: &[u8], b: usize) -> u64 {
    let block = bytes.get(64 * b..).unwrap_or_default();
    block
        .iter()
        .take(64)
        .enumerate()
        .fold(0, |m, (k, &x)| m | u64::from(x >= 0x80) << k)
}

/// Calls `put` with each 64-byte block of `bytes` in order: its index, its [`Classes`] and the
/// mask of its bytes that belong to the text (the classes of the bytes past the end are those
/// of spaces). Stops and returns false as soon as `put` does.
#[inline(always)]
pub(crate) fn for_each_block(
    bytes: &[u8],
    mut put: impl FnMut(usize, &Classes, u64) -> bool,
) -> bool {
    let (blocks, tail) = bytes.as_chunks::<64>();
    let count = blocks.len() + usize::from(!tail.is_empty());
    // One call of `put`, so that it is inlined and only the classes it uses are computed.
    for b in 0..count {
        let (c, valid) = match blocks.get(b) {
            Some(chunk) => (classify(chunk), u64::MAX),
            None => tail_classes(bytes),
        };
        if !put(b, &c, valid) {
            return false;
        }
    }
    true
}

/// The classes of the bytes of `bytes` after its whole 64-byte blocks (at least one), as if
/// padded with spaces, and the mask of those bytes. Inlined, so that only the classes the
/// caller uses are computed.
#[inline(always)]
fn tail_classes(bytes: &[u8]) -> (Classes, u64) {
    let tail = bytes.len() % 64;
    let valid = (1u64 << tail) - 1;
    let c = match bytes.last_chunk::<64>() {
        // The last 64 bytes, shifted so that the tail's come first: no copy.
        Some(last) => {
            let c = classify(last);
            let shift = 64 - tail;
            Classes {
                space: (c.space >> shift) | !valid,
                mark: c.mark >> shift,
                alnum: c.alnum >> shift,
                bad: c.bad >> shift,
            }
        }
        None => {
            let mut padded = [b' '; 64];
            padded[..tail].copy_from_slice(bytes);
            classify(&padded)
        }
    };
    (c, valid)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What the block tests compare of block `b`.
    type Row = (usize, u64, u64, u64, u64, u64);

    fn row(b: usize, c: &Classes, valid: u64) -> Row {
        (b, c.space, c.mark, c.alnum, c.bad, valid)
    }

    /// The classes of `bytes` padded with spaces to whole blocks, block by block.
    fn padded_classes(bytes: &[u8]) -> Vec<Row> {
        let mut padded = bytes.to_vec();
        padded.resize(bytes.len().div_ceil(64) * 64, b' ');
        let (blocks, _) = padded.as_chunks::<64>();
        blocks
            .iter()
            .enumerate()
            .map(|(b, chunk)| {
                let valid = match bytes.len() - 64 * b {
                    n if n >= 64 => u64::MAX,
                    n => (1u64 << n) - 1,
                };
                row(b, &classify(chunk), valid)
            })
            .collect()
    }

    #[test]
    fn blocks_are_those_of_the_text_padded_with_spaces() {
        let text: Vec<u8> = (0..300u32).map(|i| (i * 37 % 256) as u8).collect();
        for len in [0, 1, 5, 63, 64, 65, 100, 127, 128, 129, 200, 300] {
            let bytes = &text[..len];
            let mut got = Vec::new();
            assert!(for_each_block(bytes, |b, c, valid| {
                got.push(row(b, c, valid));
                true
            }));
            assert_eq!(got, padded_classes(bytes), "{len}");
        }
        // `put` returning false stops the walk.
        let mut calls = 0;
        assert!(!for_each_block(&text, |_, _, _| {
            calls += 1;
            false
        }));
        assert_eq!(calls, 1);
    }

    #[test]
    fn unicode_spaces_are_found_among_the_high_bytes() {
        for (text, want) in [
            ("caf\u{e9} na\u{ef}ve \u{201C}x\u{201D} \u{2026}", false),
            ("a\u{a0}b", true),
            ("a\u{2003}b", true),
            ("\u{3000}", true),
            ("\u{85}", true),
            ("\u{1680}", true),
            ("\u{2028}x", true),
            ("\u{2014}\u{e9}\u{200B}", false),
        ] {
            let high = text
                .bytes()
                .enumerate()
                .filter(|&(_, b)| b >= 0x80)
                .fold(0u64, |m, (k, _)| m | 1 << k);
            let plain = text.chars().any(|c| !c.is_ascii() && c.is_whitespace());
            assert_eq!(plain, want, "{text:?}");
            assert_eq!(has_unicode_space_at(text, 0, high), want, "{text:?}");
        }
    }

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
                assert_eq!(bit(high_bits(&chunk, 0)), b >= 0x80, "{b}");
            }
        }
    }
}
