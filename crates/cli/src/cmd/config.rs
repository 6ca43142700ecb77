//! `customer-snapshot config`: the effective configuration, one line per key with its value and
//! source (default, file, env, flag), secrets masked; `--json` for machines.

use std::io::Write;
use std::process::ExitCode;

use serde_json::json;

use crate::settings::Settings;

/// Flags of `config`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Print JSON (`schema_version`, `file`, `settings`: key -> {value, source, origin}, `problems`).
    #[arg(long)]
    pub json: bool,
}

/// Runs `config`.
pub fn run(args: Args, settings: &Settings) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    let entries = settings.entries();
    let file = settings
        .provenance
        .file
        .as_ref()
        .map(|p| p.display().to_string());
    if args.json {
        let mut map = serde_json::Map::new();
        for (key, _, value, origin) in &entries {
            let value = if key == "ai.api_key" {
                // Masked text, never the key.
                json!(settings.ai.api_key.as_ref().map(|s| s.masked()))
            } else {
                serde_json::to_value(value)?
            };
            map.insert(
                key.clone(),
                json!({ "value": value, "source": origin.kind(), "origin": origin.detail() }),
            );
        }
        let doc = json!({
            "schema_version": 1,
            "file": file,
            "settings": map,
            "problems": settings.provenance.problems,
        });
        // Rendered first so a closed stdout surfaces as an io::Error (a clean exit), not a
        // serde_json error.
        let text = serde_json::to_string_pretty(&doc)?;
        writeln!(out, "{text}")?;
    } else {
        match &file {
            Some(path) => writeln!(out, "# configuration file: {path}")?,
            None => writeln!(
                out,
                "# configuration file: none found (looked for ./{})",
                crate::settings::FILE_NAME
            )?,
        }
        let key_width = entries.iter().map(|e| e.0.len()).max().unwrap_or(0);
        let value_width = entries
            .iter()
            .map(|e| e.1.chars().count())
            .max()
            .unwrap_or(0)
            .min(40);
        for (key, shown, _, origin) in &entries {
            let source = match origin.detail() {
                Some(detail) => format!("{} ({detail})", origin.kind()),
                None => origin.kind().to_owned(),
            };
            writeln!(out, "{key:<key_width$}  {shown:<value_width$}  {source}")?;
        }
        if !settings.provenance.problems.is_empty() {
            writeln!(out, "\nproblems:")?;
            for problem in &settings.provenance.problems {
                writeln!(out, "  - {problem}")?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}
