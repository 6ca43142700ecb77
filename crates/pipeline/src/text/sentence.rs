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

/// What an abbreviation before a `.` means for the sentence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abbreviation {
    /// Titles and Latin abbreviations ("Mr.", "e.g.") after which a sentence never ends.
    NeverEnd,
    /// Abbreviations ("Inc.", "a.m.", "U.S.") that end a sentence before a capitalised word.
    MayEnd,
}

/// Titles and Latin abbreviations after which a sentence never ends.
const NEVER_END: &[&[u8]] = &[
    b"mr", b"mrs", b"ms", b"dr", b"prof", b"sr", b"jr", b"st", b"mt", b"vs", b"e.g", b"i.e", b"cf",
    b"approx", b"no", b"vol", b"fig", b"dept", b"gen", b"gov", b"sen", b"rep", b"capt", b"lt",
    b"col", b"sgt", b"rev", b"jan", b"feb", b"mar", b"apr", b"jun", b"jul", b"aug", b"sep",
    b"sept", b"oct", b"nov", b"dec", b"est",
];

/// Abbreviations that end a sentence before a capitalised word.
const MAY_END: &[&[u8]] = &[
    b"inc", b"corp", b"co", b"ltd", b"llc", b"plc", b"etc", b"a.m", b"p.m", b"u.s", b"u.k",
    b"u.s.a", b"al", b"bros", b"gmbh", b"ag", b"s.a", b"n.a",
];

/// A word of at most eight bytes as a number, its bytes little-endian, ASCII letters lower-cased
/// (`| 0x20`, which leaves digits and `.` alone).
const fn short_key(word: &[u8]) -> u64 {
    let mut k = 0;
    let mut i = 0;
    while i < word.len() {
        let b = word[i];
        k |= (if b.is_ascii_uppercase() { b | 0x20 } else { b } as u64) << (8 * i);
        i += 1;
    }
    k
}

/// The [`short_key`]s of `words`, with their length in the top byte when `len` (words of at
/// most seven bytes that may hold a zero byte).
const fn short_keys<const N: usize>(words: &[&[u8]], len: bool) -> [u64; N] {
    let mut keys = [0; N];
    let mut i = 0;
    while i < N {
        keys[i] = short_key(words[i]);
        if len {
            keys[i] |= (words[i].len() as u64) << 56;
        }
        i += 1;
    }
    keys
}

/// A 1024-bit filter over `keys`: most other words are told apart with one multiply.
const fn key_filter(keys: &[u64]) -> [u64; 16] {
    let mut f = [0; 16];
    let mut i = 0;
    while i < keys.len() {
        let s = filter_slot(keys[i]);
        f[s / 64] |= 1 << (s % 64);
        i += 1;
    }
    f
}

/// The bit of `key` in a [`key_filter`].
#[inline]
const fn filter_slot(key: u64) -> usize {
    (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 54) as usize
}

/// Whether `key` may be in the keys `filter` was built from.
#[inline]
fn in_filter(filter: &[u64; 16], key: u64) -> bool {
    let s = filter_slot(key);
    filter[s / 64] >> (s % 64) & 1 == 1
}

/// `x` with each of its ASCII bytes (every byte below `0x80`) lower-cased.
#[inline]
fn ascii_lower(x: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // High bit of the bytes from 'A' and of those from 'Z' + 1: no carry crosses a byte.
    let upper = (x + ONES * (0x80 - u64::from(b'A'))) & !(x + ONES * (0x80 - u64::from(b'Z') - 1));
    x | ((upper & HIGH) >> 2)
}

/// Looks `word` (the text before a single `.`) up among the abbreviations, ignoring ASCII case.
/// `before`, when known, holds the eight bytes before the `.` (little-endian), all ASCII.
fn abbreviation(word: &str, before: Option<u64>) -> Option<Abbreviation> {
    const NEVER: [u64; NEVER_END.len()] = short_keys(NEVER_END, true);
    const MAY: [u64; MAY_END.len()] = short_keys(MAY_END, true);
    const FILTER: [u64; 16] = {
        let mut both = [0; NEVER_END.len() + MAY_END.len()];
        let mut i = 0;
        while i < both.len() {
            both[i] = if i < NEVER.len() {
                NEVER[i]
            } else {
                MAY[i - NEVER.len()]
            };
            i += 1;
        }
        key_filter(&both)
    };
    let b = word.as_bytes();
    // The longest abbreviation ("approx") has six bytes: most words stop here.
    if b.is_empty() || b.len() > 6 {
        return None;
    }
    let lower = match before {
        // The word is the last `b.len()` of these eight ASCII bytes.
        Some(x) => ascii_lower(x >> (8 * (8 - b.len()))),
        None => b
            .iter()
            .rev()
            .fold(0, |k, &c| (k << 8) | u64::from(c.to_ascii_lowercase())),
    };
    let key = lower | (b.len() as u64) << 56;
    if !in_filter(&FILTER, key) {
        return None;
    }
    if NEVER.contains(&key) {
        Some(Abbreviation::NeverEnd)
    } else if MAY.contains(&key) {
        Some(Abbreviation::MayEnd)
    } else {
        None
    }
}

/// Words before which an unpunctuated run is best cut.
const CUT_BEFORE: &[&[u8]] = &[
    b"so",
    b"okay",
    b"ok",
    b"and",
    b"but",
    b"yeah",
    b"um",
    b"uh",
    b"because",
    b"then",
    b"now",
    b"well",
    b"alright",
    b"right",
    b"actually",
    b"anyway",
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
            if rest.trim_start().is_empty() {
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

/// Reusable buffers of [`SentenceSplitter::split_into`], so splitting allocates nothing once
/// they have grown to the longest text.
#[derive(Debug, Default, Clone)]
pub struct SplitScratch {
    /// Bit `k % 64` of word `k / 64`: byte `k` starts a word (a byte other than `' '` after a
    /// `' '` or at the start).
    starts: Vec<u64>,
    /// Bit per byte: `.`, `!` or `?`.
    marks: Vec<u64>,
}

impl SentenceSplitter {
    /// Appends the byte ranges of the sentences of `text` to `out`: exactly the slices
    /// [`SentenceSplitter::split`] yields, as offsets.
    ///
    /// Text whose only whitespace is `' '` (no ASCII control character, no non-ASCII
    /// whitespace: every cleaned utterance) is split with bit masks of word starts and end
    /// marks, 64 bytes at a time: words are counted with a popcount and only end marks are
    /// looked at one by one. Other text goes through the general iterator.
    pub fn split_into(
        &self,
        text: &str,
        scratch: &mut SplitScratch,
        out: &mut Vec<std::ops::Range<usize>>,
    ) {
        if !scratch.fill::<true>(text) {
            let base = text.as_ptr() as usize;
            out.extend(self.split(text).map(|s| {
                let start = s.as_ptr() as usize - base;
                start..start + s.len()
            }));
            return;
        }
        self.split_masked_fastest(text, scratch, out);
    }

    /// [`SentenceSplitter::split_into`] of text whose only whitespace is `' '` (as
    /// [`char::is_whitespace`] sees it), such as the output of [`super::clean`]: the masks are
    /// built without looking for other whitespace. Other characters, control characters
    /// included, are word bytes both here and in [`SentenceSplitter::split`], so the ranges are
    /// the same.
    pub fn split_spaced_into(
        &self,
        text: &str,
        scratch: &mut SplitScratch,
        out: &mut Vec<std::ops::Range<usize>>,
    ) {
        debug_assert!(!text.chars().any(|c| c != ' ' && c.is_whitespace()));
        scratch.fill::<false>(text);
        self.split_masked_fastest(text, scratch, out);
    }

    /// [`SentenceSplitter::split_spaced_into`] of `text`, the output of the last
    /// [`super::clean_with`] with `clean`: when cleaning left its text unchanged, the word
    /// starts it found are those of `text`, and only the end marks are looked for.
    pub(crate) fn split_cleaned_into(
        &self,
        text: &str,
        clean: &super::CleanScratch,
        scratch: &mut SplitScratch,
        out: &mut Vec<std::ops::Range<usize>>,
    ) {
        match clean.unchanged_word_starts() {
            Some(starts) => {
                scratch.fill_marks(text, starts);
                self.split_masked_fastest(text, scratch, out);
            }
            None => self.split_spaced_into(text, scratch, out),
        }
    }

    /// [`SentenceSplitter::split_masked`] compiled with the POPCNT instruction when the CPU has
    /// it: the build targets baseline x86-64, where each word count (`u64::count_ones`) is
    /// otherwise some fifteen instructions.
    fn split_masked_fastest(
        &self,
        text: &str,
        scratch: &SplitScratch,
        out: &mut Vec<std::ops::Range<usize>>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") {
            // SAFETY: the CPU has POPCNT, checked just above.
            unsafe { self.split_masked_popcnt(text, scratch, out) };
            return;
        }
        self.split_masked(text, scratch, out);
    }

    /// [`SentenceSplitter::split_masked`] with POPCNT.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    fn split_masked_popcnt(
        &self,
        text: &str,
        scratch: &SplitScratch,
        out: &mut Vec<std::ops::Range<usize>>,
    ) {
        self.split_masked(text, scratch, out);
    }

    /// The masked part of [`SentenceSplitter::split_into`], with `scratch` filled from `text`.
    /// Always inlined, with the word counts it calls, into both forms of
    /// [`SentenceSplitter::split_masked_fastest`].
    #[inline(always)]
    fn split_masked(
        &self,
        text: &str,
        scratch: &SplitScratch,
        out: &mut Vec<std::ops::Range<usize>>,
    ) {
        let bytes = text.as_bytes();
        // Abbreviations and cut words are judged exactly as the iterator judges them.
        let rules = self.split(text);
        let mut pos = 0;
        while pos < bytes.len() {
            let end = pos + rules.find_end_masked(pos, scratch);
            // `str::trim` on text whose only whitespace is ' '.
            let (mut a, mut b) = (pos, end);
            while a < b && bytes[a] == b' ' {
                a += 1;
            }
            while b > a && bytes[b - 1] == b' ' {
                b -= 1;
            }
            if a < b {
                out.push(a..b);
            }
            pos = end;
        }
    }
}

impl Sentences<'_> {
    /// [`Sentences::find_end`] of `text[pos..]` from the masks in `scratch` (filled for the
    /// whole text).
    ///
    /// The first mark at or after the start of word number `max_words + 1` is never looked at:
    /// the sentence is cut at that word instead, as the byte-wise scan does.
    #[inline(always)]
    fn find_end_masked(&self, pos: usize, scratch: &SplitScratch) -> usize {
        let text = self.text;
        let bytes = text.as_bytes();
        // Word starts in `pos..counted`: a mark is looked at only while they stay within the
        // cap, so the cap's position is found only for a sentence that reaches it.
        let (mut words, mut counted) = (0, pos);
        // Word starts are at least two bytes apart: before this offset a mark is certainly
        // within the cap, and nothing needs counting.
        let uncounted = pos.saturating_add(2 * self.max_words);
        let mut from = pos;
        while let Some(mark) = scratch.next_mark(from) {
            if mark >= uncounted {
                words += scratch.count_starts(counted, mark + 1);
                counted = mark + 1;
                if words > self.max_words {
                    break;
                }
            }
            let j = mark_run_end(bytes, mark);
            if j >= bytes.len() {
                return bytes.len() - pos;
            }
            // `ends_here` looks back only to the word's start, which is at or after `pos` (the
            // text before `pos` ends in, or `pos` starts with, a space).
            if bytes[j] == b' ' && self.ends_here(text, mark, j) {
                return j - pos;
            }
            from = j;
        }
        match scratch.nth_start(pos, self.max_words) {
            Some(limit) => self.best_cut_masked(pos, limit, scratch) - pos,
            None => bytes.len() - pos,
        }
    }

    /// [`Sentences::best_cut`] of the sentence at `pos` reaching the cap at `limit`: the last
    /// word start before `limit` past word number `min_words` (and past the first) that is a
    /// cut word, found from the end.
    #[inline(always)]
    fn best_cut_masked(&self, pos: usize, limit: usize, scratch: &SplitScratch) -> usize {
        let Some(lower) = scratch.nth_start(pos, self.min_words.max(1)) else {
            return limit;
        };
        let mut w = limit / 64;
        // Starts strictly before `limit` in its block (none when `limit` opens the block).
        let mut bits = scratch
            .starts
            .get(w)
            .map_or(0, |&b| b & ((1u64 << (limit % 64)) - 1));
        loop {
            while bits != 0 {
                let at = w * 64 + 63 - bits.leading_zeros() as usize;
                if at < lower {
                    return limit;
                }
                if is_cut_word(self.text, at) {
                    return at;
                }
                bits &= !(1u64 << (at % 64));
            }
            if w == 0 || w * 64 <= lower {
                return limit;
            }
            w -= 1;
            bits = scratch.starts[w];
        }
    }
}

impl SplitScratch {
    /// Builds the masks of `text`; false (masks unusable) when it holds an ASCII control
    /// character or non-ASCII whitespace, so that `' '` is its only whitespace. Without
    /// `CHECKED` the caller knows that it is, and the bytes are not checked (always true).
    fn fill<const CHECKED: bool>(&mut self, text: &str) -> bool {
        /// What one block passes to the next.
        struct Carry {
            /// The byte before the block is a space (the text start counts as one).
            space: u64,
            /// Control characters so far.
            control: u64,
        }
        /// The masks of one block from its classes (`valid`: its bytes of the text).
        #[inline(always)]
        fn put(c: &super::masks::Classes, valid: u64, carry: &mut Carry) -> (u64, u64) {
            let starts = !c.space & ((c.space << 1) | carry.space) & valid;
            carry.space = c.space >> 63;
            (starts, c.mark & valid)
        }
        let bytes = text.as_bytes();
        let blocks = bytes.len().div_ceil(64);
        // Sized first and written in place: no capacity check per block, and no clearing
        // (every block is written).
        for m in [&mut self.starts, &mut self.marks] {
            m.resize(blocks, 0);
        }
        let mut carry = Carry {
            space: 1,
            control: 0,
        };
        let (starts, marks) = (&mut self.starts, &mut self.marks);
        super::masks::for_each_block(text.as_bytes(), |b, c, valid| {
            (starts[b], marks[b]) = put(c, valid, &mut carry);
            if !CHECKED {
                return true;
            }
            let odd = c.bad & valid;
            if odd == 0 {
                return true;
            }
            let high = super::masks::high_bits(text.as_bytes(), b) & valid;
            carry.control |= odd & !high;
            high == 0 || !super::masks::has_unicode_space_at(text, b * 64, high)
        }) && carry.control == 0
    }

    /// [`SplitScratch::fill`] of `text` given its word starts `starts` (at least one word per
    /// block of `text`, as [`SplitScratch::fill`] builds them): only the marks are found.
    fn fill_marks(&mut self, text: &str, starts: &[u64]) {
        let blocks = text.len().div_ceil(64);
        self.starts.clear();
        self.starts.extend_from_slice(&starts[..blocks]);
        self.marks.resize(blocks, 0);
        let marks = &mut self.marks;
        super::masks::for_each_block(text.as_bytes(), |b, c, valid| {
            marks[b] = c.mark & valid;
            true
        });
    }

    /// Offset of the first end mark at or after `from`.
    #[inline]
    fn next_mark(&self, from: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut bits = *self.marks.get(w)? & (u64::MAX << (from % 64));
        while bits == 0 {
            w += 1;
            bits = *self.marks.get(w)?;
        }
        Some(w * 64 + bits.trailing_zeros() as usize)
    }

    /// Number of word starts in `from..to` (`to` at most the text's length plus one).
    #[inline(always)]
    fn count_starts(&self, from: usize, to: usize) -> usize {
        if from >= to {
            return 0;
        }
        let (first, last) = (from / 64, (to - 1) / 64);
        let head = u64::MAX << (from % 64);
        let tail = u64::MAX >> (63 - (to - 1) % 64);
        let at = |w: usize| self.starts.get(w).copied().unwrap_or(0);
        if first == last {
            return (at(first) & head & tail).count_ones() as usize;
        }
        let middle: u32 = (first + 1..last).map(|w| at(w).count_ones()).sum();
        ((at(first) & head).count_ones() + middle + (at(last) & tail).count_ones()) as usize
    }

    /// Offset of the start of word number `n + 1` counting from `from`, if there is one.
    #[inline(always)]
    fn nth_start(&self, from: usize, n: usize) -> Option<usize> {
        let mut w = from / 64;
        let mut bits = *self.starts.get(w)? & (u64::MAX << (from % 64));
        let mut left = n;
        loop {
            let count = bits.count_ones() as usize;
            if count > left {
                for _ in 0..left {
                    bits &= bits - 1;
                }
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
            left -= count;
            w += 1;
            bits = *self.starts.get(w)?;
        }
    }
}

/// `u8::is_ascii_whitespace` as a table, so the word count has no branch per byte.
static IS_SPACE: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = (b as u8).is_ascii_whitespace() as u8;
        b += 1;
    }
    t
};

/// High bit of each byte of `chunk` (at most eight bytes) where a word starts: a byte other
/// than ASCII whitespace after whitespace. `prev_space` says whether the byte before the chunk
/// was whitespace (or there was none) and is updated to the chunk's last byte.
///
/// When no byte is below `0x20` the only whitespace is `' '`, found for all eight bytes at once
/// with the zero-byte trick; otherwise (tabs, newlines, a short chunk) byte by byte.
#[inline]
fn start_mask(chunk: &[u8], prev_space: &mut u8) -> u64 {
    const LOW: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    if let Ok(&eight) = <&[u8; 8]>::try_from(chunk) {
        let x = u64::from_le_bytes(eight);
        if x.wrapping_sub(ONES * 0x20) & !x & HIGH == 0 {
            let v = x ^ (ONES * u64::from(b' '));
            // High bit of each byte that equals ' '.
            let spaces = !(((v & LOW) + LOW) | v | LOW);
            let before = (spaces << 8) | (u64::from(*prev_space) << 7);
            *prev_space = (spaces >> 63) as u8;
            return !spaces & before & HIGH;
        }
    }
    let mut mask = 0;
    for (k, &b) in chunk.iter().enumerate() {
        let space = IS_SPACE[usize::from(b)];
        mask |= u64::from(*prev_space & !space & 1) << (8 * k + 7);
        *prev_space = space;
    }
    mask
}

/// Byte offsets of the word starts in `bytes`, given whether a word was open before it.
struct WordStarts<'a> {
    chunks: std::slice::Chunks<'a, u8>,
    /// Offset of the chunk `mask` belongs to.
    base: usize,
    next_base: usize,
    mask: u64,
    prev_space: u8,
}

impl<'a> WordStarts<'a> {
    fn new(bytes: &'a [u8], in_word: bool) -> Self {
        WordStarts {
            chunks: bytes.chunks(8),
            base: 0,
            next_base: 0,
            mask: 0,
            prev_space: u8::from(!in_word),
        }
    }
}

impl Iterator for WordStarts<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        while self.mask == 0 {
            let chunk = self.chunks.next()?;
            self.base = self.next_base;
            self.next_base += chunk.len();
            self.mask = start_mask(chunk, &mut self.prev_space);
        }
        let at = self.base + (self.mask.trailing_zeros() / 8) as usize;
        self.mask &= self.mask - 1;
        Some(at)
    }
}

/// High bit of each byte of `v` that is zero.
#[inline]
fn zero_bytes(v: u64) -> u64 {
    const LOW: u64 = 0x7F7F_7F7F_7F7F_7F7F;
    !(((v & LOW) + LOW) | v | LOW)
}

/// Number of bytes whose high bit is set in `bits` (set only on high bits).
#[inline]
fn count_lanes(bits: u64) -> usize {
    // One bit per byte lane; the multiply adds the lanes into the top byte.
    ((bits >> 7).wrapping_mul(0x0101_0101_0101_0101) >> 56) as usize
}

/// From byte `from` of `bytes`: the offset of the next end mark (`.`, `!`, `?`, else the
/// length), how many words (runs of bytes other than ASCII whitespace) start before it, given
/// whether a word was open at `from`, and whether one is open at the mark.
///
/// Eight bytes at a time: when none is below `0x20` the only whitespace is `' '`, and spaces
/// and marks are found with the zero-byte trick; otherwise (tabs, newlines, the last few
/// bytes) byte by byte.
fn scan_to_mark(bytes: &[u8], from: usize, in_word: bool) -> (usize, usize, bool) {
    const HIGH: u64 = 0x8080_8080_8080_8080;
    const ONES: u64 = 0x0101_0101_0101_0101;
    let mut prev_space = u8::from(!in_word);
    let mut starts = 0usize;
    let mut i = from;
    let scalar = |chunk: &[u8], at: usize, starts: &mut usize, prev_space: &mut u8| {
        for (k, &b) in chunk.iter().enumerate() {
            if matches!(b, b'.' | b'!' | b'?') {
                return Some(at + k);
            }
            let space = IS_SPACE[usize::from(b)];
            *starts += usize::from(*prev_space & !space & 1);
            *prev_space = space;
        }
        None
    };
    while let Some(eight) = bytes.get(i..i + 8) {
        let x = u64::from_le_bytes(eight.try_into().unwrap_or_default());
        if x.wrapping_sub(ONES * 0x20) & !x & HIGH != 0 {
            if let Some(mark) = scalar(eight, i, &mut starts, &mut prev_space) {
                return (mark, starts, prev_space == 0);
            }
            i += 8;
            continue;
        }
        let spaces = zero_bytes(x ^ (ONES * u64::from(b' ')));
        let marks = zero_bytes(x ^ (ONES * u64::from(b'.')))
            | zero_bytes(x ^ (ONES * u64::from(b'!')))
            | zero_bytes(x ^ (ONES * u64::from(b'?')));
        let start_bits = !spaces & ((spaces << 8) | (u64::from(prev_space) << 7)) & HIGH;
        if marks != 0 {
            let lane = marks.trailing_zeros() / 8;
            starts += count_lanes(start_bits & ((1u64 << (8 * lane)) - 1));
            if lane > 0 {
                prev_space = ((spaces >> (8 * lane - 1)) & 1) as u8;
            }
            return (i + lane as usize, starts, prev_space == 0);
        }
        starts += count_lanes(start_bits);
        prev_space = (spaces >> 63) as u8;
        i += 8;
    }
    let mark = scalar(&bytes[i..], i, &mut starts, &mut prev_space).unwrap_or(bytes.len());
    (mark, starts, prev_space == 0)
}

/// Byte offset in `segment` of the start of word number `n + 1` (counting from 1), which
/// [`scan_to_mark`] says exists.
fn nth_word_start(segment: &[u8], in_word: bool, n: usize) -> usize {
    WordStarts::new(segment, in_word)
        .nth(n)
        .unwrap_or(segment.len())
}

/// Slot in [`CUT_PAIRS`] of the first two bytes of a word, each `| 0x20` (ASCII lower case),
/// little-endian: the multiplier was searched so that few common word openings share a slot
/// with a cut word's.
#[inline]
const fn pair_slot(pair: u16) -> u32 {
    (pair as u32).wrapping_mul(0x4A92_CFCB) >> 26
}

/// A 64-bit filter over the first two letters of the [`CUT_BEFORE`] words, lower case.
const CUT_PAIRS: u64 = {
    let mut f = 0u64;
    let mut i = 0;
    while i < CUT_BEFORE.len() {
        let w = CUT_BEFORE[i];
        f |= 1 << pair_slot(u16::from_le_bytes([w[0], w[1]]));
        i += 1;
    }
    f
};

/// Whether the word at byte `i` of `s` is one before which an unpunctuated run is best cut:
/// [`CUT_BEFORE`] in any ASCII case, followed by nothing but punctuation up to whitespace.
///
/// Every cut word has at least two letters, whose ASCII lower case `| 0x20` gives: most other
/// words are told apart by their first two bytes in [`CUT_PAIRS`], without the full test.
#[inline]
fn is_cut_word(s: &str, i: usize) -> bool {
    match s.as_bytes().get(i..i + 2) {
        Some(&[a, b]) => {
            CUT_PAIRS >> pair_slot(u16::from_le_bytes([a | 0x20, b | 0x20])) & 1 == 1
                && is_cut_word_exact(s, i)
        }
        _ => false,
    }
}

/// [`is_cut_word`] without the pair filter.
#[inline(never)]
fn is_cut_word_exact(s: &str, i: usize) -> bool {
    const KEYS: [u64; CUT_BEFORE.len()] = short_keys(CUT_BEFORE, false);
    const FILTER: [u64; 16] = key_filter(&KEYS);
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let bytes = s.as_bytes();
    // The word runs to the next whitespace and is compared without its trailing characters
    // other than letters and digits. Every cut word is 2-8 ASCII letters, so the word is one
    // exactly when its leading letters are one and no letter or digit follows them.
    let x = match bytes.get(i..i + 8) {
        Some(eight) => u64::from_le_bytes(eight.try_into().unwrap_or_default()),
        None => bytes[i..]
            .iter()
            .rev()
            .fold(0, |x, &b| (x << 8) | u64::from(b)),
    };
    // ASCII letters, eight bytes at once: `| 0x20` folds the case, and with the high bit
    // masked the additions carry into no other byte.
    let lower = x | (ONES * 0x20);
    let low7 = lower & !HIGH;
    let letters = (low7 + ONES * (0x80 - u64::from(b'a')))
        & !(low7 + ONES * (0x80 - u64::from(b'z') - 1))
        & !x
        & HIGH;
    // Number of leading letters.
    let n = ((!letters & HIGH).trailing_zeros() / 8) as usize;
    let key = if n >= 8 {
        lower
    } else {
        lower & ((1u64 << (8 * n)) - 1)
    };
    if n < 2 || !in_filter(&FILTER, key) || !KEYS.contains(&key) {
        return false;
    }
    !s[i + n..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .any(char::is_alphanumeric)
}

/// The end of the run of end marks at `mark` and the closing quotes and brackets after it: the
/// whole run belongs to the sentence.
fn mark_run_end(bytes: &[u8], mark: usize) -> usize {
    let mut j = mark;
    while j < bytes.len() && matches!(bytes[j], b'.' | b'!' | b'?') {
        j += 1;
    }
    while j < bytes.len() && matches!(bytes[j], b'"' | b'\'' | b')' | b']') {
        j += 1;
    }
    j
}

/// ASCII whitespace as `char::is_whitespace` sees it (vertical tab included).
fn is_ascii_white(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

impl Sentences<'_> {
    /// Byte length of the first sentence of `rest` (at least one byte).
    ///
    /// Jumps from end mark to end mark, counting the words in between in the same pass without
    /// a branch per byte; only a segment that passes the word cap is walked word by word.
    fn find_end(&self, rest: &str) -> usize {
        let bytes = rest.as_bytes();
        let mut words = 0usize;
        let mut in_word = false;
        let mut i = 0;
        loop {
            let (mark, starts, ends_in_word) = scan_to_mark(bytes, i, in_word);
            let segment = &bytes[i..mark];
            if words + starts > self.max_words {
                let cap = nth_word_start(segment, in_word, self.max_words - words);
                return self.best_cut(rest, i + cap);
            }
            words += starts;
            in_word = ends_in_word;
            if mark == bytes.len() {
                return bytes.len();
            }
            // The mark itself is a word byte.
            if !in_word {
                in_word = true;
                words += 1;
                if words > self.max_words {
                    return self.best_cut(rest, mark);
                }
            }
            let j = mark_run_end(bytes, mark);
            if j >= bytes.len() {
                return j;
            }
            // "3.5", "U.S.A", "example.com": no break inside a token.
            if bytes[j].is_ascii_whitespace() && self.ends_here(rest, mark, j) {
                return j;
            }
            i = j;
        }
    }

    /// Where a sentence that reached [`SentenceSplitter::max_words`] at byte `limit` (the start
    /// of the word past the cap) is cut: before the last discourse word after
    /// [`SentenceSplitter::min_words`] words, else at `limit`. Looked for only when the cap is
    /// reached, which punctuated text rarely does.
    fn best_cut(&self, rest: &str, limit: usize) -> usize {
        let mut best = None;
        for (n, i) in WordStarts::new(&rest.as_bytes()[..limit], false).enumerate() {
            let words = n + 1;
            if words > self.min_words && words > 1 && is_cut_word(rest, i) {
                best = Some(i);
            }
        }
        best.unwrap_or(limit)
    }

    /// Whether the end marks at `rest[mark..after]` end a sentence.
    fn ends_here(&self, rest: &str, mark: usize, after: usize) -> bool {
        let bytes = rest.as_bytes();
        if matches!(bytes[mark], b'?' | b'!') {
            return true;
        }
        if after > mark + 1 && bytes[mark + 1] == b'.' {
            return next_is_upper(rest, after);
        }
        // A single '.': look at the word before it, which starts after whitespace, '(' or '"'.
        // The eight bytes before the mark, when all ASCII.
        let mut before = None;
        let (word_start, ascii) = match word_before(bytes, mark) {
            WordBefore::Long => return true,
            WordBefore::Start(start, x) => {
                before = Some(x);
                (start, true)
            }
            WordBefore::Unknown => {
                let mut word_start = mark;
                let mut ascii = true;
                // Only a word of at most six bytes (an abbreviation) or one character (an
                // initial) matters, once its leading apostrophes are trimmed.
                let floor = mark.saturating_sub(7);
                while word_start > 0 {
                    if word_start == floor && bytes[floor] != b'\'' {
                        // Seven ASCII bytes before the mark, the first not an apostrophe: the
                        // trimmed word is at least that long.
                        return true;
                    }
                    let b = bytes[word_start - 1];
                    if !b.is_ascii() {
                        word_start = word_start_slow(&rest[..mark]);
                        ascii = false;
                        break;
                    }
                    if is_ascii_white(b) || b == b'(' || b == b'"' {
                        break;
                    }
                    word_start -= 1;
                }
                (word_start, ascii)
            }
        };
        // `str::trim_start_matches(['\'', '"'])`: both are ASCII, so bytes suffice.
        let mut trimmed = word_start;
        while trimmed < mark && matches!(bytes[trimmed], b'\'' | b'"') {
            trimmed += 1;
        }
        let word = &rest[trimmed..mark];
        match abbreviation(word, before) {
            Some(Abbreviation::NeverEnd) => return false,
            Some(Abbreviation::MayEnd) => return next_is_upper(rest, after),
            None => {}
        }
        // An initial: "J. Smith". (The characters are counted when the scan met a non-ASCII
        // byte, even if the word turns out to be ASCII.)
        let initial = if ascii {
            word.len() == 1 && word.as_bytes()[0].is_ascii_uppercase()
        } else {
            word.chars().count() == 1 && word.starts_with(char::is_uppercase)
        };
        if initial {
            return !next_is_upper(rest, after);
        }
        true
    }
}

/// The word before a single `.`, as far as [`word_before`] tells from eight bytes at once.
enum WordBefore {
    /// Longer than any abbreviation or initial, even trimmed of leading apostrophes: the
    /// sentence ends.
    Long,
    /// Starts at this offset (after a space, `(` or `"`), and all of it is ASCII.
    /// The eight bytes before the `.`, little-endian, are given too.
    Start(usize, u64),
    /// To be found byte by byte.
    Unknown,
}

/// The word before the `.` at `mark` ([`Sentences::ends_here`]) from the eight bytes before
/// it, when they are printable ASCII: it starts after the last space, `(` or `"` among the
/// seven before the mark, or, when there is none and the first of the seven is not an
/// apostrophe, it is [`WordBefore::Long`].
#[inline]
fn word_before(bytes: &[u8], mark: usize) -> WordBefore {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let Some(eight) = mark.checked_sub(8).and_then(|from| bytes.get(from..mark)) else {
        return WordBefore::Unknown;
    };
    let x = u64::from_le_bytes(eight.try_into().unwrap_or_default());
    // A byte from 0x80, or below 0x20 among ASCII bytes (a borrow can only add lanes above
    // a real one).
    if (x | (x.wrapping_sub(ONES * 0x20) & !x)) & HIGH != 0 {
        return WordBefore::Unknown;
    }
    let delimiters = zero_bytes(x ^ (ONES * u64::from(b' ')))
        | zero_bytes(x ^ (ONES * u64::from(b'(')))
        | zero_bytes(x ^ (ONES * u64::from(b'"')));
    // Bytes `mark - 7 .. mark` are lanes 1 to 7.
    let within = delimiters & HIGH & !0x80;
    if within == 0 {
        return if zero_bytes(x ^ (ONES * u64::from(b'\''))) & 0x8000 == 0 {
            WordBefore::Long
        } else {
            WordBefore::Unknown
        };
    }
    let lane = (63 - within.leading_zeros() as usize) / 8;
    WordBefore::Start(mark - 7 + lane, x)
}

/// Whether the text after byte `after` starts (past whitespace) with a capital or a digit.
fn next_is_upper(rest: &str, after: usize) -> bool {
    let bytes = rest.as_bytes();
    let mut k = after;
    while k < bytes.len() && is_ascii_white(bytes[k]) {
        k += 1;
    }
    match bytes.get(k) {
        None => false,
        Some(&b) if b.is_ascii() => b.is_ascii_uppercase() || b.is_ascii_digit(),
        Some(_) => rest[k..]
            .trim_start()
            .starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit()),
    }
}

/// Start of the last word of `before`, after Unicode whitespace, '(' or '"'.
fn word_start_slow(before: &str) -> usize {
    before
        .char_indices()
        .rev()
        .find(|&(_, c)| c.is_whitespace() || c == '(' || c == '"')
        .map_or(0, |(p, c)| p + c.len_utf8())
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
    fn ranges_match_the_iterator_on_any_text() {
        let splitter = SentenceSplitter::default();
        for text in [
            "",
            "   ",
            " Hi there.  How are you?! Fine",
            "Dr. Smith met Mr. Jones. Ask J. Smith. He knows... OK",
            "caf\u{e9}. Na\u{ef}ve?\tYes.\nNo",
            "We met Acme Corp. Thanks Alice. It's 3.5 at 9:30. (Done.) [x]",
        ] {
            let want: Vec<&str> = splitter.split(text).collect();
            let mut ranges = Vec::new();
            splitter.split_into(text, &mut SplitScratch::default(), &mut ranges);
            let got: Vec<&str> = ranges.iter().map(|r| &text[r.clone()]).collect();
            assert_eq!(got, want, "{text:?}");
        }
        let long = (0..300)
            .map(|i| match i % 37 {
                0 => "so".to_owned(),
                5 => "end.".to_owned(),
                _ => format!("w{i}"),
            })
            .collect::<Vec<_>>()
            .join(" ");
        let want: Vec<&str> = splitter.split(&long).collect();
        let mut ranges = Vec::new();
        splitter.split_into(&long, &mut SplitScratch::default(), &mut ranges);
        let got: Vec<&str> = ranges.iter().map(|r| &long[r.clone()]).collect();
        assert_eq!(got, want);
    }

    /// The word at byte `i` as the cut-word rule reads it: up to whitespace, without trailing
    /// characters other than letters and digits.
    fn word_at(s: &str, i: usize) -> &str {
        let w = &s[i..];
        let end = w.find(char::is_whitespace).unwrap_or(w.len());
        w[..end].trim_end_matches(|c: char| !c.is_alphanumeric())
    }

    /// [`Sentences::ends_here`] for a single `.`, written plainly: the word before it, found
    /// by characters, and the lists compared in ASCII case.
    fn ends_here_plainly(rest: &str, mark: usize, after: usize) -> bool {
        let before = &rest[..mark];
        let start = before
            .char_indices()
            .rev()
            .find(|&(_, c)| c.is_whitespace() || c == '(' || c == '"')
            .map_or(0, |(p, c)| p + c.len_utf8());
        let word = before[start..].trim_start_matches(['\'', '"']);
        let is_in = |list: &[&[u8]]| list.iter().any(|a| a.eq_ignore_ascii_case(word.as_bytes()));
        if is_in(NEVER_END) {
            return false;
        }
        if is_in(MAY_END) {
            return next_is_upper(rest, after);
        }
        if word.chars().count() == 1 && word.starts_with(char::is_uppercase) {
            return !next_is_upper(rest, after);
        }
        true
    }

    proptest::proptest! {
        #[test]
        fn cut_words_match_the_word_list(
            text in "(so|So|SO|okay|ok|and|but|Yeah|um|uh|because|then|Then|THE|the|they|now|well|alright|right|actually|anyway|ANYWAY|[a-z]{1,9}|[A-Z][a-z]{0,5}|[,.?!\"')]{1,2}|[0-9]|\u{e9}|\u{2019}|\u{a0}| |\t){1,12}",
        ) {
            for (i, _) in text.char_indices() {
                let w = word_at(&text, i);
                let want = CUT_BEFORE.iter().any(|c| c.eq_ignore_ascii_case(w.as_bytes()));
                proptest::prop_assert_eq!(is_cut_word(&text, i), want, "{:?} at {}", text, i);
            }
        }

        #[test]
        fn single_points_end_sentences_as_the_plain_rule_says(
            text in "(Mr|mrs|DR|e\\.g|i\\.e|u\\.s\\.a|U\\.S|inc|Corp|approx|sept|a\\.m|J|j|\u{c9}|\u{e9}t\u{e9}|[a-z]{1,9}|[A-Z][a-z]{0,7}|'{1,8}|\"|\\(|[0-9]{1,2}|\u{a0}| |\t|[\\x00-\\x7F]{1,9})+\\. ?(Smith|the|9|\u{c9}cole)?",
        ) {
            let splitter = SentenceSplitter::default();
            let s = splitter.split(&text);
            for (mark, _) in text.match_indices('.') {
                let single = text.as_bytes().get(mark + 1) != Some(&b'.')
                    && (mark == 0 || text.as_bytes()[mark - 1] != b'.');
                if single {
                    proptest::prop_assert_eq!(
                        s.ends_here(&text, mark, mark + 1),
                        ends_here_plainly(&text, mark, mark + 1),
                        "{:?} at {}", text, mark
                    );
                }
            }
        }
    }

    #[test]
    fn eight_bytes_are_lower_cased_as_each_byte() {
        for b in 0..0x80u8 {
            for lane in 0..8 {
                let bytes: [u8; 8] =
                    std::array::from_fn(|i| if i == lane { b } else { b'Q' - i as u8 });
                let want = u64::from_le_bytes(bytes.map(|c| c.to_ascii_lowercase()));
                assert_eq!(
                    ascii_lower(u64::from_le_bytes(bytes)),
                    want,
                    "{b:#x} at {lane}"
                );
            }
        }
    }

    #[test]
    fn capitalises() {
        assert_eq!(capitalize_start("okay so"), "Okay so");
        assert_eq!(capitalize_start("\"ok\""), "\"Ok\"");
        assert_eq!(capitalize_start("Yes"), "Yes");
    }
}
