//! Cue settings (`vertical`, `line`, `position`, `size`, `align`, `region`) and REGION block
//! settings (`id`, `width`, `lines`, `regionanchor`, `viewportanchor`, `scroll`), with the
//! spec's value rules. An invalid setting is ignored as a whole; the cue or region is kept.

use std::fmt::Write as _;
use std::sync::Arc;

use super::{Align, CueSettings, LineAlign, PositionAlign, Region, Vertical};

/// The spec's "ASCII whitespace": TAB, LF, FF, CR, SPACE (not VT).
pub(super) fn is_ws(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\x0C' | '\r' | ' ')
}

/// Splits `name:value`, refusing a missing colon or one that is the first or last character.
fn split_setting(setting: &str) -> Option<(&str, &str)> {
    let colon = setting.find(':')?;
    if colon == 0 || colon == setting.len() - 1 {
        return None;
    }
    Some((&setting[..colon], &setting[colon + 1..]))
}

/// The spec's "parse a percentage string": `^\d+(\.\d+)?%$`, value in `0..=100`.
pub fn parse_percentage(s: &str) -> Option<f64> {
    let num = s.strip_suffix('%')?;
    let (int, frac) = match num.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (num, None),
    };
    let all_digits = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int) || frac.is_some_and(|f| !all_digits(f)) {
        return None;
    }
    let v: f64 = num.parse().ok()?;
    (0.0..=100.0).contains(&v).then_some(v)
}

/// Parses a cue settings string (what follows the end timestamp) into fresh settings.
/// `regions` are the REGION blocks seen so far; unknown or invalid settings are ignored.
pub fn parse_cue_settings(text: &str, regions: &[Arc<Region>]) -> CueSettings {
    let mut settings = CueSettings::default();
    apply_cue_settings(text, regions, &mut settings, |_| {});
    settings
}

/// Applies each setting in `text` to `out`; calls `invalid` with every ignored setting.
pub(super) fn apply_cue_settings(
    text: &str,
    regions: &[Arc<Region>],
    out: &mut CueSettings,
    mut invalid: impl FnMut(&str),
) {
    for setting in text.split(is_ws).filter(|s| !s.is_empty()) {
        let ok = match split_setting(setting) {
            None => false,
            Some(("region", v)) => {
                out.region = regions.iter().rev().find(|r| r.id == v).cloned();
                true
            }
            Some(("vertical", "rl")) => {
                out.vertical = Vertical::Rl;
                true
            }
            Some(("vertical", "lr")) => {
                out.vertical = Vertical::Lr;
                true
            }
            Some(("line", v)) => apply_line(v, out),
            Some(("position", v)) => apply_position(v, out),
            Some(("size", v)) => parse_percentage(v).map(|p| out.size = p).is_some(),
            Some(("align", v)) => {
                let align = match v {
                    "start" => Some(Align::Start),
                    "center" => Some(Align::Center),
                    "end" => Some(Align::End),
                    "left" => Some(Align::Left),
                    "right" => Some(Align::Right),
                    _ => None,
                };
                align.map(|a| out.align = a).is_some()
            }
            Some(_) => false,
        };
        if !ok {
            invalid(setting);
        }
    }
}

/// `line:` — a line number (`-2`, `1.5`) or a percentage, optionally `,start|center|end`.
fn apply_line(value: &str, out: &mut CueSettings) -> bool {
    let (pos, align) = match value.split_once(',') {
        Some((p, a)) => (p, Some(a)),
        None => (value, None),
    };
    if !pos.bytes().any(|b| b.is_ascii_digit()) {
        return false;
    }
    let (number, snap) = if pos.ends_with('%') {
        match parse_percentage(pos) {
            Some(p) => (p, false),
            None => return false,
        }
    } else {
        let b = pos.as_bytes();
        if b.iter()
            .any(|&c| !(c.is_ascii_digit() || c == b'-' || c == b'.'))
            || b.iter().skip(1).any(|&c| c == b'-')
        {
            return false;
        }
        let dots: Vec<usize> = b
            .iter()
            .enumerate()
            .filter(|(_, c)| **c == b'.')
            .map(|(i, _)| i)
            .collect();
        if dots.len() > 1 {
            return false;
        }
        if let Some(&d) = dots.first() {
            let digit_at =
                |i: Option<usize>| i.and_then(|i| b.get(i)).is_some_and(u8::is_ascii_digit);
            if !digit_at(d.checked_sub(1)) || !digit_at(Some(d + 1)) {
                return false;
            }
        }
        match pos.parse::<f64>() {
            // Digit strings beyond f64's range parse to infinity, which no line can be.
            Ok(v) if v.is_finite() => (v, true),
            _ => return false,
        }
    };
    let line_align = match align {
        None | Some("start") => LineAlign::Start,
        Some("center") => LineAlign::Center,
        Some("end") => LineAlign::End,
        Some(_) => return false,
    };
    out.line = Some(number);
    out.snap_to_lines = snap;
    out.line_align = line_align;
    true
}

/// `position:` — a percentage, optionally `,line-left|center|line-right`.
fn apply_position(value: &str, out: &mut CueSettings) -> bool {
    let (pos, align) = match value.split_once(',') {
        Some((p, a)) => (p, Some(a)),
        None => (value, None),
    };
    let Some(number) = parse_percentage(pos) else {
        return false;
    };
    let position_align = match align {
        None => PositionAlign::Auto,
        Some("line-left") => PositionAlign::LineLeft,
        Some("center") => PositionAlign::Center,
        Some("line-right") => PositionAlign::LineRight,
        Some(_) => return false,
    };
    out.position = Some(number);
    out.position_align = position_align;
    true
}

/// Formats settings back into the settings syntax; [`parse_cue_settings`] reads it back to the
/// same values. Defaults are omitted.
pub fn format_cue_settings(s: &CueSettings) -> String {
    let mut out = String::new();
    let sep = |out: &mut String| {
        if !out.is_empty() {
            out.push(' ');
        }
    };
    if s.vertical != Vertical::Horizontal {
        sep(&mut out);
        let _ = write!(out, "vertical:{}", s.vertical.as_str());
    }
    if let Some(line) = s.line {
        sep(&mut out);
        let pct = if s.snap_to_lines { "" } else { "%" };
        let _ = write!(out, "line:{line}{pct},{}", s.line_align.as_str());
    }
    if let Some(pos) = s.position {
        sep(&mut out);
        let _ = write!(out, "position:{pos}%");
        if s.position_align != PositionAlign::Auto {
            let _ = write!(out, ",{}", s.position_align.as_str());
        }
    }
    if s.size != 100.0 {
        sep(&mut out);
        let _ = write!(out, "size:{}%", s.size);
    }
    if s.align != Align::Center {
        sep(&mut out);
        let _ = write!(out, "align:{}", s.align.as_str());
    }
    if let Some(r) = &s.region {
        sep(&mut out);
        let _ = write!(out, "region:{}", r.id);
    }
    out
}

/// The spec's "collect WebVTT region settings" over a REGION block's lines.
pub(super) fn parse_region_settings(text: &str, mut invalid: impl FnMut(&str)) -> Region {
    let mut region = Region::default();
    for setting in text.split(is_ws).filter(|s| !s.is_empty()) {
        let ok = match split_setting(setting) {
            None => false,
            Some(("id", v)) => {
                region.id = v.to_owned();
                true
            }
            Some(("width", v)) => parse_percentage(v).map(|p| region.width = p).is_some(),
            // Any digit string is a number; very long ones round like a JS double.
            Some(("lines", v)) if v.bytes().all(|b| b.is_ascii_digit()) => {
                v.parse::<f64>().map(|n| region.lines = n).is_ok()
            }
            Some(("regionanchor", v)) => parse_anchor(v)
                .map(|(x, y)| (region.region_anchor_x, region.region_anchor_y) = (x, y))
                .is_some(),
            Some(("viewportanchor", v)) => parse_anchor(v)
                .map(|(x, y)| (region.viewport_anchor_x, region.viewport_anchor_y) = (x, y))
                .is_some(),
            Some(("scroll", "up")) => {
                region.scroll_up = true;
                true
            }
            Some(_) => false,
        };
        if !ok {
            invalid(setting);
        }
    }
    region
}

/// `X%,Y%` with both percentages valid.
fn parse_anchor(v: &str) -> Option<(f64, f64)> {
    let (x, y) = v.split_once(',')?;
    Some((parse_percentage(x)?, parse_percentage(y)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn percentages_follow_the_pattern() {
        assert_eq!(parse_percentage("50%"), Some(50.0));
        assert_eq!(parse_percentage("1.5%"), Some(1.5));
        assert_eq!(parse_percentage("100%"), Some(100.0));
        for bad in ["101%", "-1%", ".5%", "5.%", "5", "%", "1%%", " 1%", "1e2%"] {
            assert_eq!(parse_percentage(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn invalid_setting_is_ignored_and_reported() {
        let mut ignored = Vec::new();
        let mut s = CueSettings::default();
        apply_cue_settings("size:50% line:1%x align:left bogus", &[], &mut s, |x| {
            ignored.push(x.to_owned())
        });
        assert_eq!(s.size, 50.0);
        assert_eq!(s.line, None);
        assert_eq!(s.align, Align::Left);
        assert_eq!(ignored, ["line:1%x", "bogus"]);
    }

    #[test]
    fn region_setting_picks_the_last_region_with_that_id() {
        let a = Arc::new(Region {
            id: "a".into(),
            lines: 1.0,
            ..Region::default()
        });
        let a2 = Arc::new(Region {
            id: "a".into(),
            lines: 2.0,
            ..Region::default()
        });
        let s = parse_cue_settings("region:a", &[a, a2.clone()]);
        assert!(s.region.is_some_and(|r| Arc::ptr_eq(&r, &a2)));
    }

    fn settings_strategy() -> impl Strategy<Value = CueSettings> {
        let pct = (0u32..=100_000).prop_map(|v| f64::from(v) / 1000.0);
        (
            prop_oneof![
                Just(Vertical::Horizontal),
                Just(Vertical::Rl),
                Just(Vertical::Lr)
            ],
            prop::option::of((prop::bool::ANY, -1000i32..1000, pct.clone())),
            prop_oneof![
                Just(LineAlign::Start),
                Just(LineAlign::Center),
                Just(LineAlign::End)
            ],
            prop::option::of(pct.clone()),
            prop_oneof![
                Just(PositionAlign::Auto),
                Just(PositionAlign::LineLeft),
                Just(PositionAlign::Center),
                Just(PositionAlign::LineRight)
            ],
            pct,
            prop_oneof![
                Just(Align::Start),
                Just(Align::Center),
                Just(Align::End),
                Just(Align::Left),
                Just(Align::Right)
            ],
        )
            .prop_map(|(vertical, line, line_align, position, pa, size, align)| {
                let (line, snap) = match line {
                    None => (None, true),
                    Some((true, n, _)) => (Some(f64::from(n)), true),
                    Some((false, _, p)) => (Some(p), false),
                };
                CueSettings {
                    vertical,
                    line,
                    snap_to_lines: snap,
                    line_align: if line.is_some() {
                        line_align
                    } else {
                        LineAlign::Start
                    },
                    position,
                    position_align: if position.is_some() {
                        pa
                    } else {
                        PositionAlign::Auto
                    },
                    size,
                    align,
                    region: None,
                }
            })
    }

    proptest! {
        #[test]
        fn settings_round_trip(s in settings_strategy()) {
            prop_assert_eq!(parse_cue_settings(&format_cue_settings(&s), &[]), s);
        }
    }
}
