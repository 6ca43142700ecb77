//! `customer-snapshot cues`: the JSON lines a user pipes into other tools, and every way a bad
//! input must fail (exit 2, one line naming the file, nothing on stdout).

use predicates::prelude::*;
use serde::Deserialize;
use serde_json::Value;

use crate::util::{Dir, bin};

/// One output line; unknown keys are rejected so the key set stays exactly as documented.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)] // Fields exist to pin the wire format; not all are inspected.
struct CueLine {
    id: String,
    start: f64,
    end: f64,
    text: String,
    vertical: String,
    snap_to_lines: bool,
    line: Value,
    line_align: String,
    position: Value,
    position_align: String,
    size: f64,
    align: String,
    region: Option<RegionLine>,
    voice: Option<String>,
    plain: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct RegionLine {
    id: String,
    width: f64,
    lines: f64,
    region_anchor_x: f64,
    region_anchor_y: f64,
    viewport_anchor_x: f64,
    viewport_anchor_y: f64,
    scroll: String,
}

fn run_ok(path: &std::path::Path) -> (Vec<CueLine>, String) {
    let out = bin().arg("cues").arg(path).output().expect("runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let cues = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    (cues, String::from_utf8_lossy(&out.stderr).into_owned())
}

#[test]
fn prints_one_json_object_per_cue() {
    let dir = Dir::new();
    let path = dir.write(
        "teams.vtt",
        "\u{FEFF}WEBVTT\r\n\r\nREGION\r\nid:r width:40% lines:2 scroll:up\r\n\r\nintro\r\n00:00:01.000 --> 00:00:02.500 region:r\r\n<v Alice Smith>Hello &amp; welcome</v>\r\n\r\n00:01:01.100 --> 00:01:03.000 line:10000000000000000000000000000000000 position:10%,line-left size:50% align:start vertical:rl\r\nplain <b>bold</b>\r\n",
    );
    let (cues, stderr) = run_ok(&path);
    assert_eq!(stderr, "");
    assert_eq!(cues.len(), 2);
    let a = &cues[0];
    assert_eq!((a.id.as_str(), a.start, a.end), ("intro", 1.0, 2.5));
    assert_eq!(a.text, "<v Alice Smith>Hello &amp; welcome</v>");
    assert_eq!(a.plain, "Hello & welcome");
    assert_eq!(a.voice.as_deref(), Some("Alice Smith"));
    assert_eq!(
        (a.line.as_str(), a.position.as_str()),
        (Some("auto"), Some("auto"))
    );
    let r = a.region.as_ref().expect("region");
    assert_eq!(
        (r.id.as_str(), r.width, r.lines, r.scroll.as_str()),
        ("r", 40.0, 2.0, "up")
    );
    let b = &cues[1];
    assert_eq!(b.start, 61.1);
    assert_eq!(b.line.as_f64(), Some(1e34));
    assert!(b.snap_to_lines);
    assert_eq!(
        (b.position.as_f64(), b.position_align.as_str()),
        (Some(10.0), "line-left")
    );
    assert_eq!(
        (b.size, b.align.as_str(), b.vertical.as_str()),
        (50.0, "start", "rl")
    );
    assert_eq!((b.voice.as_deref(), b.plain.as_str()), (None, "plain bold"));
}

#[test]
fn bad_cue_is_skipped_with_a_warning_naming_file_and_line() {
    let dir = Dir::new();
    let path = dir.write(
        "broken.vtt",
        b"WEBVTT\n\n00:01.000 --> 00:0x.000\nlost\n\n00:02.000 --> 00:03.000 size:200%\nkept \xFF\n".as_slice(),
    );
    let (cues, stderr) = run_ok(&path);
    assert_eq!(cues.len(), 1);
    assert_eq!(cues[0].text, "kept \u{FFFD}");
    let name = path.display().to_string();
    assert!(
        stderr.contains(&format!("{name}:3: warning: cue skipped")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!(
            "{name}:6: warning: ignored invalid cue setting \"size:200%\""
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("{name}:7: warning: bytes that are not UTF-8")),
        "{stderr}"
    );
}

fn assert_bad_input(path: &std::path::Path, needle: &str) {
    let name = path.display().to_string();
    bin()
        .arg("cues")
        .arg(path)
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(name).and(predicate::str::contains(needle)))
        .stderr(predicate::function(|s: &str| s.lines().count() == 1));
}

#[test]
fn missing_file_is_bad_input() {
    let dir = Dir::new();
    assert_bad_input(&dir.path("nope.vtt"), "cannot read");
}

#[test]
fn directory_is_bad_input() {
    let dir = Dir::new();
    assert_bad_input(dir.0.path(), "is a directory");
}

#[test]
fn empty_file_is_bad_input() {
    let dir = Dir::new();
    assert_bad_input(&dir.write("empty.vtt", ""), "empty file");
}

#[test]
fn binary_file_is_bad_input() {
    let dir = Dir::new();
    let mut bytes = vec![0u8; 4096];
    bytes.extend((0..=255u8).cycle().take(8192));
    assert_bad_input(&dir.write("data.bin", bytes), "binary data");
}

#[test]
fn missing_signature_is_bad_input() {
    let dir = Dir::new();
    let path = dir.write("subs.srt", "1\n00:00:01,000 --> 00:00:02,000\nHello\n");
    assert_bad_input(&path, "line 1: missing 'WEBVTT' signature");
}

#[test]
fn repeated_warnings_are_capped_per_kind() {
    let dir = Dir::new();
    let mut file = String::from("WEBVTT\n\n");
    for i in 0..50 {
        file.push_str(&format!(
            "00:{i:02}.000 --> 00:{i:02}.500 align:middle\ntext {i}\n\n"
        ));
    }
    let path = dir.write("old_export.vtt", file);
    let (cues, stderr) = run_ok(&path);
    assert_eq!(cues.len(), 50);
    assert_eq!(
        stderr.matches("ignored invalid cue setting").count(),
        20,
        "{stderr}"
    );
    assert!(stderr.contains("30 more warnings not shown"), "{stderr}");
}

#[test]
fn closed_pipe_is_a_clean_exit() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let dir = Dir::new();
    let mut file = String::from("WEBVTT\n\n");
    for i in 0..200_000u64 {
        let (s, e) = (i * 1000, i * 1000 + 900);
        file.push_str(&format!(
            "{:02}:{:02}:{:02}.000 --> {:02}:{:02}:{:02}.900\nline {i}\n\n",
            s / 3_600_000,
            s / 60_000 % 60,
            s / 1000 % 60,
            e / 3_600_000,
            e / 60_000 % 60,
            e / 1000 % 60
        ));
    }
    let path = dir.write("long.vtt", file);
    // Like `customer-snapshot cues long.vtt | head -1`.
    let mut child = Command::new(assert_cmd::cargo::cargo_bin!("customer-snapshot"))
        .arg("cues")
        .arg(&path)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let mut first = String::new();
    BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("first line");
    assert!(first.starts_with("{\"id\":\"\",\"start\":0.0,"), "{first}");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "status {:?}", out.status);
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
}

#[test]
fn bundled_examples_parse_cleanly() {
    let mut seen = 0;
    for entry in std::fs::read_dir(crate::util::examples()).expect("examples folder") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "vtt") {
            continue;
        }
        seen += 1;
        let (cues, stderr) = run_ok(&path);
        assert!(
            cues.len() > 10,
            "{}: only {} cues",
            path.display(),
            cues.len()
        );
        assert_eq!(stderr, "", "{}", path.display());
        assert!(
            cues.windows(2).all(|w| w[0].start <= w[1].start),
            "{}",
            path.display()
        );
    }
    assert!(seen > 0, "no examples found");
}

#[test]
fn utf16_file_is_bad_input_with_a_hint() {
    let dir = Dir::new();
    let text = "WEBVTT\n\n00:01.000 --> 00:02.000\nhi\n";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    assert_bad_input(&dir.write("windows.vtt", bytes), "UTF-16");
}
