//! `customer-snapshot monitor`: JSON samples, alerts in the stream and in history, `/metrics`
//! scraped and parsed, the watched process starting and stopping, prompt stop on SIGTERM,
//! webhooks, and bad flags.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use serde_json::Value;
use snapshot_perf::history::History;
use snapshot_perf::monitor::Sample;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_customer-snapshot"))
}

/// Runs `monitor` with `args` to completion; returns (exit code, stdout JSON lines, stderr).
fn run_json(args: &[&str]) -> (Option<i32>, Vec<Value>, String) {
    let out = bin()
        .arg("monitor")
        .args(args)
        .output()
        .expect("run monitor");
    let stdout = String::from_utf8(out.stdout).expect("utf-8 stdout");
    let lines = stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    (
        out.status.code(),
        lines,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A `{"type":"sample"}` line as the strict `Sample` struct: every field present, none unknown.
fn as_sample(line: &Value) -> Sample {
    let mut obj = line.as_object().expect("object").clone();
    assert_eq!(obj.remove("type"), Some(Value::from("sample")));
    assert_eq!(obj.remove("schema_version"), Some(Value::from(1)));
    serde_json::from_value(Value::Object(obj)).expect("a complete sample")
}

fn of_type<'a>(lines: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> + 'a {
    lines.iter().filter(move |l| l["type"] == kind)
}

#[test]
fn json_mode_prints_at_least_five_complete_samples_in_two_seconds() {
    let (code, lines, stderr) = run_json(&[
        "--interval",
        "200ms",
        "--duration",
        "2s",
        "--json",
        "--no-history",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let samples: Vec<Sample> = of_type(&lines, "sample").map(as_sample).collect();
    assert!(samples.len() >= 5, "only {} samples", samples.len());
    for s in &samples {
        let sys = &s.system;
        assert!((0.0..=100.0).contains(&sys.cpu_percent));
        assert!(!sys.cpu_per_core_percent.is_empty());
        assert!(sys.memory_total_bytes > 0 && sys.memory_used_bytes <= sys.memory_total_bytes);
        assert!(sys.memory_percent > 0.0 && sys.memory_percent <= 100.0);
        assert_eq!(sys.disks[0].mount_point, "/");
        assert!(sys.disks[0].total_bytes > 0);
        assert!(sys.process_count > 0);
        assert!(sys.uptime_seconds > 0);
        assert_eq!(s.app.name, "customer-snapshot");
        // Samples sit on a 200 ms grid; a late one on a loaded machine shortens the next.
        assert!(
            s.elapsed_seconds > 0.0 && s.elapsed_seconds < 2.0,
            "{}",
            s.elapsed_seconds
        );
    }
    // Samples are in time order, about one interval apart.
    assert!(
        samples
            .windows(2)
            .all(|w| w[1].unix_time_seconds > w[0].unix_time_seconds)
    );
    // The stream ends with the final summary.
    let last = lines.last().expect("lines");
    assert_eq!(last["type"], "report");
    assert_eq!(last["kind"], "final");
    assert_eq!(last["samples"], samples.len());
}

#[test]
fn memory_threshold_zero_fires_an_alert_in_the_stream_in_history_and_to_the_webhook() {
    let dir = tempfile::tempdir().expect("tempdir");
    let history = dir.path().join("history.sqlite");
    let hook = TcpListener::bind("127.0.0.1:0").expect("bind");
    let hook_url = format!("http://{}/hook", hook.local_addr().expect("addr"));
    // Other alerts (a busy CI machine's CPU) may be posted too: keep the memory one.
    let received = thread::spawn(move || {
        hook.set_nonblocking(true).expect("nonblocking");
        let deadline = Instant::now() + Duration::from_secs(15);
        while Instant::now() < deadline {
            let Ok((conn, _)) = hook.accept() else {
                thread::sleep(Duration::from_millis(20));
                continue;
            };
            let request = read_post(conn);
            if request.contains(r#""kind":"memory""#) {
                return request;
            }
        }
        panic!("no memory alert posted within 15 s");
    });
    let (code, lines, stderr) = run_json(&[
        "--interval",
        "200ms",
        "--duration",
        "2s",
        "--json",
        "--memory-threshold",
        "0",
        "--history",
        history.to_str().expect("utf-8 path"),
        "--webhook",
        &hook_url,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let alerts: Vec<&Value> = of_type(&lines, "alert").collect();
    let fired = alerts
        .iter()
        .find(|a| a["kind"] == "memory" && a["change"] == "fired")
        .unwrap_or_else(|| panic!("no memory alert in {alerts:?}"));
    assert_eq!(fired["level"], "warning");
    assert_eq!(fired["threshold"], 0.0);
    assert_eq!(fired["subject"], "system");
    // It fires only after the default 3 consecutive samples.
    let samples_before = lines
        .iter()
        .take_while(|l| !(l["type"] == "alert" && l["kind"] == "memory"))
        .filter(|l| l["type"] == "sample")
        .count();
    assert_eq!(samples_before, 3);

    let h = History::open(&history).expect("history");
    let session = h
        .latest_monitor_session()
        .expect("query")
        .expect("a session");
    let stored = h.monitor_alerts(session).expect("alerts");
    assert!(
        stored
            .iter()
            .any(|a| a.kind == "memory" && a.change == "fired"),
        "{stored:?}"
    );
    let samples = of_type(&lines, "sample").count() as u64;
    assert_eq!(h.monitor_sample_count(session).expect("count"), samples);

    let request = received.join().expect("webhook thread");
    assert!(request.starts_with("POST /hook HTTP/1.1"), "{request}");
    let body: Value =
        serde_json::from_str(request.split("\r\n\r\n").nth(1).expect("body")).expect("JSON body");
    assert_eq!(body["type"], "alert");
    assert_eq!(body["alert"]["kind"], "memory");
}

/// Reads one HTTP request (headers and a Content-Length body) and answers 200.
fn read_post(mut conn: TcpStream) -> String {
    conn.set_nonblocking(false).expect("blocking");
    conn.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = conn.read(&mut chunk).expect("read");
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let len: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("Content-Length: "))
                .and_then(|v| v.trim().parse().ok())
                .expect("content length");
            if body.len() >= len {
                break;
            }
        }
        if n == 0 {
            break;
        }
    }
    conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
        .expect("answer");
    String::from_utf8_lossy(&buf).into_owned()
}

#[test]
fn a_dead_webhook_is_a_warning_not_a_failure() {
    let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}/", closed.local_addr().expect("addr"));
    drop(closed);
    let (code, lines, stderr) = run_json(&[
        "--interval",
        "200ms",
        "--duration",
        "1s",
        "--json",
        "--no-history",
        "--memory-threshold",
        "0",
        "--min-duration",
        "1",
        "--webhook",
        &url,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(of_type(&lines, "alert").count() >= 1);
    assert!(stderr.contains("warning: webhook:"), "{stderr}");
}

/// A `monitor` running in the background, its stdout lines on a channel; killed on drop if
/// still running.
pub(crate) struct Running {
    pub(crate) child: Child,
    lines: mpsc::Receiver<String>,
    pub(crate) stderr_first: String,
}

impl Running {
    pub(crate) fn start(args: &[&str]) -> Self {
        let mut child = bin()
            .arg("monitor")
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn monitor");
        let mut err = BufReader::new(child.stderr.take().expect("stderr"));
        let mut stderr_first = String::new();
        err.read_line(&mut stderr_first).expect("first stderr line");
        let out = BufReader::new(child.stdout.take().expect("stdout"));
        let (tx, lines) = mpsc::channel();
        thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                if tx.send(line).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            stderr_first,
        }
    }

    pub(crate) fn next_line(&self) -> String {
        self.lines
            .recv_timeout(Duration::from_secs(10))
            .expect("a line within 10 s")
    }

    /// The `host:port` the monitor said it serves `/metrics` on (its first stderr line).
    pub(crate) fn metrics_addr(&self) -> String {
        self.stderr_first
            .split("serving metrics on http://")
            .nth(1)
            .and_then(|rest| rest.split("/metrics").next())
            .unwrap_or_else(|| panic!("no address in {:?}", self.stderr_first))
            .to_owned()
    }

    /// Sends SIGTERM, checks the monitor exits 0 within a second, and returns the lines it
    /// printed that were not read yet.
    pub(crate) fn terminate(&mut self) -> Vec<String> {
        let stop = Instant::now();
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
        let status = self.child.wait().expect("wait");
        assert!(
            stop.elapsed() < Duration::from_secs(1),
            "took {:?}",
            stop.elapsed()
        );
        assert_eq!(status.code(), Some(0));
        self.lines.iter().collect()
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// GET `path` from `addr`: (status line and headers, body).
pub(crate) fn http_get(addr: &str, path: &str) -> (String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    s.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
    )
    .expect("send");
    let mut text = String::new();
    s.read_to_string(&mut text).expect("read");
    let (head, body) = text.split_once("\r\n\r\n").expect("HTTP response");
    (head.to_owned(), body.to_owned())
}

#[test]
fn metrics_endpoint_serves_parseable_prometheus_text_and_sigterm_stops_at_once() {
    // A process name nothing uses: other tests run `customer-snapshot` in parallel.
    let mut m = Running::start(&[
        "--listen",
        "127.0.0.1:0",
        "--interval",
        "200ms",
        "--json",
        "--no-history",
        "--process",
        "cs-nothing-xyz",
    ]);
    let addr = m.metrics_addr();
    assert!(addr.starts_with("127.0.0.1:"), "binds loopback: {addr}");
    // Two samples in, the gauges hold real values.
    m.next_line();
    m.next_line();
    let (head, body) = http_get(&addr, "/metrics");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(head.contains("text/plain; version=0.0.4"), "{head}");
    let scrape =
        prometheus_parse::Scrape::parse(body.lines().map(|l| Ok(l.to_owned()))).expect("parses");
    let value = |name: &str| -> f64 {
        let s = scrape
            .samples
            .iter()
            .find(|s| s.metric == name)
            .unwrap_or_else(|| panic!("no {name} in\n{body}"));
        match s.value {
            prometheus_parse::Value::Gauge(v) | prometheus_parse::Value::Counter(v) => v,
            ref other => panic!("{name}: unexpected {other:?}"),
        }
    };
    let cpu = value("system_cpu_usage_ratio");
    assert!((0.0..=1.0).contains(&cpu), "ratio, not percent: {cpu}");
    let mem = value("system_memory_usage_ratio");
    assert!(mem > 0.0 && mem <= 1.0, "{mem}");
    assert!(value("system_memory_total_bytes") > 1e6);
    assert!(value("system_filesystem_size_bytes") > 1e6);
    assert!(value("customer_snapshot_monitor_samples_total") >= 2.0);
    assert_eq!(value("customer_snapshot_running"), 0.0);
    assert!(matches!(
        scrape
            .samples
            .iter()
            .find(|s| s.metric == "system_disk_read_bytes_total")
            .map(|s| &s.value),
        Some(prometheus_parse::Value::Counter(_))
    ));
    let running = scrape
        .samples
        .iter()
        .find(|s| s.metric == "customer_snapshot_running")
        .expect("running");
    assert_eq!(running.labels.get("process"), Some("cs-nothing-xyz"));
    assert!(
        scrape
            .docs
            .get("system_cpu_usage_ratio")
            .is_some_and(|h| !h.is_empty())
    );
    // Every app metric carries the prefix, every counter ends in _total.
    for name in scrape.docs.keys() {
        assert!(
            name.starts_with("system_") || name.starts_with("customer_snapshot_"),
            "{name}"
        );
    }
    for line in body
        .lines()
        .filter(|l| l.starts_with("# TYPE ") && l.ends_with(" counter"))
    {
        assert!(line.contains("_total "), "{line}");
    }
    let (head, body) = http_get(&addr, "/healthz");
    assert!(head.starts_with("HTTP/1.1 200"));
    assert_eq!(body, "ok\n");

    // The final summary is printed on the way out.
    let rest = m.terminate();
    assert!(
        rest.iter().any(|l| l.contains("\"kind\":\"final\"")),
        "{rest:?}"
    );
}

#[test]
fn sigterm_stops_promptly_even_with_a_long_interval() {
    let mut m = Running::start(&["--interval", "1h", "--no-history"]);
    thread::sleep(Duration::from_millis(300));
    let rest = m.terminate();
    assert!(
        rest.iter().any(|l| l.contains("summary: no samples")),
        "{rest:?}"
    );
}

/// A copy of `sleep` under a name nothing else on the machine uses (15 bytes at most, the
/// kernel's `comm` limit).
fn unique_sleeper(dir: &Path) -> PathBuf {
    let name = format!("csmon{}", std::process::id() % 1_000_000);
    let path = dir.join(&name);
    let sleep = ["/bin/sleep", "/usr/bin/sleep"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .expect("a sleep binary");
    std::fs::copy(sleep, &path).expect("copy sleep");
    path
}

#[test]
fn the_watched_process_starting_stopping_and_restarting_is_a_state_not_an_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sleeper = unique_sleeper(dir.path());
    let name = sleeper
        .file_name()
        .and_then(|n| n.to_str())
        .expect("name")
        .to_owned();
    let m = Running::start(&[
        "--process",
        &name,
        "--interval",
        "200ms",
        "--duration",
        "5s",
        "--json",
        "--no-history",
    ]);
    let mut states = Vec::new();
    let mut max_starts = 0;
    let mut saw_running_with_rss = false;
    let mut children: Vec<Child> = Vec::new();
    let start = Instant::now();
    let mut launched = 0;
    while let Ok(line) = m.lines.recv_timeout(Duration::from_secs(10)) {
        let v: Value = serde_json::from_str(&line).expect("JSON line");
        if v["type"] == "report" {
            break;
        }
        if v["type"] != "sample" {
            continue;
        }
        let s = as_sample(&v);
        let state = format!("{:?}", s.app.state);
        if states.last() != Some(&state) {
            states.push(state);
        }
        max_starts = max_starts.max(s.app.starts_total);
        if s.app.process_count == 1 && s.app.rss_bytes > 0 && s.app.threads >= 1 {
            saw_running_with_rss = true;
        }
        // Start the process at ~0.6 s and again at ~2.6 s; each lives 1 s.
        let t = start.elapsed();
        if (launched == 0 && t > Duration::from_millis(600))
            || (launched == 1 && t > Duration::from_millis(2600))
        {
            children.push(
                Command::new(&sleeper)
                    .arg("1")
                    .spawn()
                    .expect("start the watched process"),
            );
            launched += 1;
        }
    }
    for mut c in children {
        let _ = c.wait();
    }
    assert_eq!(
        states,
        [
            "NotRunning",
            "Running",
            "NotRunning",
            "Running",
            "NotRunning"
        ],
        "state sequence"
    );
    assert_eq!(max_starts, 2);
    assert!(saw_running_with_rss);
}

#[test]
fn human_mode_prints_a_line_per_sample_and_a_summary() {
    let out = bin()
        .args([
            "monitor",
            "--interval",
            "200ms",
            "--duration",
            "1s",
            "--report-interval",
            "500ms",
            "--no-history",
            "--process",
            "no-such-process-x",
        ])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(0));
    let stdout = String::from_utf8_lossy(&out.stdout);
    let sample_lines = stdout
        .lines()
        .filter(|l| l.contains(" cpu ") && l.contains(" mem "))
        .count();
    assert!(sample_lines >= 3, "{stdout}");
    assert!(
        stdout.contains("no-such-process-x: not running"),
        "{stdout}"
    );
    assert!(stdout.contains("== report:"), "a periodic report: {stdout}");
    assert!(stdout.contains("== summary:"), "{stdout}");
    assert!(stdout.contains("cpu_percent"), "{stdout}");
}

#[test]
fn a_history_path_that_is_not_a_database_is_bad_input_and_left_untouched() {
    let dir = tempfile::tempdir().expect("tempdir");
    let notes = dir.path().join("notes.txt");
    let text = "meeting notes, not a database\n".repeat(20);
    std::fs::write(&notes, &text).expect("write");
    let out = bin()
        .args(["monitor", "--duration", "1s", "--history"])
        .arg(&notes)
        .output()
        .expect("run");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("notes.txt"), "{stderr}");
    assert!(out.stdout.is_empty());
    assert_eq!(std::fs::read_to_string(&notes).expect("read"), text);
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .expect("list")
        .map(|e| e.expect("entry").file_name())
        .collect();
    assert_eq!(left, ["notes.txt"], "no journal files beside it");
}

#[test]
fn bad_flags_exit_2_with_one_clear_line() {
    for (args, needle) in [
        (vec!["--interval", "0s"], "interval"),
        (vec!["--interval", "10 parsecs"], "10 parsecs"),
        (vec!["--cpu-threshold=-5"], "cpu_percent"),
        (vec!["--webhook", "https://example.invalid/"], "https"),
        (vec!["--listen", "not-an-address"], "not-an-address"),
        (
            vec!["--disk", "/no/such/folder/anywhere"],
            "/no/such/folder/anywhere",
        ),
        (vec!["--pid", "1", "--process", "x"], "cannot be used with"),
    ] {
        let out = bin()
            .arg("monitor")
            .args(&args)
            .args(["--no-history", "--duration", "1s"])
            .output()
            .expect("run");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{args:?}: no partial output");
    }
}

#[test]
fn a_closed_stdout_is_a_clean_exit() {
    let mut child = bin()
        .args(["monitor", "--interval", "200ms", "--json", "--no-history"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let mut out = BufReader::new(child.stdout.take().expect("stdout"));
    let mut first = String::new();
    out.read_line(&mut first).expect("one line");
    assert!(first.starts_with(r#"{"type":"sample""#), "{first}");
    drop(out); // like `| head -1`
    let deadline = Instant::now() + Duration::from_secs(5);
    let status = loop {
        if let Some(s) = child.try_wait().expect("try_wait") {
            break s;
        }
        assert!(
            Instant::now() < deadline,
            "still running after stdout closed"
        );
        thread::sleep(Duration::from_millis(50));
    };
    assert_eq!(status.code(), Some(0));
}

#[test]
fn disk_free_and_process_memory_alerts_fire_from_their_flags() {
    let mut child = Command::new("sleep")
        .arg("30")
        .spawn()
        .expect("spawn sleep");
    let pid = child.id().to_string();
    let (code, lines, stderr) = run_json(&[
        "--interval",
        "200ms",
        "--duration",
        "1s",
        "--json",
        "--no-history",
        "--min-duration",
        "1",
        // A million GB free is more than any disk has; a sleeping process uses more than 0 MB.
        "--disk-free-min",
        "1000000",
        "--process-memory-max",
        "0",
        "--pid",
        &pid,
    ]);
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(code, Some(0), "{stderr}");
    let fired = |kind: &str| {
        of_type(&lines, "alert")
            .find(|a| a["kind"] == kind && a["change"] == "fired")
            .cloned()
            .unwrap_or_else(|| panic!("no {kind} alert in {lines:?}"))
    };
    let free = fired("disk_free");
    assert_eq!(free["subject"], "/");
    assert!(
        free["message"].as_str().expect("message").contains(" < "),
        "{free}"
    );
    let mem = fired("process_memory");
    assert_eq!(mem["subject"], format!("pid {pid}"));
    assert!(mem["value"].as_f64().expect("MB") > 0.0);
}
