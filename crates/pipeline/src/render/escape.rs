//! Byte-level helpers the renderers share: finding the bytes a format must escape 16 at a time,
//! and the clock and seconds figures of transcript entries written without `format!`.
//!
//! Every byte any format escapes is ASCII, so text between two of them is copied whole and the
//! output stays valid UTF-8.

#[cfg(target_arch = "x86_64")]
use crate::vtt::scan::sse;
use crate::vtt::scan::{ByteSet, next_in_set, table};

/// What a JSON string escapes: `"`, `\` and control characters below U+0020.
pub(crate) struct Json;

impl ByteSet for Json {
    const TABLE: [bool; 256] = {
        let mut t = table(b"\"\\");
        let mut b = 0;
        while b < 0x20 {
            t[b] = true;
            b += 1;
        }
        t
    };

    #[cfg(target_arch = "x86_64")]
    #[inline]
    unsafe fn candidates(block: *const u8) -> u32 {
        // SAFETY: forwarded from the caller.
        let v = unsafe { sse::load(block) };
        sse::mask(&[sse::within(v, 0, 0x1F), sse::eq(v, b'"'), sse::eq(v, b'\\')])
    }
}

/// What HTML text and attribute values escape.
pub(crate) struct Html;

impl ByteSet for Html {
    const TABLE: [bool; 256] = table(b"&<>\"'");

    #[cfg(target_arch = "x86_64")]
    #[inline]
    unsafe fn candidates(block: *const u8) -> u32 {
        // SAFETY: forwarded from the caller.
        let v = unsafe { sse::load(block) };
        // `"`, `&` and `'` are 0x22, 0x26 and 0x27.
        sse::mask(&[
            sse::within(v, b'"', b'\''),
            sse::eq(v, b'<'),
            sse::eq(v, b'>'),
        ])
    }
}

/// What Markdown escapes (or, for line breaks, replaces).
pub(crate) struct Markdown;

impl ByteSet for Markdown {
    const TABLE: [bool; 256] = table(b"\\`*_[]#|<>~\n\r");

    #[cfg(target_arch = "x86_64")]
    #[inline]
    unsafe fn candidates(block: *const u8) -> u32 {
        // SAFETY: forwarded from the caller.
        let v = unsafe { sse::load(block) };
        // `[ \ ] ^ _ \`` are 0x5B..=0x60 (`^` is a false candidate), `\n`..`\r` 0x0A..=0x0D.
        sse::mask(&[
            sse::within(v, b'[', b'`'),
            sse::within(v, b'\n', b'\r'),
            sse::eq(v, b'#'),
            sse::eq(v, b'*'),
            sse::eq(v, b'|'),
            sse::eq(v, b'~'),
            sse::within(v, b'<', b'>'),
        ])
    }
}

/// Appends `text` to `out`, each byte in `S` replaced by what `replace` appends for it.
#[inline]
pub(crate) fn escape_into<S: ByteSet>(
    text: &str,
    out: &mut Vec<u8>,
    mut replace: impl FnMut(u8, &mut Vec<u8>),
) {
    let b = text.as_bytes();
    let mut from = 0;
    while let Some(i) = next_in_set::<S>(b, from) {
        out.extend_from_slice(&b[from..i]);
        replace(b[i], out);
        from = i + 1;
    }
    out.extend_from_slice(&b[from..]);
}

/// Runs `fill` on the bytes of `out` (cleared) and puts them back: the fill functions here only
/// copy whole runs of valid UTF-8 and insert ASCII.
pub(crate) fn fill_string(out: &mut String, fill: impl FnOnce(&mut Vec<u8>)) {
    let mut bytes = std::mem::take(out).into_bytes();
    bytes.clear();
    fill(&mut bytes);
    debug_assert!(std::str::from_utf8(&bytes).is_ok());
    // SAFETY: `fill` appended text cut only at ASCII bytes, and ASCII (see the callers).
    *out = unsafe { String::from_utf8_unchecked(bytes) };
}

/// Writes `n` in decimal, at least `width` digits (zero-padded), right-aligned ending at
/// `buf[end]`; returns where the digits start.
fn digits_before(buf: &mut [u8; 32], end: usize, mut n: u64, width: usize) -> usize {
    // "00" "01" … "99": two digits per division.
    const PAIRS: [[u8; 2]; 100] = {
        let mut t = [[0; 2]; 100];
        let mut i = 0;
        while i < 100 {
            t[i] = [b'0' + (i / 10) as u8, b'0' + (i % 10) as u8];
            i += 1;
        }
        t
    };
    let mut i = end;
    while n >= 10 {
        i -= 2;
        buf[i..i + 2].copy_from_slice(&PAIRS[(n % 100) as usize]);
        n /= 100;
    }
    if n > 0 || i == end {
        i -= 1;
        buf[i] = b'0' + n as u8;
    }
    while end - i < width {
        i -= 1;
        buf[i] = b'0';
    }
    i
}

/// Appends `n` in decimal, at least `width` digits (zero-padded).
pub(crate) fn push_u64(out: &mut Vec<u8>, n: u64, width: usize) {
    let mut buf = [0; 32];
    let i = digits_before(&mut buf, 32, n, width);
    out.extend_from_slice(&buf[i..]);
}

/// Appends `text` as a JSON string literal exactly as `serde_json` writes it: `"` and `\`
/// backslashed, `\b \f \n \r \t` short, other control characters as `\u00xx`.
pub fn push_json_str(out: &mut Vec<u8>, text: &str) {
    out.push(b'"');
    escape_into::<Json>(text, out, |b, out| match b {
        b'"' => out.extend_from_slice(b"\\\""),
        b'\\' => out.extend_from_slice(b"\\\\"),
        0x08 => out.extend_from_slice(b"\\b"),
        0x0C => out.extend_from_slice(b"\\f"),
        b'\n' => out.extend_from_slice(b"\\n"),
        b'\r' => out.extend_from_slice(b"\\r"),
        b'\t' => out.extend_from_slice(b"\\t"),
        c => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(c >> 4)],
                HEX[usize::from(c & 0xF)],
            ]);
        }
    });
    out.push(b'"');
}

/// Appends [`crate::snapshot::clock`]`(seconds)` (`hh:mm:ss`) without allocating.
pub(crate) fn push_clock(out: &mut Vec<u8>, seconds: f64) {
    let total = if seconds.is_finite() && seconds > 0.0 {
        seconds as u64
    } else {
        0
    };
    push_u64(out, total / 3600, 2);
    out.push(b':');
    push_u64(out, (total / 60) % 60, 2);
    out.push(b':');
    push_u64(out, total % 60, 2);
}

/// `.fff` for every millisecond count `fff`, with trailing zeros cut but one digit kept, and
/// how many of its four bytes count.
static FRACTIONS: [([u8; 4], u8); 1000] = {
    let mut t = [([0; 4], 0); 1000];
    let mut i = 0;
    while i < 1000 {
        let digits = [(i / 100) as u8, (i / 10 % 10) as u8, (i % 10) as u8];
        let len = if i % 100 == 0 {
            2
        } else if i % 10 == 0 {
            3
        } else {
            4
        };
        t[i] = (
            [b'.', b'0' + digits[0], b'0' + digits[1], b'0' + digits[2]],
            len,
        );
        i += 1;
    }
    t
};

/// Appends `seconds` as `serde_json` writes an `f64`. Times that are whole milliseconds (all
/// of a pipeline's) print as their exact decimal, which is then the shortest text that reads
/// back as the same `f64`, as serde_json's is; anything else goes through serde_json.
pub fn push_json_seconds(out: &mut Vec<u8>, seconds: f64) {
    // Below 1e12 s an f64's spacing is under 1e-3 / 2, so no shorter decimal lies as close;
    // `to_bits` rejects -0.0 and anything that is not exactly `ms / 1000` (the rounding here
    // only proposes `ms`).
    let ms = (seconds * 1000.0 + 0.5) as u64;
    if (0.0..1e12).contains(&seconds) && (ms as f64 / 1000.0).to_bits() == seconds.to_bits() {
        // `whole.fff` with the fraction's trailing zeros cut, but at least one digit.
        let mut buf = [0; 32];
        let (text, len) = FRACTIONS[(ms % 1000) as usize];
        buf[28..].copy_from_slice(&text);
        let start = digits_before(&mut buf, 28, ms / 1000, 1);
        out.extend_from_slice(&buf[start..28 + usize::from(len)]);
    } else {
        // Writing into a Vec cannot fail, and an f64 always serializes.
        let _ = serde_json::to_writer(&mut *out, &seconds);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn in_set_scalar<S: ByteSet>(b: &[u8], from: usize) -> Option<usize> {
        b[from..]
            .iter()
            .position(|&c| S::TABLE[usize::from(c)])
            .map(|i| from + i)
    }

    #[test]
    fn every_byte_is_classified_as_the_table_says() {
        // Each byte at each position of a block, and in the scalar tail.
        for byte in 0..=255u8 {
            for at in [0, 5, 15, 16, 31, 40] {
                let mut b = vec![b'a'; 41];
                b[at] = byte;
                let want = in_set_scalar::<Json>(&b, 0);
                assert_eq!(next_in_set::<Json>(&b, 0), want, "json {byte:#x} at {at}");
                let want = in_set_scalar::<Html>(&b, 0);
                assert_eq!(next_in_set::<Html>(&b, 0), want, "html {byte:#x} at {at}");
                let want = in_set_scalar::<Markdown>(&b, 0);
                assert_eq!(next_in_set::<Markdown>(&b, 0), want, "md {byte:#x} at {at}");
            }
        }
    }

    #[test]
    fn clock_matches_the_snapshot_clock() {
        for s in [
            0.0,
            -3.0,
            f64::NAN,
            f64::INFINITY,
            59.999,
            3725.9,
            360_000.0,
            1e13,
        ] {
            let mut out = Vec::new();
            push_clock(&mut out, s);
            assert_eq!(String::from_utf8(out).unwrap(), crate::snapshot::clock(s));
        }
    }

    #[test]
    fn seconds_match_serde_json_for_every_millisecond_of_a_day_and_odd_values() {
        let check = |x: f64| {
            let mut out = Vec::new();
            push_json_seconds(&mut out, x);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(&x).unwrap(),
                "{x:?}"
            );
        };
        for ms in (0..86_400_000u64).step_by(13).chain(0..10_000) {
            check(ms as f64 / 1000.0);
        }
        for x in [
            -0.0,
            -1.5,
            0.0005,
            1e-7,
            1e12,
            1e15,
            1e21,
            0.1 + 0.2,
            f64::MAX,
        ] {
            check(x);
        }
    }

    #[test]
    fn json_strings_match_serde_json() {
        let mut every_byte = String::new();
        for c in (0..=0x7Fu8)
            .map(char::from)
            .chain(['é', '—', '\u{2028}', '😀'])
        {
            every_byte.push(c);
            every_byte.push_str("abc");
        }
        for text in [
            "",
            "plain",
            "quote \" back\\slash \n tab\t bell\u{7} del\u{7f} </script>",
            every_byte.as_str(),
        ] {
            let mut out = Vec::new();
            push_json_str(&mut out, text);
            assert_eq!(
                String::from_utf8(out).unwrap(),
                serde_json::to_string(text).unwrap()
            );
        }
    }

    proptest! {
        #[test]
        fn json_str_matches_serde_json(text in "(\\PC|[\"\\\\\x00-\x1f]){0,90}") {
            let mut out = Vec::new();
            push_json_str(&mut out, &text);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&text).unwrap());
        }

        #[test]
        fn seconds_match_serde_json(ms in 0u64..2_000_000_000_000_000) {
            let x = ms as f64 / 1000.0;
            let mut out = Vec::new();
            push_json_seconds(&mut out, x);
            prop_assert_eq!(String::from_utf8(out).unwrap(), serde_json::to_string(&x).unwrap());
        }

        #[test]
        fn next_special_matches_a_byte_loop(s in "[a-z \\\\`*_\\[\\]#|<>~\\n\\r\"&'^é—\\x00-\\x1f]{0,80}", from in 0usize..8) {
            let b = s.as_bytes();
            let from = from.min(b.len());
            prop_assert_eq!(next_in_set::<Json>(b, from), in_set_scalar::<Json>(b, from));
            prop_assert_eq!(next_in_set::<Html>(b, from), in_set_scalar::<Html>(b, from));
            prop_assert_eq!(next_in_set::<Markdown>(b, from), in_set_scalar::<Markdown>(b, from));
        }
    }
}
