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
    words(text).count()
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
}
