//! `customer-snapshot cues FILE`: every cue as one JSON object per line, keys named after the
//! VTTCue DOM attributes, plus `voice` and `plain`. Streams files of any size; warnings go to
//! stderr as `FILE:LINE: warning: ...`, stdout carries only the JSON lines.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;
use snapshot_pipeline::vtt::{self, Cue, Region, VttError, Warning};

/// Flags of `cues`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The WebVTT file (any size; read as a stream).
    pub file: PathBuf,
}

/// A number, or the keyword `auto` (VTTCue `line` and `position`).
#[derive(Serialize)]
#[serde(untagged)]
enum NumberOrAuto {
    Number(f64),
    Auto(&'static str),
}

impl From<Option<f64>> for NumberOrAuto {
    fn from(v: Option<f64>) -> Self {
        v.map_or(NumberOrAuto::Auto("auto"), NumberOrAuto::Number)
    }
}

/// The wire form of a region (VTTRegion attributes).
#[derive(Serialize)]
struct RegionLine<'a> {
    id: &'a str,
    width: f64,
    lines: f64,
    region_anchor_x: f64,
    region_anchor_y: f64,
    viewport_anchor_x: f64,
    viewport_anchor_y: f64,
    scroll: &'static str,
}

impl<'a> From<&'a Region> for RegionLine<'a> {
    fn from(r: &'a Region) -> Self {
        RegionLine {
            id: &r.id,
            width: r.width,
            lines: r.lines,
            region_anchor_x: r.region_anchor_x,
            region_anchor_y: r.region_anchor_y,
            viewport_anchor_x: r.viewport_anchor_x,
            viewport_anchor_y: r.viewport_anchor_y,
            scroll: if r.scroll_up { "up" } else { "" },
        }
    }
}

/// The wire form of a cue: exactly these keys, in this order.
#[derive(Serialize)]
struct CueLine<'a> {
    id: &'a str,
    start: f64,
    end: f64,
    text: &'a str,
    vertical: &'static str,
    snap_to_lines: bool,
    line: NumberOrAuto,
    line_align: &'static str,
    position: NumberOrAuto,
    position_align: &'static str,
    size: f64,
    align: &'static str,
    region: Option<RegionLine<'a>>,
    voice: Option<&'a str>,
    plain: &'a str,
}

impl<'a> CueLine<'a> {
    fn new(cue: &'a Cue, plain: &'a str, voice: Option<&'a str>) -> Self {
        let s = &cue.settings;
        CueLine {
            id: &cue.id,
            start: cue.start_seconds(),
            end: cue.end_seconds(),
            text: &cue.text,
            vertical: s.vertical.as_str(),
            snap_to_lines: s.snap_to_lines,
            line: s.line.into(),
            line_align: s.line_align.as_str(),
            position: s.position.into(),
            position_align: s.position_align.as_str(),
            size: s.size,
            align: s.align.as_str(),
            region: s.region.as_deref().map(RegionLine::from),
            voice,
            plain,
        }
    }
}

fn print_warnings(path: &Path, warnings: &[Warning]) {
    for w in warnings {
        eprintln!("{}:{}: warning: {}", path.display(), w.line, w.message);
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
    loop {
        let cue = match parser.next_cue() {
            Ok(Some(cue)) => cue,
            Ok(None) => break,
            Err(e) => return Err(anyhow::Error::new(e).context(path.display().to_string())),
        };
        let voice = vtt::plain_text_and_voice(&cue.text, &mut plain);
        // Through io::Error so a closed pipe stays recognisable in the error chain.
        serde_json::to_writer(&mut out, &CueLine::new(cue, &plain, voice))
            .map_err(std::io::Error::from)
            .context("writing to stdout")?;
        out.write_all(b"\n").context("writing to stdout")?;
        if !parser.warnings().is_empty() {
            // Flush first so warnings interleave sensibly with output on a terminal.
            out.flush().context("writing to stdout")?;
            print_warnings(path, &parser.take_warnings());
        }
    }
    out.flush().context("writing to stdout")?;
    print_warnings(path, &parser.take_warnings());
    if parser.warnings_dropped() > 0 {
        eprintln!(
            "{}: warning: {} more warnings not shown",
            path.display(),
            parser.warnings_dropped()
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
