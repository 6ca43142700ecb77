//! Words for statistics: whitespace-separated tokens that contain a letter or digit, with
//! surrounding punctuation trimmed ("well," -> "well", "$45,000" -> "45,000").

/// The words of `text`, borrowed from it.
pub fn words(text: &str) -> impl Iterator<Item = &str> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| !w.is_empty())
}

/// Number of [`words`] in `text`.
pub fn word_count(text: &str) -> usize {
    if !text.is_ascii() {
        return words(text).count();
    }
    // ASCII: a word is a whitespace-separated chunk holding a letter or digit, so one byte scan
    // counts them without trimming each chunk.
    let mut n = 0;
    let mut has_alnum = false;
    for &b in text.as_bytes() {
        // `char::is_whitespace` over ASCII (includes vertical tab, unlike `u8::is_ascii_whitespace`).
        if matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r') {
            n += usize::from(has_alnum);
            has_alnum = false;
        } else if b.is_ascii_alphanumeric() {
            has_alnum = true;
        }
    }
    n + usize::from(has_alnum)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_words_not_punctuation() {
        assert_eq!(
            words("Well, it's $45,000 -- fine!").collect::<Vec<_>>(),
            ["Well", "it's", "45,000", "fine"]
        );
        assert_eq!(word_count("  ... -- "), 0);
        assert_eq!(word_count("one two\nthree"), 3);
    }

    proptest::proptest! {
        #[test]
        fn fast_count_matches_the_word_iterator(text in "[a-z0-9 ,.$'\t\n\u{0B}\u{0C}\r-]{0,40}") {
            proptest::prop_assert_eq!(word_count(&text), words(&text).count());
        }
    }
}
