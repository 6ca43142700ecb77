//! `process --ai`: the 11-section document through the loopback Messages API (never the
//! internet), the missing-key failure, the dry run, refused keys and the telemetry file.
//!
//! These run the binary; they need `process` to flatten `cmd::ai::AiArgs` and accept the
//! `snapshot-md|snapshot-html|snapshot-json` formats (see cmd/ai.rs).

use predicates::prelude::*;
use serde::Deserialize;
use snapshot_ai::loopback::{Behaviour, LoopbackServer, Script};

use crate::util::{Dir, bin};

const KEY: &str = "sk-ant-cli-SECRETSECRET-7q2x";

/// The AI document JSON, strictly.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Doc {
    schema_version: String,
    title: String,
    source: serde_json::Value,
    generation: serde_json::Value,
    sections: Vec<Section>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Section {
    key: String,
    title: String,
    fields: Vec<Field>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
struct Field {
    key: String,
    label: String,
    value: String,
    discussed: bool,
}

/// `customer-snapshot` in `dir` with a clean AI environment pointing at `server`.
fn ai_cmd(dir: &Dir, server: Option<&LoopbackServer>, key: Option<&str>) -> assert_cmd::Command {
    let mut cmd = bin();
    cmd.current_dir(dir.0.path());
    for var in [
        "ANTHROPIC_API_KEY",
        "ANTHROPIC_BASE_URL",
        "DEFAULT_MODEL",
        "MAX_TOKENS",
        "TEMPERATURE",
        "CUSTOMER_SNAPSHOT_AI_CALL_LOG",
    ] {
        cmd.env_remove(var);
    }
    if let Some(s) = server {
        cmd.env("ANTHROPIC_BASE_URL", s.base_url());
    }
    if let Some(k) = key {
        cmd.env("ANTHROPIC_API_KEY", k);
    }
    cmd
}

#[test]
fn process_ai_writes_the_eleven_section_document() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let server = LoopbackServer::start(Script::ok()).expect("loopback server");
    ai_cmd(&dir, Some(&server), Some(KEY))
        .args(["process", "--ai", "-o", "snapshot.md"])
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "ai: 11 calls (0 failed, 0 retries)",
        ));
    let text = std::fs::read_to_string(dir.path("snapshot.md")).expect("written");
    assert!(
        text.starts_with("# Customer Success Snapshot: Northwind Kickoff"),
        "{text}"
    );
    assert_eq!(text.matches("\n## ").count(), 11, "{text}");
    assert!(text.contains("## 11. Executive Summary"));
    assert!(text.contains("Not discussed"));
    let seen = server.requests();
    assert_eq!(seen.len(), 11);
    assert!(seen.iter().all(|r| r.api_key.as_deref() == Some(KEY)));
    let first = seen[0].body.as_ref().expect("Messages request");
    let system = first.system_text();
    // The pipeline's local analysis (entities, dates) and the cleaned transcript reach the prompt.
    let analysis = system
        .split("<local_analysis>")
        .nth(1)
        .and_then(|rest| rest.split("</local_analysis>").next())
        .expect("local analysis block");
    let context: serde_json::Value = serde_json::from_str(analysis.trim()).expect("JSON context");
    assert_eq!(context["title"], "Northwind Kickoff");
    assert!(
        context["organizations"]
            .as_array()
            .is_some_and(|orgs| orgs.iter().any(|o| o == "Northwind Logistics")),
        "{context}"
    );
    assert!(
        system.contains("Maria Lopez: Good morning everyone"),
        "transcript in the prompt"
    );
}

#[test]
fn snapshot_json_format_on_stdout() {
    let dir = Dir::new();
    let input = dir.example("alpine_health_qbr.vtt");
    let server = LoopbackServer::start(Script::ok()).expect("loopback server");
    let out = ai_cmd(&dir, Some(&server), Some(KEY))
        .args(["process", "-f", "snapshot-json", "-o", "-"])
        .arg(&input)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Doc = serde_json::from_slice(&out.stdout).expect("strict AI snapshot JSON");
    assert_eq!(doc.sections.len(), 11);
    assert_eq!(doc.sections[0].key, "customer_information");
    assert!(
        doc.sections
            .iter()
            .flat_map(|s| &s.fields)
            .any(|f| !f.discussed && f.value == "Not discussed")
    );
}

#[test]
fn without_a_key_ai_fails_at_once_with_exit_2() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let server = LoopbackServer::start(Script::ok()).expect("loopback server");
    ai_cmd(&dir, Some(&server), None)
        .args(["process", "--ai", "-o", "out.md"])
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("ANTHROPIC_API_KEY"));
    assert!(server.requests().is_empty());
    assert!(!dir.path("out.md").exists());
}

#[test]
fn dry_run_prints_requests_with_the_key_masked_and_sends_nothing() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let server = LoopbackServer::start(Script::ok()).expect("loopback server");
    ai_cmd(&dir, Some(&server), Some(KEY))
        .args(["process", "--ai", "--dry-run"])
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("dry run: 11 requests"))
        .stdout(predicate::str::contains("x-api-key: sk-…7q2x"))
        .stdout(predicate::str::contains("input tokens"))
        .stdout(predicate::str::contains("SECRET").not());
    assert!(server.requests().is_empty());
    // No key is fine for a dry run.
    ai_cmd(&dir, None, None)
        .args(["process", "--ai", "--dry-run"])
        .arg(&input)
        .assert()
        .success()
        .stdout(predicate::str::contains("(not set: ANTHROPIC_API_KEY)"));
}

#[test]
fn a_refused_key_is_exit_2_without_the_key_and_without_output() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let server = LoopbackServer::start(Script::always(Behaviour::Unauthorized)).expect("server");
    ai_cmd(&dir, Some(&server), Some(KEY))
        .args(["process", "--ai", "-o", "out.md"])
        .arg(&input)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("refused the key"))
        .stderr(predicate::str::contains("SECRET").not());
    assert!(!dir.path("out.md").exists());
}

#[test]
fn retries_show_in_the_telemetry_file() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let server = LoopbackServer::start(Script::then_ok([
        Behaviour::RateLimited {
            retry_after_seconds: 0.2,
        },
        Behaviour::Overloaded,
    ]))
    .expect("server");
    ai_cmd(&dir, Some(&server), Some(KEY))
        .args([
            "process",
            "--ai",
            "--ai-telemetry",
            "calls.json",
            "-o",
            "out.md",
        ])
        .arg(&input)
        .assert()
        .success();
    let t: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path("calls.json")).expect("telemetry"))
            .expect("json");
    assert_eq!(t["stage"]["calls"], 11);
    assert_eq!(t["stage"]["retries"], 2);
    let classes: Vec<String> = t["telemetry"]["records"]
        .as_array()
        .expect("records")
        .iter()
        .flat_map(|r| r["attempt_errors"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c.as_str().map(str::to_string))
        .collect();
    assert!(classes.contains(&"rate_limited".to_string()), "{classes:?}");
    assert!(classes.contains(&"overloaded".to_string()), "{classes:?}");
}

#[test]
fn the_key_and_url_can_come_from_dot_env() {
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let server = LoopbackServer::start(Script::ok()).expect("loopback server");
    dir.write(
        ".env",
        format!(
            "ANTHROPIC_API_KEY={KEY}\nANTHROPIC_BASE_URL={}\n",
            server.base_url()
        ),
    );
    ai_cmd(&dir, None, None)
        .args(["process", "--ai", "-o", "out.md"])
        .arg(&input)
        .assert()
        .success();
    assert_eq!(server.requests().len(), 11);
    assert!(dir.path("out.md").exists());
}

/// The value of the one series `name{labels}` in a Prometheus text body.
fn series(body: &str, name_and_labels: &str) -> f64 {
    body.lines()
        .find_map(|l| l.strip_prefix(name_and_labels)?.strip_prefix(' '))
        .unwrap_or_else(|| panic!("no {name_and_labels} in\n{body}"))
        .parse()
        .expect("a number")
}

#[test]
fn the_monitor_exports_the_calls_process_ai_logs() {
    use crate::monitor::{Running, http_get};
    let dir = Dir::new();
    let input = dir.example("northwind_kickoff.vtt");
    let log = dir.path("calls.jsonl");
    let server = LoopbackServer::start(Script::then_ok([Behaviour::RateLimited {
        retry_after_seconds: 0.1,
    }]))
    .expect("loopback server");
    // The first run names the log with the flag, the second through the settings (env).
    ai_cmd(&dir, Some(&server), Some(KEY))
        .args(["process", "--ai", "-o", "one.md", "--ai-call-log"])
        .arg(&log)
        .arg(&input)
        .assert()
        .success();
    let logged: Vec<serde_json::Value> = std::fs::read_to_string(&log)
        .expect("call log written")
        .lines()
        .map(|l| serde_json::from_str(l).expect("JSON line"))
        .collect();
    assert_eq!(logged.len(), 11);
    let input_tokens: u64 = logged
        .iter()
        .map(|c| c["input_tokens"].as_u64().expect("tokens"))
        .sum();
    assert!(input_tokens > 0);
    let section_seconds: f64 = logged
        .iter()
        .filter(|c| c["phase"] == "section")
        .map(|c| c["latency_seconds"].as_f64().expect("latency"))
        .sum();

    let log_arg = log.to_str().expect("utf-8 path");
    let mut m = Running::start(&[
        "--listen",
        "127.0.0.1:0",
        "--interval",
        "200ms",
        "--json",
        "--no-history",
        "--process",
        "cs-nothing-ai",
        "--ai-call-log",
        log_arg,
    ]);
    let addr = m.metrics_addr();
    assert!(
        m.stderr_first.contains("exporting AI calls from"),
        "{}",
        m.stderr_first
    );
    let (head, body) = http_get(&addr, "/metrics");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    let calls = |body: &str, phase: &str| {
        series(
            body,
            &format!("customer_snapshot_ai_calls_total{{phase=\"{phase}\",error_class=\"none\"}}"),
        )
    };
    assert_eq!(calls(&body, "section"), 10.0);
    assert_eq!(calls(&body, "summary"), 1.0);
    let retries = series(
        &body,
        "customer_snapshot_ai_retries_total{phase=\"section\"}",
    ) + series(
        &body,
        "customer_snapshot_ai_retries_total{phase=\"summary\"}",
    );
    assert_eq!(retries, 1.0);
    assert_eq!(
        series(
            &body,
            "customer_snapshot_ai_attempt_errors_total{phase=\"section\",error_class=\"rate_limited\"}"
        ),
        1.0
    );
    assert_eq!(
        series(&body, "customer_snapshot_ai_tokens_total{kind=\"input\"}"),
        input_tokens as f64
    );
    assert_eq!(
        series(
            &body,
            "customer_snapshot_ai_call_latency_seconds_count{phase=\"section\"}"
        ),
        10.0
    );
    let sum = series(
        &body,
        "customer_snapshot_ai_call_latency_seconds_sum{phase=\"section\"}",
    );
    assert!(
        (sum - section_seconds).abs() < 1e-9,
        "{sum} vs {section_seconds}"
    );
    assert!(body.contains("# TYPE customer_snapshot_ai_call_latency_seconds histogram"));

    // A second run while the monitor is up: its calls arrive with the next samples.
    ai_cmd(&dir, Some(&server), Some(KEY))
        .env("CUSTOMER_SNAPSHOT_AI_CALL_LOG", &log)
        .args(["process", "--ai", "-o", "two.md"])
        .arg(&input)
        .assert()
        .success();
    m.next_line();
    m.next_line();
    let (_, body) = http_get(&addr, "/metrics");
    assert_eq!(calls(&body, "section"), 20.0);
    assert_eq!(calls(&body, "summary"), 2.0);
    let _ = m.child.kill();
}

#[test]
fn the_call_log_flag_of_monitor_needs_listen() {
    bin()
        .args(["monitor", "--no-history", "--ai-call-log", "calls.jsonl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("add --listen"));
}
