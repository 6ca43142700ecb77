//! The AI stage's Messages API calls on the monitor's `/metrics`.
//!
//! `process --ai` appends one JSON line per call to a call log
//! ([`snapshot_pipeline::ai_telemetry::CallLogLine`]) when a run ends; the monitor follows that
//! file like `tail -F` ([`CallLogTail`]: only whole new lines, from the start again when the
//! file is replaced or truncated) and adds each call to counters and a latency histogram
//! ([`AiCallMetrics`]). The whole file is read at start, so after a monitor restart the
//! counters again cover every call in the log (Prometheus sees no reset while the log lives).

use std::fs::File;
use std::io::{BufRead, BufReader, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::Registry;
use snapshot_pipeline::ai_telemetry::{CallLogLine, CallRecord};

type Labels = Vec<(String, String)>;
type LC = Family<Labels, Counter<u64>>;
type LCf = Family<Labels, Counter<f64, AtomicU64>>;
type LH = Family<Labels, Histogram, fn() -> Histogram>;

/// Upper bounds of the latency histogram's buckets, seconds: Messages API calls take from a
/// fraction of a second (a short section) to minutes (long outputs, retries with backoff).
pub const LATENCY_BUCKETS: [f64; 11] =
    [0.1, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0];

fn latency_histogram() -> Histogram {
    Histogram::new(LATENCY_BUCKETS)
}

/// Follows a call log file, returning the calls appended since the last read.
#[derive(Debug)]
pub struct CallLogTail {
    path: PathBuf,
    /// Bytes consumed so far (whole lines only).
    offset: u64,
    /// Identity of the file read last (device, inode), to notice a replaced file.
    identity: Option<(u64, u64)>,
}

/// What one [`CallLogTail::read_new`] found.
#[derive(Debug, Default)]
pub struct NewCalls {
    /// Calls in the new whole lines, in file order.
    pub calls: Vec<CallRecord>,
    /// Lines that were not call records, as `line N: reason`.
    pub bad_lines: Vec<String>,
}

impl CallLogTail {
    /// Follows `path` from its beginning. The file need not exist yet.
    pub fn new(path: &Path) -> Self {
        Self {
            path: path.to_owned(),
            offset: 0,
            identity: None,
        }
    }

    /// The file followed.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads the whole lines appended since the last call. A missing file is no calls yet; a
    /// file that shrank or was replaced is read from its start. A last line without its
    /// newline is left for the next read (the writer may be mid-append).
    pub fn read_new(&mut self) -> std::io::Result<NewCalls> {
        let mut file = match File::open(&self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(NewCalls::default()),
            Err(e) => return Err(e),
        };
        let meta = file.metadata()?;
        let identity = {
            use std::os::unix::fs::MetadataExt;
            Some((meta.dev(), meta.ino()))
        };
        if identity != self.identity || meta.len() < self.offset {
            self.offset = 0;
            self.identity = identity;
        }
        if meta.len() == self.offset {
            return Ok(NewCalls::default());
        }
        file.seek(SeekFrom::Start(self.offset))?;
        // Line by line, so a long backlog at start never sits in memory whole.
        let mut reader = BufReader::new(file);
        let mut line = Vec::new();
        let mut out = NewCalls::default();
        loop {
            line.clear();
            let n = reader.read_until(b'\n', &mut line)?;
            if n == 0 || line.last() != Some(&b'\n') {
                // End of file, or a line still being written: left for the next read.
                break;
            }
            let at = self.offset;
            self.offset += n as u64;
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            match serde_json::from_slice::<CallLogLine>(&line) {
                Ok(l) => out.calls.push(l.call),
                Err(e) => out.bad_lines.push(format!("at byte {at}: {e}")),
            }
        }
        Ok(out)
    }
}

/// The AI call metrics, registered in the monitor's registry under `customer_snapshot_ai_`.
#[derive(Clone)]
pub struct AiCallMetrics {
    calls: LC,
    attempt_errors: LC,
    retries: LC,
    tokens: LC,
    latency: LH,
    backoff: LCf,
}

impl AiCallMetrics {
    /// Registers the metrics (counter names without `_total`: the encoder appends it).
    pub fn register(r: &mut Registry) -> Self {
        let m = Self {
            calls: LC::default(),
            attempt_errors: LC::default(),
            retries: LC::default(),
            tokens: LC::default(),
            latency: LH::new_with_constructor(latency_histogram),
            backoff: LCf::default(),
        };
        r.register(
            "customer_snapshot_ai_calls",
            "Messages API calls by map-reduce phase and final error class (none when the call succeeded)",
            m.calls.clone(),
        );
        r.register(
            "customer_snapshot_ai_attempt_errors",
            "Failed Messages API attempts, retried ones included, by phase and error class",
            m.attempt_errors.clone(),
        );
        r.register(
            "customer_snapshot_ai_retries",
            "Retried Messages API attempts by phase",
            m.retries.clone(),
        );
        r.register(
            "customer_snapshot_ai_tokens",
            "Tokens the Messages API reported in usage, by kind (input, output, cache_write, cache_read)",
            m.tokens.clone(),
        );
        r.register(
            "customer_snapshot_ai_call_latency_seconds",
            "Latency of a Messages API call by phase, retries and backoff included",
            m.latency.clone(),
        );
        r.register(
            "customer_snapshot_ai_backoff_seconds",
            "Time spent waiting between attempts of Messages API calls",
            m.backoff.clone(),
        );
        m
    }

    /// Adds one call.
    pub fn observe(&self, c: &CallRecord) {
        let phase = ("phase".to_owned(), c.phase.as_str().to_owned());
        let class = c.error_class.map_or("none", |e| e.as_str());
        self.calls
            .get_or_create(&vec![
                phase.clone(),
                ("error_class".to_owned(), class.to_owned()),
            ])
            .inc();
        for e in &c.attempt_errors {
            self.attempt_errors
                .get_or_create(&vec![
                    phase.clone(),
                    ("error_class".to_owned(), e.as_str().to_owned()),
                ])
                .inc();
        }
        self.retries
            .get_or_create(&vec![phase.clone()])
            .inc_by(u64::from(c.retries));
        for (kind, n) in [
            ("input", c.input_tokens),
            ("output", c.output_tokens),
            ("cache_write", c.cache_write_tokens),
            ("cache_read", c.cache_read_tokens),
        ] {
            self.tokens
                .get_or_create(&vec![("kind".to_owned(), kind.to_owned())])
                .inc_by(n);
        }
        self.latency
            .get_or_create(&vec![phase.clone()])
            .observe(c.latency_seconds);
        self.backoff
            .get_or_create(&vec![phase])
            .inc_by(c.backoff_seconds.max(0.0));
    }
}

/// A call log followed into [`AiCallMetrics`].
pub struct AiCallExport {
    tail: CallLogTail,
    metrics: AiCallMetrics,
    /// The last read error reported, so a lasting problem is reported once, not every sample.
    last_error: Option<String>,
}

impl AiCallExport {
    /// Registers the metrics in `r` and follows `path`.
    pub fn new(r: &mut Registry, path: &Path) -> Self {
        Self {
            tail: CallLogTail::new(path),
            metrics: AiCallMetrics::register(r),
            last_error: None,
        }
    }

    /// Adds the calls appended since the last poll; returns how many, or a warning worth
    /// printing (an unreadable file, lines that are not call records).
    pub fn poll(&mut self) -> Result<usize, String> {
        let shown = self.tail.path().display().to_string();
        let new = match self.tail.read_new() {
            Ok(n) => n,
            Err(e) => {
                let msg = format!("AI call log {shown}: {e}");
                if self.last_error.as_ref() == Some(&msg) {
                    return Ok(0);
                }
                self.last_error = Some(msg.clone());
                return Err(msg);
            }
        };
        self.last_error = None;
        for c in &new.calls {
            self.metrics.observe(c);
        }
        match new.bad_lines.first() {
            None => Ok(new.calls.len()),
            Some(first) => Err(format!(
                "AI call log {shown}: skipped {} line(s) that are not call records ({first})",
                new.bad_lines.len()
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::export::prometheus::render;
    use snapshot_pipeline::ai_telemetry::{CallPhase, ErrorClass, RunTelemetry};
    use std::io::Write;

    fn call(phase: CallPhase, latency: f64, errors: Vec<ErrorClass>, ok: bool) -> CallRecord {
        CallRecord {
            label: format!("{}:x", phase.as_str()),
            phase,
            latency_seconds: latency,
            last_attempt_seconds: latency,
            backoff_seconds: 0.5 * errors.len() as f64,
            attempts: errors.len() as u32 + 1,
            retries: errors.len() as u32,
            input_tokens: if ok { 1000 } else { 0 },
            output_tokens: if ok { 100 } else { 0 },
            cache_write_tokens: 0,
            cache_read_tokens: if ok { 800 } else { 0 },
            stop_reason: ok.then(|| "end_turn".into()),
            status: Some(if ok { 200 } else { 401 }),
            error_class: (!ok).then_some(ErrorClass::Auth),
            attempt_errors: errors,
        }
    }

    fn append(path: &Path, text: &str) {
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .expect("open");
        f.write_all(text.as_bytes()).expect("append");
    }

    #[test]
    fn tail_reads_whole_new_lines_and_restarts_on_truncation() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("calls.jsonl");
        let mut tail = CallLogTail::new(&path);
        assert!(tail.read_new().expect("missing is empty").calls.is_empty());
        let run = RunTelemetry::new(
            vec![
                call(CallPhase::Section, 1.0, vec![], true),
                call(CallPhase::Summary, 2.0, vec![], true),
            ],
            3.0,
        );
        let lines = CallLogLine::lines(&run, "a.vtt", 1.0);
        let (first, rest) = lines.split_at(lines.find('\n').expect("two lines") + 1);
        // A line cut mid-append waits for its newline.
        append(&path, first);
        append(&path, &rest[..10]);
        let got = tail.read_new().expect("read");
        assert_eq!(got.calls.len(), 1);
        assert_eq!(got.calls[0].phase, CallPhase::Section);
        append(&path, &rest[10..]);
        append(&path, "not json\n");
        let got = tail.read_new().expect("read");
        assert_eq!(got.calls.len(), 1);
        assert_eq!(got.calls[0].phase, CallPhase::Summary);
        assert_eq!(got.bad_lines.len(), 1, "{:?}", got.bad_lines);
        assert!(
            tail.read_new().expect("read").calls.is_empty(),
            "nothing new"
        );
        // Rotated: a new, shorter file is read from the start.
        std::fs::write(&path, first).expect("rewrite");
        assert_eq!(tail.read_new().expect("read").calls.len(), 1);
    }

    #[test]
    fn calls_become_counters_and_a_histogram() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("calls.jsonl");
        let run = RunTelemetry::new(
            vec![
                call(
                    CallPhase::Section,
                    0.3,
                    vec![ErrorClass::RateLimited, ErrorClass::Overloaded],
                    true,
                ),
                call(CallPhase::Section, 0.7, vec![], true),
                call(CallPhase::Summary, 3.0, vec![], false),
            ],
            3.0,
        );
        append(&path, &CallLogLine::lines(&run, "a.vtt", 1.0));
        let mut r = Registry::default();
        let mut export = AiCallExport::new(&mut r, &path);
        assert_eq!(export.poll(), Ok(3));
        assert_eq!(export.poll(), Ok(0));
        let text = render(&r);
        for line in [
            "# TYPE customer_snapshot_ai_calls_total counter",
            "customer_snapshot_ai_calls_total{phase=\"section\",error_class=\"none\"} 2",
            "customer_snapshot_ai_calls_total{phase=\"summary\",error_class=\"auth\"} 1",
            "customer_snapshot_ai_attempt_errors_total{phase=\"section\",error_class=\"rate_limited\"} 1",
            "customer_snapshot_ai_retries_total{phase=\"section\"} 2",
            "customer_snapshot_ai_tokens_total{kind=\"input\"} 2000",
            "customer_snapshot_ai_tokens_total{kind=\"cache_read\"} 1600",
            "# TYPE customer_snapshot_ai_call_latency_seconds histogram",
            "customer_snapshot_ai_call_latency_seconds_sum{phase=\"section\"} 1.0",
            "customer_snapshot_ai_call_latency_seconds_count{phase=\"section\"} 2",
            "customer_snapshot_ai_call_latency_seconds_bucket{phase=\"section\",le=\"0.5\"} 1",
            "customer_snapshot_ai_call_latency_seconds_bucket{phase=\"section\",le=\"1\"} 2",
            "customer_snapshot_ai_backoff_seconds_total{phase=\"section\"} 1.0",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        append(&path, "{\"broken\": true}\n");
        let warning = export.poll().expect_err("a bad line is reported");
        assert!(warning.contains("skipped 1 line"), "{warning}");
    }
}
