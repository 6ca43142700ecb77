//! Word lists shipped in the crate (`data/`), loaded once per process.
//!
//! The gazetteer (countries, regions, cities, vendors and products) is one sorted phrase list
//! (searched like a leftmost-longest Aho-Corasick automaton, see `phrases`), with its entries
//! also listed by the word they start with ([`GAZ_STARTS`]) so most sentences are matched
//! without searching them (see `starts`). The English dictionary is the sorted
//! lower-case part of SCOWL (via Debian's `wamerican`, see `data/english_words.COPYRIGHT`),
//! binary-searched in place.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::hash::FastSet;

use super::phrases::Phrases;
use super::starts::Starts;

use super::EntityLabel;

const COUNTRIES: &str = include_str!("../../data/countries.txt");
const REGIONS: &str = include_str!("../../data/us_states.txt");
const CITIES: &str = include_str!("../../data/cities.txt");
const VENDORS: &str = include_str!("../../data/vendors.txt");
const GIVEN_NAMES: &str = include_str!("../../data/given_names.txt");
const STOP_WORDS: &str = include_str!("../../data/stopwords_en.txt");
const ENGLISH_WORDS: &str = include_str!("../../data/english_words.txt");

/// How strictly a gazetteer entry must match the text's letter case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum CasePolicy {
    /// Capitalised in cased text; any case in lower-case captions.
    Normal,
    /// Also an everyday word ("Slack", "Teams"): only capitalised and not sentence-initial in
    /// cased text, never in lower-case captions.
    Ambiguous,
    /// Exactly as listed ("US", "AWS"), so the pronoun "us" is not a country.
    Exact,
}

/// One gazetteer entry.
#[derive(Debug, Clone)]
pub(crate) struct GazEntry {
    pub name: &'static str,
    pub label: EntityLabel,
    pub case: CasePolicy,
}

/// The gazetteer: its entries, and their names lower-cased to search sentences with.
pub(crate) struct Gazetteer {
    pub phrases: Phrases,
    pub entries: Vec<GazEntry>,
    /// The names ASCII-lower-cased, one after another in entry order, and where each ends.
    lower: String,
    lower_ends: Vec<usize>,
}

impl Gazetteer {
    /// The entries' names ASCII-lower-cased, in order.
    fn lower_names(&self) -> impl ExactSizeIterator<Item = &str> {
        let ends = &self.lower_ends;
        (0..ends.len()).map(|i| &self.lower[i.checked_sub(1).map_or(0, |p| ends[p])..ends[i]])
    }
}

fn entry(line: &'static str, label: EntityLabel) -> GazEntry {
    let (case, name) = if let Some(n) = line.strip_prefix('?') {
        (CasePolicy::Ambiguous, n)
    } else if let Some(n) = line.strip_prefix('!') {
        (CasePolicy::Exact, n)
    } else {
        (CasePolicy::Normal, line)
    };
    GazEntry { name, label, case }
}

fn data_lines(text: &'static str) -> impl Iterator<Item = &'static str> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
}

pub(crate) static GAZETTEER: LazyLock<Gazetteer> = LazyLock::new(|| {
    let mut entries = Vec::new();
    for text in [COUNTRIES, REGIONS, CITIES] {
        entries.extend(data_lines(text).map(|l| entry(l, EntityLabel::Gpe)));
    }
    for line in data_lines(VENDORS) {
        let (label, name) = line.split_once(' ').unwrap_or(("", line));
        let label = if label == "ORG" {
            EntityLabel::Org
        } else {
            EntityLabel::Product
        };
        entries.push(entry(name.trim(), label));
    }
    // Phrases are lower-cased and matched against the sentence's ASCII-lower-cased copy (same
    // byte offsets).
    let mut all = String::with_capacity(entries.iter().map(|e| e.name.len() + 1).sum());
    let mut ends = Vec::with_capacity(entries.len());
    for e in &entries {
        all.push_str(e.name);
        ends.push(all.len());
        all.push('\n');
    }
    all.make_ascii_lowercase();
    // The first listing of a name wins ("Singapore" the country, not the city), by its full
    // lower-case form (the same as the ASCII one for ASCII names, which need no copy).
    let mut seen: FastSet<Cow<'_, str>> = FastSet::default();
    seen.reserve(entries.len());
    let mut lower = String::with_capacity(all.len());
    let mut lower_ends = Vec::with_capacity(entries.len());
    let mut start = 0;
    let mut keep = Vec::with_capacity(entries.len());
    for (e, &end) in entries.iter().zip(&ends) {
        let ascii = &all[start..end];
        start = end + 1;
        let key = if e.name.is_ascii() {
            Cow::Borrowed(ascii)
        } else {
            Cow::Owned(e.name.to_lowercase())
        };
        let new = seen.insert(key);
        if new {
            lower.push_str(ascii);
            lower_ends.push(lower.len());
        }
        keep.push(new);
    }
    let mut keep = keep.into_iter();
    entries.retain(|_| keep.next().unwrap_or(false));
    let mut gaz = Gazetteer {
        phrases: Phrases::new([] as [&str; 0]),
        entries,
        lower,
        lower_ends,
    };
    gaz.phrases = Phrases::new(gaz.lower_names());
    gaz
});

/// The given names lower-cased, separated by white space.
static GIVEN_LOWER: LazyLock<String> = LazyLock::new(|| {
    data_lines(GIVEN_NAMES)
        .collect::<Vec<_>>()
        .join("\n")
        .to_lowercase()
});

pub(crate) static GIVEN: LazyLock<FastSet<&'static str>> = LazyLock::new(|| {
    let mut set = FastSet::default();
    set.reserve(GIVEN_LOWER.len() / 6);
    set.extend(GIVEN_LOWER.split_whitespace());
    set
});

pub(crate) static STOP: LazyLock<FastSet<&'static str>> = LazyLock::new(|| {
    data_lines(STOP_WORDS)
        .flat_map(str::split_whitespace)
        .collect()
});

/// The gazetteer's entries by the word they can start with (see [`Starts`]).
pub(crate) static GAZ_STARTS: LazyLock<Starts<'static>> =
    LazyLock::new(|| Starts::new(GAZETTEER.lower_names()));

/// Whether `lower` (already lower-case) is a given name.
pub(crate) fn is_given_name(lower: &str) -> bool {
    GIVEN.contains(lower)
}

/// Whether `lower` (already lower-case) is a stop word.
pub(crate) fn is_stop(lower: &str) -> bool {
    STOP.contains(lower)
}

/// Whether `lower` (already lower-case ASCII letters) is an English dictionary word, or a
/// regular inflection of one ("integrations", "onboarded").
pub(crate) fn is_english(lower: &str) -> bool {
    if in_dictionary(lower) {
        return true;
    }
    for suffix in ["s", "es", "ed", "ing", "'s"] {
        if let Some(stem) = lower.strip_suffix(suffix)
            && stem.len() >= 3
            && in_dictionary(stem)
        {
            return true;
        }
    }
    false
}

/// Binary search over the sorted dictionary lines, in place: by bytes, each probe backing up to
/// the start of the line it lands in. No index to build (a hash set of the 64k words took
/// 20–40 ms, an index of line starts 0.1 ms and 256 KB; both too much for a three-cue file).
fn in_dictionary(word: &str) -> bool {
    use std::cmp::Ordering;
    let (dict, w) = (ENGLISH_WORDS.as_bytes(), word.as_bytes());
    // `dict[lo..hi]` is whole lines: `lo` starts one, and `hi` starts one or is the end.
    let (mut lo, mut hi) = (0, dict.len());
    while lo < hi {
        let mut start = lo + (hi - lo) / 2;
        while start > lo && dict[start - 1] != b'\n' {
            start -= 1;
        }
        // The line from `start` against `w`, byte by byte up to the first difference.
        let mut i = 0;
        let order = loop {
            let b = dict.get(start + i).filter(|&&b| b != b'\n');
            match (b, w.get(i)) {
                (None, None) => break Ordering::Equal,
                (None, Some(_)) => break Ordering::Less,
                (Some(_), None) => break Ordering::Greater,
                (Some(x), Some(y)) if x != y => break x.cmp(y),
                _ => i += 1,
            }
        };
        match order {
            Ordering::Equal => return true,
            Ordering::Less => {
                lo = memchr::memchr(b'\n', &dict[start + i..hi]).map_or(hi, |p| start + i + p + 1);
            }
            Ordering::Greater => hi = start,
        }
    }
    false
}

/// Last words that make a capitalised name an organisation ("Brightwater Analytics").
pub(crate) const ORG_SUFFIXES: &[&str] = &[
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "llc",
    "llp",
    "ltd",
    "limited",
    "plc",
    "gmbh",
    "ag",
    "group",
    "holdings",
    "enterprises",
    "analytics",
    "services",
    "systems",
    "technologies",
    "technology",
    "solutions",
    "software",
    "labs",
    "laboratories",
    "partners",
    "associates",
    "consulting",
    "bank",
    "bancorp",
    "financial",
    "insurance",
    "mutual",
    "capital",
    "ventures",
    "industries",
    "international",
    "networks",
    "communications",
    "media",
    "healthcare",
    "pharmaceuticals",
    "university",
    "college",
    "institute",
    "foundation",
    "agency",
    "supply",
    "logistics",
    "manufacturing",
    "motors",
    "energy",
    "data",
    "digital",
    "dynamics",
    "robotics",
    "retail",
    "foods",
    "brands",
    "airlines",
    "hospital",
    "association",
    "trust",
    "outfitters",
    "health",
    "freight",
    "shipping",
    "transport",
    "airways",
    "pharma",
    "biosciences",
    "therapeutics",
    "bancshares",
    "lending",
    "realty",
    "hotels",
    "resorts",
    "telecom",
    "wireless",
    "semiconductor",
    "electronics",
    "aerospace",
    "defense",
    "chemicals",
    "mining",
];

/// Last words of job titles and roles, which are capitalised but are not names.
pub(crate) const ROLE_WORDS: &[&str] = &[
    "analyst",
    "manager",
    "director",
    "engineer",
    "architect",
    "officer",
    "president",
    "lead",
    "head",
    "specialist",
    "consultant",
    "executive",
    "coordinator",
    "administrator",
    "sponsor",
    "owner",
    "representative",
    "associate",
    "developer",
    "scientist",
    "designer",
    "advisor",
    "customer",
    "team",
    "department",
    "role",
    "contact",
    "name",
    "industry",
    "location",
    "success",
    "operations",
    "sales",
    "marketing",
    "finance",
    "support",
    "it",
    "hr",
    "legal",
];

/// First words of capitalised headings that are not names ("Phase Two", "Company Name").
pub(crate) const GENERIC_HEADS: &[&str] = &[
    "company",
    "project",
    "phase",
    "step",
    "section",
    "chapter",
    "question",
    "item",
    "number",
    "option",
    "table",
    "figure",
    "page",
    "slide",
    "part",
    "version",
    "level",
    "stage",
    "tier",
    "plan",
    "senior",
    "junior",
    "chief",
    "vice",
    "general",
    "regional",
    "global",
    "principal",
    "vp",
    "svp",
    "evp",
    "cto",
    "ceo",
    "cfo",
    "cio",
    "coo",
];

/// Words that may join two capitalised words inside one name ("Bank of America").
pub(crate) const NAME_CONNECTORS: &[&str] =
    &["of", "&", "de", "van", "von", "der", "la", "del", "da"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dictionary_lookup() {
        assert!(is_english("data"));
        assert!(is_english("catalog"));
        assert!(is_english("integrations"));
        assert!(is_english("a"));
        assert!(!is_english("lumora"));
        assert!(!is_english("vasquez"));
        assert!(!is_english("zzzz"));
    }

    #[test]
    fn dictionary_search_finds_every_line_and_nothing_else() {
        let lines: Vec<&str> = ENGLISH_WORDS.lines().collect();
        assert!(lines.len() > 60_000);
        for (k, w) in lines.iter().enumerate() {
            assert!(in_dictionary(w), "{w}");
            if k % 5 != 0 {
                continue;
            }
            let cut = w.char_indices().last().map_or(0, |(i, _)| i);
            for probe in [
                format!("{w}q"),
                format!("{w}\u{e9}"),
                format!("a{w}"),
                format!("{}{{", &w[..cut]),
                w[..cut].to_owned(),
            ] {
                let want = lines.binary_search(&probe.as_str()).is_ok();
                assert_eq!(in_dictionary(&probe), want, "{probe}");
            }
        }
        assert!(!in_dictionary(""));
        assert!(!in_dictionary("\u{10ffff}"));
    }

    #[test]
    fn gazetteer_starts() {
        for w in ["us", "new", "snowflake", "u.s.", "at", "the"] {
            assert!(GAZ_STARTS.list(w) != 0, "{w}");
        }
        for w in ["a", "meeting", "york", "status"] {
            assert_eq!(GAZ_STARTS.list(w), 0, "{w}");
        }
        assert!(GAZ_STARTS.may_open(".") && !GAZ_STARTS.may_open(","));
    }

    #[test]
    fn lists_load() {
        assert!(is_given_name("elena"));
        assert!(!is_given_name("will"));
        assert!(is_stop("the"));
        let g = &*GAZETTEER;
        assert!(
            g.entries
                .iter()
                .any(|e| e.name == "US" && e.case == CasePolicy::Exact)
        );
        assert!(
            g.entries
                .iter()
                .any(|e| e.name == "Slack" && e.case == CasePolicy::Ambiguous)
        );
        assert!(g.entries.len() > 500);
    }
}
