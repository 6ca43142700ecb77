//! Bench inputs: the shared real transcripts repeated, with each copy's timestamps shifted past
//! the previous one, so the result is one long valid meeting.

use std::path::Path;

/// Input size from `BENCH_MB` (default 20 MB).
pub fn bench_bytes() -> usize {
    std::env::var("BENCH_MB")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .map_or(20 << 20, |mb| (mb * 1024.0 * 1024.0) as usize)
}

/// Repeats `../shared/testdata/transcripts/*.vtt` until at least `target` bytes.
pub fn repeated_transcripts(target: usize) -> Vec<u8> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/testdata/transcripts");
    let mut sources: Vec<String> = std::fs::read_dir(&dir)
        .expect("shared transcripts folder")
        .filter_map(|e| {
            let path = e.ok()?.path();
            (path.extension()? == "vtt").then(|| std::fs::read_to_string(path).ok())?
        })
        .collect();
    sources.sort();
    assert!(!sources.is_empty(), "no transcripts in {}", dir.display());
    let mut out = String::with_capacity(target + 200_000);
    out.push_str("WEBVTT\n\n");
    let mut offset_ms = 0u64;
    'fill: loop {
        for src in &sources {
            let mut last_end = 0u64;
            // Skip the header block: everything up to the first blank line.
            let body = src.split_once("\n\n").map_or("", |(_, b)| b);
            for line in body.lines() {
                if let Some((a, b)) = line.split_once(" --> ") {
                    let (b, settings) = b.split_once(' ').unwrap_or((b, ""));
                    let (Some(s), Some(e)) = (parse_ms(a.trim()), parse_ms(b.trim())) else {
                        out.push_str(line);
                        out.push('\n');
                        continue;
                    };
                    last_end = last_end.max(e);
                    push_ts(&mut out, s + offset_ms);
                    out.push_str(" --> ");
                    push_ts(&mut out, e + offset_ms);
                    if !settings.is_empty() {
                        out.push(' ');
                        out.push_str(settings);
                    }
                    out.push('\n');
                } else {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out.push('\n');
            offset_ms += last_end + 5_000;
            if out.len() >= target {
                break 'fill;
            }
        }
    }
    out.into_bytes()
}

fn parse_ms(ts: &str) -> Option<u64> {
    let (hms, ms) = ts.split_once('.')?;
    let parts: Vec<u64> = hms
        .split(':')
        .map(|p| p.parse().ok())
        .collect::<Option<_>>()?;
    let secs = parts.iter().fold(0, |acc, p| acc * 60 + p);
    Some(secs * 1000 + ms.parse::<u64>().ok()?)
}

fn push_ts(out: &mut String, ms: u64) {
    use std::fmt::Write;
    let s = ms / 1000;
    let _ = write!(
        out,
        "{:02}:{:02}:{:02}.{:03}",
        s / 3600,
        (s / 60) % 60,
        s % 60,
        ms % 1000
    );
}
