//! WebVTT timestamps: the spec's "collect a WebVTT timestamp" and its inverse.

/// Collects a timestamp from `s` starting at `*pos` (the spec's "collect a WebVTT timestamp"),
/// advancing `*pos` past it. Returns milliseconds, or `None` when the text is not a timestamp.
///
/// Accepts `mm:ss.ttt` and `hh:mm:ss.ttt` where the hours have any number of digits; a first
/// field of more than two digits or above 59 means hours. Saturates at `u64::MAX`.
pub(super) fn collect_timestamp(s: &[u8], pos: &mut usize) -> Option<u64> {
    if let Some(ms) = fixed_width(s, *pos) {
        *pos += 12;
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
    if t[2] != b':' || t[5] != b':' || t[8] != b'.' || s.get(p + 12).is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let d = |i: usize| {
        let v = t[i].wrapping_sub(b'0');
        (v < 10).then_some(u64::from(v))
    };
    let (h, m, sec) = (d(0)? * 10 + d(1)?, d(3)? * 10 + d(4)?, d(6)? * 10 + d(7)?);
    let frac = d(9)? * 100 + d(10)? * 10 + d(11)?;
    (m <= 59 && sec <= 59).then_some(h * 3_600_000 + m * 60_000 + sec * 1000 + frac)
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
        fn fast_path_matches_general_rules(text in "[0-9]{2}:[0-9]{2}[:.][0-9]{2}[:.][0-9]{2,4}[0-9 a]?") {
            let b = text.as_bytes();
            if let Some(fast) = fixed_width(b, 0) {
                let mut pos = 0;
                prop_assert_eq!(collect_general(b, &mut pos), Some(fast));
                prop_assert_eq!(pos, 12);
            }
        }

        #[test]
        fn short_form_round_trips(m in 0u64..60, s in 0u64..60, t in 0u64..1000) {
            let text = format!("{m:02}:{s:02}.{t:03}");
            prop_assert_eq!(parse_timestamp(&text), Some(m * 60_000 + s * 1000 + t));
        }
    }
}
