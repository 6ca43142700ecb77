//! `analyze`: the report users read before processing, and its exit codes.

use predicates::prelude::*;

use crate::util::{Dir, bin};

#[test]
fn reports_speakers_style_and_validity() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    bin().arg("analyze").arg(&input).assert().success().stdout(
        predicate::str::contains("cues      30")
            .and(predicate::str::contains("style     zoom"))
            .and(predicate::str::contains("status    valid"))
            .and(predicate::str::contains("speakers  4"))
            .and(predicate::str::contains("Priya Raman")),
    );
}

#[test]
fn json_report_has_every_field() {
    let dir = Dir::new();
    let input = dir.example("alpine_health_qbr.vtt");
    let out = bin()
        .arg("analyze")
        .arg(&input)
        .arg("--json")
        .output()
        .expect("runs");
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["style"], "teams");
    assert_eq!(v["cues"], 18);
    assert_eq!(v["valid"], true);
    assert_eq!(v["bytes"], std::fs::metadata(&input).expect("meta").len());
    let speakers = v["speakers"].as_array().expect("speakers");
    assert_eq!(speakers.len(), 3);
    assert_eq!(speakers[0]["name"], "Elena Fischer");
    assert_eq!(speakers[0]["cues"], 9);
    assert!(v["duration_seconds"].as_f64().expect("number") > 100.0);
}

#[test]
fn a_skipped_cue_makes_the_file_invalid_with_its_line() {
    let dir = Dir::new();
    let input = dir.write(
        "broken.vtt",
        "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAnn: fine\n\n00:00:0x.000 --> nonsense\nlost\n\n00:00:03.000 --> 00:00:04.000\nBo: also fine\n",
    );
    bin()
        .arg("analyze")
        .arg(&input)
        .assert()
        .code(2)
        .stdout(predicate::str::contains("INVALID").and(predicate::str::contains("cues      2")))
        .stderr(predicate::str::contains("broken.vtt:6: warning"));
}

#[test]
fn bad_inputs_exit_2_with_one_line() {
    let dir = Dir::new();
    let folder = dir.path("sub");
    std::fs::create_dir(&folder).expect("mkdir");
    let cases = [
        (dir.path("missing.vtt"), "no such file"),
        (folder, "folder"),
        (dir.write("empty.vtt", b""), "empty"),
        (dir.write("plain.txt", b"just text\n"), "WEBVTT"),
    ];
    for (path, reason) in cases {
        let out = bin().arg("analyze").arg(&path).output().expect("runs");
        assert_eq!(out.status.code(), Some(2), "{}", path.display());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(stderr.lines().count(), 1, "{stderr}");
        assert!(stderr.contains(reason), "{stderr}");
        assert!(out.stdout.is_empty());
    }
}

#[test]
fn youtube_captions_are_detected() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/testdata/gold/youtube.vtt");
    bin()
        .arg("analyze")
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("style     youtube"));
}
