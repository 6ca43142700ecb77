//! Cleaning one utterance's text: whitespace, quotes, and (optionally) spoken fillers and
//! stutters. Writes into a caller-owned buffer so the hot loop does not allocate.
//!
//! Runs once over every byte of the transcript, so words are found with a byte-class table and
//! only non-ASCII bytes are decoded as characters (the general path handles any Unicode).

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

/// Words that are legitimately said twice in a row ("no no", "bye bye", "that that").
const REPEATABLE: &[&str] = &[
    "no", "bye", "very", "really", "so", "ha", "that", "had", "yeah", "yes", "okay", "ok", "right",
    "well", "go", "now", "more", "far", "on", "too", "many", "much",
];

/// A word of at most four bytes as a number: its bytes, little-endian, and its length above
/// them. With `lower`, ASCII letters are lower-cased.
const fn word_key(word: &[u8], lower: bool) -> u64 {
    let mut k = (word.len() as u64) << 32;
    let mut i = 0;
    while i < word.len() {
        let b = if lower {
            word[i].to_ascii_lowercase()
        } else {
            word[i]
        };
        k |= (b as u64) << (8 * i);
        i += 1;
    }
    k
}

/// [`word_key`]s of the single-word fillers, lower case.
const FILLERS: [u64; 11] = [
    word_key(b"um", true),
    word_key(b"umm", true),
    word_key(b"uh", true),
    word_key(b"uhh", true),
    word_key(b"uhm", true),
    word_key(b"erm", true),
    word_key(b"er", true),
    word_key(b"ah", true),
    word_key(b"hmm", true),
    word_key(b"mm", true),
    word_key(b"mhm", true),
];

/// Whether `core` is a single-word filler ("um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah",
/// "hmm", "mm", "mhm"), in any ASCII case.
#[inline]
fn is_filler(core: &str) -> bool {
    let b = core.as_bytes();
    // Every filler is 2-4 bytes long: most words stop here.
    (2..=4).contains(&b.len()) && FILLERS.contains(&word_key(b, true))
}

/// Byte class bits: whitespace as `char::is_whitespace` sees ASCII, a non-ASCII byte (decode
/// the character), an ASCII letter or digit.
const WS: u8 = 1;
const HI: u8 = 2;
const ALNUM: u8 = 4;

static CLASS: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = if matches!(c, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r') {
            WS
        } else if c >= 0x80 {
            HI
        } else if c.is_ascii_alphanumeric() {
            ALNUM
        } else {
            0
        };
        b += 1;
    }
    t
};

/// One whitespace-separated word of the input.
#[derive(Debug, Clone, Copy, Default)]
struct Word<'a> {
    text: &'a str,
    /// Pure ASCII, so no quote or ellipsis needs normalising.
    ascii: bool,
    /// Holds a letter or digit, so it counts in [`super::word_count`].
    alnum: bool,
}

/// The words of a text, split at Unicode whitespace (`str::split_whitespace`).
struct Words<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Words<'a> {
    type Item = Word<'a>;

    fn next(&mut self) -> Option<Word<'a>> {
        let bytes = self.text.as_bytes();
        let mut i = self.pos;
        loop {
            let &b = bytes.get(i)?;
            let class = CLASS[usize::from(b)];
            if class & WS != 0 {
                i += 1;
            } else if class & HI != 0 {
                let c = char_at(self.text, i);
                if !c.is_whitespace() {
                    break;
                }
                i += c.len_utf8();
            } else {
                break;
            }
        }
        let start = i;
        let mut seen = 0u8;
        while let Some(&b) = bytes.get(i) {
            let class = CLASS[usize::from(b)];
            if class & (WS | HI) == 0 {
                seen |= class;
                i += 1;
            } else if class & WS != 0 {
                break;
            } else {
                let c = char_at(self.text, i);
                if c.is_whitespace() {
                    break;
                }
                seen |= HI | if c.is_alphanumeric() { ALNUM } else { 0 };
                i += c.len_utf8();
            }
        }
        self.pos = i;
        Some(Word {
            text: &self.text[start..i],
            ascii: seen & HI == 0,
            alnum: seen & ALNUM != 0,
        })
    }
}

/// The character starting at byte `i` (a character boundary) of `s`.
fn char_at(s: &str, i: usize) -> char {
    s[i..].chars().next().unwrap_or_default()
}

/// Whether `s` holds `.`, `?` or `!`.
fn has_end_mark(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'.' | b'?' | b'!'))
}

/// Replaces the contents of `out` with the cleaned form of `text`: runs of whitespace become one space, curly quotes
/// become straight ones, `…` becomes `...`, and with `remove_fillers` fillers and stutters go.
/// When a removed filler opened a sentence, the next word is capitalised if the filler was.
/// Cleaning its own output changes nothing. Returns the [`super::word_count`] of the result,
/// counted on the way.
pub fn clean(text: &str, opts: &CleanOptions, out: &mut String) -> usize {
    clean_with(text, opts, out, &mut CleanScratch::default())
}

/// Reusable buffers of [`clean_with`]: bit masks of the text's bytes (bit `k % 64` of word
/// `k / 64` for byte `k`), with two zero words past the end so that walks and look-aheads
/// need no bounds checks.
#[derive(Debug, Default, Clone)]
pub struct CleanScratch {
    /// Word starts.
    starts: Vec<u64>,
    /// Word starts that need the full per-word rules (see [`CleanScratch::fill`]).
    slow: Vec<u64>,
    /// Starts of words with a non-ASCII character.
    unicode: Vec<u64>,
    /// The text with other whitespace made `' '`, when it had some.
    spaced: String,
    /// The last [`clean_with`] wrote its text unchanged, and the masks are that text's.
    unchanged: bool,
}

/// The [`key_of`] of a word made of `word` (at most four letters) and then a space.
const fn spaced_key(word: &[u8]) -> u32 {
    let mut k = 0x2020_2020u32;
    let mut i = 0;
    while i < word.len() {
        k |= (word[i] as u32) << (8 * i);
        i += 1;
    }
    k
}

/// Keys of the words that may be dropped or open an aside: the fillers, "you" and "I".
const CANDIDATES: [u32; 13] = [
    spaced_key(b"um"),
    spaced_key(b"umm"),
    spaced_key(b"uh"),
    spaced_key(b"uhh"),
    spaced_key(b"uhm"),
    spaced_key(b"erm"),
    spaced_key(b"er"),
    spaced_key(b"ah"),
    spaced_key(b"hmm"),
    spaced_key(b"mm"),
    spaced_key(b"mhm"),
    spaced_key(b"you"),
    spaced_key(b"i"),
];

/// Slot of a key in [`CANDIDATE_TABLE`]: the multiplier was searched so that the candidates
/// land in different slots (checked when the table is built).
#[inline]
const fn candidate_slot(key: u32) -> usize {
    (key.wrapping_mul(0x9E37_7A39) >> 27) as usize
}

/// [`CANDIDATES`] at their slots, zero elsewhere (no key is zero).
const CANDIDATE_TABLE: [u32; 32] = {
    let mut t = [0u32; 32];
    let mut i = 0;
    while i < CANDIDATES.len() {
        let s = candidate_slot(CANDIDATES[i]);
        assert!(t[s] == 0, "two candidates share a slot");
        t[s] = CANDIDATES[i];
        i += 1;
    }
    t
};

/// Whether a word with [`key_of`] `key` may be a filler or open an aside.
#[inline]
fn is_candidate(key: u32) -> bool {
    CANDIDATE_TABLE[candidate_slot(key)] == key
}

impl CleanScratch {
    /// Builds the masks of `text`; false (masks unusable) when it holds whitespace other than
    /// `' '` (tabs, line breaks, non-ASCII spaces).
    ///
    /// A word start is marked slow when its word does not start with a letter or digit (a
    /// quote, a bracket, a word without letters) or follows more than one space. Every other
    /// word is kept as it is unless its [`key_of`] is that of a filler, "you" or
    /// "I", or that of the previous word (a possible repeat), which [`clean_spaced`] checks as
    /// it walks the starts. A word with a non-ASCII character is marked slow and in `unicode`:
    /// it always goes through [`Cleaner::step`], which normalises its quotes and decodes its
    /// characters.
    fn fill(&mut self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let blocks = bytes.len().div_ceil(64);
        // Every block's word is written below (none needs clearing first); the two words
        // past the end are zero.
        for m in [&mut self.starts, &mut self.slow, &mut self.unicode] {
            m.resize(blocks + 2, 0);
            m[blocks..].fill(0);
        }
        // The text start counts as one space: a first word at 0 is not after a gap.
        let mut carry = Carry {
            prev_space: 1,
            prev_prev_space: 0,
            control: 0,
            high: 0,
        };
        if !super::masks::for_each_block(bytes, |b, c, valid| {
            self.put_block(text, b, c, valid, &mut carry)
        }) {
            return false;
        }
        // Other control characters are word bytes, as in the general path.
        if carry.control != 0 && bytes.iter().any(|b| (b'\t'..=b'\r').contains(b)) {
            return false;
        }
        if carry.high != 0 {
            // Each non-ASCII byte marks the start of its word instead.
            for b in 0..blocks {
                let mut bits = std::mem::take(&mut self.unicode[b]);
                while bits != 0 {
                    let p = b * 64 + bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    let start = self.start_at_or_before(p);
                    self.unicode[start / 64] |= 1 << (start % 64);
                    self.slow[start / 64] |= 1 << (start % 64);
                }
            }
        }
        true
    }

    /// Writes the masks of block `b` of `text` from its classes `c` (`valid`: its bytes that
    /// belong to the text); false when it holds a non-ASCII space.
    #[inline(always)]
    fn put_block(
        &mut self,
        text: &str,
        b: usize,
        c: &super::masks::Classes,
        valid: u64,
        carry: &mut Carry,
    ) -> bool {
        let starts = !c.space & ((c.space << 1) | carry.prev_space) & valid;
        let gap = (c.space << 2) | (carry.prev_space << 1) | carry.prev_prev_space;
        self.starts[b] = starts;
        self.slow[b] = starts & (!c.alnum | gap);
        let odd = c.bad & valid;
        // Non-ASCII bytes, kept in `unicode` until the words holding them are found.
        self.unicode[b] = 0;
        if odd != 0 {
            let high = super::masks::high_bits(text.as_bytes(), b) & valid;
            carry.control |= odd & !high;
            self.unicode[b] = high;
            if high != 0 {
                if super::masks::has_unicode_space_at(text, b * 64, high) {
                    return false;
                }
                carry.high |= high;
            }
        }
        carry.prev_prev_space = (c.space >> 62) & 1;
        carry.prev_space = c.space >> 63;
        true
    }

    /// When the last [`clean_with`] wrote its text unchanged, the word starts of that text (bit
    /// `k % 64` of word `k / 64` for byte `k`: a byte other than `' '` after a `' '` or at the
    /// start), with two zero words after its blocks.
    pub(crate) fn unchanged_word_starts(&self) -> Option<&[u64]> {
        self.unchanged.then_some(self.starts.as_slice())
    }

    /// The start of the word holding byte `p` (not a space).
    fn start_at_or_before(&self, p: usize) -> usize {
        let mut w = p / 64;
        let mut bits = self.starts[w] & (u64::MAX >> (63 - p % 64));
        while bits == 0 && w > 0 {
            w -= 1;
            bits = self.starts[w];
        }
        // The text start counts as a space, so a word start always precedes.
        (w * 64 + 63).saturating_sub(bits.leading_zeros() as usize)
    }

    /// Whether the word starting at `at` holds a non-ASCII character.
    #[inline]
    fn is_unicode(&self, at: usize) -> bool {
        self.unicode[at / 64] >> (at % 64) & 1 == 1
    }

    /// The first word start at or after `from`, or a value at least the text's length.
    #[inline]
    fn next_start(&self, from: usize) -> usize {
        let mut w = from / 64;
        let mut bits = self.starts[w] & (u64::MAX << (from % 64));
        while bits == 0 {
            w += 1;
            match self.starts.get(w) {
                Some(&b) => bits = b,
                None => return usize::MAX,
            }
        }
        w * 64 + bits.trailing_zeros() as usize
    }

    /// Walks the word starts from `at` while they are plain: not marked slow, and a key that is
    /// not that of the word before (`prev_key` at first) nor a candidate's ([`is_candidate`])
    /// unless [`CleanScratch::opens_no_aside`]. Counts the plain words in `count`, leaves the
    /// key of the last in `prev_key` and its start in `last`, and returns the first start that
    /// is not plain (or a value at least the text's length).
    #[inline]
    fn join_plain(
        &self,
        bytes: &[u8],
        at: usize,
        prev_key: &mut u32,
        count: &mut usize,
        last: &mut usize,
    ) -> usize {
        // Locals, so that the loop keeps them in registers.
        let (mut key_before, mut n, mut l) = (*prev_key, *count, *last);
        // Blocks below this one have four bytes to read at every offset.
        let safe = bytes.len().saturating_sub(3) / 64;
        let mut w = at / 64;
        let mut bits = self.starts[w] & (u64::MAX << (at % 64));
        let stop = loop {
            // The walk stops at the block's first slow start at the latest: the starts below it
            // are tested one by one, and the last joined one is found once per block.
            let slow = bits & self.slow[w];
            let first_slow = slow & slow.wrapping_neg();
            // Ones below the first slow start (all when there is none).
            let below = first_slow.wrapping_sub(1);
            let walked = if w < safe {
                self.walk_block::<false>(bytes, w, bits, bits & below, &mut key_before, &mut n)
            } else {
                self.walk_block::<true>(bytes, w, bits, bits & below, &mut key_before, &mut n)
            };
            let (joined, stop) = match walked {
                Some(k) => ((1u64 << k) - 1, w * 64 + k as usize),
                None if first_slow != 0 => (below, w * 64 + first_slow.trailing_zeros() as usize),
                None => (u64::MAX, usize::MAX),
            };
            let done = bits & joined;
            if done != 0 {
                l = w * 64 + 63 - done.leading_zeros() as usize;
            }
            if stop != usize::MAX {
                break stop;
            }
            w += 1;
            // The two zero words past the end stop the walk.
            if w + 2 >= self.starts.len() {
                break usize::MAX;
            }
            bits = self.starts[w];
        };
        (*prev_key, *count, *last) = (key_before, n, l);
        stop
    }

    /// Tests the starts `plain` of block `w` in order ([`CleanScratch::join_plain`]), whose
    /// starts are `bits`: returns the bit of the first whose key is `key_before` (that of the
    /// word before it) or a candidate's that may open an aside, leaves the key of the last
    /// word before it (or of the last of `plain`) in `key_before` and adds the number of those
    /// before it to `count` (one by one: cheaper than a popcount without the instruction).
    /// Without `CHECKED` every offset of the block has four bytes after it in `bytes`.
    #[inline(always)]
    fn walk_block<const CHECKED: bool>(
        &self,
        bytes: &[u8],
        w: usize,
        bits: u64,
        mut plain: u64,
        key_before: &mut u32,
        count: &mut usize,
    ) -> Option<u32> {
        let base = w * 64;
        let (mut before, mut n) = (*key_before, *count);
        let found = loop {
            if plain == 0 {
                break None;
            }
            let k = plain.trailing_zeros();
            let p = base + k as usize;
            let raw = if CHECKED {
                raw_at(bytes, p)
            } else {
                debug_assert!(p + 4 <= bytes.len());
                // SAFETY: without `CHECKED` the caller guarantees `p + 4 <= bytes.len()`
                // (`p` is in a block below `bytes.len().saturating_sub(3) / 64`), so the four
                // bytes read are in `bytes`.
                u32::from_le(unsafe { bytes.as_ptr().add(p).cast::<u32>().read_unaligned() })
            };
            let key = key_from(raw);
            plain &= plain - 1;
            // One branch for both tests on the common path (a candidate is rare).
            if ((key == before) | is_candidate(key))
                && (key == before
                    || !self.opens_no_aside(bytes, key, w, bits & ((u64::MAX << k) << 1)))
            {
                break Some(k);
            }
            before = key;
            n += 1;
        };
        (*key_before, *count) = (before, n);
        found
    }

    /// Whether a word with candidate key `key` in block `w`, whose later word starts in the
    /// block are `rest`, is certainly kept by [`Cleaner::step`]: its key is that of "you" or
    /// "I", which go only before "know" or "mean", and the next word starts with a letter or
    /// digit (so its core starts with it) and not with those.
    #[inline]
    fn opens_no_aside(&self, bytes: &[u8], key: u32, w: usize, rest: u64) -> bool {
        const YOU: u32 = spaced_key(b"you");
        const I: u32 = spaced_key(b"i");
        if key != YOU && key != I {
            return false;
        }
        let next = if rest != 0 {
            w * 64 + rest.trailing_zeros() as usize
        } else {
            match self.starts.get(w + 1) {
                Some(&b) if b != 0 => (w + 1) * 64 + b.trailing_zeros() as usize,
                // Further away or none: measured instead.
                _ => return false,
            }
        };
        match bytes.get(next..next + 4) {
            Some(four) => four[0].is_ascii_alphanumeric() && four != b"know" && four != b"mean",
            None => bytes.get(next).is_some_and(u8::is_ascii_alphanumeric),
        }
    }

    /// The word starting at `at` of `bytes` (whose only whitespace is `' '`): its end (the next space or the
    /// end), its core ([`core_range`]), whether it holds a letter or digit, and whether the
    /// punctuation after its core holds an end mark. Only slow words and the last word of a
    /// run are measured, so bytes suffice.
    #[inline]
    fn word(bytes: &[u8], at: usize) -> WordSpans {
        let end = next_space(bytes, at + 1);
        let core = core_range(bytes, at, end);
        WordSpans {
            end,
            alnum: has_alnum(&bytes[at..end]),
            marked: bytes[core.end..end]
                .iter()
                .any(|b| matches!(b, b'.' | b'?' | b'!')),
            core,
        }
    }
}

/// The key of the word starting at `at`: its first four bytes up to the first byte below
/// 0x40 or from 0x80 to 0xBF (bit 6 clear: a space, trailing punctuation, a digit, an
/// apostrophe, the end), the rest zero, each `| 0x20` (ASCII lower case). Two words starting
/// with a letter or digit whose cores ([`split_trailing`]) are equal in ASCII case have equal
/// keys: a core ends before such a byte, or holds the first one at the same place in both
/// words, and bit 6 is the same in both cases of a letter.
#[inline(always)]
fn key_of(bytes: &[u8], at: usize) -> u32 {
    key_from(raw_at(bytes, at))
}

/// The four bytes of `bytes` from `at` as a little-endian number, zero past the end.
#[inline(always)]
fn raw_at(bytes: &[u8], at: usize) -> u32 {
    match bytes.get(at..at + 4) {
        Some(four) => u32::from_le_bytes([four[0], four[1], four[2], four[3]]),
        None => last_bytes(bytes, at),
    }
}

/// The bytes of `bytes` from `at` (fewer than four) as a little-endian number.
#[cold]
fn last_bytes(bytes: &[u8], at: usize) -> u32 {
    bytes
        .get(at..)
        .unwrap_or_default()
        .iter()
        .enumerate()
        .fold(0, |k, (i, &b)| k | (u32::from(b) << (8 * i)))
}

/// [`key_of`] from the word's first four bytes (zero past the text's end), little-endian.
#[inline(always)]
fn key_from(raw: u32) -> u32 {
    // Bit 6 of each cut byte.
    let cut = !raw & 0x4040_4040;
    // Ones below the first cut byte: its bit 6 alone, moved to bit 0 of that byte, less one
    // (all ones when no byte is cut). 32-bit constants only: no 64-bit immediates to load in
    // the hot loop of `walk_block`.
    let keep = ((cut & cut.wrapping_neg()) >> 6).wrapping_sub(1);
    (raw & keep) | 0x2020_2020
}

/// What [`CleanScratch::fill`] carries from one block to the next.
struct Carry {
    /// The byte before the block is a space (the text start counts as one space, with none
    /// before it).
    prev_space: u64,
    /// And the byte before that.
    prev_prev_space: u64,
    /// Control characters seen so far.
    control: u64,
    /// Non-ASCII bytes seen so far.
    high: u64,
}

/// Replaces the contents of `out` with `text`, each whitespace character made `' '`.
fn respace(text: &str, out: &mut String) {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    out.clear();
    let bytes = text.as_bytes();
    // `text[from..i]` is still to be copied.
    let (mut from, mut i) = (0, 0);
    while i < bytes.len() {
        // Eight bytes of printable ASCII at a time (no byte below 0x20 or from 0x80).
        if let Some(eight) = bytes.get(i..i + 8) {
            let x = u64::from_le_bytes(eight.try_into().unwrap_or_default());
            if (x.wrapping_sub(ONES * 0x20) | x) & HIGH == 0 {
                i += 8;
                continue;
            }
        }
        let b = bytes[i];
        let (white, len) = if b < 0x80 {
            ((b'\t'..=b'\r').contains(&b), 1)
        } else {
            let c = char_at(text, i);
            (c.is_whitespace(), c.len_utf8())
        };
        if white {
            out.push_str(&text[from..i]);
            out.push(' ');
            from = i + len;
        }
        i += len;
    }
    out.push_str(&text[from..]);
}

/// One word of [`CleanScratch::word`].
#[derive(Debug, Clone)]
struct WordSpans {
    /// Offset of the space after the word, or the text's length.
    end: usize,
    /// [`core_range`] of the word.
    core: std::ops::Range<usize>,
    /// Holds an ASCII letter or digit.
    alnum: bool,
    /// The punctuation after the core holds `.`, `?` or `!`.
    marked: bool,
}

/// [`clean`] with caller-owned scratch buffers, so a long run of calls does not allocate.
pub fn clean_with(
    text: &str,
    opts: &CleanOptions,
    out: &mut String,
    scratch: &mut CleanScratch,
) -> usize {
    out.clear();
    // Text whose only whitespace is ' ' is almost every caption: its words are found with bit
    // masks, need no decoding unless non-ASCII, and runs of kept words are copied in one piece.
    if scratch.fill(text) {
        let (count, unchanged) = clean_spaced(text, opts, out, scratch);
        scratch.unchanged = unchanged;
        return count;
    }
    scratch.unchanged = false;
    // Words are split at any whitespace and joined with one space, so other whitespace can
    // become ' ' first without changing the result.
    let mut spaced = std::mem::take(&mut scratch.spaced);
    respace(text, &mut spaced);
    let count = if scratch.fill(&spaced) {
        clean_spaced(&spaced, opts, out, scratch).0
    } else {
        let mut state = Cleaner::default();
        let mut words = Words { text, pos: 0 }.peekable();
        while let Some(word) = words.next() {
            if state.step(word, words.peek().copied(), opts, out) {
                words.next();
            }
        }
        state.count
    };
    scratch.spaced = spaced;
    count
}

/// [`clean`] of text whose only whitespace is `' '`, with `masks` built from it.
///
/// Words that certainly stay as they are (no filler, no repeat of the previous word, no pending
/// capital) are not pushed one by one: `pending` marks a run of them in `text`, joined by single
/// spaces, that equals what [`Cleaner::step`] would have written. Any other word flushes the run
/// and goes through [`Cleaner::step`], so both paths share the same rules.
///
/// Most words are not even looked at: a word not marked slow by [`CleanScratch::fill`] whose
/// [`key_of`] differs from the previous word's and is not a candidate's joins the run in
/// [`CleanScratch::join_plain`]; the run's last word is measured only when the run ends.
///
/// Returns the word count and whether `out` is `text` itself: one run of all of it, and
/// nothing else written.
fn clean_spaced(
    text: &str,
    opts: &CleanOptions,
    out: &mut String,
    masks: &CleanScratch,
) -> (usize, bool) {
    let bytes = text.as_bytes();
    let mut state = Cleaner::default();
    // (start, start of its last word) of the run in `text` not yet copied to `out`.
    let mut pending: Option<(usize, usize)> = None;
    // The next word may join the run unmeasured: the last word is in the run and starts with a
    // letter or digit, and `prev_key` is its key.
    let mut fast = false;
    let mut prev_key = 0u32;
    // `state.sentence_start` is not yet that of the run's last word (joined unmeasured).
    let mut stale = false;
    let mut at = masks.next_start(0);
    if at == 0 {
        // A plain first word opens the run unmeasured (the start does not count as a gap).
        let mut last = usize::MAX;
        let next = masks.join_plain(bytes, at, &mut prev_key, &mut state.count, &mut last);
        if last != usize::MAX {
            pending = Some((at, last));
            fast = true;
            stale = true;
        }
        at = next;
    }
    while at < bytes.len() {
        if fast {
            // Join this word and the next plain ones to the run, walking the start bits.
            let mut last = usize::MAX;
            at = masks.join_plain(bytes, at, &mut prev_key, &mut state.count, &mut last);
            if last != usize::MAX {
                if let Some((_, l)) = &mut pending {
                    *l = last;
                }
                stale = true;
            }
            if at >= bytes.len() {
                break;
            }
        }
        let key = key_of(bytes, at);
        let word = CleanScratch::word(bytes, at);
        // Non-ASCII words go through `Cleaner::step`, which normalises and decodes them.
        let unicode = masks.is_unicode(at);
        let core = word.core.clone();
        // Two words starting with a letter or digit and different keys have different cores.
        let may_repeat = !(fast && key != prev_key && bytes[at].is_ascii_alphanumeric());
        let special = unicode
            || state.capitalise_next
            || (opts.remove_fillers
                && (may_drop(bytes, core.clone(), word.end)
                    || may_repeat
                        && match pending {
                            Some((_, last)) => {
                                let prev = CleanScratch::word(bytes, last).core;
                                !prev.is_empty()
                                    && bytes[prev].eq_ignore_ascii_case(&bytes[core.clone()])
                            }
                            None => state
                                .last_word
                                .is_some_and(|lw| same_core(&out[lw..], &text[core.clone()])),
                        }));
        if !special {
            match &mut pending {
                // One space after the run's last word: the run goes on.
                Some((_, last)) if bytes[at - 2] != b' ' => *last = at,
                run => {
                    flush(text, run.map(|r| measured(bytes, r)), &mut state, out);
                    *run = Some((at, at));
                }
            }
            state.count += usize::from(word.alnum);
            stale = true;
            fast = bytes[at].is_ascii_alphanumeric();
            prev_key = key;
            at = masks.next_start(word.end);
            continue;
        }
        let run = pending.map(|r| measured(bytes, r));
        if std::mem::take(&mut stale)
            && let Some((_, last)) = pending
        {
            state.sentence_start = CleanScratch::word(bytes, last).marked;
        }
        flush(text, run, &mut state, out);
        pending = None;
        fast = false;
        let end = word.end;
        let current = Word {
            text: &text[at..end],
            ascii: !unicode,
            alnum: if unicode {
                text[at..end].chars().any(char::is_alphanumeric)
            } else {
                word.alnum
            },
        };
        let next = next_word(bytes, end).map(|(a, b)| Word {
            text: &text[a..b],
            ascii: true,
            alnum: has_alnum(&bytes[a..b]),
        });
        let mut pos = end;
        if state.step(current, next, opts, out)
            && let Some((_, next_end)) = next_word(bytes, end)
        {
            pos = next_end;
        }
        at = masks.next_start(pos);
    }
    let run = pending.map(|r| measured(bytes, r));
    let unchanged =
        out.is_empty() && run.is_some_and(|(start, end, _)| start == 0 && end == bytes.len());
    flush(text, run, &mut state, out);
    (state.count, unchanged)
}

/// A run (start, start of its last word) as [`flush`] takes it: (start, end, last start).
#[inline]
fn measured(bytes: &[u8], (start, last): (usize, usize)) -> (usize, usize, usize) {
    (start, next_space(bytes, last + 1), last)
}

/// The next word of `bytes` (whose only whitespace is `' '`) at or after `pos`, as a byte range.
#[inline]
fn next_word(bytes: &[u8], mut pos: usize) -> Option<(usize, usize)> {
    while *bytes.get(pos)? == b' ' {
        pos += 1;
    }
    Some((pos, next_space(bytes, pos + 1)))
}

/// [`split_trailing`]'s core of the word `bytes[at..end]`, as a byte range.
#[inline]
fn core_range(bytes: &[u8], at: usize, end: usize) -> std::ops::Range<usize> {
    let mut core_end = end;
    while core_end > at && matches!(bytes[core_end - 1], b',' | b'.' | b'?' | b'!' | b';' | b':') {
        core_end -= 1;
    }
    let mut core_start = at;
    while core_start < core_end && matches!(bytes[core_start], b'"' | b'\'' | b'(') {
        core_start += 1;
    }
    core_start..core_end
}

/// Whether an ASCII word holds a letter or digit (usually its first byte does).
#[inline]
fn has_alnum(word: &[u8]) -> bool {
    word.iter().any(u8::is_ascii_alphanumeric)
}

/// Whether the ASCII core `bytes[core]` is a filler or opens a "you know" / "I mean" aside:
/// exactly `is_filler(core) || matches!(core, "you" | "You" | "I")`, without a branch on the
/// word. The first four bytes and the length make a key compared with every candidate at once.
#[inline]
fn may_be_filler(bytes: &[u8], core: std::ops::Range<usize>) -> bool {
    const EXACT: [u64; 3] = [
        word_key(b"you", false),
        word_key(b"You", false),
        word_key(b"I", false),
    ];
    let len = core.len();
    let raw = match bytes.get(core.start..core.start + 4) {
        Some(four) => {
            let x = u32::from_le_bytes([four[0], four[1], four[2], four[3]]);
            // Keep the core's bytes only (a shift by 32 would overflow, hence u64).
            (u64::from(x) & ((1u64 << (8 * len.min(4))) - 1)) as u32
        }
        None => bytes[core.clone()]
            .iter()
            .take(4)
            .enumerate()
            .fold(0u32, |k, (i, &b)| k | (u32::from(b) << (8 * i))),
    };
    // ASCII lower case of four bytes at once: add 0x20 to each byte in 'A'..='Z'.
    let upper = raw.wrapping_add(0x3F3F_3F3F) & !raw.wrapping_add(0x2525_2525) & 0x8080_8080;
    let lower = raw | (upper >> 2);
    // Lengths above 15 cannot match and must not wrap into a short one.
    let len_key = (len.min(15) as u64) << 32;
    let (lower, raw) = (u64::from(lower) | len_key, u64::from(raw) | len_key);
    // A 256-bit filter over the lower-cased keys of every candidate ("you" and "i" too) lets
    // nearly every word go after one multiply; the rest are compared exactly.
    const fn slot(key: u64) -> u64 {
        key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 56
    }
    const FILTER: [u64; 4] = {
        let mut f = [0u64; 4];
        let mut i = 0;
        while i < FILLERS.len() + 2 {
            let k = if i < FILLERS.len() {
                FILLERS[i]
            } else if i == FILLERS.len() {
                word_key(b"you", true)
            } else {
                word_key(b"i", true)
            };
            f[(slot(k) / 64) as usize] |= 1 << (slot(k) % 64);
            i += 1;
        }
        f
    };
    let s = slot(lower);
    if FILTER[(s / 64) as usize] & (1 << (s % 64)) == 0 {
        return false;
    }
    FILLERS.contains(&lower) || EXACT.contains(&raw)
}

/// Whether [`Cleaner::step`] may drop the ASCII word `bytes[..end]` with core `bytes[core]`: a
/// filler, or "you", "You" or "I" before a word whose core is "know" or "mean" (an aside).
#[inline]
fn may_drop(bytes: &[u8], core: std::ops::Range<usize>, end: usize) -> bool {
    if !may_be_filler(bytes, core.clone()) {
        return false;
    }
    if !matches!(&bytes[core], b"you" | b"You" | b"I") {
        return true;
    }
    next_word(bytes, end)
        .is_some_and(|(a, b)| matches!(&bytes[core_range(bytes, a, b)], b"know" | b"mean"))
}

/// Copies a run of kept words to `out` as [`Cleaner::step`] would have pushed them.
fn flush(text: &str, run: Option<(usize, usize, usize)>, state: &mut Cleaner, out: &mut String) {
    if let Some((start, end, last)) = run {
        if !out.is_empty() {
            out.push(' ');
        }
        let at = out.len();
        out.push_str(&text[start..end]);
        state.last_word = Some(at + (last - start));
    }
}

/// Whether `prev` (the last kept word) has a non-empty core equal to `core` in ASCII case: a
/// possible stutter.
fn same_core(prev: &str, core: &str) -> bool {
    let (prev_core, _) = split_trailing(prev);
    !prev_core.is_empty() && prev_core.eq_ignore_ascii_case(core)
}

/// Offset of the first `' '` in `bytes` at or after `from`, or the length; eight bytes at a
/// time with the zero-byte trick.
#[inline]
fn next_space(bytes: &[u8], from: usize) -> usize {
    const LOW: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut i = from;
    while let Some(eight) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(eight.try_into().unwrap_or_default());
        let v = x ^ (ONES * u64::from(b' '));
        // High bit of each byte that equals ' '.
        let spaces = !(((v & LOW) + LOW) | v | LOW);
        if spaces != 0 {
            return i + (spaces.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    while i < bytes.len() && bytes[i] != b' ' {
        i += 1;
    }
    i
}

/// The state of [`clean`] between words.
#[derive(Debug)]
struct Cleaner {
    /// Byte offset in `out` where the last kept word starts.
    last_word: Option<usize>,
    /// A removed capitalised filler opened the sentence: capitalise the next kept word.
    capitalise_next: bool,
    /// The next word starts a sentence.
    sentence_start: bool,
    /// Words with a letter or digit kept so far.
    count: usize,
}

impl Default for Cleaner {
    fn default() -> Self {
        Cleaner {
            last_word: None,
            capitalise_next: false,
            sentence_start: true,
            count: 0,
        }
    }
}

impl Cleaner {
    /// Appends one word to `out`, or drops it as a filler or stutter; `next` is the word after
    /// it. Returns true when it used up `next` too (the "know," of a "you know," aside).
    fn step(
        &mut self,
        word: Word<'_>,
        next: Option<Word<'_>>,
        opts: &CleanOptions,
        out: &mut String,
    ) -> bool {
        let base = 0;
        let Word {
            text: raw,
            ascii,
            alnum,
        } = word;
        let start = out.len();
        if start > base {
            out.push(' ');
        }
        let word_start = out.len();
        if ascii {
            out.push_str(raw);
        } else {
            push_normalised(raw, out);
        }
        let word = &out[word_start..];
        let (core, trail) = split_trailing(word);
        if opts.remove_fillers {
            let two_word = matches!(core, "you" | "You" | "I")
                && !has_end_mark(trail)
                && next.is_some_and(|next| {
                    let (nc, nt) = split_trailing(next.text);
                    let pair = (core.eq_ignore_ascii_case("you") && nc == "know")
                        || (core == "I" && nc == "mean");
                    // Only as an aside: "you know," / ", I mean," not "you know the answer".
                    pair && (nt.starts_with(',') || out[..start].ends_with(','))
                });
            let is_filler = is_filler(core) || two_word;
            let stutter = !is_filler
                && self.last_word.is_some_and(|lw| {
                    same_core(&out[lw..start], core)
                        && !REPEATABLE.iter().any(|r| core.eq_ignore_ascii_case(r))
                        && core.chars().any(char::is_alphabetic)
                });
            if is_filler || stutter {
                let trail = trail.to_owned();
                let filler_capitalised = core.starts_with(char::is_uppercase);
                out.truncate(start);
                if two_word {
                    let next = next.unwrap_or_default().text;
                    let (_, nt) = split_trailing(next);
                    keep_terminal(nt, out, base);
                } else {
                    keep_terminal(&trail, out, base);
                }
                if stutter {
                    // "we're, we're really" -> "we're really": the repeat's punctuation wins.
                    if let Some(lw) = self.last_word {
                        let (pc, _) = split_trailing(&out[lw..]);
                        // Cut after the core, past any leading quote ("'The the" keeps "'The"):
                        // the word keeps its letters, so the count stands.
                        let end = pc.as_ptr() as usize - out.as_ptr() as usize + pc.len();
                        out.truncate(end);
                        out.push_str(&trail);
                    }
                } else if self.sentence_start && filler_capitalised {
                    self.capitalise_next = true;
                }
                if has_end_mark(&trail) {
                    self.sentence_start = true;
                }
                return two_word;
            }
        }
        let ends_sentence = has_end_mark(trail);
        if self.capitalise_next {
            capitalise_at(out, word_start);
            self.capitalise_next = false;
        }
        self.count += usize::from(alnum);
        self.last_word = Some(word_start);
        self.sentence_start = ends_sentence;
        false
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
#[inline]
fn split_trailing(word: &str) -> (&str, &str) {
    // The marks are ASCII and never part of a multi-byte character, so bytes suffice.
    let b = word.as_bytes();
    let mut end = b.len();
    while end > 0 && matches!(b[end - 1], b',' | b'.' | b'?' | b'!' | b';' | b':') {
        end -= 1;
    }
    let mut start = 0;
    while start < end && matches!(b[start], b'"' | b'\'' | b'(') {
        start += 1;
    }
    (&word[start..end], &word[end..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(text: &str) -> String {
        let mut out = String::new();
        let n = clean(text, &CleanOptions::default(), &mut out);
        assert_eq!(n, super::super::word_count(&out), "{text:?} -> {out:?}");
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

    /// [`clean`] through the general, character-decoding path only.
    fn general(text: &str, opts: &CleanOptions) -> (String, usize) {
        let mut out = String::new();
        let mut state = Cleaner::default();
        let mut words = Words { text, pos: 0 }.peekable();
        while let Some(word) = words.next() {
            if state.step(word, words.peek().copied(), opts, &mut out) {
                words.next();
            }
        }
        (out, state.count)
    }

    proptest::proptest! {
        #[test]
        fn masked_path_matches_the_general_path(
            text in "((um|Uh|UHM|you|You|know,|know|\"know,|I|mean,|mean|\\(mean|I'm|the|The|the,|'the|\"The|(we're|no|No|[a-z]{1,5}|[A-Z][a-z]{0,3}|[a-z]{60,70}|[.,?!;:\"'()]{1,3}|[0-9]{1,3}|\u{201C}the|the\u{2019}|caf\u{e9}|\u{c9}t\u{e9}|\u{2026}|\u{200B}|\u{2014}|na\u{ef}ve,|\u{1}x)( {1,3}|[.,?!]| |\u{a0}|\u{2003} |\t|\n ))){0,120}",
            fillers in proptest::prelude::any::<bool>(),
        ) {
            let opts = CleanOptions { remove_fillers: fillers };
            let mut out = String::new();
            let n = clean_with(&text, &opts, &mut out, &mut CleanScratch::default());
            let (want, count) = general(&text, &opts);
            proptest::prop_assert_eq!(out, want);
            proptest::prop_assert_eq!(n, count);
        }
    }

    #[test]
    fn word_keys_keep_the_bytes_before_the_first_without_bit_6() {
        let reference = |raw: u32| {
            let mut k = 0x2020_2020;
            for (i, b) in raw.to_le_bytes().into_iter().enumerate() {
                if b & 0x40 == 0 {
                    break;
                }
                k |= u32::from(b) << (8 * i);
            }
            k
        };
        let bytes = [
            0x20, b'A', b'z', b',', b'0', b'\'', 0x80, 0xC3, 0xFF, 0x40, 0x3F, 0x00,
        ];
        for &a in &bytes {
            for &b in &bytes {
                for &c in &bytes {
                    for &d in &bytes {
                        let raw = u32::from_le_bytes([a, b, c, d]);
                        assert_eq!(key_from(raw), reference(raw), "{raw:#x}");
                    }
                }
            }
        }
    }

    #[test]
    fn fillers_match_in_any_case_and_nothing_else() {
        for f in [
            "um", "umm", "uh", "uhh", "uhm", "erm", "er", "ah", "hmm", "mm", "mhm", "UM", "Uh",
        ] {
            assert!(is_filler(f), "{f}");
        }
        for w in ["u", "umms", "the", "hm", "ummm", "ü", "a", ""] {
            assert!(!is_filler(w), "{w}");
        }
    }

    #[test]
    fn filler_test_on_bytes_agrees_with_the_word_lists() {
        let words = [
            "um", "UMM", "Uh", "uhh", "uhM", "erm", "ER", "ah", "hmm", "mm", "mhm", "you", "You",
            "I", "YOU", "i", "yo", "u", "umms", "the", "a", "know", "mean", "Hmmm", "Ah,", "",
        ];
        for w in words {
            // Followed by other bytes, and at the very end of the text.
            for text in [format!("{w} tail"), w.to_owned()] {
                let want = is_filler(w) || matches!(w, "you" | "You" | "I");
                assert_eq!(may_be_filler(text.as_bytes(), 0..w.len()), want, "{text:?}");
            }
        }
    }

    #[test]
    fn unicode_whitespace_splits_and_counts() {
        let mut out = String::new();
        let n = clean(
            "caf\u{e9}\u{a0}na\u{ef}ve\u{2003}\u{201C}\u{2014}\u{201D} \u{200B} x",
            &CleanOptions::default(),
            &mut out,
        );
        assert_eq!(out, "caf\u{e9} na\u{ef}ve \"\u{2014}\"  x");
        assert_eq!(n, 3);
        assert_eq!(n, super::super::word_count(&out));
    }

    #[test]
    fn respace_matches_mapping_each_character() {
        for text in [
            "",
            "plain ascii text, longer than eight bytes",
            "a\tb\nc\r\u{b}d\u{c}e  f",
            "caf\u{e9}\u{a0}na\u{ef}ve\u{2003}x\u{3000}y\u{85}z\u{1680}!\u{2028}",
            "\u{201C}quoted\u{201D} \u{202F}end\u{205F}",
        ] {
            let want: String = text
                .chars()
                .map(|c| if c.is_whitespace() { ' ' } else { c })
                .collect();
            let mut got = String::from("previous");
            respace(text, &mut got);
            assert_eq!(got, want, "{text:?}");
        }
    }

    #[test]
    fn unchanged_text_is_told_apart() {
        let mut out = String::new();
        let mut masks = CleanScratch::default();
        let long = "A plain sentence. Another one, longer than one block of sixty-four bytes!";
        for (text, unchanged) in [
            (long, true),
            ("Hello there.", true),
            ("Hello  there.", false),
            (" Hello", false),
            ("Hello ", false),
            ("um hello", false),
            ("the the plan", false),
            ("tab\there", false),
            ("", false),
        ] {
            clean_with(text, &CleanOptions::default(), &mut out, &mut masks);
            assert_eq!(
                masks.unchanged_word_starts().is_some(),
                unchanged,
                "{text:?}"
            );
            if unchanged {
                assert_eq!(out, text);
            }
        }
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
    fn a_stutter_after_a_quoted_word_keeps_that_word() {
        assert_eq!(c("\"The the plan"), "\"The plan");
        assert_eq!(c("'L l"), "'L");
        // Used to cut inside the 'é' and panic.
        assert_eq!(
            c("I said 'caf\u{e9} caf\u{e9} and left."),
            "I said 'caf\u{e9} and left."
        );
        assert_eq!(c("(we're, we're fine"), "(we're fine");
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
