//! Technical terms: acronyms ("API", "SSO", "ETL"), CamelCase names ("PowerBI", "DataSync") and
//! phrases with a technical head word ("bulk API", "data warehouse"). Counters per distinct term.

use std::sync::LazyLock;

use super::hash::FastMap;

use super::entities::is_camel;
use super::lexicon::{CasePolicy, GAZETTEER};
use super::marks;
use super::marks::Marks;
use super::patterns::Sent;
use super::vocab::{T_INNER_UPPER, T_NO_LOWER, T_WORD, TokInfo};

/// Distinct acronyms and CamelCase words kept.
const MAX_TERMS: usize = 20_000;

/// Upper-case words that are not technical terms: pronouns, titles, time zones, units.
const NOT_TERMS: &[&str] = &[
    "OK", "AM", "PM", "TV", "HQ", "CEO", "CFO", "CTO", "COO", "CIO", "CMO", "CRO", "VP", "SVP",
    "EVP", "ASAP", "FYI", "LOL", "IT", "PS", "USD", "EUR", "GBP", "EST", "PST", "CST", "MST", "ET",
    "PT", "CT", "MT", "EDT", "PDT", "GMT", "UTC", "AKA", "ETA", "EOD", "EOW", "TBD", "NA", "OH",
    "UM", "UH", "HI", "NO", "SO", "MR", "MS", "DR", "JR", "SR", "LLC", "INC", "LTD", "CORP",
];

/// Last words that make a phrase technical.
const TECH_HEADS: &[&str] = &[
    "platform",
    "platforms",
    "api",
    "apis",
    "database",
    "databases",
    "analytics",
    "dashboard",
    "dashboards",
    "connector",
    "connectors",
    "cloud",
    "data",
    "system",
    "systems",
    "service",
    "services",
    "integration",
    "integrations",
    "framework",
    "protocol",
    "interface",
    "pipeline",
    "pipelines",
    "warehouse",
    "schema",
    "server",
    "servers",
    "cluster",
    "endpoint",
    "endpoints",
    "sdk",
    "stack",
    "model",
    "models",
    "architecture",
    "infrastructure",
    "environment",
    "plane",
    "deployment",
    "migration",
    "encryption",
    "authentication",
    "provisioning",
    "replication",
    "ingestion",
    "storage",
    "network",
    "logs",
    "queue",
    "catalog",
    "lineage",
    "region",
    "account",
];

/// Acronym and CamelCase counters.
#[derive(Debug, Default)]
pub(crate) struct Terms {
    acronyms: FastMap<String, u32>,
    camel: FastMap<String, u32>,
}

/// Whether `w` is in [`NOT_TERMS`], without a string comparison per entry: they are two to
/// four bytes long, so each is one little-endian number.
fn not_term(w: &str) -> bool {
    static WORDS: LazyLock<Vec<u32>> = LazyLock::new(|| {
        NOT_TERMS
            .iter()
            .map(|t| word_number(t.as_bytes()))
            .collect()
    });
    (2..=4).contains(&w.len()) && WORDS.contains(&word_number(w.as_bytes()))
}

/// The (up to four) bytes of `b` as a little-endian number, zero-padded.
fn word_number(b: &[u8]) -> u32 {
    b.iter().rev().fold(0, |n, &c| n << 8 | u32::from(c))
}

fn acronym(w: &str) -> Option<&str> {
    // "APIs" and "DBAs" are plurals of "API" and "DBA".
    let core = w.strip_suffix('s').filter(|c| c.len() >= 2).unwrap_or(w);
    let letters = core.bytes().filter(u8::is_ascii_uppercase).count();
    let ok = (2..=6).contains(&core.len())
        && letters >= 2
        && core
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        && !core.bytes().all(|b| b"IVXLCDM".contains(&b))
        && !not_term(core)
        // "FY26" and "Q3" are dates.
        && !(core.starts_with("FY") && core[2..].bytes().all(|b| b.is_ascii_digit()));
    ok.then_some(core)
}

fn bump(map: &mut FastMap<String, u32>, k: &str) {
    if let Some(c) = map.get_mut(k) {
        *c += 1;
    } else if map.len() < MAX_TERMS {
        map.insert(k.to_owned(), 1);
    }
}

impl Terms {
    /// Counts the acronyms and CamelCase words of one sentence.
    #[inline]
    pub fn observe(&mut self, s: &Sent<'_>) {
        // Both acronyms and CamelCase have a capital after the first letter; most sentences have
        // no such word, which their marks tell before anything else is set up.
        if !(marks::ready(s) && s.marks.any & T_INNER_UPPER == 0) {
            self.count(s);
        }
    }

    /// [`Terms::observe`] of a sentence that may hold terms.
    fn count(&mut self, s: &Sent<'_>) {
        s.with_infos(|infos, marks| self.count_marked(s, infos, marks));
    }

    /// [`Terms::count`] with the sentence's token infos and marks.
    #[inline(never)]
    fn count_marked(&mut self, s: &Sent<'_>, infos: &[TokInfo], marks: &Marks) {
        let candidate = T_WORD | T_INNER_UPPER;
        if !marks.any_has(candidate) {
            return;
        }
        let (mut all, mut upper) = (0usize, 0usize);
        for f in infos.iter().filter(|f| f.has(T_WORD)) {
            all += 1;
            upper += usize::from(f.has(T_NO_LOWER));
        }
        // A shouted or all-caps caption line has no acronyms to find.
        if all >= 4 && upper * 2 > all {
            return;
        }
        marks.for_each(candidate, 0, |i| {
            let w = s.s(i);
            // ".NET" is a product name, not the acronym "NET".
            if i > 0 && s.s(i - 1) == "." && !s.toks[i].spaced {
                return;
            }
            if let Some(a) = acronym(w) {
                bump(&mut self.acronyms, a);
            } else if is_camel(w) {
                bump(&mut self.camel, w);
            }
        });
    }

    /// Acronyms (most used first), CamelCase words, then technical phrases from `phrases`.
    pub fn finish(&self, phrases: &FastMap<String, u32>, max: usize) -> Vec<String> {
        let gaz = &*GAZETTEER;
        let is_named = |t: &str| {
            gaz.entries
                .iter()
                .any(|e| e.case == CasePolicy::Exact && e.name == t)
        };
        let ranked = |m: &FastMap<String, u32>, min: u32| {
            let mut v: Vec<(&String, u32)> = m
                .iter()
                .filter(|&(_, &c)| c >= min)
                .map(|(k, &c)| (k, c))
                .collect();
            v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(b.0)));
            v.into_iter().map(|(k, _)| k.clone()).collect::<Vec<_>>()
        };
        let mut out: Vec<String> = ranked(&self.acronyms, 1)
            .into_iter()
            .filter(|a| !is_named(a))
            .collect();
        out.extend(ranked(&self.camel, 1));
        let tech: FastMap<String, u32> = phrases
            .iter()
            .filter(|(p, _)| {
                let n = p.split(' ').count();
                (2..=3).contains(&n)
                    && p.rsplit(' ')
                        .next()
                        .is_some_and(|h| TECH_HEADS.contains(&h))
            })
            .map(|(p, &c)| (p.clone(), c))
            .collect();
        let repeated = tech.values().filter(|&&c| c >= 2).count();
        out.extend(ranked(&tech, if repeated >= 5 { 2 } else { 1 }));
        out.truncate(max);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::patterns::TestSent;

    fn terms(text: &str) -> Vec<String> {
        let mut t = Terms::default();
        t.observe(&TestSent::new(text).sent());
        t.finish(&FastMap::default(), 50)
    }

    #[test]
    fn acronyms_and_camel_case() {
        let got = terms(
            "I said OK, we use SSO and the APIs in PowerBI and DataSync on AWS at 9 AM, part II.",
        );
        assert_eq!(got, ["API", "SSO", "DataSync", "PowerBI"]);
    }

    #[test]
    fn not_terms_by_number() {
        assert!(NOT_TERMS.iter().all(|t| not_term(t)));
        for w in ["", "O", "OKK", "SSO", "API", "CEOS", "EST1", "LLCX", "ok"] {
            assert!(!not_term(w), "{w}");
        }
    }

    #[test]
    fn not_terms() {
        assert!(
            terms("I am the CFO of McDonald and iPhone")
                .iter()
                .all(|t| t == "iPhone")
        );
        assert!(terms("THIS IS ALL SHOUTING ABOUT ETL").is_empty());
    }

    #[test]
    fn technical_phrases_from_heads() {
        let mut phrases = FastMap::default();
        phrases.insert("bulk api".to_owned(), 2);
        phrases.insert("data warehouse".to_owned(), 1);
        phrases.insert("fuel prices".to_owned(), 3);
        let got = Terms::default().finish(&phrases, 10);
        assert_eq!(got, ["bulk api", "data warehouse"]);
    }
}
