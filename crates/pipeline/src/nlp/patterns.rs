//! Hand-written scanners for DATE, TIME, MONEY and PERCENT over a sentence's tokens.
//!
//! Each match carries a value key ("pct:20", "dur:80 hour") so the same value said two ways
//! ("twenty percent", "20%") is one entity. Numbers may be digits or words ("fifty thousand").

use std::fmt::Write as _;
use std::sync::LazyLock;

use super::EntityLabel;
use super::hash::FastSet;
use super::token::{Kind, Tok};
use super::vocab::{TokInfo, W_START};

/// A sentence, its ASCII-lower-cased copy (same byte offsets) and its tokens.
pub(crate) struct Sent<'a> {
    pub text: &'a str,
    pub lower: &'a str,
    pub toks: &'a [Tok],
    /// Per token: its vocabulary id and bits (see [`vocab`](super::vocab)). Empty means
    /// "compute them" (see [`vocab::infos`](super::vocab::infos)).
    pub flags: &'a [TokInfo],
    /// The tokens by their bits (see [`marks`](super::marks)), for `flags`; empty marks (the tests'
    /// `marks::NONE`) when those are to be computed.
    pub marks: &'a super::marks::Marks,
}

/// A sentence tokenized and lower-cased on its own, for tests that hand a stage a [`Sent`]
/// without vocabulary infos.
#[cfg(test)]
pub(crate) struct TestSent<'a> {
    text: &'a str,
    lower: String,
    toks: Vec<Tok>,
}

#[cfg(test)]
impl<'a> TestSent<'a> {
    /// Tokenizes and lower-cases `text`.
    pub fn new(text: &'a str) -> Self {
        let mut toks = Vec::new();
        super::token::tokenize(text, &mut toks);
        Self {
            text,
            lower: text.to_ascii_lowercase(),
            toks,
        }
    }

    /// The sentence, its infos left for the stage to compute.
    pub fn sent(&self) -> Sent<'_> {
        Sent {
            text: self.text,
            lower: &self.lower,
            toks: &self.toks,
            flags: &[],
            marks: &super::marks::NONE,
        }
    }
}

impl<'a> Sent<'a> {
    /// Whether word token `i` can open a pattern (see [`may_start`]), from its flags when known.
    pub fn may_start(&self, i: usize) -> bool {
        match self.flags.get(i) {
            Some(f) => f.has(W_START),
            None => may_start(self.l(i)),
        }
    }

    /// Token `i`, ASCII-lower-cased.
    #[inline]
    pub fn l(&self, i: usize) -> &'a str {
        self.toks.get(i).map_or("", |t| &self.lower[t.start..t.end])
    }
    #[inline]
    pub fn s(&self, i: usize) -> &'a str {
        self.toks.get(i).map_or("", |t| &self.text[t.start..t.end])
    }
    #[inline]
    pub fn kind(&self, i: usize) -> Option<Kind> {
        self.toks.get(i).map(|t| t.kind)
    }
    #[inline]
    pub fn is(&self, i: usize, w: &str) -> bool {
        self.s(i).eq_ignore_ascii_case(w)
    }
    pub fn any(&self, i: usize, ws: &[&str]) -> bool {
        let s = self.s(i);
        !s.is_empty() && ws.iter().any(|w| s.eq_ignore_ascii_case(w))
    }
    /// Whether token `i` is in one of the `P_*` classes `class`: a bit test for a word with
    /// its info, the class's own test otherwise (what `any` with the class's words answers).
    #[inline(always)]
    fn class(&self, i: usize, class: u32) -> bool {
        match (self.toks.get(i), self.flags.get(i)) {
            (Some(t), Some(f)) if t.kind == Kind::Word => f.pat & class != 0,
            (Some(_), _) => self.class_by_test(i, class),
            (None, _) => false,
        }
    }

    /// [`Sent::class`] of a token that is not a word, or has no info: by the classes' tests.
    #[inline(never)]
    fn class_by_test(&self, i: usize, class: u32) -> bool {
        let l = self.l(i);
        CLASSES.iter().any(|(bit, is)| bit & class != 0 && is(l))
    }
    pub fn glued(&self, i: usize) -> bool {
        self.toks.get(i).is_some_and(|t| !t.spaced)
    }
    /// `f` of the sentence's token infos and marks: its own, or, for a sentence that came
    /// without them (tests), computed now. The usual case passes the sentence's own slices, with
    /// no `Cow` to build, test and drop in each stage.
    #[inline(always)]
    pub fn with_infos<R>(&self, f: impl FnOnce(&[TokInfo], &super::marks::Marks) -> R) -> R {
        if super::marks::ready(self) {
            f(self.flags, self.marks)
        } else {
            let infos = super::vocab::infos(self);
            let marks = super::marks::marks(self, &infos);
            f(&infos, &marks)
        }
    }

    /// Text from token `a` to token `b` (exclusive).
    pub fn span(&self, a: usize, b: usize) -> &'a str {
        &self.text[self.toks[a].start..self.toks[b - 1].end]
    }
}

/// A pattern match: tokens `start..end`, its label, and its value key in the caller's buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PMatch {
    pub start: usize,
    pub end: usize,
    pub label: EntityLabel,
}

const ONES: &[&str] = &[
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: &[&str] = &[
    "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety",
];
const WEEKDAYS: &[&str] = &[
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
const MONTHS: &[&str] = &[
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];
const TIMEZONES: &[&str] = &[
    "eastern", "pacific", "central", "mountain", "et", "pt", "ct", "mt", "est", "pst", "cst",
    "mst", "edt", "pdt", "cdt", "mdt", "gmt", "utc", "bst", "cet", "cest", "ist", "aest",
];
const AM_PM: &[&str] = &["am", "pm", "a.m.", "p.m.", "a.m", "p.m"];
const CURRENCIES: &[&str] = &[
    "dollars", "dollar", "bucks", "euros", "euro", "pounds", "usd", "eur", "gbp", "yen", "francs",
];
const SCALES: &[(&str, f64)] = &[
    ("thousand", 1e3),
    ("k", 1e3),
    ("million", 1e6),
    ("m", 1e6),
    ("mm", 1e6),
    ("mil", 1e6),
    ("billion", 1e9),
    ("bn", 1e9),
    ("b", 1e9),
    ("trillion", 1e12),
];
/// Counted units that make a DATE ("two weeks") and a TIME ("80 hours"), singular first.
const DATE_UNITS: &[(&str, &str)] = &[
    ("day", "day"),
    ("days", "day"),
    ("week", "week"),
    ("weeks", "week"),
    ("month", "month"),
    ("months", "month"),
    ("year", "year"),
    ("years", "year"),
    ("quarter", "quarter"),
    ("quarters", "quarter"),
    ("decade", "decade"),
    ("decades", "decade"),
];
const TIME_UNITS: &[(&str, &str)] = &[
    ("hour", "hour"),
    ("hours", "hour"),
    ("hr", "hour"),
    ("hrs", "hour"),
    ("minute", "minute"),
    ("minutes", "minute"),
    ("min", "minute"),
    ("mins", "minute"),
    ("second", "second"),
    ("seconds", "second"),
];
/// Words before a bare four-digit number that make it a year.
const YEAR_CONTEXT: &[&str] = &[
    "in", "since", "by", "of", "from", "until", "till", "through", "before", "after", "to", "back",
    "early", "late", "mid", "fiscal", "fy", "year", "around", "during", "for", "and",
];
/// Words before "May" that make it the month rather than the verb.
const MONTH_CONTEXT: &[&str] = &[
    "in",
    "by",
    "since",
    "until",
    "till",
    "through",
    "from",
    "early",
    "late",
    "mid",
    "of",
    "before",
    "after",
    "during",
    "end",
    "beginning",
    "start",
    "next",
    "last",
    "this",
    "and",
];

/// Lower-case words that can open a pattern.
pub(crate) static STARTERS: LazyLock<FastSet<&'static str>> = LazyLock::new(|| {
    let extra = [
        "noon",
        "midnight",
        "next",
        "last",
        "coming",
        "following",
        "end",
        "first",
        "second",
        "third",
        "fourth",
        "1st",
        "2nd",
        "3rd",
        "4th",
    ];
    ONES.iter()
        .chain(TENS)
        .chain(WEEKDAYS)
        .chain(MONTHS)
        .chain(extra.iter())
        .copied()
        .collect()
});

/// Whether the lower-case word `w` can open a pattern ("twenty-five", "thursdays", "q3", "fy25").
pub(crate) fn may_start(w: &str) -> bool {
    STARTERS.contains(w) || may_start_indirect(w)
}

/// [`may_start`] for a word that is not itself in [`STARTERS`]: quarters, fiscal years,
/// hyphenated and plural forms of a starter.
fn may_start_indirect(w: &str) -> bool {
    let b = w.as_bytes();
    if (b.len() == 2 && b[0] == b'q' && (b'1'..=b'4').contains(&b[1]))
        || (b.len() >= 4 && w.starts_with("fy"))
    {
        return true;
    }
    // Lookups only when the hyphen and plural forms can apply.
    (w.contains('-')
        && w.split('-')
            .next()
            .is_some_and(|base| STARTERS.contains(base)))
        || (w.ends_with("days") && STARTERS.contains(&w[..w.len() - 1]))
}

// Classes of words the patterns look for (`P_*`): the vocabulary computes a word's classes
// once ([`word_classes`]), and the scanners test bits instead of comparing strings.
/// "noon", "midnight".
const P_NOON: u32 = 1;
/// "next", "last", "coming", "following".
const P_REL: u32 = 1 << 1;
/// A weekday, possibly plural ([`weekday`]).
const P_WEEKDAY: u32 = 1 << 2;
/// What "next" or "last" makes a date ("week", "summer").
const P_REL_UNIT: u32 = 1 << 3;
/// "first" to "fourth", "1st" to "4th".
const P_ORDINAL: u32 = 1 << 4;
/// A month ([`month`]).
const P_MONTH: u32 = 1 << 5;
/// A number word ([`small_number`]).
const P_NUMBER: u32 = 1 << 6;
/// A scale word ([`SCALES`]).
const P_SCALE: u32 = 1 << 7;
/// "percent", "pct".
const P_PERCENT: u32 = 1 << 8;
/// A currency word.
const P_CURRENCY: u32 = 1 << 9;
/// "am", "pm" and their dotted forms.
const P_AM_PM: u32 = 1 << 10;
/// A time zone.
const P_TIMEZONE: u32 = 1 << 11;
/// "to", "-", "or" between the two ends of a range.
const P_RANGE: u32 = 1 << 12;
/// "business", "working", "calendar".
const P_QUALIFIER: u32 = 1 << 13;
/// "days", "day", "weeks" after a qualifier.
const P_QUALIFIED: u32 = 1 << 14;
/// "second", "sec".
const P_SECOND: u32 = 1 << 15;
/// A date or time unit ([`DATE_UNITS`], [`TIME_UNITS`]).
const P_UNIT: u32 = 1 << 16;
/// A word before a bare year ([`YEAR_CONTEXT`]).
const P_YEAR_CONTEXT: u32 = 1 << 17;
/// A word before "May" or "March" that makes it the month ([`MONTH_CONTEXT`]).
const P_MONTH_CONTEXT: u32 = 1 << 18;
/// A word after "May" or "March" that makes it a verb.
const P_VERB_NEXT: u32 = 1 << 19;

/// Whether a lower-cased word is in a class.
type ClassTest = fn(&str) -> bool;

/// Each class with the test of a lower-cased word for it: the one definition of the classes.
const CLASSES: &[(u32, ClassTest)] = &[
    (P_NOON, |w| ["noon", "midnight"].contains(&w)),
    (P_REL, |w| {
        ["next", "last", "coming", "following"].contains(&w)
    }),
    (P_WEEKDAY, |w| weekday(w).is_some()),
    (P_REL_UNIT, |w| {
        [
            "week", "month", "year", "quarter", "weekend", "summer", "spring", "fall", "winter",
            "semester",
        ]
        .contains(&w)
    }),
    (P_ORDINAL, |w| {
        [
            "first", "second", "third", "fourth", "1st", "2nd", "3rd", "4th",
        ]
        .contains(&w)
    }),
    (P_MONTH, |w| month(w).is_some()),
    (P_NUMBER, |w| small_number(w).is_some()),
    (P_SCALE, |w| SCALES.iter().any(|(s, _)| *s == w)),
    (P_PERCENT, |w| ["percent", "pct"].contains(&w)),
    (P_CURRENCY, |w| CURRENCIES.contains(&w)),
    (P_AM_PM, |w| AM_PM.contains(&w)),
    (P_TIMEZONE, |w| TIMEZONES.contains(&w)),
    (P_RANGE, |w| ["to", "-", "or"].contains(&w)),
    (P_QUALIFIER, |w| {
        ["business", "working", "calendar"].contains(&w)
    }),
    (P_QUALIFIED, |w| ["days", "day", "weeks"].contains(&w)),
    (P_SECOND, |w| ["second", "sec"].contains(&w)),
    (P_UNIT, |w| {
        unit(DATE_UNITS, w).is_some() || unit(TIME_UNITS, w).is_some()
    }),
    (P_YEAR_CONTEXT, |w| YEAR_CONTEXT.contains(&w)),
    (P_MONTH_CONTEXT, |w| MONTH_CONTEXT.contains(&w)),
    (P_VERB_NEXT, |w| {
        ["i", "we", "you", "be", "have", "not", "on"].contains(&w)
    }),
];

/// The `P_*` classes of the ASCII-lower-cased word `w` (kept per word by the vocabulary).
pub(crate) fn word_classes(w: &str) -> u32 {
    CLASSES
        .iter()
        .filter(|(_, is)| is(w))
        .fold(0, |c, (bit, _)| c | bit)
}

fn unit(list: &[(&'static str, &'static str)], w: &str) -> Option<&'static str> {
    list.iter()
        .find(|(k, _)| w.eq_ignore_ascii_case(k))
        .map(|(_, v)| *v)
}

fn small_number(w: &str) -> Option<u32> {
    let lower_eq = |a: &str, b: &str| a.eq_ignore_ascii_case(b);
    if let Some(p) = ONES.iter().position(|o| lower_eq(o, w)) {
        return Some(p as u32);
    }
    if let Some(p) = TENS.iter().position(|t| lower_eq(t, w)) {
        return Some(20 + 10 * p as u32);
    }
    let (t, o) = w.split_once('-')?;
    let t = TENS.iter().position(|x| lower_eq(x, t))?;
    let o = ONES
        .iter()
        .position(|x| lower_eq(x, o))
        .filter(|&o| (1..10).contains(&o))?;
    Some(20 + 10 * t as u32 + o as u32)
}

/// [`small_number`] of token `i`, when it is one.
fn number_at(s: &Sent<'_>, i: usize) -> Option<u32> {
    if s.class(i, P_NUMBER) {
        small_number(s.s(i))
    } else {
        None
    }
}

/// A number said in words ("twenty five", "one hundred and ten"): value and end token.
fn word_number(s: &Sent<'_>, i: usize) -> Option<(f64, usize)> {
    if s.kind(i) != Some(Kind::Word) {
        return None;
    }
    let mut v = number_at(s, i)?;
    let mut j = i + 1;
    if v >= 20
        && v % 10 == 0
        && let Some(o) = number_at(s, j).filter(|o| (1..10).contains(o))
    {
        v += o;
        j += 1;
    }
    if s.is(j, "hundred") && v > 0 && v < 10 {
        v *= 100;
        j += 1;
        let k = if s.is(j, "and") { j + 1 } else { j };
        if let Some(r) = number_at(s, k).filter(|&r| r > 0) {
            v += r;
            j = k + 1;
        }
    }
    Some((f64::from(v), j))
}

/// A quantity at token `i`: digits or words, with an optional scale ("1.2 million", "$50k").
/// Returns value, end token and whether digits were used.
fn quantity(s: &Sent<'_>, i: usize, scale: bool) -> Option<(f64, usize, bool)> {
    let q = bare_quantity(s, i)?;
    Some(if scale { scaled(s, q) } else { q })
}

/// [`quantity`] without a scale.
fn bare_quantity(s: &Sent<'_>, i: usize) -> Option<(f64, usize, bool)> {
    Some(match s.kind(i)? {
        Kind::Num => {
            let t = s.s(i);
            if t.contains(':') {
                return None;
            }
            let mut buf = [0u8; 32];
            let mut n = 0;
            for b in t.bytes().filter(|&b| b != b',') {
                if n < buf.len() {
                    buf[n] = b;
                    n += 1;
                }
            }
            let v: f64 = std::str::from_utf8(&buf[..n]).ok()?.parse().ok()?;
            (v, i + 1, true)
        }
        Kind::Word => {
            let (v, j) = word_number(s, i)?;
            (v, j, false)
        }
        _ => return None,
    })
}

/// A quantity from [`bare_quantity`] with the scale that follows it, if any.
fn scaled(s: &Sent<'_>, (mut v, mut j, digits): (f64, usize, bool)) -> (f64, usize, bool) {
    if s.class(j, P_SCALE)
        && let Some((_, m)) = SCALES.iter().find(|(w, _)| s.is(j, w))
    {
        // "50k" and "2m" are glued; "1.2 million" is spaced; "1.2 m" alone is too ambiguous.
        let word_scale = s.s(j).len() > 3;
        if word_scale == s.toks[j].spaced {
            v *= m;
            j += 1;
        }
    }
    (v, j, digits)
}

fn push_value(key: &mut String, v: f64) {
    let _ = write!(key, "{v}");
}

/// Tries every pattern at token `i`; on a match writes the value key into `key`.
pub(crate) fn match_at(s: &Sent<'_>, i: usize, cased: bool, key: &mut String) -> Option<PMatch> {
    key.clear();
    let m = |end, label| {
        Some(PMatch {
            start: i,
            end,
            label,
        })
    };
    let t = s.s(i);
    // Most tokens start no pattern; one set lookup turns them away.
    match s.kind(i)? {
        Kind::Word if !s.may_start(i) => return None,
        Kind::Punct => return None,
        Kind::Sym if !matches!(t, "$" | "€" | "£") => return None,
        _ => {}
    }
    match s.kind(i)? {
        Kind::Sym if matches!(t, "$" | "€" | "£") => {
            let (v, j, _) = quantity(s, i + 1, true)?;
            key.push_str("money:");
            push_value(key, v);
            return m(j, EntityLabel::Money);
        }
        Kind::Num if t.contains(':') => {
            let mut j = i + 1;
            if s.class(j, P_AM_PM) {
                j += 1;
            }
            let (h, mm) = t.split_once(':')?;
            let (h, mm): (u32, u32) = (h.parse().ok()?, mm.parse().ok()?);
            if h > 23 || mm > 59 {
                return None;
            }
            if s.class(j, P_TIMEZONE) {
                j += 1;
            }
            key.push_str("time:");
            key.push_str(&s.span(i, j).to_ascii_lowercase());
            return m(j, EntityLabel::Time);
        }
        Kind::Word => {
            if let Some(r) = word_patterns(s, i, cased, key) {
                return Some(r);
            }
        }
        _ => {}
    }
    // The quantity is read once, with and without its scale.
    let bare = bare_quantity(s, i)?;
    let (v, j, _digits) = scaled(s, bare);
    // Percent.
    if (s.s(j) == "%" && s.glued(j)) || s.class(j, P_PERCENT) {
        key.push_str("pct:");
        push_value(key, v);
        return m(j + 1, EntityLabel::Percent);
    }
    if s.is(j, "per") && s.is(j + 1, "cent") {
        key.push_str("pct:");
        push_value(key, v);
        return m(j + 2, EntityLabel::Percent);
    }
    if s.class(j, P_CURRENCY) {
        key.push_str("money:");
        push_value(key, v);
        return m(j + 1, EntityLabel::Money);
    }
    // Scales only make sense for money and percentages.
    let (v, j, _) = bare;
    // "9 AM Eastern", "2pm".
    if s.class(j, P_AM_PM) && (1.0..=12.0).contains(&v) && v.fract() == 0.0 {
        let mut e = j + 1;
        if s.class(e, P_TIMEZONE) {
            e += 1;
        }
        let _ = write!(
            key,
            "time:{v}{}",
            s.s(j).to_ascii_lowercase().replace('.', "")
        );
        if e > j + 1 {
            let _ = write!(key, " {}", s.s(j + 1).to_ascii_lowercase());
        }
        return m(e, EntityLabel::Time);
    }
    // Ranges: "six to eight weeks", "2-3 weeks".
    let (hi, unit_at) = if s.class(j, P_RANGE)
        && let Some((hi, k, _)) = quantity(s, j + 1, false)
        && s.class(k, P_UNIT)
    {
        (Some(hi), k)
    } else if s.s(j) == "-" && s.glued(j) && s.glued(j + 1) {
        // "6-hour outage".
        (None, j + 1)
    } else {
        (None, j)
    };
    // "two business days": the qualifier stays inside the entity.
    let unit_at = if s.class(unit_at, P_QUALIFIER) && s.class(unit_at + 1, P_QUALIFIED) {
        unit_at + 1
    } else {
        unit_at
    };
    // "One second" is "wait a moment", not a duration.
    if s.class(unit_at, P_SECOND) && v == 1.0 && !s.toks[i].kind.eq(&Kind::Num) {
        return None;
    }
    if !s.class(unit_at, P_UNIT) {
        return year(s, i, v, j, key);
    }
    let (label, u) = if let Some(u) = unit(DATE_UNITS, s.s(unit_at)) {
        (EntityLabel::Date, u)
    } else if let Some(u) = unit(TIME_UNITS, s.s(unit_at)) {
        (EntityLabel::Time, u)
    } else {
        return year(s, i, v, j, key);
    };
    let mut end = unit_at + 1;
    key.push_str("dur:");
    push_value(key, v);
    if let Some(hi) = hi {
        key.push('-');
        push_value(key, hi);
    }
    let _ = write!(key, " {u}");
    // "fifteen years old" is an age: keep "old" with it.
    if label == EntityLabel::Date && s.is(end, "old") {
        key.push_str(" old");
        end += 1;
    }
    m(end, label)
}

/// A bare year ("in 2019").
fn year(s: &Sent<'_>, i: usize, v: f64, j: usize, key: &mut String) -> Option<PMatch> {
    let t = s.s(i);
    let plain_four = t.len() == 4 && t.bytes().all(|b| b.is_ascii_digit());
    let in_range = (1900.0..=2099.0).contains(&v);
    // Without a preposition a four-digit number is as likely a count ("2000 servers").
    let context = i == 0 || s.class(i - 1, P_YEAR_CONTEXT);
    if plain_four && in_range && j == i + 1 && context && s.s(j) != "%" {
        key.push_str("year:");
        key.push_str(t);
        return Some(PMatch {
            start: i,
            end: j,
            label: EntityLabel::Date,
        });
    }
    None
}

/// Patterns that start with a word: weekdays, months, quarters, relative dates, noon.
fn word_patterns(s: &Sent<'_>, i: usize, cased: bool, key: &mut String) -> Option<PMatch> {
    let m = |end, label| {
        Some(PMatch {
            start: i,
            end,
            label,
        })
    };
    let t = s.s(i);
    // "noon Eastern".
    if s.class(i, P_NOON) {
        let mut e = i + 1;
        if s.class(e, P_TIMEZONE) {
            e += 1;
        }
        key.push_str("time:");
        key.push_str(&s.span(i, e).to_ascii_lowercase());
        return m(e, EntityLabel::Time);
    }
    // "next Tuesday", "last year", "next quarter".
    let rel = s.class(i, P_REL);
    let head = if rel { i + 1 } else { i };
    if s.class(head, P_WEEKDAY)
        && let Some(wd) = weekday(s.s(head))
    {
        if cased && !s.s(head).starts_with(char::is_uppercase) {
            return None;
        }
        key.push_str("date:");
        if rel {
            key.push_str(&t.to_ascii_lowercase());
            key.push(' ');
        }
        key.push_str(wd);
        return m(head + 1, EntityLabel::Date);
    }
    if rel && s.class(head, P_REL_UNIT) {
        key.push_str("date:");
        key.push_str(&s.span(i, head + 1).to_ascii_lowercase());
        return m(head + 1, EntityLabel::Date);
    }
    if rel {
        return None;
    }
    // "the second quarter", "Q2" said in words.
    if s.class(i, P_ORDINAL) && s.is(i + 1, "quarter") {
        key.push_str("date:");
        key.push_str(&s.span(i, i + 2).to_ascii_lowercase());
        return m(i + 2, EntityLabel::Date);
    }
    // "end of the month".
    if s.is(i, "end")
        && s.is(i + 1, "of")
        && s.is(i + 2, "the")
        && s.any(i + 3, &["month", "quarter", "year", "week"])
    {
        key.push_str("date:");
        key.push_str(&s.span(i, i + 4).to_ascii_lowercase());
        return m(i + 4, EntityLabel::Date);
    }
    // "Q3", "Q3 2024", "FY25".
    let b = t.as_bytes();
    if b.len() == 2 && (b[0] | 0x20) == b'q' && (b'1'..=b'4').contains(&b[1]) {
        let mut e = i + 1;
        if s.kind(e) == Some(Kind::Num) && s.s(e).len() == 4 {
            e += 1;
        }
        key.push_str("date:");
        key.push_str(&s.span(i, e).to_ascii_lowercase());
        return m(e, EntityLabel::Date);
    }
    if (b.len() == 4 || b.len() == 6)
        && b[..2].eq_ignore_ascii_case(b"fy")
        && b[2..].iter().all(u8::is_ascii_digit)
    {
        key.push_str("date:");
        key.push_str(&t.to_ascii_lowercase());
        return m(i + 1, EntityLabel::Date);
    }
    // Months: "July", "July 14th", "March 31st, 2025".
    if !s.class(i, P_MONTH) {
        return None;
    }
    let month = month(t)?;
    if cased && !t.starts_with(char::is_uppercase) {
        return None;
    }
    let mut e = i + 1;
    let day = day_number(s, e);
    if let Some((_, de)) = day {
        e = de;
    }
    if (month == "may" || month == "march") && day.is_none() {
        // Also verbs: a month only after a preposition, or capitalised mid-sentence and not
        // followed by what a verb takes ("May I", "March we").
        let ctx = i > 0 && s.class(i - 1, P_MONTH_CONTEXT);
        let cap_mid = cased && i > 0 && t.starts_with(char::is_uppercase);
        let verb_next = s.class(i + 1, P_VERB_NEXT);
        if !ctx && (!cap_mid || verb_next) {
            return None;
        }
    }
    key.push_str("date:");
    key.push_str(month);
    if let Some((d, _)) = day {
        let _ = write!(key, " {d}");
    }
    let comma = usize::from(s.s(e) == ",");
    if s.kind(e + comma) == Some(Kind::Num) && s.s(e + comma).len() == 4 {
        let _ = write!(key, " {}", s.s(e + comma));
        e += comma + 1;
    }
    m(e, EntityLabel::Date)
}

fn weekday(w: &str) -> Option<&'static str> {
    let w = w.strip_suffix('s').filter(|x| x.len() >= 6).unwrap_or(w);
    WEEKDAYS.iter().find(|d| w.eq_ignore_ascii_case(d)).copied()
}

fn month(w: &str) -> Option<&'static str> {
    MONTHS.iter().find(|m| w.eq_ignore_ascii_case(m)).copied()
}

/// "14", "14th", "31st" after a month: day number and end token.
fn day_number(s: &Sent<'_>, i: usize) -> Option<(u32, usize)> {
    if s.kind(i) != Some(Kind::Num) {
        return None;
    }
    let d: u32 = s.s(i).parse().ok().filter(|d| (1..=31).contains(d))?;
    let e = if s.glued(i + 1) && s.any(i + 1, &["st", "nd", "rd", "th"]) {
        i + 2
    } else {
        i + 1
    };
    Some((d, e))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::patterns::TestSent;

    /// All pattern matches in `text`: (surface, label, key).
    fn find(text: &str) -> Vec<(String, EntityLabel, String)> {
        let owned = TestSent::new(text);
        let s = owned.sent();
        let toks = s.toks;
        let cased = text.chars().any(char::is_uppercase);
        let mut out = Vec::new();
        let mut key = String::new();
        let mut i = 0;
        while i < toks.len() {
            if let Some(m) = match_at(&s, i, cased, &mut key) {
                out.push((s.span(m.start, m.end).to_owned(), m.label, key.clone()));
                i = m.end;
            } else {
                i += 1;
            }
        }
        out
    }

    fn texts(text: &str) -> Vec<String> {
        find(text).into_iter().map(|(t, _, _)| t).collect()
    }

    #[test]
    fn money() {
        assert_eq!(
            texts("We wrote off $2.3 million and $45,000."),
            ["$2.3 million", "$45,000"]
        );
        assert_eq!(
            texts("about fifty thousand dollars or $50k"),
            ["fifty thousand dollars", "$50k"]
        );
        assert_eq!(texts("2 million euros"), ["2 million euros"]);
        let f = find("fifty thousand dollars then $50,000");
        assert_eq!(f[0].2, f[1].2);
        assert!(texts("we have 300 tables and 40 terabytes").is_empty());
    }

    #[test]
    fn percent() {
        assert_eq!(
            texts("cut it by twenty percent, 20%, 99.9% or 2 per cent"),
            ["twenty percent", "20%", "99.9%", "2 per cent"]
        );
        let f = find("twenty percent is 20%");
        assert_eq!(f[0].2, f[1].2);
        assert_eq!(f[0].1, EntityLabel::Percent);
    }

    #[test]
    fn times() {
        assert_eq!(
            texts("next Tuesday at 9 AM Eastern, 6 AM for us, noon Eastern, 3:30 pm or 2pm"),
            [
                "next Tuesday",
                "9 AM Eastern",
                "6 AM",
                "noon Eastern",
                "3:30 pm",
                "2pm"
            ]
        );
        assert_eq!(
            texts("so the batch runs at like 1 am and i am here"),
            ["1 am"]
        );
        let f = find("eighty hours of work, 80 hours total, 15 minutes");
        assert_eq!(f[0].2, f[1].2);
        assert_eq!(f[2].1, EntityLabel::Time);
        assert!(texts("I am sure").is_empty());
    }

    #[test]
    fn dates() {
        assert_eq!(
            texts("Go-live is July 14th, data by June 6th, review in Q3 and end of the month"),
            ["July 14th", "June 6th", "Q3", "end of the month"]
        );
        assert_eq!(
            texts("we need it by march 31st in q1"),
            ["march 31st", "q1"]
        );
        assert_eq!(
            texts("Last year we moved, back to 2019, for three years"),
            ["Last year", "2019", "three years"]
        );
        assert_eq!(
            texts("about six to eight weeks or 2-3 weeks"),
            ["six to eight weeks", "2-3 weeks"]
        );
        assert_eq!(texts("It is fifteen years old"), ["fifteen years old"]);
        assert_eq!(
            texts("in the second quarter within two business days"),
            ["second quarter", "two business days"]
        );
        assert!(texts("One second, let me check").is_empty());
        assert_eq!(texts("wait 30 seconds"), ["30 seconds"]);
        assert_eq!(
            texts("Thursdays are bad, Saturdays too"),
            ["Thursdays", "Saturdays"]
        );
        let f = find("Thursday and Thursdays");
        assert_eq!(f[0].2, f[1].2);
    }

    #[test]
    fn date_negatives() {
        assert!(texts("We may need 2000 servers and SOC 2 reports").is_empty());
        assert!(texts("May I ask? We march on.").is_empty());
        assert_eq!(
            texts("Season runs May through September"),
            ["May", "September"]
        );
        assert!(texts("phase one and number two").is_empty());
        assert!(texts("we met on monday").iter().all(|t| t == "monday"));
        assert!(
            texts("We met on the monday").is_empty(),
            "lower-case weekday in cased text"
        );
    }
}
