//! STAGE 2: cues -> utterances (speaker turns).
//!
//! Finds the speaker of each cue (`<v Name>`, a leading `Name:`, `>> Name:`, `[Name]`), carries
//! the speaker over cues without a marker, drops YouTube-style rolling caption repeats, and merges
//! consecutive cues of one speaker into one utterance.

/// One cue as the utterance stage sees it: timing, the `<v>` voice if any, and plain text
/// (tags removed, character references decoded).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CueInput<'a> {
    /// Cue start, milliseconds from the start of the media.
    pub start_ms: u64,
    /// Cue end, milliseconds.
    pub end_ms: u64,
    /// Speaker named by a `<v>` tag, if the cue had one.
    pub voice: Option<&'a str>,
    /// Cue text with tags removed and character references decoded.
    pub plain: &'a str,
}

/// One speaker turn: consecutive cues of the same speaker, merged.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Utterance {
    /// Speaker name, or `None` when the transcript never named one.
    pub speaker: Option<String>,
    /// Start of the first merged cue, milliseconds.
    pub start_ms: u64,
    /// End of the last merged cue, milliseconds.
    pub end_ms: u64,
    /// Text of the merged cues, speaker markers removed, rolling repeats dropped.
    pub text: String,
}
