//! `process`: outputs, formats, batch mode, and every bad-input path.

use predicates::prelude::*;
use serde::Deserialize;

use crate::util::{Dir, bin};

/// The snapshot JSON, strictly: unknown fields are an error, so the schema cannot drift.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Snapshot {
    schema_version: String,
    title: String,
    source: Source,
    meeting_date: Option<String>,
    speakers: Vec<Speaker>,
    entities: Vec<Entity>,
    topics: Vec<Topic>,
    technical_terms: Vec<String>,
    action_items: Vec<Action>,
    questions: Vec<Question>,
    stats: Stats,
    warnings: Vec<Warning>,
    transcript: Vec<Entry>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Source {
    path: String,
    bytes: u64,
    cues: u64,
    duration_seconds: f64,
    style: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Speaker {
    name: String,
    utterances: u64,
    words: u64,
    talk_seconds: f64,
    talk_share: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Entity {
    text: String,
    label: String,
    count: u32,
    first_seconds: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Topic {
    phrase: String,
    score: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Action {
    owner: Option<String>,
    text: String,
    seconds: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Question {
    speaker: Option<String>,
    text: String,
    seconds: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Stats {
    words: u64,
    sentences: u64,
    utterances: u64,
    warnings: u64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Warning {
    line: u64,
    message: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Entry {
    speaker: Option<String>,
    start: f64,
    end: f64,
    text: String,
}

fn json_of(args: &[&str]) -> Snapshot {
    let out = bin().args(args).output().expect("runs");
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("strict snapshot JSON")
}

#[test]
fn default_output_is_markdown_beside_the_input() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    bin().arg("process").arg(&input).assert().success();
    assert_eq!(
        dir.files(),
        ["northwind_kickoff.vtt", "northwind_kickoff_processed.md"]
    );
    let md = std::fs::read_to_string(dir.path("northwind_kickoff_processed.md")).expect("md");
    assert!(md.starts_with("# Customer Solution Snapshot: Northwind Kickoff"));
    for section in [
        "## Participants",
        "## Key entities",
        "## Topics",
        "## Action items",
        "## Transcript",
    ] {
        assert!(md.contains(section), "missing {section}");
    }
    assert!(md.contains("Priya Raman"));
}

#[test]
fn json_to_stdout_has_every_section() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let snap = json_of(&[
        "process",
        input.to_str().expect("utf-8"),
        "-f",
        "json",
        "-o",
        "-",
    ]);
    assert_eq!(snap.source.style, "zoom");
    assert_eq!(snap.source.cues, 30);
    let names: Vec<&str> = snap.speakers.iter().map(|s| s.name.as_str()).collect();
    for who in ["Maria Lopez", "Kevin Osei", "Priya Raman", "Tom Becker"] {
        assert!(names.contains(&who), "speaker {who} missing from {names:?}");
    }
    let share: f64 = snap.speakers.iter().map(|s| s.talk_share).sum();
    assert!((share - 1.0).abs() < 1e-3, "talk shares sum to {share}");
    assert!(!snap.entities.is_empty());
    assert!(!snap.action_items.is_empty());
    assert!(!snap.topics.is_empty());
    assert!(!snap.transcript.is_empty());
    assert_eq!(
        dir.files(),
        ["northwind_kickoff.vtt"],
        "-o - writes no file"
    );
}

#[test]
fn teams_voices_become_speakers() {
    let dir = Dir::new();
    let input = dir.example("alpine_health_qbr.vtt");
    let snap = json_of(&[
        "process",
        input.to_str().expect("utf-8"),
        "-f",
        "json",
        "-o",
        "-",
    ]);
    assert_eq!(snap.source.style, "teams");
    let names: Vec<&str> = snap.speakers.iter().map(|s| s.name.as_str()).collect();
    assert!(
        names.contains(&"Elena Fischer") && names.contains(&"James Carter"),
        "{names:?}"
    );
    assert!(snap.transcript.iter().all(|e| !e.text.contains("<v")));
}

#[test]
fn html_escapes_transcript_text() {
    let dir = Dir::new();
    let input = dir.write(
        "evil.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\nMallory: try &lt;script&gt;alert(1)&lt;/script&gt; now\n",
    );
    let out = dir.path("evil.html");
    bin()
        .arg("process")
        .arg(&input)
        .args(["-f", "html", "-o"])
        .arg(&out)
        .assert()
        .success();
    let html = std::fs::read_to_string(out).expect("html");
    assert!(!html.contains("<script>"));
    assert!(html.contains("&lt;script&gt;"));
    assert!(html.contains("Mallory"));
}

#[test]
fn missing_file_is_bad_input() {
    let dir = Dir::new();
    bin()
        .arg("process")
        .arg(dir.path("nope.vtt"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nope.vtt").and(predicate::str::contains("no such file")));
    assert!(dir.files().is_empty());
}

#[test]
fn empty_binary_and_unsigned_files_are_bad_input() {
    let dir = Dir::new();
    let cases: [(&str, &[u8], &str); 3] = [
        ("empty.vtt", b"", "empty"),
        (
            "blob.vtt",
            &[0x7f, b'E', b'L', b'F', 0, 0, 1, 2, 3, 0xff, 0xfe],
            "WEBVTT",
        ),
        (
            "plain.vtt",
            b"hello\n\n00:00:01.000 --> 00:00:02.000\nhi\n",
            "WEBVTT",
        ),
    ];
    for (name, bytes, reason) in cases {
        let input = dir.write(name, bytes);
        bin()
            .arg("process")
            .arg(&input)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(name).and(predicate::str::contains(reason)));
        let stem = name.trim_end_matches(".vtt");
        assert!(
            !dir.path(&format!("{stem}_processed.md")).exists(),
            "{name}: no output"
        );
    }
    // Exactly one line on stderr.
    let out = bin()
        .arg("process")
        .arg(dir.path("plain.vtt"))
        .output()
        .expect("runs");
    assert_eq!(String::from_utf8_lossy(&out.stderr).lines().count(), 1);
}

#[test]
fn folder_with_output_file_is_bad_input() {
    let dir = Dir::new();
    dir.example("northwind_kickoff.vtt");
    bin()
        .arg("process")
        .arg(dir.0.path())
        .args(["-o", "x.md"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out-dir"));
}

#[test]
fn over_the_size_limit_is_bad_input() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    bin()
        .arg("process")
        .arg(&input)
        .env("MAX_FILE_SIZE", "1000")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("MAX_FILE_SIZE"));
}

#[test]
fn never_overwrites_the_input() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let before = std::fs::read(&input).expect("read");
    bin()
        .arg("process")
        .arg(&input)
        .arg("-o")
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("overwrite the input"));
    assert_eq!(std::fs::read(&input).expect("read"), before);
}

#[test]
fn validate_only_writes_nothing() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    bin()
        .arg("process")
        .arg(&input)
        .arg("--validate-only")
        .assert()
        .success()
        .stderr(predicate::str::contains("30 cues"));
    assert_eq!(dir.files(), ["northwind_kickoff.vtt"]);
}

#[test]
fn batch_reports_failures_and_keeps_going() {
    let dir = Dir::new();
    let good = std::fs::read(crate::util::examples().join("northwind_kickoff.vtt")).expect("read");
    dir.write("in/a.vtt", &good);
    dir.write("in/sub/b.vtt", &good);
    dir.write("in/c.vtt", b"not a transcript");
    dir.write("in/notes.txt", b"ignored");
    bin()
        .arg("process")
        .arg(dir.path("in"))
        .arg("--out-dir")
        .arg(dir.path("out"))
        .args(["-f", "json", "--jobs", "2"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("c.vtt")
                .and(predicate::str::contains("processed 2 files"))
                .and(predicate::str::contains("1 failed")),
        );
    assert!(dir.path("out/a_processed.json").exists());
    assert!(dir.path("out/sub/b_processed.json").exists());
    assert!(!dir.path("out/c_processed.json").exists());
}

#[test]
fn shards_split_the_list_without_overlap() {
    let dir = Dir::new();
    let good = std::fs::read(crate::util::examples().join("alpine_health_qbr.vtt")).expect("read");
    for name in ["a", "b", "c", "d", "e"] {
        dir.write(&format!("in/{name}.vtt"), &good);
    }
    let mut seen = Vec::new();
    for shard in ["0/2", "1/2"] {
        let out = dir.path(&format!("out{}", &shard[..1]));
        bin()
            .arg("process")
            .arg(dir.path("in"))
            .arg("--out-dir")
            .arg(&out)
            .args(["--shard", shard, "-q"])
            .assert()
            .success();
        for e in std::fs::read_dir(&out).expect("out") {
            seen.push(e.expect("entry").file_name().to_string_lossy().into_owned());
        }
    }
    seen.sort();
    assert_eq!(
        seen,
        ["a", "b", "c", "d", "e"].map(|n| format!("{n}_processed.md"))
    );
}

#[test]
fn standard_input_to_standard_output() {
    let good = std::fs::read(crate::util::examples().join("alpine_health_qbr.vtt")).expect("read");
    let out = bin()
        .args(["process", "-", "-f", "json"])
        .write_stdin(good)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let snap: Snapshot = serde_json::from_slice(&out.stdout).expect("strict snapshot JSON");
    assert_eq!(snap.source.path, "-");
    assert_eq!(snap.source.cues, 18);
}
