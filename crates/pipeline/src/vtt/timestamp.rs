//! WebVTT timestamps: the spec's "collect a WebVTT timestamp" and its inverse.

/// Collects a timestamp from `s` starting at `*pos` (the spec's "collect a WebVTT timestamp"),
/// advancing `*pos` past it. Returns milliseconds, or `None` when the text is not a timestamp.
///
/// Accepts `mm:ss.ttt` and `hh:mm:ss.ttt` where the hours have any number of digits; a first
/// field of more than two digits or above 59 means hours. Saturates at `u64::MAX`.
pub(super) fn collect_timestamp(s: &[u8], pos: &mut usize) -> Option<u64> {
    if let Some((ms, len)) = fixed_hours(s, *pos) {
        *pos += len;
        return Some(ms);
    }
    collect_general(s, pos)
}

/// The spec's steps as written, for every shape [`fixed_width`] does not take.
fn collect_general(s: &[u8], pos: &mut usize) -> Option<u64> {
    let mut p = *pos;
    let (v1, n1) = digits(s, &mut p);
    if n1 == 0 {
        return None;
    }
    let hours_first = n1 != 2 || v1 > 59;
    if s.get(p) != Some(&b':') {
        return None;
    }
    p += 1;
    let (v2, n2) = digits(s, &mut p);
    if n2 != 2 {
        return None;
    }
    let (h, m, sec) = if hours_first || s.get(p) == Some(&b':') {
        if s.get(p) != Some(&b':') {
            return None;
        }
        p += 1;
        let (v3, n3) = digits(s, &mut p);
        if n3 != 2 {
            return None;
        }
        (v1, v2, v3)
    } else {
        (0, v1, v2)
    };
    if s.get(p) != Some(&b'.') {
        return None;
    }
    p += 1;
    let (frac, n4) = digits(s, &mut p);
    if n4 != 3 || m > 59 || sec > 59 {
        return None;
    }
    *pos = p;
    Some(
        h.saturating_mul(3_600_000)
            .saturating_add(m * 60_000 + sec * 1000 + frac),
    )
}

/// The common `hh:mm:ss.ttt` shape with two-digit hours, read without loops. Returns `None`
/// for anything else (the general path then decides), so both paths agree by construction:
/// each digit run here has exactly the length the general rules demand.
#[inline]
fn fixed_width(s: &[u8], p: usize) -> Option<u64> {
    let t = s.get(p..p + 12)?;
    if s.get(p + 12).is_some_and(u8::is_ascii_digit) {
        return None;
    }
    // Eight bytes `hh:mm:ss` and four `.ttt` at once: XOR with the pattern turns digits into
    // their values and the separators into zero; anything else leaves a byte above 9.
    let (a, b) = t.split_at(8);
    let a = u64::from_le_bytes(a.try_into().ok()?) ^ u64::from_le_bytes(*b"00:00:00");
    let b = u32::from_le_bytes(b.try_into().ok()?) ^ u32::from_le_bytes(*b".000");
    const SEPARATORS: u64 = u64::from_le_bytes([0, 0, 0xFF, 0, 0, 0xFF, 0, 0]);
    // A byte is at most 9 when adding 0x76 leaves its top bit clear (a byte with the top bit
    // already set is caught by the `| a`; no carry crosses bytes below 0x80).
    let over_9 = ((a.wrapping_add(0x7676_7676_7676_7676) | a) & 0x8080_8080_8080_8080)
        | u64::from((b.wrapping_add(0x7676_7676) | b) & 0x8080_8080);
    if over_9 != 0 || a & SEPARATORS != 0 || b & 0xFF != 0 {
        return None;
    }
    // Byte `i` of `pairs` is ten times digit `i` plus digit `i + 1` (at most 99: no carries),
    // so the two-digit fields are bytes 0, 3 and 6; likewise bytes 1 and 3 of the fraction.
    let pairs = a * 10 + (a >> 8);
    let (h, m, sec) = (pairs & 0xFF, (pairs >> 24) & 0xFF, (pairs >> 48) & 0xFF);
    let b = u64::from(b);
    let frac = (((b * 10 + (b >> 8)) >> 8) & 0xFF) * 10 + (b >> 24);
    (m <= 59 && sec <= 59).then_some(h * 3_600_000 + m * 60_000 + sec * 1000 + frac)
}

/// [`fixed_width`] with two to nine hour digits (long recordings and concatenated files pass
/// 99 hours): milliseconds and the length read.
#[inline]
fn fixed_hours(s: &[u8], p: usize) -> Option<(u64, usize)> {
    if s.get(p + 2) == Some(&b':') {
        return Some((fixed_width(s, p)?, 12));
    }
    let mut n = 0;
    let mut high = 0u64;
    while let Some(d) = s
        .get(p + n)
        .map(|b| b.wrapping_sub(b'0'))
        .filter(|d| *d < 10)
    {
        if n == 9 {
            return None;
        }
        high = high * 10 + u64::from(d);
        n += 1;
    }
    if n < 2 {
        return None;
    }
    // The last two digits are read again by `fixed_width`.
    let low = fixed_width(s, p + n - 2)?;
    Some(((high / 100) * 100 * 3_600_000 + low, n + 10))
}

/// A timing line of exactly `hh:mm:ss.ttt --> hh:mm:ss.ttt` (two to nine hour digits, single
/// spaces, no settings): its start and end. `None` for anything else, which the general timing-line
/// rules then read (they give the same times for this shape, and default settings).
#[inline]
pub(super) fn fixed_timing_line(line: &[u8]) -> Option<(u64, u64)> {
    fixed_timing_at(line, 0)
        .and_then(|(start, end, len)| (len == line.len()).then_some((start, end)))
}

/// [`fixed_timing_line`] for the line starting at `s[p..]`, whose end is not known yet: start,
/// end, and the line's length when the timings are followed by the end of `s` or a line break
/// (`\n` or `\r`).
#[inline]
pub(super) fn fixed_timing_at(s: &[u8], p: usize) -> Option<(u64, u64, usize)> {
    let (start, n) = fixed_hours(s, p)?;
    if s.get(p + n..p + n + 5)? != b" --> " {
        return None;
    }
    let (end, m) = fixed_hours(s, p + n + 5)?;
    let len = n + 5 + m;
    matches!(s.get(p + len), None | Some(b'\n' | b'\r')).then_some((start, end, len))
}

/// Collects ASCII digits at `*p`: returns (value saturating at `u64::MAX`, digit count).
#[inline]
fn digits(s: &[u8], p: &mut usize) -> (u64, usize) {
    let start = *p;
    let mut i = start;
    let mut v: u64 = 0;
    while let Some(d) = s.get(i).map(|b| b.wrapping_sub(b'0')).filter(|d| *d < 10) {
        v = v.wrapping_mul(10).wrapping_add(u64::from(d));
        i += 1;
    }
    *p = i;
    // Up to 19 digits always fit in a u64; beyond that, saturate (hours that large overflow
    // the millisecond count anyway).
    let n = i - start;
    (if n > 19 { u64::MAX } else { v }, n)
}

/// Parses a whole string as one WebVTT timestamp (nothing before or after it), in milliseconds.
pub fn parse_timestamp(s: &str) -> Option<u64> {
    let mut pos = 0;
    let ms = collect_timestamp(s.as_bytes(), &mut pos)?;
    (pos == s.len()).then_some(ms)
}

/// Formats milliseconds as `hh:mm:ss.ttt` (at least two hour digits), the form the cue-text
/// DOM dump and most writers use; [`parse_timestamp`] reads it back to the same value.
pub fn format_timestamp(ms: u64) -> String {
    let (h, rest) = (ms / 3_600_000, ms % 3_600_000);
    format!(
        "{h:02}:{:02}:{:02}.{:03}",
        rest / 60_000,
        rest % 60_000 / 1000,
        rest % 1000
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_both_forms_and_wide_hours() {
        assert_eq!(parse_timestamp("00:01.500"), Some(1_500));
        assert_eq!(parse_timestamp("01:02:03.004"), Some(3_723_004));
        assert_eq!(parse_timestamp("100:00:00.000"), Some(360_000_000));
        assert_eq!(parse_timestamp("000:00:00.000"), Some(0));
        // A first field above 59 is hours, so minutes and seconds must follow.
        assert_eq!(parse_timestamp("60:00.000"), None);
        assert_eq!(parse_timestamp("60:00:00.000"), Some(216_000_000));
    }

    #[test]
    fn fixed_timing_line_takes_only_the_plain_shape() {
        assert_eq!(
            fixed_timing_line(b"01:02:03.004 --> 99:59:59.999"),
            Some((3_723_004, 359_999_999))
        );
        assert_eq!(
            fixed_timing_line(b"100:00:17.529 --> 1000:00:00.001"),
            Some((360_017_529, 3_600_000_001))
        );
        for other in [
            "01:02:03.004 --> 01:02:03.005 align:start",
            "01:02:03.004  --> 01:02:03.005",
            "01:02:03.004 --> 1:02:03.005",
            "01:60:03.004 --> 01:02:03.005",
            "01:02:03,004 --> 01:02:03.005",
            "01:02:03.004 --> 01:02:0a.005",
            "01:02:03.004 -> 01:02:03.0055",
            "1:02:03.004 --> 01:02:03.005",
            "0000000001:02:03.004 --> 01:02:03.005",
        ] {
            assert_eq!(fixed_timing_line(other.as_bytes()), None, "{other:?}");
        }
    }

    #[test]
    fn rejects_malformed() {
        for bad in [
            "",
            "0",
            "00:00",
            "00:00.00",
            "00:00.0000",
            "00:60.000",
            "00:60:00.000",
            "0:00.000x",
            "00::00.000",
            "00:000.000",
            "-00:00.000",
            "00:00:00,000",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(ms in 0u64..=u64::MAX / 2) {
            prop_assert_eq!(parse_timestamp(&format_timestamp(ms)), Some(ms));
        }

        /// The loop-free fast path and the general rules agree on timestamp-like noise.
        #[test]
        fn fast_path_matches_general_rules(text in "[0-9]{2,10}:[0-9]{2}[:.][0-9]{2}[:.][0-9]{2,4}[0-9 a]?") {
            let b = text.as_bytes();
            if let Some((fast, len)) = fixed_hours(b, 0) {
                let mut pos = 0;
                prop_assert_eq!(collect_general(b, &mut pos), Some(fast));
                prop_assert_eq!(pos, len);
            }
        }

        /// The whole-line fast path gives what the general rules give for the same line.
        #[test]
        fn fixed_timing_line_matches_general_rules(text in "[0-9]{2,4}:[0-9]{2}:[0-9]{2}\\.[0-9]{3} --> [0-9]{1,4}:[0-9]{2}[:.][0-9]{2}[:.][0-9]{2,4}") {
            let b = text.as_bytes();
            if let Some((start, end)) = fixed_timing_line(b) {
                let mut pos = 0;
                prop_assert_eq!(collect_general(b, &mut pos), Some(start));
                prop_assert_eq!(&b[pos..pos + 5], b" --> ");
                pos += 5;
                prop_assert_eq!(collect_general(b, &mut pos), Some(end));
                prop_assert_eq!(pos, b.len());
            }
        }

        #[test]
        fn short_form_round_trips(m in 0u64..60, s in 0u64..60, t in 0u64..1000) {
            let text = format!("{m:02}:{s:02}.{t:03}");
            prop_assert_eq!(parse_timestamp(&text), Some(m * 60_000 + s * 1000 + t));
        }
    }
}
