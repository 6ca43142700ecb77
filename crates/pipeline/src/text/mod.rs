//! STAGE 3: text cleaning (whitespace, quotes, optional filler removal), sentence splitting and
//! word counting. Everything works on borrowed text or writes into a caller-owned buffer.

mod clean;
mod masks;
mod sentence;
mod words;

pub use clean::{CleanOptions, CleanScratch, clean, clean_with};
pub use sentence::{SentenceSplitter, Sentences, SplitScratch, capitalize_start, split_sentences};
pub use words::{word_count, words};

#[cfg(test)]
mod proptests {
    use super::*;
    use proptest::prelude::*;

    fn non_ws(s: &str) -> String {
        s.chars().filter(|c| !c.is_whitespace()).collect()
    }

    proptest! {
        #[test]
        fn splitter_keeps_every_character_once(text in "([A-Za-z]{1,6}|[.?!]{1,3}|[0-9]{1,3}|[ \n]|e\\.g\\.|Dr\\.|U\\.S\\.|\\.\\.\\.| ){0,80}") {
            let joined: String = split_sentences(&text).collect::<Vec<_>>().concat();
            prop_assert_eq!(non_ws(&joined), non_ws(&text));
        }

        #[test]
        fn splitter_keeps_unicode(text in "\\PC{0,200}") {
            let joined: String = split_sentences(&text).collect::<Vec<_>>().concat();
            prop_assert_eq!(non_ws(&joined), non_ws(&text));
        }

        #[test]
        fn masked_split_matches_the_iterator(
            text in "([A-Za-z]{1,9}|[.?!]{1,3}|[0-9]{1,3}|[\"')(\\]]|e\\.g\\.|Dr\\.|U\\.S\\.|Inc\\.|J\\.|\\.\\.\\.| |  |so|and|well|[\\x20-\\x7F]|\u{e9}|\u{c9}cole|\u{2019}|\u{201C}|\u{2026}){0,400}",
            max_words in 1usize..40,
        ) {
            let splitter = SentenceSplitter { max_words, min_words: 8 };
            let want: Vec<&str> = splitter.split(&text).collect();
            let mut ranges = Vec::new();
            splitter.split_into(&text, &mut SplitScratch::default(), &mut ranges);
            let got: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn spaced_split_of_cleaned_text_matches_the_iterator(
            text in "([A-Za-z]{1,9}|[a-z]{60,70}|[.?!]{1,3}|[0-9]{1,3}|[\"')(\\]]|e\\.g\\.|Dr\\.|U\\.S\\.|J\\.|\\.\\.\\.|so|and|um|uh|[\\x00-\\x7F]|\u{e9}|\u{2019}|\u{201C}|\u{2026}|\u{a0}|\u{2003}|\u{85}|\u{200B}| |  |\t|\n){0,300}",
            max_words in 1usize..40,
            fillers in any::<bool>(),
        ) {
            let mut cleaned = String::new();
            let mut masks = CleanScratch::default();
            clean_with(&text, &CleanOptions { remove_fillers: fillers }, &mut cleaned, &mut masks);
            if masks.unchanged_word_starts().is_some() {
                prop_assert_eq!(&cleaned, &text);
            }
            let splitter = SentenceSplitter { max_words, min_words: 8 };
            let want: Vec<&str> = splitter.split(&cleaned).collect();
            let mut ranges = Vec::new();
            splitter.split_spaced_into(&cleaned, &mut SplitScratch::default(), &mut ranges);
            let got: Vec<&str> = ranges.iter().map(|r| &cleaned[r.clone()]).collect();
            prop_assert_eq!(got, want.clone());
            // With the cleaner's masks, through a scratch that held another text.
            let mut scratch = SplitScratch::default();
            splitter.split_into("Other text. Longer than the cleaned one, with words.", &mut scratch, &mut Vec::new());
            let mut ranges = Vec::new();
            splitter.split_cleaned_into(&cleaned, &masks, &mut scratch, &mut ranges);
            let got: Vec<&str> = ranges.iter().map(|r| &cleaned[r.clone()]).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn split_of_text_left_unchanged_uses_the_cleaner_masks(
            // Capitalised words, so that cleaning (which capitalises sentence starts) leaves
            // many texts unchanged and the cleaner's masks are used, not the fallback.
            words in proptest::collection::vec("[A-Z][a-z]{1,8}[.?!,]?|[a-z]{2,9},?|Dr\\.|U\\.S\\.|[0-9]{1,3}|\\.\\.\\.", 1..120),
            max_words in 1usize..40,
        ) {
            let text = words.join(" ");
            let mut cleaned = String::new();
            let mut masks = CleanScratch::default();
            clean_with(&text, &CleanOptions::default(), &mut cleaned, &mut masks);
            if masks.unchanged_word_starts().is_some() {
                prop_assert_eq!(&cleaned, &text);
            }
            let splitter = SentenceSplitter { max_words, min_words: 8 };
            let want: Vec<&str> = splitter.split(&cleaned).collect();
            let mut ranges = Vec::new();
            splitter.split_cleaned_into(&cleaned, &masks, &mut SplitScratch::default(), &mut ranges);
            let got: Vec<&str> = ranges.iter().map(|r| &cleaned[r.clone()]).collect();
            prop_assert_eq!(got, want);
        }

        #[test]
        fn cleaning_is_idempotent(text in "((um|uh|Um,|you know,|I|the|We're,|we're|yes|No|[a-z]{1,5}|[.,?!]|\u{2019}|\u{201C})[ ]?){0,40}", fillers in any::<bool>()) {
            let opts = CleanOptions { remove_fillers: fillers };
            let mut once = String::new();
            let n = clean(&text, &opts, &mut once);
            prop_assert_eq!(n, word_count(&once));
            let mut twice = String::new();
            clean(&once, &opts, &mut twice);
            prop_assert_eq!(twice, once);
        }

        #[test]
        fn cleaning_counts_words_of_any_text(text in "\\PC{0,120}", fillers in any::<bool>()) {
            let opts = CleanOptions { remove_fillers: fillers };
            let mut out = String::new();
            let n = clean(&text, &opts, &mut out);
            prop_assert_eq!(n, word_count(&out));
        }
    }
}
