//! The HTML performance dashboard: [`DashboardData`] (everything the page shows, also written as
//! JSON) gathered from the history database, and [`render_html`], one self-contained page.
//!
//! The page is inline CSS and inline SVG only (charts from [`super::svg`]), under a
//! Content-Security-Policy of `default-src 'none'`: nothing can be loaded from anywhere and no
//! script runs. pprof's flamegraph SVG ships a `<script>` for click-to-zoom and search; that
//! script (and its `on*` handlers) is removed before the SVG is inlined, because the policy
//! would block it anyway and the browser would log a violation for each. What the flamegraph
//! keeps is its `<title>` per frame, which browsers show natively on hover. Every string that
//! comes from data (file names, commit ids, alert messages, function names) is escaped.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::markdown::{format_bytes, format_seconds, format_size};
use super::svg::{self, Bar, HLine, LineChart, Marker, Point, Series, Stack, XAxis, esc};
use crate::bench::report::BenchmarkReport;
use crate::bench::targets::Targets;
use crate::export::json::parse_benchmark_report;
use crate::history::{History, HistoryError, profile as profile_history};
use crate::monitor::config::Thresholds;
use crate::profile::report::OptimizationReport;

/// Version of the dashboard JSON layout.
pub const SCHEMA_VERSION: u32 = 1;

/// How many benchmark runs the trend charts read (newest first).
pub const TREND_RUNS: usize = 1000;

/// A run is marked as a regression when its median throughput is this much below the median of
/// the runs before it (up to [`REGRESSION_WINDOW`] of them).
pub const REGRESSION_DROP: f64 = 0.10;

/// How many earlier runs the regression mark compares with.
pub const REGRESSION_WINDOW: usize = 5;

/// At most this many monitor samples are drawn; longer sessions are thinned evenly.
pub const MAX_MONITOR_POINTS: usize = 2000;

/// A flamegraph larger than this is linked, not inlined.
pub const MAX_FLAMEGRAPH_BYTES: u64 = 8_000_000;

const PAGE: &str = include_str!("dashboard/page.html");
const CSS: &str = include_str!("dashboard/style.css");

/// Why the dashboard data could not be gathered.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// The history database failed.
    #[error(transparent)]
    History(#[from] HistoryError),
    /// The profile tables of the history failed.
    #[error("history {path}: {source}")]
    Profile {
        /// The database file.
        path: PathBuf,
        /// What went wrong.
        source: profile_history::ProfileHistoryError,
    },
}

/// Everything the dashboard page shows (the `dashboard_data_*.json` file).
#[derive(Debug, Clone, Serialize)]
pub struct DashboardData {
    /// Layout version of this JSON.
    pub schema_version: u32,
    /// When the page was generated, RFC 3339 UTC.
    pub generated_at: String,
    /// The mode that produced it (`dashboard`, `benchmark`, ...).
    pub mode: String,
    /// The history database read.
    pub history_path: String,
    /// Tool version that rendered the page.
    pub tool_version: String,
    /// The newest complete benchmark run, if any.
    pub benchmark: Option<BenchmarkReport>,
    /// The per-stage bar: from that run's stored stages when it has some, else from the newest
    /// optimization profile.
    pub stage_breakdown: Option<StageBreakdown>,
    /// Benchmark runs over time, oldest first.
    pub trend: Vec<TrendPoint>,
    /// The newest monitor session, if any.
    pub monitor: Option<MonitorSection>,
    /// The newest optimization profile, if any.
    pub profile: Option<OptimizationReport>,
    /// The flamegraph SVG of that profile, as inlined (scripts removed), if its file was found.
    pub flamegraph_svg: Option<String>,
    /// Why the flamegraph is missing although the profile names one.
    pub flamegraph_note: Option<String>,
    /// A quick health probe, when the caller ran one.
    pub health: Option<HealthCard>,
}

/// Where the stage bar's timings come from.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageSource {
    /// The stored stages of a benchmark run (one in-process run per size).
    Benchmark {
        /// History row id of the run.
        run_id: i64,
        /// When the run started.
        started_at: String,
    },
    /// An optimization profile's in-process stage timings (the benchmark run had none).
    Profile {
        /// When the profile started.
        started_at: String,
    },
}

/// The stacked stage bar: seconds per stage, one bar per size.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageBreakdown {
    /// Where the timings come from.
    pub source: StageSource,
    /// Stage names in pipeline order (the legend).
    pub stages: Vec<String>,
    /// One bar per size, smallest first.
    pub sizes: Vec<StageBar>,
}

/// One size's bar of the stage breakdown.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct StageBar {
    /// Size label (`10 MB`, or the profile's input label).
    pub label: String,
    /// Seconds per stage, in the order of [`StageBreakdown::stages`] (0 for a stage not seen).
    pub seconds: Vec<f64>,
}

impl StageBreakdown {
    /// The chart caption, naming the source (short enough to fit above a chart; the date is
    /// the day part of the start time).
    pub fn caption(&self) -> String {
        let day = |t: &str| t.get(..10).unwrap_or(t).to_owned();
        match &self.source {
            StageSource::Benchmark { run_id, started_at } => format!(
                "Stage breakdown: benchmark run {run_id} ({})",
                day(started_at)
            ),
            StageSource::Profile { started_at } => format!(
                "Stage breakdown: optimize profile ({}), run has no stages",
                day(started_at)
            ),
        }
    }

    /// Builds the bars from `(size label, stage, seconds)` triples given size by size, each
    /// size's stages in pipeline order.
    fn from_triples<'a>(
        source: StageSource,
        triples: impl Iterator<Item = (String, &'a str, f64)>,
    ) -> Option<Self> {
        let mut stages: Vec<String> = Vec::new();
        let mut bars: Vec<(String, Vec<(&'a str, f64)>)> = Vec::new();
        for (label, stage, seconds) in triples {
            if !stages.iter().any(|s| s == stage) {
                stages.push(stage.to_owned());
            }
            match bars.last_mut().filter(|(l, _)| *l == label) {
                Some((_, v)) => v.push((stage, seconds)),
                None => bars.push((label, vec![(stage, seconds)])),
            }
        }
        if bars.is_empty() {
            return None;
        }
        let sizes = bars
            .into_iter()
            .map(|(label, v)| StageBar {
                label,
                seconds: stages
                    .iter()
                    .map(|n| v.iter().find(|(s, _)| s == n).map_or(0.0, |x| x.1))
                    .collect(),
            })
            .collect();
        Some(Self {
            source,
            stages,
            sizes,
        })
    }

    /// The bars of a stored benchmark run; `None` when it stored no stage.
    pub fn from_benchmark(
        run_id: i64,
        started_at: &str,
        rows: &[crate::history::bench::BenchStageRow],
    ) -> Option<Self> {
        Self::from_triples(
            StageSource::Benchmark {
                run_id,
                started_at: started_at.to_owned(),
            },
            rows.iter()
                .map(|r| (format_size(r.size_bytes), r.stage.as_str(), r.seconds)),
        )
    }

    /// The bars of an optimization profile; `None` when it has no stage timings.
    pub fn from_profile(p: &OptimizationReport) -> Option<Self> {
        Self::from_triples(
            StageSource::Profile {
                started_at: p.started_at.clone(),
            },
            p.sizes.iter().flat_map(|s| {
                s.stages
                    .iter()
                    .map(|st| (s.label.clone(), st.stage.as_str(), st.wall_seconds))
            }),
        )
    }
}

/// One benchmark run in the trend charts.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct TrendPoint {
    /// History row id.
    pub run_id: i64,
    /// Start time, RFC 3339 UTC.
    pub started_at: String,
    /// Git commit of the binary measured, when known.
    pub git_commit: Option<String>,
    /// Tool version measured.
    pub tool_version: String,
    /// Median over the run's sizes of their throughput.
    pub median_throughput_mb_per_s: Option<f64>,
    /// Largest peak RSS over the run's sizes.
    pub peak_rss_bytes: Option<u64>,
    /// Median throughput fell more than [`REGRESSION_DROP`] below the runs before.
    pub regression: bool,
}

/// The monitor session shown.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorSection {
    /// History session id.
    pub session_id: i64,
    /// Samples stored in the session.
    pub samples_total: usize,
    /// The samples drawn (thinned evenly past [`MAX_MONITOR_POINTS`]).
    pub points: Vec<MonitorPoint>,
    /// Alert events, oldest first.
    pub alerts: Vec<AlertRow>,
    /// The alert levels drawn as threshold lines (the performance guide's defaults until the
    /// caller sets the installation's `[monitor]` levels).
    pub thresholds: Thresholds,
    /// Alerts whose last event is not `resolved`.
    pub active_alerts: usize,
}

/// One monitor sample, reduced to what the page draws.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct MonitorPoint {
    /// Unix time, seconds.
    pub unix_time_seconds: f64,
    /// Seconds since the session began.
    pub elapsed_seconds: f64,
    /// System CPU use.
    pub cpu_percent: f64,
    /// System memory use.
    pub memory_percent: f64,
    /// The fullest watched filesystem's use.
    pub disk_used_percent: Option<f64>,
    /// The application's resident memory.
    pub app_rss_bytes: u64,
    /// The application's CPU use (100 = one core).
    pub app_cpu_percent: f64,
}

/// One alert event.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct AlertRow {
    /// Unix time, seconds.
    pub unix_time_seconds: f64,
    /// Seconds since the session's first sample.
    pub elapsed_seconds: f64,
    /// Metric.
    pub kind: String,
    /// What it concerned.
    pub subject: String,
    /// `fired`, `escalated`, `deescalated` or `resolved`.
    pub change: String,
    /// `warning` or `critical`.
    pub level: String,
    /// The message.
    pub message: String,
}

/// The health card.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct HealthCard {
    /// `pass`, `warn` or `fail`.
    pub status: String,
    /// Checks that did not pass, as `name: output`.
    pub problems: Vec<String>,
}

impl DashboardData {
    /// Data with every section empty.
    pub fn empty(mode: &str, history_path: &Path, generated_at: &str) -> Self {
        Self {
            schema_version: SCHEMA_VERSION,
            generated_at: generated_at.to_owned(),
            mode: mode.to_owned(),
            history_path: history_path.display().to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_owned(),
            benchmark: None,
            stage_breakdown: None,
            trend: Vec::new(),
            monitor: None,
            profile: None,
            flamegraph_svg: None,
            flamegraph_note: None,
            health: None,
        }
    }

    /// Reads every section from the history at `path`. A missing file is an empty dashboard,
    /// and is not created.
    pub fn from_history(
        path: &Path,
        mode: &str,
        generated_at: &str,
    ) -> Result<Self, DashboardError> {
        let mut data = Self::empty(mode, path, generated_at);
        if !path.exists() {
            return Ok(data);
        }
        let h = History::open(path)?;
        let latest = latest_complete_benchmark(&h)?;
        data.trend = trend(&h)?;
        data.monitor = monitor(&h)?;
        data.profile =
            profile_history::latest_report(h.conn()).map_err(|source| DashboardError::Profile {
                path: path.to_owned(),
                source,
            })?;
        if let Some((id, b)) = &latest {
            data.stage_breakdown =
                StageBreakdown::from_benchmark(*id, &b.started_at, &h.benchmark_stages(*id)?);
        }
        if data.stage_breakdown.is_none() {
            data.stage_breakdown = data.profile.as_ref().and_then(StageBreakdown::from_profile);
        }
        data.benchmark = latest.map(|(_, b)| b);
        if let Some(fg) = data
            .profile
            .as_ref()
            .and_then(|p| p.flamegraph_path.clone())
        {
            match load_flamegraph(Path::new(&fg)) {
                Ok(svg) => data.flamegraph_svg = Some(svg),
                Err(why) => data.flamegraph_note = Some(why),
            }
        }
        Ok(data)
    }
}

fn latest_complete_benchmark(
    h: &History,
) -> Result<Option<(i64, BenchmarkReport)>, DashboardError> {
    Ok(h.latest_complete_benchmark_json()?.and_then(|(id, json)| {
        // A report from an older layout is skipped, as `--baseline latest` does.
        parse_benchmark_report(&json, &h.path().join(format!("bench_runs/{id}")))
            .ok()
            .map(|b| (id, b))
    }))
}

fn median(values: &mut [f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    values.sort_by(f64::total_cmp);
    let n = values.len();
    Some(if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    })
}

fn trend(h: &History) -> Result<Vec<TrendPoint>, DashboardError> {
    let mut runs = h.list_benchmarks(TREND_RUNS)?;
    runs.reverse();
    let mut out: Vec<TrendPoint> = Vec::with_capacity(runs.len());
    let mut tps = Vec::new();
    for r in runs {
        tps.clear();
        tps.extend(r.sizes.iter().filter_map(|s| s.throughput_mb_per_s));
        let tp = median(&mut tps);
        let mut window: Vec<f64> = out
            .iter()
            .rev()
            .filter_map(|p| p.median_throughput_mb_per_s)
            .take(REGRESSION_WINDOW)
            .collect();
        let regression = match (tp, median(&mut window)) {
            (Some(now), Some(before)) => now < before * (1.0 - REGRESSION_DROP),
            _ => false,
        };
        out.push(TrendPoint {
            run_id: r.id,
            started_at: r.started_at,
            git_commit: r.git_commit,
            tool_version: r.tool_version,
            median_throughput_mb_per_s: tp,
            peak_rss_bytes: r.sizes.iter().filter_map(|s| s.peak_rss_max_bytes).max(),
            regression,
        });
    }
    Ok(out)
}

fn monitor(h: &History) -> Result<Option<MonitorSection>, DashboardError> {
    let Some(session) = h.latest_monitor_session()? else {
        return Ok(None);
    };
    let samples = h.monitor_samples(session)?;
    let stored = h.monitor_alerts(session)?;
    // A sample's own `elapsed_seconds` is the time since the sample before it, so the
    // session's clock starts one interval before the first sample.
    let t0 = samples.first().map_or_else(
        || stored.first().map_or(0.0, |a| a.unix_time_seconds),
        |s| s.unix_time_seconds - s.elapsed_seconds,
    );
    let stride = samples.len().div_ceil(MAX_MONITOR_POINTS).max(1);
    let points = samples
        .iter()
        .step_by(stride)
        .map(|s| MonitorPoint {
            unix_time_seconds: s.unix_time_seconds,
            elapsed_seconds: s.unix_time_seconds - t0,
            cpu_percent: s.system.cpu_percent,
            memory_percent: s.system.memory_percent,
            disk_used_percent: s
                .system
                .disks
                .iter()
                .map(|d| d.used_percent)
                .max_by(f64::total_cmp),
            app_rss_bytes: s.app.rss_bytes,
            app_cpu_percent: s.app.cpu_percent,
        })
        .collect();
    let alerts: Vec<AlertRow> = stored
        .into_iter()
        .map(|a| AlertRow {
            elapsed_seconds: a.unix_time_seconds - t0,
            unix_time_seconds: a.unix_time_seconds,
            kind: a.kind,
            subject: a.subject,
            change: a.change,
            level: a.level,
            message: a.message,
        })
        .collect();
    let active_alerts = count_active(&alerts);
    Ok(Some(MonitorSection {
        session_id: session,
        samples_total: samples.len(),
        points,
        alerts,
        thresholds: Thresholds::default(),
        active_alerts,
    }))
}

/// Alerts (by metric and subject) whose latest event is not a resolution.
fn count_active(alerts: &[AlertRow]) -> usize {
    let mut last: Vec<(&str, &str, &str)> = Vec::new();
    for a in alerts {
        match last
            .iter_mut()
            .find(|(k, s, _)| *k == a.kind && *s == a.subject)
        {
            Some(entry) => entry.2 = &a.change,
            None => last.push((&a.kind, &a.subject, &a.change)),
        }
    }
    last.iter().filter(|(_, _, c)| *c != "resolved").count()
}

/// Reads a flamegraph SVG and makes it safe to inline: no XML prolog, no scripts, no event
/// handlers. Returns why when it cannot.
fn load_flamegraph(path: &Path) -> Result<String, String> {
    let meta = std::fs::metadata(path)
        .map_err(|e| format!("the flamegraph {} cannot be read: {e}", path.display()))?;
    if meta.len() > MAX_FLAMEGRAPH_BYTES {
        return Err(format!(
            "the flamegraph {} is {} — too large to inline; open it directly",
            path.display(),
            format_bytes(meta.len())
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("the flamegraph {} cannot be read: {e}", path.display()))?;
    sanitize_svg(&text).ok_or_else(|| format!("{} is not an SVG file", path.display()))
}

/// Strips what cannot run under the page's policy from an SVG document: everything before
/// `<svg`, `<script>` elements and `on…=` attributes. `None` when there is no `<svg` element.
pub fn sanitize_svg(text: &str) -> Option<String> {
    let start = text.find("<svg")?;
    let mut body = &text[start..];
    let mut out = String::with_capacity(body.len());
    while let Some(i) = body.find("<script") {
        out.push_str(&body[..i]);
        let rest = &body[i..];
        body = match rest.find("</script>") {
            Some(j) => &rest[j + "</script>".len()..],
            None => match rest.find("/>") {
                Some(j) => &rest[j + 2..],
                None => "",
            },
        };
    }
    out.push_str(body);
    Some(strip_event_handlers(&out))
}

/// Removes ` onload="..."`-style attributes.
fn strip_event_handlers(svg: &str) -> String {
    let bytes = svg.as_bytes();
    let mut out = String::with_capacity(svg.len());
    let mut i = 0;
    let mut copied = 0;
    while i + 3 < bytes.len() {
        let at_attr = bytes[i].is_ascii_whitespace()
            && bytes[i + 1].eq_ignore_ascii_case(&b'o')
            && bytes[i + 2].eq_ignore_ascii_case(&b'n')
            && bytes[i + 3].is_ascii_alphabetic();
        if at_attr {
            let mut j = i + 3;
            while j < bytes.len() && bytes[j].is_ascii_alphabetic() {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'=' && j + 1 < bytes.len() {
                let quote = bytes[j + 1];
                if (quote == b'"' || quote == b'\'')
                    && let Some(end) = svg[j + 2..].find(quote as char)
                {
                    out.push_str(&svg[copied..i]);
                    i = j + 2 + end + 1;
                    copied = i;
                    continue;
                }
            }
        }
        i += 1;
    }
    out.push_str(&svg[copied..]);
    out
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn card(out: &mut String, label: &str, value: &str, sub: &str, class: &str) {
    out.push_str(&format!(
        r#"<div class="card"><div class="label">{}</div><div class="value {class}">{}</div><div class="sub">{}</div></div>"#,
        esc(label),
        esc(value),
        esc(sub)
    ));
}

fn empty(out: &mut String, what: &str, command: &str) {
    out.push_str(&format!(
        r#"<p class="empty">{} Run <code>{}</code> to fill this section.</p>"#,
        esc(what),
        esc(command)
    ));
}

fn table(out: &mut String, head: &[&str], numeric: &[bool], rows: &[Vec<String>]) {
    out.push_str(r#"<div class="table-wrap"><table><thead><tr>"#);
    for (i, h) in head.iter().enumerate() {
        let c = if numeric.get(i).copied().unwrap_or(false) {
            r#" class="num""#
        } else {
            ""
        };
        out.push_str(&format!("<th{c}>{}</th>", esc(h)));
    }
    out.push_str("</tr></thead><tbody>");
    for row in rows {
        out.push_str("<tr>");
        for (i, cell) in row.iter().enumerate() {
            let c = if numeric.get(i).copied().unwrap_or(false) {
                r#" class="num""#
            } else {
                ""
            };
            out.push_str(&format!("<td{c}>{}</td>", esc(cell)));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
}

fn opt(v: Option<f64>, f: impl Fn(f64) -> String) -> String {
    v.map_or_else(|| "–".to_owned(), f)
}

fn summary(out: &mut String, d: &DashboardData) {
    out.push_str(r#"<section id="summary"><h2>Summary</h2><div class="cards">"#);
    match &d.benchmark {
        Some(b) => {
            let mut tps: Vec<f64> = b
                .results
                .iter()
                .filter_map(|r| r.throughput_mb_per_s)
                .collect();
            card(
                out,
                "Throughput (median)",
                &opt(median(&mut tps), |v| format!("{v:.2} MB/s")),
                &format!("benchmark {}", b.started_at),
                "",
            );
            let peak = b.results.iter().filter_map(|r| r.peak_rss_bytes_max).max();
            card(
                out,
                "Peak RSS",
                &peak.map_or_else(|| "–".into(), format_bytes),
                "largest over sizes",
                "",
            );
            let runs: u32 = b.results.iter().map(|r| r.runs).sum();
            let ok: u32 = b.results.iter().map(|r| r.successes).sum();
            let rate = if runs == 0 {
                0.0
            } else {
                100.0 * f64::from(ok) / f64::from(runs)
            };
            card(
                out,
                "Success rate",
                &format!("{rate:.0} %"),
                &format!("{ok} of {runs} runs"),
                if ok == runs { "pass" } else { "fail" },
            );
            let judged: Vec<bool> = b
                .results
                .iter()
                .filter_map(|r| r.verdict.as_ref().map(|v| v.pass))
                .collect();
            let met = judged.iter().filter(|p| **p).count();
            card(
                out,
                "Targets",
                &format!("{met}/{} met", judged.len()),
                "the performance guide's table",
                if met == judged.len() { "pass" } else { "fail" },
            );
        }
        None => card(
            out,
            "Benchmark",
            "no run yet",
            "customer-snapshot dashboard --mode benchmark",
            "",
        ),
    }
    match &d.monitor {
        Some(m) => card(
            out,
            "Active alerts",
            &m.active_alerts.to_string(),
            &format!("monitor session {}", m.session_id),
            if m.active_alerts == 0 { "pass" } else { "fail" },
        ),
        None => card(out, "Active alerts", "–", "no monitor session yet", ""),
    }
    match &d.health {
        Some(h) => card(
            out,
            "Health",
            &h.status,
            &if h.problems.is_empty() {
                "live probe: all checks pass".to_owned()
            } else {
                h.problems.join("; ")
            },
            match h.status.as_str() {
                "pass" => "pass",
                "warn" => "warnc",
                _ => "fail",
            },
        ),
        None => card(out, "Health", "–", "not probed", ""),
    }
    out.push_str("</div></section>");
}

/// The guide's target for the tier a size falls in, in the unit `pick` selects.
fn target_line(
    targets: &Targets,
    sizes: &[u64],
    pick: fn(&crate::bench::targets::Tier) -> f64,
    unit: &str,
) -> Vec<HLine> {
    let mut lines: Vec<HLine> = Vec::new();
    for &s in sizes {
        if let Some((name, tier)) = targets.tier_for(s) {
            let y = pick(&tier);
            if !lines.iter().any(|l| (l.y - y).abs() < 1e-12) {
                lines.push(HLine {
                    y,
                    label: format!("target {} {}{unit}", name, svg::tick(y)),
                    class: "target",
                });
            }
        }
    }
    lines
}

fn benchmark(out: &mut String, d: &DashboardData) {
    out.push_str(r#"<section id="benchmark"><h2>Benchmark</h2>"#);
    let Some(b) = &d.benchmark else {
        empty(
            out,
            "No benchmark run in the history yet.",
            "customer-snapshot dashboard --mode benchmark",
        );
        out.push_str("</section>");
        return;
    };
    out.push_str(&format!(
        r#"<p class="note">Run of {} · {} runs per size after {} warm-up · corpus {} · {} {}{}</p>"#,
        esc(&b.started_at),
        b.settings.runs,
        b.settings.warmup,
        esc(b.settings.corpus.name()),
        esc(&b.system.tool_version),
        esc(b.system.git_commit.as_deref().unwrap_or("")),
        esc(&format!(" · {}", b.system.cpu_model)),
    ));
    let sizes: Vec<u64> = b.results.iter().map(|r| r.size_bytes).collect();
    let targets = &b.settings.targets;
    let size_x = |r: &crate::bench::report::SizeResult| mb(r.size_bytes);
    let tp = LineChart {
        title: "Throughput vs file size".into(),
        y_unit: "MB/s".into(),
        x_axis: XAxis::Linear(" MB"),
        x_labels: vec![],
        series: vec![Series {
            name: "median throughput".into(),
            points: b
                .results
                .iter()
                .filter_map(|r| {
                    r.throughput_mb_per_s.map(|t| Point {
                        x: size_x(r),
                        y: t,
                        title: format!("{}: {t:.3} MB/s", format_size(r.size_bytes)),
                        flagged: r.verdict.as_ref().is_some_and(|v| !v.pass),
                    })
                })
                .collect(),
        }],
        hlines: target_line(targets, &sizes, |t| t.min_throughput_mb_per_s, " MB/s"),
        markers: vec![],
    };
    let rss = LineChart {
        title: "Peak RSS vs file size".into(),
        y_unit: "MB".into(),
        x_axis: XAxis::Linear(" MB"),
        x_labels: vec![],
        series: vec![Series {
            name: "peak RSS (max)".into(),
            points: b
                .results
                .iter()
                .filter_map(|r| {
                    r.peak_rss_bytes_max.map(|p| Point {
                        x: size_x(r),
                        y: mb(p),
                        title: format!("{}: {}", format_size(r.size_bytes), format_bytes(p)),
                        flagged: r.verdict.as_ref().is_some_and(|v| !v.pass),
                    })
                })
                .collect(),
        }],
        hlines: target_line(targets, &sizes, |t| t.max_peak_rss_mb, " MB"),
        markers: vec![],
    };
    let bars: Vec<Bar> = b
        .results
        .iter()
        .filter_map(|r| {
            r.wall_seconds.as_ref().map(|w| Bar {
                label: format_size(r.size_bytes),
                value: w.median,
                range: Some((w.min, w.max)),
                title: format!(
                    "{}: median {}, min {}, max {}",
                    format_size(r.size_bytes),
                    format_seconds(w.median),
                    format_seconds(w.min),
                    format_seconds(w.max)
                ),
            })
        })
        .collect();
    out.push_str(r#"<div class="grid">"#);
    out.push_str(&tp.render());
    out.push_str(&rss.render());
    out.push_str(&svg::bar_chart(
        "Wall time per size (median, min–max)",
        "s",
        &bars,
        &[],
    ));
    stage_chart(out, d);
    out.push_str("</div><h3>Results</h3>");
    let rows: Vec<Vec<String>> = b
        .results
        .iter()
        .map(|r| {
            vec![
                format_size(r.size_bytes),
                format!("{}/{}", r.successes, r.runs),
                opt(r.wall_seconds.as_ref().map(|w| w.median), format_seconds),
                r.wall_seconds.as_ref().map_or_else(
                    || "–".into(),
                    |w| format!("{} – {}", format_seconds(w.min), format_seconds(w.max)),
                ),
                opt(r.throughput_mb_per_s, |t| format!("{t:.3}")),
                r.peak_rss_bytes_max
                    .map_or_else(|| "–".into(), format_bytes),
                opt(r.cpu_percent_median, |c| format!("{c:.0} %")),
                r.verdict.as_ref().map_or_else(
                    || "no tier".into(),
                    |v| {
                        if v.pass {
                            format!("met ({})", v.tier)
                        } else {
                            format!("missed: {}", v.misses.join(", "))
                        }
                    },
                ),
            ]
        })
        .collect();
    table(
        out,
        &[
            "Size",
            "OK",
            "Median",
            "Min – max",
            "MB/s",
            "Peak RSS",
            "CPU",
            "Target",
        ],
        &[false, true, true, true, true, true, true, false],
        &rows,
    );
    out.push_str("</section>");
}

/// The benchmark's AI stage, when the latest run has one: wall time per concurrency limit and
/// the call latency percentiles, with the figures in a table. Absent otherwise (the stage is
/// opt-in, so an empty section would only be noise).
fn ai_stage(out: &mut String, d: &DashboardData) {
    let Some(ai) = d.benchmark.as_ref().and_then(|b| b.ai.as_ref()) else {
        return;
    };
    out.push_str(r#"<section id="ai"><h2>AI stage</h2>"#);
    out.push_str(&format!(
        r#"<p class="note">The 11-section AI snapshot of a {} meeting against the {} API ({} added before each answer) · prompt cache {} · one run per concurrency limit.</p><div class="grid">"#,
        esc(&format_bytes(ai.input_bytes)),
        esc(&ai.api),
        esc(&format_seconds(ai.latency_seconds)),
        if ai.prompt_cache { "on" } else { "off" },
    ));
    let bars: Vec<Bar> = ai
        .results
        .iter()
        .map(|r| Bar {
            label: format!("{} in flight", r.concurrency),
            value: r.wall_seconds,
            range: None,
            title: format!(
                "concurrency {}: {} for {} calls ({} failed, {} retries)",
                r.concurrency,
                format_seconds(r.wall_seconds),
                r.calls,
                r.failed_calls,
                r.retries
            ),
        })
        .collect();
    out.push_str(&svg::bar_chart(
        "AI stage wall time per concurrency limit",
        "s",
        &bars,
        &[],
    ));
    // Concurrency limits are few and uneven (1, 2, 4, 8): evenly spaced, labelled by value.
    let pct =
        |name: &str, pick: fn(&crate::bench::ai::AiConcurrencyResult) -> Option<f64>| Series {
            name: name.into(),
            points: ai
                .results
                .iter()
                .enumerate()
                .filter_map(|(i, r)| {
                    pick(r).map(|y| Point {
                        x: i as f64,
                        y,
                        title: format!(
                            "concurrency {}: {name} {}",
                            r.concurrency,
                            format_seconds(y)
                        ),
                        flagged: r.failed_calls > 0,
                    })
                })
                .collect(),
        };
    out.push_str(
        &LineChart {
            title: "AI call latency (p50, p95) per concurrency limit".into(),
            y_unit: "s".into(),
            x_axis: XAxis::Index,
            x_labels: ai
                .results
                .iter()
                .map(|r| r.concurrency.to_string())
                .collect(),
            series: vec![
                pct("p50", |r| r.p50_call_seconds),
                pct("p95", |r| r.p95_call_seconds),
            ],
            hlines: vec![HLine {
                y: ai.latency_seconds,
                label: format!("added latency {}", format_seconds(ai.latency_seconds)),
                class: "target",
            }],
            markers: vec![],
        }
        .render(),
    );
    out.push_str("</div>");
    let rows: Vec<Vec<String>> = ai
        .results
        .iter()
        .zip(ai.wall_ratios())
        .map(|(r, ratio)| {
            vec![
                r.concurrency.to_string(),
                format_seconds(r.wall_seconds),
                opt(ratio, |x| format!("{x:.2}×")),
                format!("{} ({} failed)", r.calls, r.failed_calls),
                r.retries.to_string(),
                opt(r.p50_call_seconds, format_seconds),
                opt(r.p95_call_seconds, format_seconds),
                format!("{:.1}", r.parallelism),
            ]
        })
        .collect();
    table(
        out,
        &[
            "Concurrency",
            "Wall",
            "vs first",
            "Calls",
            "Retries",
            "p50 call",
            "p95 call",
            "In flight (avg)",
        ],
        &[true, true, true, true, true, true, true, true],
        &rows,
    );
    out.push_str("</section>");
}

/// The stacked stage bar, from whichever source [`DashboardData::stage_breakdown`] names; the
/// caption says which.
fn stage_chart(out: &mut String, d: &DashboardData) {
    let Some(sb) = &d.stage_breakdown else {
        empty(
            out,
            "No per-stage timings: neither the benchmark run nor a profile has any.",
            "customer-snapshot dashboard --mode optimize",
        );
        return;
    };
    let stacks: Vec<Stack> = sb
        .sizes
        .iter()
        .map(|b| Stack {
            label: b.label.clone(),
            values: b.seconds.clone(),
        })
        .collect();
    out.push_str(&svg::stacked_bar_chart(
        &sb.caption(),
        "s",
        &sb.stages,
        &stacks,
    ));
}

fn trends(out: &mut String, d: &DashboardData) {
    out.push_str(r#"<section id="trends"><h2>Trends</h2>"#);
    if d.trend.len() < 2 {
        empty(
            out,
            &format!(
                "Trends need two benchmark runs or more; the history has {}.",
                d.trend.len()
            ),
            "customer-snapshot dashboard --mode benchmark",
        );
        out.push_str("</section>");
        return;
    }
    let labels: Vec<String> = d
        .trend
        .iter()
        .map(|p| p.started_at.get(..10).unwrap_or(&p.started_at).to_owned())
        .collect();
    let hover = |p: &TrendPoint, what: String| {
        format!(
            "run {} · {} · {} · commit {}{}",
            p.run_id,
            p.started_at,
            what,
            p.git_commit.as_deref().unwrap_or("unknown"),
            if p.regression {
                " · REGRESSION (throughput fell)"
            } else {
                ""
            }
        )
    };
    let tp: Vec<Point> = d
        .trend
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.median_throughput_mb_per_s.map(|t| Point {
                x: i as f64,
                y: t,
                title: hover(p, format!("{t:.3} MB/s")),
                flagged: p.regression,
            })
        })
        .collect();
    let rss: Vec<Point> = d
        .trend
        .iter()
        .enumerate()
        .filter_map(|(i, p)| {
            p.peak_rss_bytes.map(|b| Point {
                x: i as f64,
                y: mb(b),
                title: hover(p, format_bytes(b)),
                flagged: p.regression,
            })
        })
        .collect();
    let regressions = d.trend.iter().filter(|p| p.regression).count();
    out.push_str(&format!(
        r#"<p class="note">{} runs; {} marked as regressions (median throughput more than {:.0} % below the median of the {} runs before). Hover a point for its commit.</p><div class="grid">"#,
        d.trend.len(),
        regressions,
        REGRESSION_DROP * 100.0,
        REGRESSION_WINDOW
    ));
    for (title, unit, points) in [
        ("Median throughput per run", "MB/s", tp),
        ("Peak RSS per run", "MB", rss),
    ] {
        out.push_str(
            &LineChart {
                title: title.into(),
                y_unit: unit.into(),
                x_axis: XAxis::Index,
                x_labels: labels.clone(),
                series: vec![Series {
                    name: title.into(),
                    points,
                }],
                hlines: vec![],
                markers: vec![],
            }
            .render(),
        );
    }
    out.push_str("</div></section>");
}

fn monitor_section(out: &mut String, d: &DashboardData) {
    out.push_str(r#"<section id="monitor"><h2>Monitor</h2>"#);
    let Some(m) = &d.monitor else {
        empty(
            out,
            "No monitor session in the history yet.",
            "customer-snapshot dashboard --mode monitor --duration 60",
        );
        out.push_str("</section>");
        return;
    };
    if m.points.is_empty() {
        empty(
            out,
            &format!("Monitor session {} stored no samples.", m.session_id),
            "customer-snapshot dashboard --mode monitor --duration 60",
        );
        out.push_str("</section>");
        return;
    }
    out.push_str(&format!(
        r#"<p class="note">Session {} · {} samples{} · {} alert events</p><div class="grid">"#,
        m.session_id,
        m.samples_total,
        if m.points.len() < m.samples_total {
            format!(" ({} drawn)", m.points.len())
        } else {
            String::new()
        },
        m.alerts.len()
    ));
    let t = &m.thresholds;
    let markers_for = |kinds: &[&str]| -> Vec<Marker> {
        m.alerts
            .iter()
            .filter(|a| kinds.contains(&a.kind.as_str()))
            .map(|a| Marker {
                x: a.elapsed_seconds,
                title: format!("{} {} {}: {}", a.kind, a.change, a.level, a.message),
                class: if a.change == "resolved" {
                    "resolved"
                } else {
                    "fired"
                },
            })
            .collect()
    };
    let series = |name: &str, f: &dyn Fn(&MonitorPoint) -> Option<f64>, unit: &str| Series {
        name: name.into(),
        points: m
            .points
            .iter()
            .filter_map(|p| {
                f(p).map(|y| Point {
                    x: p.elapsed_seconds,
                    y,
                    title: format!("{:.0} s: {} {}", p.elapsed_seconds, svg::tick(y), unit),
                    flagged: false,
                })
            })
            .collect(),
    };
    let levels = |l: &crate::monitor::config::Levels, unit: &str| {
        vec![
            HLine {
                y: l.warning,
                label: format!("warning {}{unit}", svg::tick(l.warning)),
                class: "warn",
            },
            HLine {
                y: l.critical,
                label: format!("critical {}{unit}", svg::tick(l.critical)),
                class: "crit",
            },
        ]
    };
    let charts = [
        LineChart {
            title: "System CPU".into(),
            y_unit: "%".into(),
            x_axis: XAxis::Linear(" s"),
            x_labels: vec![],
            series: vec![series("CPU", &|p| Some(p.cpu_percent), "%")],
            hlines: levels(&t.cpu_percent, " %"),
            markers: markers_for(&["cpu"]),
        },
        LineChart {
            title: "System memory".into(),
            y_unit: "%".into(),
            x_axis: XAxis::Linear(" s"),
            x_labels: vec![],
            series: vec![series("memory", &|p| Some(p.memory_percent), "%")],
            hlines: levels(&t.memory_percent, " %"),
            markers: markers_for(&["memory"]),
        },
        LineChart {
            title: "Disk use (fullest filesystem)".into(),
            y_unit: "%".into(),
            x_axis: XAxis::Linear(" s"),
            x_labels: vec![],
            series: vec![series("disk", &|p| p.disk_used_percent, "%")],
            hlines: levels(&t.disk_percent, " %"),
            markers: markers_for(&["disk", "disk_free"]),
        },
        LineChart {
            title: "Application RSS".into(),
            y_unit: "MB".into(),
            x_axis: XAxis::Linear(" s"),
            x_labels: vec![],
            series: vec![series("RSS", &|p| Some(mb(p.app_rss_bytes)), "MB")],
            hlines: vec![],
            markers: markers_for(&["process_memory"]),
        },
        LineChart {
            title: "Application CPU".into(),
            y_unit: "%".into(),
            x_axis: XAxis::Linear(" s"),
            x_labels: vec![],
            series: vec![series("CPU", &|p| Some(p.app_cpu_percent), "%")],
            hlines: vec![],
            markers: vec![],
        },
    ];
    for c in &charts {
        out.push_str(&c.render());
    }
    out.push_str("</div><h3>Alerts</h3>");
    if m.alerts.is_empty() {
        out.push_str(r#"<p class="note">No alert fired in this session.</p>"#);
    } else {
        let rows: Vec<Vec<String>> = m
            .alerts
            .iter()
            .map(|a| {
                vec![
                    format!("{:.0} s", a.elapsed_seconds),
                    a.kind.clone(),
                    a.subject.clone(),
                    a.change.clone(),
                    a.level.clone(),
                    a.message.clone(),
                ]
            })
            .collect();
        table(
            out,
            &["At", "Metric", "Subject", "Change", "Level", "Message"],
            &[true],
            &rows,
        );
    }
    out.push_str("</section>");
}

fn profile_section(out: &mut String, d: &DashboardData) {
    out.push_str(r#"<section id="profile"><h2>Profile</h2>"#);
    let Some(p) = &d.profile else {
        empty(
            out,
            "No optimization profile in the history yet.",
            "customer-snapshot dashboard --mode optimize",
        );
        out.push_str("</section>");
        return;
    };
    out.push_str(&format!(
        r#"<p class="note">Profile of {} · sampling at {} Hz · {} build</p>"#,
        esc(&p.started_at),
        p.settings.sampling_hz,
        p.system.build_kind()
    ));
    for s in &p.sizes {
        out.push_str(&format!(
            "<h3>{} — {} in {} ({:.2} MB/s)</h3>",
            esc(&s.label),
            esc(&format_bytes(s.input_bytes)),
            esc(&format_seconds(s.wall_seconds)),
            s.throughput_mb_per_s
        ));
        let rows: Vec<Vec<String>> = s
            .stages
            .iter()
            .map(|st| {
                vec![
                    st.stage.clone(),
                    format_seconds(st.wall_seconds),
                    format!("{:.1} %", st.share * 100.0),
                    opt(st.throughput_mb_per_s, |t| format!("{t:.1}")),
                    st.items_out.to_string(),
                    st.allocations.map_or_else(|| "–".into(), |a| a.to_string()),
                    st.peak_heap_bytes.map_or_else(|| "–".into(), format_bytes),
                ]
            })
            .collect();
        table(
            out,
            &[
                "Stage",
                "Wall",
                "Share",
                "MB/s",
                "Items out",
                "Allocations",
                "Peak heap",
            ],
            &[false, true, true, true, true, true, true],
            &rows,
        );
        if !s.functions.top_self.is_empty() {
            out.push_str("<h3>Top functions (self time)</h3>");
            let rows: Vec<Vec<String>> = s
                .functions
                .top_self
                .iter()
                .take(10)
                .map(|f| {
                    vec![
                        f.function.clone(),
                        f.samples.to_string(),
                        format!("{:.1} %", f.percent),
                        f.top_caller.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            table(
                out,
                &["Function", "Samples", "Share", "Top caller"],
                &[false, true, true, false],
                &rows,
            );
        }
    }
    out.push_str("<h3>Findings</h3>");
    let findings: Vec<Vec<String>> = p
        .all_findings()
        .map(|f| {
            vec![
                f.input.clone().unwrap_or_else(|| "all".into()),
                f.subject.clone(),
                f.message.clone(),
                f.suggestion.clone(),
            ]
        })
        .collect();
    if findings.is_empty() {
        out.push_str(r#"<p class="note">No findings: every stage met its thresholds.</p>"#);
    } else {
        table(
            out,
            &["Input", "Subject", "Finding", "Suggestion"],
            &[],
            &findings,
        );
    }
    out.push_str("<h3>Flamegraph</h3>");
    match (&d.flamegraph_svg, &d.flamegraph_note) {
        (Some(svg), _) => {
            out.push_str(r#"<p class="note">Hover a frame for its function and sample count (the flamegraph's own zoom script is removed: this page runs no scripts).</p><div class="flame">"#);
            out.push_str(svg);
            out.push_str("</div>");
        }
        (None, Some(note)) => out.push_str(&format!(r#"<p class="empty">{}</p>"#, esc(note))),
        (None, None) => empty(
            out,
            "This profile has no flamegraph (the sampler was off).",
            "customer-snapshot dashboard --mode optimize",
        ),
    }
    out.push_str("</section>");
}

/// The whole page.
pub fn render_html(d: &DashboardData) -> String {
    let mut body = String::with_capacity(64 * 1024);
    summary(&mut body, d);
    benchmark(&mut body, d);
    ai_stage(&mut body, d);
    trends(&mut body, d);
    monitor_section(&mut body, d);
    profile_section(&mut body, d);
    // Placeholders are replaced in one pass, in template order, so text inserted from data can
    // never be taken for a placeholder.
    let mut out = String::with_capacity(body.len() + PAGE.len() + CSS.len());
    let mut rest = PAGE;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        match &after[..j] {
            "css" => out.push_str(CSS),
            "body" => out.push_str(&body),
            "version" => out.push_str(&esc(&d.tool_version)),
            "generated_at" => out.push_str(&esc(&d.generated_at)),
            "mode" => out.push_str(&esc(&d.mode)),
            "history" => out.push_str(&esc(&d.history_path)),
            other => {
                out.push_str("{{");
                out.push_str(other);
                out.push_str("}}");
            }
        }
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    out
}

/// The dashboard data as pretty JSON.
pub fn to_json(d: &DashboardData) -> String {
    // Serializing plain structs of numbers and strings cannot fail.
    serde_json::to_string_pretty(d).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::report::tests::sample_report;

    fn hostile() -> &'static str {
        r#"<script>alert("x")</script><img src=https://evil.example/x.png>"#
    }

    #[test]
    fn empty_dashboard_says_what_to_run_in_every_section() {
        let d = DashboardData::empty(
            "dashboard",
            Path::new("/nowhere.sqlite"),
            "2026-11-26T07:00:00Z",
        );
        let html = render_html(&d);
        for cmd in [
            "--mode benchmark",
            "--mode monitor --duration 60",
            "--mode optimize",
        ] {
            assert!(html.contains(cmd), "{cmd}");
        }
        assert!(html.contains("default-src 'none'"));
        assert!(!html.contains("{{"));
    }

    #[test]
    fn data_from_a_history_is_charted_and_hostile_text_is_escaped() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.sqlite");
        let mut h = History::open(&path).expect("open");
        let mut r = sample_report();
        r.system.git_commit = Some(hostile().into());
        h.record_benchmark(&r).expect("store");
        // A slower second run is marked as a regression.
        for res in &mut r.results {
            res.throughput_mb_per_s = res.throughput_mb_per_s.map(|t| t * 0.5);
        }
        h.record_benchmark(&r).expect("store");
        drop(h);
        let d = DashboardData::from_history(&path, "dashboard", "now").expect("data");
        assert_eq!(d.trend.len(), 2);
        assert!(!d.trend[0].regression && d.trend[1].regression);
        let html = render_html(&d);
        assert!(!html.contains("<script>alert"), "unescaped data");
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)"));
        assert!(html.contains("Throughput vs file size"));
        assert!(html.contains("REGRESSION"));
        let json = to_json(&d);
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(v["trend"].as_array().map(Vec::len), Some(2));
    }

    #[test]
    fn the_stage_bar_comes_from_the_benchmark_run_else_the_profile_and_says_which() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("h.sqlite");
        let mut h = History::open(&path).expect("open");
        let profile =
            crate::profile::report::fixtures::report("2026-11-25T10:00:00Z", "1MB", 0.3, 10);
        h.write(|tx| profile_history::insert(tx, &profile))
            .expect("profile");
        let mut r = sample_report();
        r.started_at = "<b>1</b>-11-26T06:00:00Z".into();
        let id = h.record_benchmark(&r).expect("store");
        let d = DashboardData::from_history(&path, "dashboard", "now").expect("data");
        let sb = d.stage_breakdown.clone().expect("stages");
        assert_eq!(
            sb.source,
            StageSource::Benchmark {
                run_id: id,
                started_at: r.started_at.clone()
            }
        );
        assert_eq!(sb.stages, vec!["parse".to_owned()]);
        assert_eq!(sb.sizes.len(), 1, "only the size with stages gets a bar");
        assert_eq!(sb.sizes[0].seconds, vec![0.05]);
        let html = render_html(&d);
        assert!(html.contains(&format!(
            "Stage breakdown: benchmark run {id} (&lt;b&gt;1&lt;/b&gt;-1)"
        )));
        assert!(!html.contains("optimize profile ("));
        let v: serde_json::Value = serde_json::from_str(&to_json(&d)).expect("json");
        assert_eq!(v["stage_breakdown"]["source"]["kind"], "benchmark");

        // A newer complete run without stages: the bar falls back to the profile.
        for res in &mut r.results {
            res.stages.clear();
        }
        h.record_benchmark(&r).expect("store");
        drop(h);
        let d = DashboardData::from_history(&path, "dashboard", "now").expect("data");
        let sb = d.stage_breakdown.clone().expect("stages");
        assert_eq!(
            sb.source,
            StageSource::Profile {
                started_at: "2026-11-25T10:00:00Z".into()
            }
        );
        assert_eq!(sb.sizes[0].label, "1MB");
        assert_eq!(sb.sizes[0].seconds, vec![0.3]);
        let html = render_html(&d);
        assert!(html.contains("Stage breakdown: optimize profile (2026-11-25), run has no stages"));
    }

    #[test]
    fn the_ai_stage_is_charted_when_the_run_has_one_and_its_text_escaped() {
        let mut d = DashboardData::empty("dashboard", Path::new("/h.sqlite"), "now");
        d.benchmark = Some(sample_report());
        assert!(!render_html(&d).contains(r#"<section id="ai">"#));
        let mut ai = crate::bench::ai::tests::sample_stage();
        ai.api = hostile().into();
        if let Some(b) = d.benchmark.as_mut() {
            b.ai = Some(ai);
        }
        let html = render_html(&d);
        assert!(html.contains(r#"<section id="ai">"#));
        assert!(html.contains("AI stage wall time per concurrency limit"));
        assert!(html.contains("AI call latency (p50, p95) per concurrency limit"));
        // One bar per concurrency limit, with its wall time in the hover text.
        assert!(html.contains("concurrency 1: 5.600 s for 11 calls"));
        assert!(html.contains("concurrency 4: 2.800 s for 11 calls"));
        assert!(html.contains("0.50×"));
        assert!(!html.contains("<script>alert") && !html.contains("<img"));
        assert!(html.contains("&lt;script&gt;alert"));
        let (svgs, closes) = (html.matches("<svg").count(), html.matches("</svg>").count());
        assert_eq!(svgs, closes);
    }

    #[test]
    fn a_missing_history_is_empty_and_not_created() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("none.sqlite");
        let d = DashboardData::from_history(&path, "dashboard", "now").expect("data");
        assert!(d.benchmark.is_none() && d.monitor.is_none() && d.profile.is_none());
        assert!(!path.exists());
    }

    #[test]
    fn flamegraph_scripts_and_handlers_are_removed_titles_kept() {
        let svg = r#"<?xml version="1.0"?><!DOCTYPE svg><svg onload="init(evt)" xmlns="http://www.w3.org/2000/svg"><script type="text/ecmascript"><![CDATA[ var x = "<svg"; ]]></script><g onmouseover="s(this)" onclick='zoom(this)'><title>main (10 samples)</title><rect/></g></svg>"#;
        let clean = sanitize_svg(svg).expect("svg");
        assert!(clean.starts_with("<svg"));
        assert!(!clean.contains("script") && !clean.contains("onload"));
        assert!(!clean.contains("onmouseover") && !clean.contains("onclick"));
        assert!(clean.contains("<title>main (10 samples)</title>"));
        assert!(sanitize_svg("not svg").is_none());
    }

    #[test]
    fn active_alerts_are_those_not_resolved_last() {
        let a = |kind: &str, change: &str| AlertRow {
            unix_time_seconds: 0.0,
            elapsed_seconds: 0.0,
            kind: kind.into(),
            subject: "/".into(),
            change: change.into(),
            level: "warning".into(),
            message: String::new(),
        };
        assert_eq!(
            count_active(&[
                a("cpu", "fired"),
                a("memory", "fired"),
                a("cpu", "resolved")
            ]),
            1
        );
    }
}
