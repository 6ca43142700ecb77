//! Sentence splitting for spoken transcripts.
//!
//! A sentence ends at `.`, `!` or `?` (runs like `?!` and `...` included, closing quotes and
//! brackets kept) followed by whitespace, except after an abbreviation: titles ("Mr.", "Dr.",
//! "e.g.") never end a sentence, company and time suffixes ("Inc.", "Corp.", "a.m.", "U.S.")
//! end one only when a capitalised word follows, and an ellipsis ends one only before a capital.
//! Decimals ("3.5") and times ("9:30") have no space after the point, so they never split.
//! Captions often have no punctuation at all, so a sentence is also cut after
//! [`SentenceSplitter::max_words`] words, preferably before a discourse word ("so", "and",
//! "okay"). The splitter yields slices of its input, so no sentence is copied.

/// Titles and Latin abbreviations after which a sentence never ends.
const NEVER_END: &[&str] = &[
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "mt", "vs", "e.g", "i.e", "cf", "approx",
    "no", "vol", "fig", "dept", "gen", "gov", "sen", "rep", "capt", "lt", "col", "sgt", "rev",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec", "est",
];

/// Abbreviations that may also end a sentence: they end one before a capitalised word.
const MAY_END: &[&str] = &[
    "inc", "corp", "co", "ltd", "llc", "plc", "etc", "a.m", "p.m", "u.s", "u.k", "u.s.a", "al",
    "bros", "gmbh", "ag", "s.a", "n.a",
];

/// Words before which an unpunctuated run is best cut.
const CUT_BEFORE: &[&str] = &[
    "so", "okay", "ok", "and", "but", "yeah", "um", "uh", "because", "then", "now", "well",
    "alright", "right", "actually", "anyway",
];

/// Splits text into sentences; see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SentenceSplitter {
    /// Longest run of words without end punctuation before a sentence is cut.
    pub max_words: usize,
    /// Fewest words a cut sentence keeps when looking back for a discourse word.
    pub min_words: usize,
}

impl Default for SentenceSplitter {
    fn default() -> Self {
        Self {
            max_words: 30,
            min_words: 8,
        }
    }
}

impl SentenceSplitter {
    /// Iterates over the sentences of `text`, trimmed; empty ones are skipped.
    pub fn split<'a>(&self, text: &'a str) -> Sentences<'a> {
        Sentences {
            text,
            pos: 0,
            max_words: self.max_words.max(1),
            min_words: self.min_words,
        }
    }
}

/// Sentences of `text` with the default [`SentenceSplitter`].
pub fn split_sentences(text: &str) -> Sentences<'_> {
    SentenceSplitter::default().split(text)
}

/// Iterator returned by [`SentenceSplitter::split`].
#[derive(Debug, Clone)]
pub struct Sentences<'a> {
    text: &'a str,
    pos: usize,
    max_words: usize,
    min_words: usize,
}

impl<'a> Iterator for Sentences<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        loop {
            let rest = &self.text[self.pos..];
            if rest.trim().is_empty() {
                self.pos = self.text.len();
                return None;
            }
            let end = self.find_end(rest);
            let s = rest[..end].trim();
            self.pos += end;
            if !s.is_empty() {
                return Some(s);
            }
        }
    }
}

impl Sentences<'_> {
    /// Byte length of the first sentence of `rest` (at least one byte).
    fn find_end(&self, rest: &str) -> usize {
        let bytes = rest.as_bytes();
        let mut words = 0usize;
        let mut in_word = false;
        let mut best_cut: Option<usize> = None;
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_whitespace() {
                in_word = false;
                i += 1;
                continue;
            }
            if !in_word {
                in_word = true;
                words += 1;
                if words > self.max_words {
                    return best_cut.unwrap_or(i);
                }
                if words > self.min_words && words > 1 {
                    let w = word_at(rest, i);
                    if CUT_BEFORE.iter().any(|c| w.eq_ignore_ascii_case(c)) {
                        best_cut = Some(i);
                    }
                }
            }
            if matches!(b, b'.' | b'!' | b'?') {
                // The whole run of end marks and closing quotes/brackets belongs to the sentence.
                let mut j = i;
                while j < bytes.len() && matches!(bytes[j], b'.' | b'!' | b'?') {
                    j += 1;
                }
                while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b')' | b']') {
                    j += 1;
                }
                let at_end = j >= bytes.len();
                if at_end {
                    return j;
                }
                if !bytes[j].is_ascii_whitespace() {
                    // "3.5", "U.S.A", "example.com": no break inside a token.
                    i = j;
                    continue;
                }
                if self.ends_here(rest, i, j) {
                    return j;
                }
                i = j;
                continue;
            }
            i += 1;
        }
        bytes.len()
    }

    /// Whether the end marks at `rest[mark..after]` end a sentence.
    fn ends_here(&self, rest: &str, mark: usize, after: usize) -> bool {
        let marks = &rest[mark..after];
        let next = rest[after..].trim_start();
        let next_upper = next.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit());
        if marks.starts_with(['?', '!']) {
            return true;
        }
        if marks.starts_with("..") {
            return next_upper;
        }
        // A single '.': look at the word before it.
        let before = &rest[..mark];
        let word_start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| c.is_whitespace() || c == '(' || c == '"')
            .map_or(0, |(p, c)| p + c.len_utf8());
        let word = before[word_start..].trim_start_matches(['\'', '"']);
        let is_in = |list: &[&str]| list.iter().any(|a| a.eq_ignore_ascii_case(word));
        if is_in(NEVER_END) {
            return false;
        }
        if is_in(MAY_END) {
            return next_upper;
        }
        // An initial: "J. Smith".
        if word.chars().count() == 1 && word.starts_with(char::is_uppercase) {
            return !next_upper;
        }
        true
    }
}

/// The word starting at byte `i`.
fn word_at(s: &str, i: usize) -> &str {
    let w = &s[i..];
    let end = w.find(|c: char| c.is_whitespace()).unwrap_or(w.len());
    w[..end].trim_end_matches(|c: char| !c.is_alphanumeric())
}

/// Returns `s` with its first letter upper-cased (borrowed when it already is).
pub fn capitalize_start(s: &str) -> std::borrow::Cow<'_, str> {
    match s.char_indices().find(|(_, c)| c.is_alphabetic()) {
        Some((i, c)) if c.is_lowercase() => {
            let mut out = String::with_capacity(s.len() + 2);
            out.push_str(&s[..i]);
            out.extend(c.to_uppercase());
            out.push_str(&s[i + c.len_utf8()..]);
            std::borrow::Cow::Owned(out)
        }
        _ => std::borrow::Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn split(s: &str) -> Vec<&str> {
        split_sentences(s).collect()
    }

    #[test]
    fn basic_ends() {
        assert_eq!(
            split("Hi there. How are you? Great!"),
            ["Hi there.", "How are you?", "Great!"]
        );
        assert_eq!(split("Really?! Yes."), ["Really?!", "Yes."]);
        assert_eq!(
            split("He said \"stop.\" Then left."),
            ["He said \"stop.\"", "Then left."]
        );
    }

    #[test]
    fn abbreviations() {
        assert_eq!(
            split("Dr. Smith met Mr. Jones today."),
            ["Dr. Smith met Mr. Jones today."]
        );
        assert_eq!(
            split("Use a tool, e.g. Excel or i.e. sheets."),
            ["Use a tool, e.g. Excel or i.e. sheets."]
        );
        assert_eq!(
            split("We met Acme Corp. Thanks Alice."),
            ["We met Acme Corp.", "Thanks Alice."]
        );
        assert_eq!(split("Acme Inc. and friends."), ["Acme Inc. and friends."]);
        assert_eq!(
            split("It is in the U.S. and Canada."),
            ["It is in the U.S. and Canada."]
        );
        assert_eq!(
            split("Call at 9 a.m. tomorrow."),
            ["Call at 9 a.m. tomorrow."]
        );
        assert_eq!(
            split("Ask J. Smith. He knows."),
            ["Ask J. Smith.", "He knows."]
        );
    }

    #[test]
    fn decimals_times_and_ellipses() {
        assert_eq!(
            split("It's 3.5 million at 9:30. Okay."),
            ["It's 3.5 million at 9:30.", "Okay."]
        );
        assert_eq!(split("It was 99.9% up."), ["It was 99.9% up."]);
        assert_eq!(
            split("Well... maybe. And then... Okay."),
            ["Well... maybe.", "And then...", "Okay."]
        );
    }

    #[test]
    fn unpunctuated_captions_are_capped() {
        let text = (0..100)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let s = split(&text);
        assert_eq!(s.len(), 4);
        assert!(s.iter().all(|s| s.split(' ').count() <= 30));
        let text = "we need the data feed from the source every night so we can check it \
                    then the team loads the rest of it into the warehouse and we report on it \
                    every morning for the branch managers";
        let s = split(text);
        assert!(s.len() >= 2);
        assert!(
            s[1].starts_with("then") || s[1].starts_with("so") || s[1].starts_with("and"),
            "{s:?}"
        );
    }

    #[test]
    fn capitalises() {
        assert_eq!(capitalize_start("okay so"), "Okay so");
        assert_eq!(capitalize_start("\"ok\""), "\"Ok\"");
        assert_eq!(capitalize_start("Yes"), "Yes");
    }
}
