//! `customer-snapshot analyze`: a quick report on a transcript — size, cues, duration, speakers,
//! style, warnings and validity — streamed at parser speed, for files of any size.

use std::fs;
use std::io::{self, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use snapshot_pipeline::inspect::{Inspection, inspect};
use snapshot_pipeline::snapshot::human_duration;

use crate::exit::{BAD_INPUT, bad_input};

/// Warnings listed in the report (the count is always complete).
const WARNINGS_SHOWN: usize = 50;

/// Flags of `analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The WebVTT file.
    pub file: PathBuf,
    /// Print the report as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(serde::Serialize)]
struct Report<'a> {
    schema_version: &'static str,
    path: String,
    #[serde(flatten)]
    inspection: &'a Inspection,
}

/// Runs `analyze`: exit 0 for a valid file, 2 for an invalid one (the report is still printed).
pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let shown = args.file.display().to_string();
    let file = open(&args.file)?;
    let reader = io::BufReader::with_capacity(0, file);
    let inspection =
        inspect(reader, WARNINGS_SHOWN).map_err(|e| bad_input(format!("{shown}: {e}")))?;
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    if args.json {
        let report = Report {
            schema_version: "1.0.0",
            path: shown.clone(),
            inspection: &inspection,
        };
        serde_json::to_writer_pretty(&mut out, &report).context("cannot write the report")?;
        writeln!(out)?;
    } else {
        print_text(&mut out, &shown, &inspection)?;
    }
    out.flush()?;
    for w in &inspection.warnings {
        eprintln!("{shown}:{}: warning: {}", w.line, w.message);
    }
    Ok(if inspection.valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(BAD_INPUT)
    })
}

fn open(path: &std::path::Path) -> anyhow::Result<fs::File> {
    let shown = path.display();
    let meta =
        fs::metadata(path).map_err(|e| bad_input(format!("{shown}: {}", super::io_reason(&e))))?;
    if meta.is_dir() {
        return Err(bad_input(format!("{shown}: is a folder; give a .vtt file")));
    }
    fs::File::open(path).map_err(|e| bad_input(format!("{shown}: {}", super::io_reason(&e))))
}

fn print_text(out: &mut impl Write, path: &str, r: &Inspection) -> io::Result<()> {
    writeln!(out, "file      {path}")?;
    writeln!(out, "size      {}", human_bytes(r.bytes))?;
    writeln!(out, "cues      {}", r.cues)?;
    writeln!(out, "duration  {}", human_duration(r.duration_seconds))?;
    writeln!(out, "style     {}", r.style.as_str())?;
    let validity = if r.valid { "valid" } else { "INVALID" };
    writeln!(
        out,
        "status    {validity} ({} warnings, {} cue blocks skipped)",
        r.warning_count, r.skipped_cues
    )?;
    writeln!(out, "speakers  {}", r.speakers.len())?;
    let width = r
        .speakers
        .iter()
        .map(|s| s.name.chars().count())
        .max()
        .unwrap_or(0);
    for s in &r.speakers {
        writeln!(
            out,
            "  {:<width$}  {:>6} cues  {}",
            s.name,
            s.cues,
            human_duration(s.talk_seconds)
        )?;
    }
    Ok(())
}

fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 4] = ["B", "KB", "MB", "GB"];
    let mut value = n as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit + 1 < UNITS.len() {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{n} B")
    } else {
        format!("{value:.1} {} ({n} bytes)", UNITS[unit])
    }
}
