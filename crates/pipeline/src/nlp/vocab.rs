//! The meeting's vocabulary: every distinct (ASCII-lower-cased) word gets a small id and its
//! lexicon properties (stop word, pattern starter, given name, gazetteer or trigger opener...)
//! computed once, so each token costs one hash probe and the stages test bits instead of
//! looking strings up in several tables. Memory is bounded by [`MAX_VOCAB`]; words after that
//! get their bits computed each time and no id ([`NO_ID`]), and every stage keeps a string path
//! for them.

use std::borrow::Cow;
use std::sync::LazyLock;

use super::hash::FastMap;
use super::lexicon;
use super::patterns::Sent;
use super::token::{Kind, Padded, Sink, Tok};

/// Distinct words given an id.
const MAX_VOCAB: usize = 50_000;
/// Longer words get no id and are not kept (their bits are computed each time): with the caps,
/// this bounds the vocabulary's memory (a few MB) whatever the input.
const MAX_WORD_BYTES: usize = 48;

/// The id of a word that has none (not a word, or the vocabulary is full).
pub(crate) const NO_ID: u32 = u32::MAX;

// Bits of the lower-cased word.
/// A stop word.
pub(crate) const W_STOP: u32 = 1;
/// Can open a number, date or time pattern.
pub(crate) const W_START: u32 = 1 << 13;
/// Can be a word of a key phrase (two bytes or more, not a stop word, no `'`, `’` or `.`).
pub(crate) const W_TOPIC: u32 = 1 << 14;
/// A given name.
pub(crate) const W_GIVEN: u32 = 1 << 3;
/// A token that is not a word where a gazetteer entry may start (by its first byte).
pub(crate) const W_GAZ: u32 = 1 << 4;
/// "at" or "from".
pub(crate) const W_AT_FROM: u32 = 1 << 6;
/// An organisation suffix ("inc", "analytics").
pub(crate) const W_ORG_SUFFIX: u32 = 1 << 7;
/// A word that may join two capitalised words of a name ("of", "&").
pub(crate) const W_CONNECTOR: u32 = 1 << 8;
/// A greeting or opener that is not part of a name ("hi", "thanks").
pub(crate) const W_GREETING: u32 = 1 << 9;
/// Holds `-`, `.` or `’`, after which a new word may start inside the token.
pub(crate) const W_JOINED: u32 = 1 << 10;
/// The gazetteer's token-by-token matching has something to do at this token.
pub(crate) const W_GAZ_ANY: u32 = 1 << 11;
/// The triggers' token-by-token matching has something to do at this token.
pub(crate) const W_TRIG_ANY: u32 = 1 << 12;

// Bits of the token as written.
/// A word token.
pub(crate) const T_WORD: u32 = 1 << 16;
/// Capital then lower-case letter ("Dana").
pub(crate) const T_TITLE: u32 = 1 << 17;
/// Starts with an upper-case letter.
pub(crate) const T_UPPER0: u32 = 1 << 18;
/// A capitalised word that may be part of a name: not an acronym, not "I", two letters or more.
pub(crate) const T_CAP: u32 = 1 << 19;
/// An ASCII capital after the first byte (acronyms, CamelCase).
pub(crate) const T_INNER_UPPER: u32 = 1 << 20;
/// No lower-case letter.
pub(crate) const T_NO_LOWER: u32 = 1 << 21;
/// Only ASCII lower-case letters and hyphens.
pub(crate) const T_PLAIN: u32 = 1 << 22;
/// No ASCII capital.
pub(crate) const T_NO_UPPER: u32 = 1 << 23;
/// Only ASCII.
pub(crate) const T_ASCII: u32 = 1 << 24;

/// What the stages need to know about one token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TokInfo {
    /// Vocabulary id of the lower-cased word, or [`NO_ID`].
    pub id: u32,
    /// `W_*` and `T_*` bits.
    pub bits: u32,
    /// The gazetteer entries the word can open (see `Starts::list`).
    pub gaz: u16,
    /// The action triggers the word can open.
    pub trig: u16,
    /// Next characters with which a gazetteer match from inside the token runs past its end
    /// (see `Starts::cross`).
    pub gaz_cross: u64,
    /// The same for the action triggers.
    pub trig_cross: u64,
    /// The word's pattern classes (`patterns::word_classes`); 0 for other tokens.
    pub pat: u32,
}

/// What the vocabulary keeps per lower-cased word.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WordInfo {
    bits: u32,
    gaz: u16,
    trig: u16,
    gaz_cross: u64,
    trig_cross: u64,
    pat: u32,
}

impl WordInfo {
    /// The info of the lower-cased word `w`.
    pub fn of(w: &str) -> Self {
        let (gaz, trig) = (&*lexicon::GAZ_STARTS, &*super::actions::TRIGGER_STARTS);
        let mut info = Self {
            bits: word_bits(w),
            gaz: gaz.list(w),
            trig: trig.list(w),
            gaz_cross: gaz.cross(w),
            trig_cross: trig.cross(w),
            pat: super::patterns::word_classes(w),
        };
        // Each matcher looks only at its own lists and crossings: a word that only the other's
        // phrases cross ("that", "is") is nothing to it.
        if info.gaz != 0 || info.gaz_cross != 0 {
            info.bits |= W_GAZ_ANY;
        }
        if info.trig != 0 || info.trig_cross != 0 || info.bits & W_JOINED != 0 {
            info.bits |= W_TRIG_ANY;
        }
        info
    }

    /// The token info of a word with this info, `id` and `T_*` bits.
    fn token(self, id: u32, case: u32) -> TokInfo {
        TokInfo {
            id,
            bits: self.bits | case,
            gaz: self.gaz,
            trig: self.trig,
            gaz_cross: self.gaz_cross,
            trig_cross: self.trig_cross,
            pat: self.pat,
        }
    }
}

impl TokInfo {
    /// Whether all of `bits` are set.
    #[inline]
    pub fn has(self, bits: u32) -> bool {
        self.bits & bits == bits
    }
}

/// Greetings and openers that are not part of a name (see entities).
pub(crate) const GREETINGS: &[&str] = &[
    "hi", "hey", "hello", "thanks", "thank", "okay", "ok", "yeah", "yes", "so", "well", "oh",
    "dear", "bye",
];

/// The `W_*` bits of the ASCII-lower-cased word `w`.
pub(crate) fn word_bits(w: &str) -> u32 {
    let mut b = 0;
    let stop = lexicon::is_stop(w);
    if stop {
        b |= W_STOP;
    }
    if super::patterns::may_start(w) {
        b |= W_START;
    }
    if w.len() >= 2 && !stop && !w.contains(['\'', '’', '.']) {
        b |= W_TOPIC;
    }
    if lexicon::is_given_name(w) {
        b |= W_GIVEN;
    }
    if w == "at" || w == "from" {
        b |= W_AT_FROM;
    }
    if lexicon::ORG_SUFFIXES.contains(&w) {
        b |= W_ORG_SUFFIX;
    }
    if lexicon::NAME_CONNECTORS.contains(&w) {
        b |= W_CONNECTOR;
    }
    if GREETINGS.contains(&w) {
        b |= W_GREETING;
    }
    if w.contains(['-', '.', '’']) {
        b |= W_JOINED;
    }
    b
}

/// The `T_*` bits of a word token as written.
pub(crate) fn case_bits(t: &str) -> u32 {
    let b = t.as_bytes();
    let mut bits = T_WORD;
    if t.is_ascii() {
        let (mut upper, mut lower, mut plain) = (0usize, 0usize, true);
        for &c in b {
            upper += usize::from(c.is_ascii_uppercase());
            lower += usize::from(c.is_ascii_lowercase());
            plain &= c.is_ascii_lowercase() || c == b'-';
        }
        let alpha = upper + lower;
        let upper0 = b.first().is_some_and(u8::is_ascii_uppercase);
        let acronym = alpha >= 2 && lower == 0;
        let pronoun_i = t == "I" || t.starts_with("I'");
        bits |= T_ASCII;
        if upper0 {
            bits |= T_UPPER0;
            if b.len() > 1 && b[1].is_ascii_lowercase() {
                bits |= T_TITLE;
            }
            if b.len() > 1 && !acronym && !pronoun_i {
                bits |= T_CAP;
            }
        }
        if upper > usize::from(upper0) {
            bits |= T_INNER_UPPER;
        }
        if lower == 0 {
            bits |= T_NO_LOWER;
        }
        if plain {
            bits |= T_PLAIN;
        }
        if upper == 0 {
            bits |= T_NO_UPPER;
        }
        return bits;
    }
    let mut c = t.chars();
    let first_upper = c.next().is_some_and(char::is_uppercase);
    if first_upper {
        bits |= T_UPPER0;
        if c.next().is_some_and(char::is_lowercase) {
            bits |= T_TITLE;
        }
        let acronym = t.chars().filter(|c| c.is_alphabetic()).count() >= 2
            && !t.chars().any(char::is_lowercase);
        let pronoun_i = t == "I" || t.starts_with("I'") || t.starts_with("I’");
        if t.chars().count() > 1 && !acronym && !pronoun_i {
            bits |= T_CAP;
        }
    }
    if b.iter().skip(1).any(u8::is_ascii_uppercase) {
        bits |= T_INNER_UPPER;
    }
    if !t.chars().any(char::is_lowercase) {
        bits |= T_NO_LOWER;
    }
    if b.iter().all(|&c| c.is_ascii_lowercase() || c == b'-') {
        bits |= T_PLAIN;
    }
    if !b.iter().any(u8::is_ascii_uppercase) {
        bits |= T_NO_UPPER;
    }
    bits
}

/// The info of a token that is not a word.
pub(crate) fn other_info(t: &str) -> TokInfo {
    let mut bits = T_NO_UPPER;
    if t.is_ascii() {
        bits |= T_ASCII;
    } else if t.starts_with(char::is_uppercase) {
        bits |= T_UPPER0;
    }
    let gaz = &*lexicon::GAZ_STARTS;
    if gaz.may_open(t) {
        bits |= W_GAZ;
    }
    if t == "&" {
        bits |= W_CONNECTOR;
    }
    let cross = gaz.cross_other(t);
    if bits & W_GAZ != 0 || cross != 0 {
        bits |= W_GAZ_ANY;
    }
    // Triggers start with a letter, and these tokens have none.
    TokInfo {
        id: NO_ID,
        bits,
        gaz: 0,
        trig: 0,
        gaz_cross: cross,
        trig_cross: 0,
        pat: 0,
    }
}

/// [`other_info`] of each one-byte ASCII token, computed once.
static ONE_BYTE_INFOS: LazyLock<[TokInfo; 128]> = LazyLock::new(|| {
    std::array::from_fn(|c| other_info(char::from(c as u8).encode_utf8(&mut [0; 4])))
});

/// The info of token `t` of a sentence without a vocabulary (no id).
pub(crate) fn token_info(text: &str, lower: &str, t: &Tok) -> TokInfo {
    if t.kind == Kind::Word {
        WordInfo::of(&lower[t.start..t.end]).token(NO_ID, case_bits(&text[t.start..t.end]))
    } else {
        other_info(&text[t.start..t.end])
    }
}

/// The sentence's token infos: its own, or computed now when it came without them (tests).
pub(crate) fn infos<'a>(s: &Sent<'a>) -> Cow<'a, [TokInfo]> {
    if s.flags.len() == s.toks.len() {
        Cow::Borrowed(s.flags)
    } else {
        Cow::Owned(
            s.toks
                .iter()
                .map(|t| token_info(s.text, s.lower, t))
                .collect(),
        )
    }
}

/// Distinct words as written kept in the surface table (more are looked up the slow way, with
/// the same result): the table then has at most 2^17 slots of 16 bytes, each with a 32-byte
/// [`TokInfo`] beside it (6.3 MB).
const MAX_SURFACE: usize = (1 << 16) - 1;

// The sizes the bound above is worked out from.
const _: () = assert!(size_of::<Slot>() == 16 && size_of::<TokInfo>() == 32);

/// One slot of the surface table: a word as written, by its head and length. The key is in the
/// slot, and the word's info at the same index of `Vocab::slot_infos`: a probe reads both at
/// once, as neither address depends on the other's contents (two cache misses overlap).
#[derive(Debug, Clone, Copy, Default)]
#[repr(C, align(16))]
struct Slot {
    /// The first eight bytes, zero-padded: with the length, all of a word of up to eight bytes.
    head: u64,
    len: u32,
    /// Where the word starts in `Vocab::arena`, plus one; 0 for an empty slot.
    at: u32,
}

const K: u64 = 0xf135_7aea_2e62_a9c5;

/// FxHash-style over the head (its first eight bytes, zero-padded) of a word of `len` bytes,
/// and its second 8 bytes `second` (zero-padded) when it has more than eight: the whole key of
/// all but the longest words, hashed inline. `rest(k)` gives bytes `8 * k..` for longer words.
/// No word holds a zero byte, so the zero-padded bytes tell the length: it is not hashed.
#[inline(always)]
fn hash_of(head: u64, len: usize, second: impl Fn() -> u64, rest: impl Fn(usize) -> u64) -> u64 {
    let mut h = hash16(head, len, if len > 8 { second() } else { 0 });
    if len > 16 {
        h = hash_rest(h, len, rest);
    }
    h.rotate_left(26)
}

/// [`hash_of`] of the first 16 bytes of a word of `len` bytes (its head, and its `second` 8
/// bytes when it has more than eight), before the final rotation.
#[inline(always)]
fn hash16(head: u64, len: usize, second: u64) -> u64 {
    let h = head.wrapping_mul(K);
    if len > 8 {
        (h.rotate_left(5) ^ second).wrapping_mul(K)
    } else {
        h
    }
}

/// [`hash_of`] past the first 16 bytes.
#[inline(never)]
fn hash_rest(mut h: u64, len: usize, rest: impl Fn(usize) -> u64) -> u64 {
    for k in 2..len.div_ceil(8) {
        h = (h.rotate_left(5) ^ rest(k)).wrapping_mul(K);
    }
    h
}

/// Eight bytes of the arena from `at` (words there are zero-padded to whole 8-byte words).
#[inline(always)]
fn load_arena(arena: &[u8], at: usize) -> u64 {
    let w = arena[at..at + 8].first_chunk::<8>().expect("eight bytes");
    u64::from_le_bytes(*w)
}

/// The surface table for words of at most 16 bytes, whose whole key the probe has in two
/// registers: its lookups call nothing.
struct Short<'a> {
    slots: &'a [Slot],
    infos: &'a [TokInfo],
    arena: &'a [u8],
}

impl<'a> Short<'a> {
    /// The info of the word of `len` bytes (8 to 16) whose head is `head` and second 8 bytes
    /// (zero-padded; 0 for a word of eight) `second`, if the table has it: as
    /// [`Vocab::lookup`] finds it.
    #[inline(always)]
    fn find(&self, head: u64, len: usize, second: u64) -> Option<&'a TokInfo> {
        debug_assert!((8..=16).contains(&len));
        self.scan(hash16(head, len, second), |slot| {
            slot.head == head
                && slot.len as usize == len
                && (len == 8 || load_arena(self.arena, slot.at as usize - 1 + 8) == second)
        })
    }

    /// [`Short::find`] for a word of fewer than eight bytes, whose head is its whole key
    /// (see `Vocab::lookup`).
    #[inline(always)]
    fn find_short(&self, head: u64) -> Option<&'a TokInfo> {
        self.scan(hash16(head, 1, 0), |slot| slot.head == head)
    }

    /// The info in the first slot from where the hash `h` (before its final rotation) points
    /// that `hit` accepts, if one comes before an empty slot.
    #[inline(always)]
    fn scan(&self, h: u64, hit: impl Fn(&Slot) -> bool) -> Option<&'a TokInfo> {
        debug_assert!(self.slots.len() == self.infos.len());
        let mask = self.slots.len() - 1;
        let mut k = h.rotate_left(26) as usize & mask;
        loop {
            // SAFETY: `k <= mask`, and the slots and their infos are the same power-of-two
            // number (never 0: see `Vocab::default`).
            let slot = unsafe { self.slots.get_unchecked(k) };
            if hit(slot) {
                // SAFETY: as for the slot.
                return Some(unsafe { self.infos.get_unchecked(k) });
            }
            if slot.at == 0 {
                return None;
            }
            k = (k + 1) & mask;
        }
    }
}

/// The meeting's words: lower-cased word -> id with its `W_*` bits, and word as written -> its
/// whole [`TokInfo`] (one probe per token, in an open-addressing table whose keys live in one
/// arena).
#[derive(Debug)]
pub(crate) struct Vocab {
    /// Fewer words than [`MAX_VOCAB`] get ids (tests of the full vocabulary's string paths).
    #[cfg(test)]
    pub small: Option<usize>,
    map: FastMap<Box<str>, u32>,
    words: Vec<Box<str>>,
    infos: Vec<WordInfo>,
    /// The surface table; the length is a power of two.
    slots: Vec<Slot>,
    /// The info of the word in each slot.
    slot_infos: Vec<TokInfo>,
    /// How many words as written the surface table holds.
    surfaces: usize,
    /// The words as written, each zero-padded to whole 8-byte words.
    arena: Vec<u8>,
    /// The sentence being read, padded for the tokenizer.
    pad: Padded,
}

/// Slots of the surface table at first.
const FIRST_SLOTS: usize = 1024;

impl Default for Vocab {
    /// An empty vocabulary; its surface table has its first slots, so that a probe never finds
    /// it without any.
    fn default() -> Self {
        Self {
            #[cfg(test)]
            small: None,
            map: FastMap::default(),
            words: Vec::new(),
            infos: Vec::new(),
            slots: vec![Slot::default(); FIRST_SLOTS],
            slot_infos: vec![other_info(""); FIRST_SLOTS],
            surfaces: 0,
            arena: Vec::new(),
            pad: Padded::default(),
        }
    }
}

impl Vocab {
    /// The id (or [`NO_ID`] when the vocabulary is full) and info of the lower-cased word.
    pub fn intern(&mut self, w: &str) -> (u32, WordInfo) {
        if let Some(&id) = self.map.get(w) {
            return (id, self.infos[id as usize]);
        }
        let info = WordInfo::of(w);
        #[cfg(test)]
        let max = self.small.unwrap_or(MAX_VOCAB);
        #[cfg(not(test))]
        let max = MAX_VOCAB;
        if self.words.len() >= max || w.len() > MAX_WORD_BYTES {
            return (NO_ID, info);
        }
        let id = self.words.len() as u32;
        self.map.insert(w.into(), id);
        self.words.push(w.into());
        self.infos.push(info);
        (id, info)
    }

    /// The word of `id`.
    pub fn word(&self, id: u32) -> &str {
        &self.words[id as usize]
    }

    /// The info of a word token written `text`.
    #[cfg(test)]
    pub fn word_info(&mut self, text: &str) -> TokInfo {
        let mut pad = Padded::default();
        let mut lower = String::new();
        pad.fill(text, &mut lower);
        assert!(!text.is_empty());
        let mut info = std::mem::MaybeUninit::uninit();
        // SAFETY: the whole non-empty text; `word_token` writes the info.
        unsafe {
            self.word_token(text, &lower, &pad, 0, text.len(), info.as_mut_ptr());
            info.assume_init()
        }
    }

    /// Writes the info of the word token at `start..end` of `text` (which `pad` holds, and
    /// `lower` is lower-cased) to `out`.
    ///
    /// # Safety
    /// `start < end <= text.len()`, and `out` is valid for a write.
    #[inline(always)]
    unsafe fn word_token(
        &mut self,
        text: &str,
        lower: &str,
        pad: &Padded,
        start: usize,
        end: usize,
        out: *mut TokInfo,
    ) {
        debug_assert!(start < end && end <= text.len());
        // SAFETY: as the caller says.
        let info =
            match unsafe { self.lookup(pad, start, end - start, pad.load(start, end - start)) } {
                Ok(info) => *info,
                Err((hash, head)) => {
                    self.new_surface(&text[start..end], &lower[start..end], hash, head)
                }
            };
        // SAFETY: as the caller says.
        unsafe { out.write(info) };
    }

    /// The info of the word of `len` bytes at `start` of the text `pad` holds, whose head is
    /// `head`, when the surface table has it; else the word's hash and head, for [`Vocab::new_surface`].
    ///
    /// # Safety
    /// `0 < len` and `start + len <=` the text's length.
    #[inline(always)]
    unsafe fn lookup(
        &self,
        pad: &Padded,
        start: usize,
        len: usize,
        head: u64,
    ) -> Result<&TokInfo, (u64, u64)> {
        // SAFETY (of the loads from `pad`): each is of bytes from inside the word, whose end is
        // at most the text's.
        let hash = hash_of(
            head,
            len,
            || unsafe { pad.load(start + 8, len - 8) },
            |k| unsafe { pad.load(start + 8 * k, len - 8 * k) },
        );
        let mask = self.slots.len() - 1;
        let mut k = hash as usize & mask;
        loop {
            // SAFETY: `k <= mask`, and the slots and their infos are the same power-of-two
            // number (never 0: see `Vocab::default`).
            let slot = unsafe { self.slots.get_unchecked(k) };
            // The head is the whole key of a word of fewer than eight bytes (no word holds a
            // zero byte, so the zero padding tells the length): no length to compare. An
            // empty slot has head 0, which no word has.
            if slot.head == head
                && (len < 8
                    || (slot.len as usize == len
                        && (len == 8 || self.rest_is(slot.at as usize - 1, pad, start, len))))
            {
                // SAFETY: as for the slot.
                return Ok(unsafe { self.slot_infos.get_unchecked(k) });
            }
            if slot.at == 0 {
                return Err((hash, head));
            }
            k = (k + 1) & mask;
        }
    }

    /// Whether the word written at `at` of the arena goes on after its head as the word of
    /// `len` bytes (more than eight) at `start` of the text `pad` holds does.
    #[inline(always)]
    fn rest_is(&self, at: usize, pad: &Padded, start: usize, len: usize) -> bool {
        // SAFETY: bytes from inside the word, as in `word_token`.
        let second = unsafe { pad.load(start + 8, len - 8) };
        load_arena(&self.arena, at + 8) == second
            && (len <= 16 || self.rest_is_long(at, pad, start, len))
    }

    /// [`Vocab::rest_is`] past the first 16 bytes.
    #[inline(never)]
    fn rest_is_long(&self, at: usize, pad: &Padded, start: usize, len: usize) -> bool {
        (16..len)
            .step_by(8)
            // SAFETY: bytes from inside the word, as in `word_token`.
            .all(|k| load_arena(&self.arena, at + k) == unsafe { pad.load(start + k, len - k) })
    }

    #[cold]
    fn new_surface(&mut self, text: &str, lower: &str, hash: u64, head: u64) -> TokInfo {
        let (id, word) = self.intern(lower);
        let info = word.token(id, case_bits(text));
        if self.surfaces >= MAX_SURFACE || text.len() > MAX_WORD_BYTES {
            return info;
        }
        if (self.surfaces + 1) * 2 > self.slots.len() {
            self.grow();
        }
        self.surfaces += 1;
        let at = self.arena.len();
        self.arena.extend_from_slice(text.as_bytes());
        self.arena.resize(self.arena.len().next_multiple_of(8), 0);
        let slot = Slot {
            head,
            len: text.len() as u32,
            at: at as u32 + 1,
        };
        self.place(hash, slot, info);
        info
    }

    fn grow(&mut self) {
        let size = (self.slots.len() * 2).max(FIRST_SLOTS);
        let old = std::mem::replace(&mut self.slots, vec![Slot::default(); size]);
        let old_infos = std::mem::replace(&mut self.slot_infos, vec![other_info(""); size]);
        for (slot, info) in old.into_iter().zip(old_infos).filter(|(s, _)| s.at != 0) {
            let start = slot.at as usize - 1;
            let arena = &self.arena;
            let hash = hash_of(
                slot.head,
                slot.len as usize,
                || load_arena(arena, start + 8),
                |k| load_arena(arena, start + 8 * k),
            );
            self.place(hash, slot, info);
        }
    }

    fn place(&mut self, hash: u64, slot: Slot, info: TokInfo) {
        let mask = self.slots.len() - 1;
        let mut k = hash as usize & mask;
        while self.slots[k].at != 0 {
            k = (k + 1) & mask;
        }
        self.slots[k] = slot;
        self.slot_infos[k] = info;
    }

    /// Tokenizes `text` into `toks`, fills `out` with the tokens' infos and `lower` with the
    /// text ASCII-lower-cased: the text is copied once, padded so that the tokenizer and the
    /// probes load eight bytes at a time without length checks, and each word is probed as it
    /// is found (the probes' cache misses overlap the scan of the next words). The rare tokens
    /// (new words, words of more than 16 bytes, tokens that are not words other than one ASCII
    /// byte) are done in a second pass, so that the scan's loop calls nothing for them.
    pub fn read(
        &mut self,
        text: &str,
        lower: &mut String,
        toks: &mut Vec<Tok>,
        out: &mut Vec<TokInfo>,
    ) {
        self.pad.fill(text, lower);
        let mut probe = Lookup {
            table: Short {
                slots: &self.slots,
                infos: &self.slot_infos,
                arena: &self.arena,
            },
            bytes: text.as_bytes(),
            pad: &self.pad,
            one_byte: &ONE_BYTE_INFOS,
            missed: false,
        };
        self.pad.tokenize(text, toks, out, &mut probe);
        // The tokens the probes left, in order (ids go to words in the order they come).
        if probe.missed {
            // Set aside while the table takes new words.
            let pad = std::mem::take(&mut self.pad);
            let one_byte = &*ONE_BYTE_INFOS;
            for (t, info) in toks.iter().zip(out.iter_mut()) {
                if info.bits != 0 {
                    continue;
                }
                if t.kind == Kind::Word {
                    // SAFETY: a word the tokenizer found, inside the text.
                    unsafe { self.word_token(text, lower, &pad, t.start, t.end, info) };
                } else {
                    *info = other_token_info(text, t.start, t.end, one_byte);
                }
            }
            self.pad = pad;
        }
    }

    /// Fills `out` with the infos of the sentence's tokens ([`Vocab::read`] in two passes).
    #[cfg(test)]
    pub fn annotate(&mut self, text: &str, toks: &[Tok], out: &mut Vec<TokInfo>) {
        let mut pad = Padded::default();
        let mut lower = String::new();
        pad.fill(text, &mut lower);
        out.clear();
        for t in toks {
            out.push(if t.kind == Kind::Word {
                assert!(t.start < t.end && t.end <= text.len());
                let mut info = std::mem::MaybeUninit::uninit();
                // SAFETY: just checked; `word_token` writes the info.
                unsafe {
                    self.word_token(text, &lower, &pad, t.start, t.end, info.as_mut_ptr());
                    info.assume_init()
                }
            } else {
                other_token_info(text, t.start, t.end, &ONE_BYTE_INFOS)
            });
        }
    }
}

/// The info a word gets while the surface table does not have it: no bits (a word's info has
/// at least [`T_WORD`]).
const NOT_FOUND: TokInfo = TokInfo {
    id: NO_ID,
    bits: 0,
    gaz: 0,
    trig: 0,
    gaz_cross: 0,
    trig_cross: 0,
    pat: 0,
};

/// The surface table as the tokenizer's [`Sink`] for one sentence: the rare tokens (see
/// [`Vocab::read`]) get [`NOT_FOUND`], and are done after the sentence (the tokenizer's loop
/// then calls nothing for them, and is short of registers as it is).
struct Lookup<'a> {
    table: Short<'a>,
    /// The text.
    bytes: &'a [u8],
    /// The text, padded.
    pad: &'a Padded,
    /// [`ONE_BYTE_INFOS`], dereferenced once per sentence.
    one_byte: &'a [TokInfo; 128],
    /// Some token got [`NOT_FOUND`].
    missed: bool,
}

impl Sink for Lookup<'_> {
    type Info = TokInfo;

    #[inline(always)]
    unsafe fn word(&mut self, start: usize, end: usize, head: u64, out: *mut TokInfo) {
        let len = end - start;
        let info = if len < 8 {
            self.table.find_short(head)
        } else if len <= 16 {
            // SAFETY: bytes inside the word, inside the text (as the caller says).
            let second = unsafe { self.pad.load(start + 8, len - 8) };
            self.table.find(head, len, second)
        } else {
            None
        };
        let info = match info {
            Some(info) => info,
            None => {
                self.missed = true;
                &NOT_FOUND
            }
        };
        // SAFETY: as the caller says.
        unsafe { out.write(*info) };
    }

    #[inline(always)]
    fn other(&mut self, start: usize, end: usize) -> TokInfo {
        match self.bytes[start..end] {
            // Punctuation is most of these tokens: its info is a table read.
            [c] if c.is_ascii() => self.one_byte[usize::from(c)],
            _ => {
                self.missed = true;
                NOT_FOUND
            }
        }
    }
}

/// The info of token `start..end` of `text`, which is not a word.
#[inline(always)]
fn other_token_info(text: &str, start: usize, end: usize, one_byte: &[TokInfo; 128]) -> TokInfo {
    match text.as_bytes()[start..end] {
        // Punctuation is most of these tokens: its info is a table read.
        [c] if c.is_ascii() => one_byte[usize::from(c)],
        _ => other_info(&text[start..end]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nlp::token::tokenize;

    #[test]
    fn one_byte_table_is_other_info() {
        for c in 0..128u8 {
            let t = char::from(c).to_string();
            assert_eq!(ONE_BYTE_INFOS[usize::from(c)], other_info(&t), "{c}");
        }
        // Annotation reads the table for one-byte tokens and computes the rest.
        let text = "Acme & co. (20%) — $5, ok?";
        let mut toks = Vec::new();
        tokenize(text, &mut toks);
        let lower = text.to_ascii_lowercase();
        let mut out = Vec::new();
        Vocab::default().annotate(text, &toks, &mut out);
        for (t, info) in toks.iter().zip(&out) {
            assert_eq!(info.bits, token_info(text, &lower, t).bits, "{t:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn one_pass_is_tokenize_then_annotate(
            sentences in proptest::collection::vec(
                "\\PC{0,40}|([A-Za-z0-9'’.,-]{1,20}[ ,é]?){0,6}", 0..8),
        ) {
            let (mut one, mut two) = (Vocab::default(), Vocab::default());
            let (mut toks1, mut toks2, mut out1, mut out2) = (vec![], vec![], vec![], vec![]);
            for text in &sentences {
                let mut lower = String::new();
                one.read(text, &mut lower, &mut toks1, &mut out1);
                proptest::prop_assert_eq!(lower, text.to_ascii_lowercase());
                tokenize(text, &mut toks2);
                two.annotate(text, &toks2, &mut out2);
                proptest::prop_assert_eq!(&toks1, &toks2);
                proptest::prop_assert_eq!(&out1, &out2);
            }
        }
    }

    #[test]
    fn a_word_of_eight_bytes_is_not_a_longer_word_with_its_head() {
        let mut v = Vocab::default();
        let long = v.word_info("abcdefghij");
        // The longer word again where the probes for the eight-byte word start: they must
        // pass it by (its head is all of the shorter word).
        let at = v.slots.iter().position(|s| s.len == 10).unwrap();
        let head = crate::nlp::hash::head_of(b"abcdefgh");
        let home = hash_of(head, 8, || 0, |_| 0) as usize & (v.slots.len() - 1);
        (v.slots[home], v.slot_infos[home]) = (v.slots[at], v.slot_infos[at]);
        let short = v.word_info("abcdefgh");
        assert_ne!(short.id, long.id);
        assert_eq!(v.word(short.id), "abcdefgh");
        let (mut lower, mut toks, mut out) = (String::new(), Vec::new(), Vec::new());
        v.read("abcdefgh abcdefghij", &mut lower, &mut toks, &mut out);
        assert_eq!((out[0].id, out[1].id), (short.id, long.id));
    }

    #[test]
    fn a_full_surface_table_stays_bounded_and_answers_the_same() {
        let mut v = Vocab::default();
        let words: Vec<String> = (0..MAX_SURFACE + 100).map(|i| format!("Wd{i}")).collect();
        let first: Vec<TokInfo> = words.iter().map(|w| v.word_info(w)).collect();
        assert_eq!(v.surfaces, MAX_SURFACE);
        assert!(v.slots.len() <= 1 << 17, "{}", v.slots.len());
        for (w, info) in words.iter().zip(&first) {
            assert_eq!(v.word_info(w), *info, "{w}");
        }
    }

    #[test]
    fn vocabulary_and_on_the_fly_bits_agree() {
        let text = "Thanks Dana, I'll send the Q3 plan to Brightwater Analytics & co. at 9 AM \
                    in the U.S. — Élodie's ÉTÉ go-live, iPhone SSO e.g. next Tuesday";
        let mut toks = Vec::new();
        tokenize(text, &mut toks);
        let lower = text.to_ascii_lowercase();
        let mut v = Vocab::default();
        let mut out = Vec::new();
        v.annotate(text, &toks, &mut out);
        for (t, info) in toks.iter().zip(&out) {
            assert_eq!(info.bits, token_info(text, &lower, t).bits, "{t:?}");
        }
        let dana = out[1];
        assert!(dana.has(T_WORD | T_TITLE | T_CAP | W_GIVEN));
        assert_eq!(v.word(dana.id), "dana");
        let thanks = out[0];
        assert!(thanks.has(W_STOP | W_GREETING));
        let i = toks
            .iter()
            .position(|t| &text[t.start..t.end] == "I'll")
            .unwrap();
        assert!(out[i].trig != 0 && !out[i].has(T_CAP));
        let sso = toks
            .iter()
            .position(|t| &text[t.start..t.end] == "SSO")
            .unwrap();
        assert!(out[sso].has(T_INNER_UPPER | T_NO_LOWER) && !out[sso].has(T_CAP));
        // Same word, same id, whatever the case; same info for the same spelling.
        assert_eq!(v.intern("dana").0, dana.id);
        assert_eq!(v.word_info("DANA").id, dana.id);
        assert_eq!(v.word_info("Dana"), dana);
        let long = "Interoperability";
        let a = v.word_info(long);
        assert_eq!(v.word_info(long), a);
        assert_ne!(v.word_info("Interoperabilitx").id, a.id);
        // A very long word has no id but the same bits.
        let long = "a".repeat(MAX_WORD_BYTES + 1);
        let info = v.word_info(&long);
        assert_eq!(info.id, NO_ID);
        assert_eq!(info, v.word_info(&long));
        // Many words: the table grows and still finds each.
        let words: Vec<String> = (0..5000).map(|i| format!("w{i}x")).collect();
        let ids: Vec<u32> = words.iter().map(|w| v.word_info(w).id).collect();
        for (w, id) in words.iter().zip(&ids) {
            assert_eq!(v.word_info(w).id, *id);
            assert_eq!(v.word(*id), w);
        }
    }
}
