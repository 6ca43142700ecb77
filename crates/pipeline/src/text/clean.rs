//! Cleaning one utterance's text: whitespace, quotes, and (optionally) spoken fillers and
//! stutters. Writes into a caller-owned buffer so the hot loop does not allocate.

/// What [`clean`] does beyond whitespace and quote normalisation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CleanOptions {
    /// Drop fillers ("um", "uh", "erm", "you know,", "I mean,") and stutters ("I I", "the the").
    pub remove_fillers: bool,
}

impl Default for CleanOptions {
    fn default() -> Self {
        Self {
            remove_fillers: true,
        }
    }
}

/// Single-word fillers, lower case.
const FILLERS: &[&str] = &[
    "um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "hmm", "mm", "mhm",
];

/// Words that are legitimately said twice in a row ("no no", "bye bye", "that that").
const REPEATABLE: &[&str] = &[
    "no", "bye", "very", "really", "so", "ha", "that", "had", "yeah", "yes", "okay", "ok", "right",
    "well", "go", "now", "more", "far", "on", "too", "many", "much",
];

/// Replaces the contents of `out` with the cleaned form of `text`: runs of whitespace become one space, curly quotes
/// become straight ones, `…` becomes `...`, and with `remove_fillers` fillers and stutters go.
/// When a removed filler opened a sentence, the next word is capitalised if the filler was.
/// Cleaning its own output changes nothing.
pub fn clean(text: &str, opts: &CleanOptions, out: &mut String) {
    out.clear();
    let base = 0;
    // Byte offset in `out` where the last kept word starts, and whether a sentence starts next.
    let mut last_word: Option<usize> = None;
    let mut capitalise_next = false;
    let mut words = text
        .split(|c: char| c.is_whitespace())
        .filter(|w| !w.is_empty())
        .peekable();
    let mut sentence_start = true;
    while let Some(raw) = words.next() {
        let start = out.len();
        if start > base {
            out.push(' ');
        }
        let word_start = out.len();
        push_normalised(raw, out);
        let word = &out[word_start..];
        let (core, trail) = split_trailing(word);
        if opts.remove_fillers {
            let lower_is = |list: &[&str]| list.iter().any(|f| core.eq_ignore_ascii_case(f));
            let two_word = matches!(core, "you" | "You" | "I")
                && !trail.contains(['.', '?', '!'])
                && words.peek().is_some_and(|next| {
                    let (nc, nt) = split_trailing(next);
                    let pair = (core.eq_ignore_ascii_case("you") && nc == "know")
                        || (core == "I" && nc == "mean");
                    // Only as an aside: "you know," / ", I mean," not "you know the answer".
                    pair && (nt.starts_with(',') || out[..start].ends_with(','))
                });
            let is_filler = lower_is(FILLERS) || two_word;
            let stutter = !is_filler
                && last_word.is_some_and(|lw| {
                    let (prev_core, _) = split_trailing(&out[lw..start]);
                    !prev_core.is_empty()
                        && prev_core.eq_ignore_ascii_case(core)
                        && !REPEATABLE.iter().any(|r| core.eq_ignore_ascii_case(r))
                        && core.chars().any(char::is_alphabetic)
                });
            if is_filler || stutter {
                let trail = trail.to_owned();
                let filler_capitalised = core.starts_with(char::is_uppercase);
                out.truncate(start);
                if two_word {
                    let next = words.next().unwrap_or_default();
                    let (_, nt) = split_trailing(next);
                    keep_terminal(nt, out, base);
                } else {
                    keep_terminal(&trail, out, base);
                }
                if stutter {
                    // "we're, we're really" -> "we're really": the repeat's punctuation wins.
                    if let Some(lw) = last_word {
                        let (pc, _) = split_trailing(&out[lw..]);
                        let end = lw + pc.len();
                        out.truncate(end);
                        out.push_str(&trail);
                    }
                } else if sentence_start && filler_capitalised {
                    capitalise_next = true;
                }
                if trail.contains(['.', '?', '!']) {
                    sentence_start = true;
                }
                continue;
            }
        }
        let ends_sentence = trail.contains(['.', '?', '!']);
        if capitalise_next {
            capitalise_at(out, word_start);
            capitalise_next = false;
        }
        last_word = Some(word_start);
        sentence_start = ends_sentence;
    }
}

/// When a dropped filler carried a sentence end ("..., um."), keep the end on the previous word.
fn keep_terminal(trail: &str, out: &mut String, base: usize) {
    if out.len() > base && trail.contains(['.', '?', '!']) && !out.ends_with(['.', '?', '!']) {
        if out.ends_with(',') {
            out.pop();
        }
        out.push_str(trail.trim_start_matches(','));
    }
}

fn capitalise_at(out: &mut String, at: usize) {
    let Some(c) = out[at..].chars().next() else {
        return;
    };
    if c.is_lowercase() {
        let upper: String = c.to_uppercase().collect();
        out.replace_range(at..at + c.len_utf8(), &upper);
    }
}

/// Appends `raw` with typographic quotes and ellipses made plain.
fn push_normalised(raw: &str, out: &mut String) {
    if raw.is_ascii() {
        out.push_str(raw);
        return;
    }
    for c in raw.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => out.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => out.push('"'),
            '\u{2026}' => out.push_str("..."),
            // Zero-width characters would make equal words compare unequal.
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{FEFF}' => {}
            c => out.push(c),
        }
    }
}

/// Splits a word into its core and trailing punctuation: `"know,"` -> (`know`, `,`).
fn split_trailing(word: &str) -> (&str, &str) {
    let core = word.trim_end_matches([',', '.', '?', '!', ';', ':']);
    let core_start = core.trim_start_matches(['"', '\'', '(']);
    (core_start, &word[core.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> String {
        let mut out = String::new();
        clean(text, &CleanOptions::default(), &mut out);
        out
    }

    fn plain(text: &str) -> String {
        let mut out = String::new();
        clean(
            text,
            &CleanOptions {
                remove_fillers: false,
            },
            &mut out,
        );
        out
    }

    #[test]
    fn output_buffer_is_replaced() {
        let mut out = String::from("previous utterance");
        clean("next one", &CleanOptions::default(), &mut out);
        assert_eq!(out, "next one");
    }

    #[test]
    fn whitespace_and_quotes() {
        assert_eq!(
            plain("  It\u{2019}s   \u{201C}fine\u{201D}\n\tok\u{2026} "),
            "It's \"fine\" ok..."
        );
        assert_eq!(plain("Um, so"), "Um, so");
    }

    #[test]
    fn fillers_go() {
        assert_eq!(
            c("Um, thanks everyone for joining."),
            "Thanks everyone for joining."
        );
        assert_eq!(
            c("So, um, our demand lives here."),
            "So, our demand lives here."
        );
        assert_eq!(
            c("we're, you know, we're really excited"),
            "we're really excited"
        );
        assert_eq!(c("It was, I mean, fine."), "It was, fine.");
        assert_eq!(
            c("it's like uh fifteen years old"),
            "it's like fifteen years old"
        );
        assert_eq!(c("That was it, um."), "That was it.");
    }

    #[test]
    fn you_know_as_a_verb_stays() {
        assert_eq!(c("Do you know the answer?"), "Do you know the answer?");
        assert_eq!(c("I mean it."), "I mean it.");
    }

    #[test]
    fn stutters_go_but_real_repeats_stay() {
        assert_eq!(c("I I think the the plan works"), "I think the plan works");
        assert_eq!(
            c("No no, that's fine. Bye bye."),
            "No no, that's fine. Bye bye."
        );
    }

    #[test]
    fn idempotent_examples() {
        for s in [
            "Um, thanks. Uh, yes.",
            "the the the",
            "you know, you know, ok",
            "a , , b",
        ] {
            let once = c(s);
            assert_eq!(c(&once), once, "{s}");
        }
    }
}
