//! STAGE 1: bytes -> cues, following the W3C WebVTT parser algorithm
//! (<https://www.w3.org/TR/webvtt1/#file-parsing>) step by step.
//!
//! This module owns everything about reading a WebVTT file: the signature and header, NOTE,
//! STYLE and REGION blocks, cue timings and settings, and the cue-text parser (tags, timestamps,
//! character references). It is lenient exactly where the algorithm is: a block whose timing
//! line does not parse is skipped and reported as a [`Warning`] with its line number, an invalid
//! cue setting is ignored (the cue is kept), and a missing `WEBVTT` signature is a [`VttError`].
//!
//! The [`Parser`] streams: over any [`std::io::Read`] it keeps one chunked buffer (memory does
//! not grow with the file), and over a byte slice (an mmap'd file) it reads in place. It lends
//! one reused [`Cue`] per call to [`Parser::next_cue`], so the steady state allocates nothing;
//! it also implements [`Iterator`] yielding owned cues for convenience.
//!
//! ```
//! use snapshot_pipeline::vtt::{Parser, plain_text_and_voice};
//!
//! let data = b"WEBVTT\n\n00:01.000 --> 00:02.000\n<v Ann>Hi &amp; bye\n";
//! let mut parser = Parser::from_slice(data)?; // or Parser::new(file) for any io::Read
//! let mut plain = String::new();
//! while let Some(cue) = parser.next_cue()? {
//!     let voice = plain_text_and_voice(&cue.text, &mut plain);
//!     assert_eq!((cue.start_ms, voice, plain.as_str()), (1000, Some("Ann"), "Hi & bye"));
//! }
//! for warning in parser.take_warnings() {
//!     eprintln!("{warning}"); // "line N: ..."
//! }
//! # Ok::<(), snapshot_pipeline::vtt::VttError>(())
//! ```
//!
//! Memory is bounded by the longest line, the REGION blocks (kept, as the spec requires) and
//! at most 10 000 undrained warnings; NOTE, STYLE and junk blocks are not buffered.
//!
//! Times are kept as whole milliseconds (`u64`): WebVTT timestamps have exactly three fraction
//! digits, so this is exact. An hour count so large that the milliseconds overflow `u64`
//! (more than ~5 billion hours) saturates at `u64::MAX`.

mod cue_text;
mod entities;
mod parser;
pub(crate) mod scan;
mod settings;
mod source;
mod timestamp;

use std::sync::Arc;

pub use cue_text::{Element, ElementKind, Node, dump_tree, parse_cue_text, plain_text_and_voice};
pub(crate) use cue_text::{first_markup, plain_text_and_voice_from};
pub use parser::{Parser, ReaderParser, SliceParser};
pub use settings::{format_cue_settings, parse_cue_settings, parse_percentage};
pub use source::{DEFAULT_READ_CHUNK, ReadSource, SliceSource, Source};
pub use timestamp::{format_timestamp, parse_timestamp};

/// A problem that stops parsing: the file is not WebVTT, or reading it failed.
#[derive(Debug, thiserror::Error)]
pub enum VttError {
    /// The input has no bytes (or only a byte order mark).
    #[error("line 1: empty file; a WebVTT file must start with the line 'WEBVTT'")]
    Empty,
    /// The file starts with a UTF-16 byte order mark; WebVTT is always UTF-8.
    #[error(
        "line 1: the file is UTF-16 encoded, but WebVTT must be UTF-8; convert it first (e.g. iconv -f UTF-16 -t UTF-8)"
    )]
    Utf16,
    /// The first line contains NUL bytes: this is binary data, not a text file.
    #[error(
        "line 1: binary data (NUL bytes) where the 'WEBVTT' signature should be; is this a WebVTT file?"
    )]
    Binary,
    /// The first line is not `WEBVTT`, optionally followed by a space or tab and more text.
    #[error(
        "line {line}: missing 'WEBVTT' signature (found {found:?}); a WebVTT file must start with 'WEBVTT' followed by a space, tab or line break"
    )]
    MissingSignature {
        /// 1-based line number of the offending line (always 1).
        line: u64,
        /// The start of the offending line, lossily decoded and cut to a few dozen characters.
        found: String,
    },
    /// Reading the input failed.
    #[error("line {line}: read failed: {source}")]
    Io {
        /// 1-based line number the reader had reached.
        line: u64,
        /// The underlying I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// What went wrong in a place where the algorithm recovers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum WarningKind {
    /// A block's timing line did not parse; the whole block was skipped.
    InvalidTiming,
    /// A block without a timing line that is not NOTE, STYLE or REGION; skipped.
    StrayBlock,
    /// A STYLE or REGION block after the first cue (the spec ignores it).
    LateHeaderBlock,
    /// A cue setting that is malformed or unknown; the setting was ignored, the cue kept.
    InvalidSetting,
    /// Bytes that are not UTF-8; each bad sequence was replaced by U+FFFD.
    InvalidUtf8,
}

/// A recoverable problem, with the 1-based line it was found on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning {
    /// 1-based line number.
    pub line: u64,
    /// The category, for counting and tests.
    pub kind: WarningKind,
    /// A human-readable description quoting the offending text.
    pub message: String,
}

impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Writing direction of a cue (`vertical:` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Vertical {
    /// No `vertical` setting: horizontal text.
    #[default]
    Horizontal,
    /// `vertical:rl`: vertical, growing right to left.
    Rl,
    /// `vertical:lr`: vertical, growing left to right.
    Lr,
}

impl Vertical {
    /// The VTTCue `vertical` attribute value: `""`, `"rl"` or `"lr"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Vertical::Horizontal => "",
            Vertical::Rl => "rl",
            Vertical::Lr => "lr",
        }
    }
}

/// Line alignment (`line:N,ALIGN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineAlign {
    /// `start` (the default).
    #[default]
    Start,
    /// `center`.
    Center,
    /// `end`.
    End,
}

impl LineAlign {
    /// The VTTCue `lineAlign` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            LineAlign::Start => "start",
            LineAlign::Center => "center",
            LineAlign::End => "end",
        }
    }
}

/// Position alignment (`position:N%,ALIGN`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PositionAlign {
    /// `line-left`.
    LineLeft,
    /// `center`.
    Center,
    /// `line-right`.
    LineRight,
    /// No alignment given (the default): derived from the text alignment when rendering.
    #[default]
    Auto,
}

impl PositionAlign {
    /// The VTTCue `positionAlign` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            PositionAlign::LineLeft => "line-left",
            PositionAlign::Center => "center",
            PositionAlign::LineRight => "line-right",
            PositionAlign::Auto => "auto",
        }
    }
}

/// Text alignment (`align:` setting).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Align {
    /// `start`.
    Start,
    /// `center` (the default).
    #[default]
    Center,
    /// `end`.
    End,
    /// `left`.
    Left,
    /// `right`.
    Right,
}

impl Align {
    /// The VTTCue `align` attribute value.
    pub fn as_str(self) -> &'static str {
        match self {
            Align::Start => "start",
            Align::Center => "center",
            Align::End => "end",
            Align::Left => "left",
            Align::Right => "right",
        }
    }
}

/// A REGION block: a rectangle cues can be placed in (VTTRegion attributes).
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// `id:` (empty when absent).
    pub id: String,
    /// `width:` in percent of the viewport (default 100).
    pub width: f64,
    /// `lines:` (default 3). A double because the spec interprets any digit string, however long.
    pub lines: f64,
    /// `regionanchor:` x in percent (default 0).
    pub region_anchor_x: f64,
    /// `regionanchor:` y in percent (default 100).
    pub region_anchor_y: f64,
    /// `viewportanchor:` x in percent (default 0).
    pub viewport_anchor_x: f64,
    /// `viewportanchor:` y in percent (default 100).
    pub viewport_anchor_y: f64,
    /// `scroll:up` given.
    pub scroll_up: bool,
}

impl Default for Region {
    fn default() -> Self {
        Region {
            id: String::new(),
            width: 100.0,
            lines: 3.0,
            region_anchor_x: 0.0,
            region_anchor_y: 100.0,
            viewport_anchor_x: 0.0,
            viewport_anchor_y: 100.0,
            scroll_up: false,
        }
    }
}

/// A cue's settings (the text after the end timestamp), with the spec's defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct CueSettings {
    /// `vertical:`.
    pub vertical: Vertical,
    /// `line:` as a number; `None` is `auto`.
    pub line: Option<f64>,
    /// False when `line:` was a percentage.
    pub snap_to_lines: bool,
    /// `line:N,ALIGN`.
    pub line_align: LineAlign,
    /// `position:` in percent; `None` is `auto`.
    pub position: Option<f64>,
    /// `position:N%,ALIGN`.
    pub position_align: PositionAlign,
    /// `size:` in percent (default 100).
    pub size: f64,
    /// `align:`.
    pub align: Align,
    /// `region:`: the last REGION block before the first cue whose id matches.
    pub region: Option<Arc<Region>>,
}

impl Default for CueSettings {
    fn default() -> Self {
        CueSettings {
            vertical: Vertical::Horizontal,
            line: None,
            snap_to_lines: true,
            line_align: LineAlign::Start,
            position: None,
            position_align: PositionAlign::Auto,
            size: 100.0,
            align: Align::Center,
            region: None,
        }
    }
}

/// One cue: identifier, timings, settings and raw text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Cue {
    /// The identifier line (empty when the block starts with the timing line).
    pub id: String,
    /// Start time in milliseconds.
    pub start_ms: u64,
    /// End time in milliseconds (not checked against the start: the spec keeps such cues).
    pub end_ms: u64,
    /// The raw cue text (lines joined with `\n`), before cue-text parsing.
    pub text: String,
    /// The parsed settings.
    pub settings: CueSettings,
    /// 1-based line number of the timing line.
    pub line: u64,
}

impl Cue {
    /// Start time in seconds, as the spec's double.
    pub fn start_seconds(&self) -> f64 {
        ms_to_seconds(self.start_ms)
    }

    /// End time in seconds, as the spec's double.
    pub fn end_seconds(&self) -> f64 {
        ms_to_seconds(self.end_ms)
    }
}

/// Milliseconds to seconds with one correctly rounded division, so `61100` prints as `61.1`.
fn ms_to_seconds(ms: u64) -> f64 {
    ms as f64 / 1000.0
}
