//! `customer-snapshot cues FILE`: every cue as one JSON object per line, keys named after the
//! VTTCue DOM attributes, plus `voice` and `plain`. Streams files of any size; warnings go to
//! stderr as `FILE:LINE: warning: ...`, stdout carries only the JSON lines.

use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use snapshot_pipeline::render::{push_json_seconds, push_json_str};
use snapshot_pipeline::vtt::{self, Cue, Region, VttError, Warning, WarningKind};

/// Flags of `cues`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The WebVTT file (any size; read as a stream).
    pub file: PathBuf,
}

/// Appends a double the way serde_json prints it (shortest round-trip form, e.g. `100.0`,
/// `1.5`, `1e34`); JSON has no NaN or infinity, which the parser never produces.
fn push_f64(out: &mut Vec<u8>, v: f64) {
    // Writing to a Vec cannot fail.
    let _ = serde_json::to_writer(&mut *out, &v);
}

/// Appends milliseconds as seconds, exactly as serde_json prints the double `ms / 1000`.
fn push_seconds(out: &mut Vec<u8>, ms: u64) {
    push_json_seconds(out, ms as f64 / 1000.0);
}

fn push_number_or_auto(out: &mut Vec<u8>, v: Option<f64>) {
    match v {
        Some(v) => push_f64(out, v),
        None => out.extend_from_slice(b"\"auto\""),
    }
}

fn push_region(out: &mut Vec<u8>, r: &Region) {
    out.extend_from_slice(b"{\"id\":");
    push_json_str(out, &r.id);
    let fields = [
        ("width", r.width),
        ("lines", r.lines),
        ("region_anchor_x", r.region_anchor_x),
        ("region_anchor_y", r.region_anchor_y),
        ("viewport_anchor_x", r.viewport_anchor_x),
        ("viewport_anchor_y", r.viewport_anchor_y),
    ];
    for (k, v) in fields {
        let _ = write!(out, ",\"{k}\":");
        push_f64(out, v);
    }
    out.extend_from_slice(if r.scroll_up {
        b",\"scroll\":\"up\"}"
    } else {
        b",\"scroll\":\"\"}"
    });
}

/// Appends one cue as a JSON line: exactly these keys, in this order (VTTCue attribute names in
/// snake case, then `voice` and `plain`).
fn push_cue_line(out: &mut Vec<u8>, cue: &Cue, plain: &str, voice: Option<&str>) {
    let s = &cue.settings;
    out.extend_from_slice(b"{\"id\":");
    push_json_str(out, &cue.id);
    out.extend_from_slice(b",\"start\":");
    push_seconds(out, cue.start_ms);
    out.extend_from_slice(b",\"end\":");
    push_seconds(out, cue.end_ms);
    out.extend_from_slice(b",\"text\":");
    push_json_str(out, &cue.text);
    let _ = write!(
        out,
        ",\"vertical\":\"{}\",\"snap_to_lines\":{},\"line\":",
        s.vertical.as_str(),
        s.snap_to_lines
    );
    push_number_or_auto(out, s.line);
    let _ = write!(
        out,
        ",\"line_align\":\"{}\",\"position\":",
        s.line_align.as_str()
    );
    push_number_or_auto(out, s.position);
    let _ = write!(
        out,
        ",\"position_align\":\"{}\",\"size\":",
        s.position_align.as_str()
    );
    push_f64(out, s.size);
    let _ = write!(out, ",\"align\":\"{}\",\"region\":", s.align.as_str());
    match &s.region {
        Some(r) => push_region(out, r),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"voice\":");
    match voice {
        Some(v) => push_json_str(out, v),
        None => out.extend_from_slice(b"null"),
    }
    out.extend_from_slice(b",\"plain\":");
    push_json_str(out, plain);
    out.extend_from_slice(b"}\n");
}

/// How many warnings of one kind are printed before the rest are only counted: a file that
/// repeats one mistake in every cue (old `align:middle` exports) must not flood the terminal.
const SHOWN_PER_KIND: u64 = 20;

/// Prints warnings as `FILE:LINE: warning: ...`, the first [`SHOWN_PER_KIND`] of each kind.
#[derive(Default)]
struct WarningPrinter {
    shown: HashMap<WarningKind, u64>,
    hidden: u64,
}

impl WarningPrinter {
    fn print(&mut self, path: &Path, warnings: &[Warning]) {
        for w in warnings {
            let n = self.shown.entry(w.kind).or_default();
            if *n < SHOWN_PER_KIND {
                *n += 1;
                eprintln!("{}:{}: warning: {}", path.display(), w.line, w.message);
            } else {
                self.hidden += 1;
            }
        }
    }
}

/// Opens the input, turning every reason it cannot be a transcript into a bad-input error.
fn open(path: &Path) -> anyhow::Result<File> {
    let meta = std::fs::metadata(path)
        .map_err(|e| crate::exit::bad_input(format!("{}: cannot read: {e}", path.display())))?;
    if meta.is_dir() {
        return Err(crate::exit::bad_input(format!(
            "{}: is a directory, not a WebVTT file",
            path.display()
        )));
    }
    File::open(path)
        .map_err(|e| crate::exit::bad_input(format!("{}: cannot open: {e}", path.display())))
}

/// Runs `cues`.
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let path = args.file.as_path();
    let file = open(path)?;
    let mut parser = vtt::Parser::new(file).map_err(|e| match e {
        VttError::Io { .. } => anyhow::Error::new(e).context(path.display().to_string()),
        e => crate::exit::bad_input(format!("{}: {e}", path.display())),
    })?;
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut plain = String::new();
    let mut line = Vec::with_capacity(1024);
    let mut printer = WarningPrinter::default();
    loop {
        let cue = match parser.next_cue() {
            Ok(Some(cue)) => cue,
            Ok(None) => break,
            Err(e) => return Err(anyhow::Error::new(e).context(path.display().to_string())),
        };
        let voice = vtt::plain_text_and_voice(&cue.text, &mut plain);
        line.clear();
        push_cue_line(&mut line, cue, &plain, voice);
        out.write_all(&line).context("writing to stdout")?;
        if !parser.warnings().is_empty() {
            // Flush first so warnings interleave sensibly with output on a terminal.
            out.flush().context("writing to stdout")?;
            printer.print(path, &parser.take_warnings());
        }
    }
    out.flush().context("writing to stdout")?;
    printer.print(path, &parser.take_warnings());
    let hidden = printer.hidden + parser.warnings_dropped();
    if hidden > 0 {
        eprintln!(
            "{}: warning: {hidden} more warnings not shown (at most {SHOWN_PER_KIND} of each kind are)",
            path.display(),
        );
    }
    if parser.skipped_blocks() > 0 {
        eprintln!(
            "{}: warning: {} cue blocks skipped",
            path.display(),
            parser.skipped_blocks()
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Any string survives our escaper and serde_json's reader unchanged.
        #[test]
        fn json_strings_round_trip(s in "(\\PC|[\\x00-\\x1f\"\\\\]){0,40}") {
            let mut out = Vec::new();
            push_json_str(&mut out, &s);
            let back: String = serde_json::from_slice(&out).expect("valid JSON string");
            prop_assert_eq!(back, s);
        }

        /// Seconds print exactly as serde_json prints the double `ms / 1000`.
        #[test]
        fn seconds_match_shortest_double(ms in prop_oneof![0u64..(1 << 40), (1u64 << 40)..u64::MAX]) {
            let mut out = Vec::new();
            push_seconds(&mut out, ms);
            prop_assert_eq!(String::from_utf8(out).expect("ascii"), serde_json::to_string(&(ms as f64 / 1000.0)).expect("finite"));
        }
    }
}
