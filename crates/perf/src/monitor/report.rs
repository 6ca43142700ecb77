//! The stored time series behind reports: running min/avg/max per metric over a window (the
//! periodic report) and over the whole run (the final summary), plus the alerts seen in it.
//! Constant memory whatever the run length: a window keeps aggregates, not samples.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use super::alert::{ActiveAlert, AlertEvent};
use super::sample::{AppState, Basis, Sample};

/// Periodic or final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    /// Every `report_interval`.
    Periodic,
    /// When the monitor stops.
    Final,
}

/// Min, average and max of one metric over a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MetricSummary {
    /// Metric name with its unit, e.g. `cpu_percent`, `disk_used_percent /`.
    pub metric: String,
    /// Smallest value.
    pub min: f64,
    /// Mean value.
    pub avg: f64,
    /// Largest value.
    pub max: f64,
}

/// What a report says.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// Periodic or final.
    pub kind: ReportKind,
    /// Time of the first sample in the window (Unix seconds).
    pub start_unix_time_seconds: f64,
    /// Time of the last sample in the window (Unix seconds).
    pub end_unix_time_seconds: f64,
    /// Samples in the window.
    pub samples: u64,
    /// What CPU percent is relative to.
    pub cpu_basis: Basis,
    /// What memory percent is relative to.
    pub memory_basis: Basis,
    /// The watched application.
    pub app_name: String,
    /// Samples in which the application was running.
    pub app_running_samples: u64,
    /// Min/avg/max per metric.
    pub metrics: Vec<MetricSummary>,
    /// Alerts active at the end of the window.
    pub active_alerts: Vec<ActiveAlert>,
    /// Alert events during the window, oldest first (at most [`RECENT_ALERTS`]).
    pub recent_alerts: Vec<AlertEvent>,
}

/// How many alert events a report keeps; older ones are counted in history, not repeated here.
pub const RECENT_ALERTS: usize = 20;

#[derive(Debug, Clone)]
struct Stat {
    name: String,
    min: f64,
    max: f64,
    sum: f64,
    n: u64,
}

/// Accumulates samples and alert events into a [`Report`].
#[derive(Debug, Clone)]
pub struct Window {
    stats: Vec<Stat>,
    start: f64,
    end: f64,
    samples: u64,
    running: u64,
    cpu_basis: Basis,
    memory_basis: Basis,
    app_name: String,
    recent: Vec<AlertEvent>,
}

impl Default for Window {
    fn default() -> Self {
        Self {
            stats: Vec::new(),
            start: 0.0,
            end: 0.0,
            samples: 0,
            running: 0,
            cpu_basis: Basis::Host,
            memory_basis: Basis::Host,
            app_name: String::new(),
            recent: Vec::new(),
        }
    }
}

impl Window {
    /// An empty window.
    pub fn new() -> Self {
        Self::default()
    }

    /// Samples added so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    /// Adds one sample.
    pub fn add_sample(&mut self, s: &Sample) {
        if self.samples == 0 {
            self.start = s.unix_time_seconds;
        }
        self.end = s.unix_time_seconds;
        self.samples += 1;
        self.cpu_basis = s.system.cpu_basis;
        self.memory_basis = s.system.memory_basis;
        if self.app_name != s.app.name {
            self.app_name.clone_from(&s.app.name);
        }
        if s.app.state == AppState::Running {
            self.running += 1;
        }
        let sys = &s.system;
        let mut i = 0;
        let mut put = |name: &str, v: f64| {
            self.record(i, name, v);
            i += 1;
        };
        put("cpu_percent", sys.cpu_percent);
        put("memory_percent", sys.memory_percent);
        put("memory_used_bytes", sys.memory_used_bytes as f64);
        put("swap_used_bytes", sys.swap_used_bytes as f64);
        put("load_1", sys.load_1);
        put("disk_read_bytes_per_second", sys.disk_read_bytes_per_second);
        put(
            "disk_write_bytes_per_second",
            sys.disk_write_bytes_per_second,
        );
        put(
            "network_receive_bytes_per_second",
            sys.network_receive_bytes_per_second,
        );
        put(
            "network_transmit_bytes_per_second",
            sys.network_transmit_bytes_per_second,
        );
        put("process_count", sys.process_count as f64);
        put("app_process_count", s.app.process_count as f64);
        put("app_cpu_percent", s.app.cpu_percent);
        put("app_rss_bytes", s.app.rss_bytes as f64);
        put("app_threads", s.app.threads as f64);
        put("app_open_fds", s.app.open_fds as f64);
        for d in &sys.disks {
            self.record_named(
                &format!("disk_used_percent {}", d.mount_point),
                d.used_percent,
            );
            self.record_named(
                &format!("disk_free_bytes {}", d.mount_point),
                d.free_bytes as f64,
            );
        }
    }

    /// Fixed metrics sit at fixed positions, so recording them needs no search.
    fn record(&mut self, i: usize, name: &str, v: f64) {
        match self.stats.get_mut(i) {
            Some(st) if st.name == name => st.push(v),
            _ => self.record_named(name, v),
        }
    }

    fn record_named(&mut self, name: &str, v: f64) {
        match self.stats.iter_mut().find(|s| s.name == name) {
            Some(st) => st.push(v),
            None => self.stats.push(Stat {
                name: name.to_owned(),
                min: v,
                max: v,
                sum: v,
                n: 1,
            }),
        }
    }

    /// Adds an alert event.
    pub fn add_alert(&mut self, e: &AlertEvent) {
        if self.recent.len() == RECENT_ALERTS {
            self.recent.remove(0);
        }
        self.recent.push(e.clone());
    }

    /// The report for this window, with the alerts active now.
    pub fn report(&self, kind: ReportKind, active: Vec<ActiveAlert>) -> Report {
        Report {
            kind,
            start_unix_time_seconds: self.start,
            end_unix_time_seconds: self.end,
            samples: self.samples,
            cpu_basis: self.cpu_basis,
            memory_basis: self.memory_basis,
            app_name: self.app_name.clone(),
            app_running_samples: self.running,
            metrics: self
                .stats
                .iter()
                .map(|s| MetricSummary {
                    metric: s.name.clone(),
                    min: s.min,
                    avg: if s.n > 0 { s.sum / s.n as f64 } else { 0.0 },
                    max: s.max,
                })
                .collect(),
            active_alerts: active,
            recent_alerts: self.recent.clone(),
        }
    }
}

impl Stat {
    fn push(&mut self, v: f64) {
        self.min = self.min.min(v);
        self.max = self.max.max(v);
        self.sum += v;
        self.n += 1;
    }
}

impl Report {
    /// The report as a few lines of text for a terminal.
    pub fn to_text(&self) -> String {
        let mut out = String::new();
        let title = match self.kind {
            ReportKind::Periodic => "report",
            ReportKind::Final => "summary",
        };
        if self.samples == 0 {
            let _ = writeln!(
                out,
                "== {title}: no samples (the run was shorter than one interval)"
            );
            return out;
        }
        let span = (self.end_unix_time_seconds - self.start_unix_time_seconds).max(0.0);
        let _ = writeln!(
            out,
            "== {title}: {} samples over {span:.0}s; CPU % of {}, memory % of {}; {} running in {}/{} samples",
            self.samples,
            basis_words(self.cpu_basis),
            basis_words(self.memory_basis),
            self.app_name,
            self.app_running_samples,
            self.samples
        );
        let _ = writeln!(
            out,
            "   {:<40} {:>14} {:>14} {:>14}",
            "metric", "min", "avg", "max"
        );
        for m in &self.metrics {
            let _ = writeln!(
                out,
                "   {:<40} {:>14} {:>14} {:>14}",
                m.metric,
                human(&m.metric, m.min),
                human(&m.metric, m.avg),
                human(&m.metric, m.max)
            );
        }
        if self.active_alerts.is_empty() {
            let _ = writeln!(out, "   active alerts: none");
        } else {
            let _ = writeln!(out, "   active alerts:");
            for a in &self.active_alerts {
                let _ = writeln!(
                    out,
                    "     {} {} {} (now {:.1})",
                    a.level.as_str(),
                    a.kind.as_str(),
                    a.subject,
                    a.value
                );
            }
        }
        if !self.recent_alerts.is_empty() {
            let _ = writeln!(out, "   recent alerts:");
            for e in &self.recent_alerts {
                let _ = writeln!(out, "     {}", e.message);
            }
        }
        out
    }
}

fn basis_words(b: Basis) -> &'static str {
    match b {
        Basis::Host => "host",
        Basis::Cgroup => "cgroup limit",
    }
}

/// Bytes as MiB, rates as MiB/s, everything else with one decimal.
fn human(metric: &str, v: f64) -> String {
    if metric.contains("bytes_per_second") {
        format!("{:.2} MiB/s", v / 1_048_576.0)
    } else if metric.contains("bytes") {
        format!("{:.1} MiB", v / 1_048_576.0)
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::sample::{AppSample, SystemSample};

    pub(crate) fn sample(t: f64, cpu: f64, state: AppState) -> Sample {
        Sample {
            unix_time_seconds: t,
            elapsed_seconds: 1.0,
            system: SystemSample {
                cpu_basis: Basis::Host,
                memory_basis: Basis::Host,
                cpu_percent: cpu,
                cpu_per_core_percent: vec![cpu],
                cpu_limit_cores: None,
                memory_total_bytes: 100,
                memory_used_bytes: 50,
                memory_available_bytes: 50,
                memory_percent: 50.0,
                swap_total_bytes: 0,
                swap_used_bytes: 0,
                disks: vec![],
                disk_read_bytes_per_second: 0.0,
                disk_write_bytes_per_second: 0.0,
                network_receive_bytes_per_second: 0.0,
                network_transmit_bytes_per_second: 0.0,
                process_count: 10,
                load_1: 0.5,
                load_5: 0.5,
                load_15: 0.5,
                uptime_seconds: 100,
            },
            app: AppSample {
                state,
                process_count: u64::from(state == AppState::Running),
                ..AppSample::not_running("app")
            },
        }
    }

    #[test]
    fn min_avg_max_over_the_window() {
        let mut w = Window::new();
        w.add_sample(&sample(10.0, 10.0, AppState::Running));
        w.add_sample(&sample(11.0, 30.0, AppState::NotRunning));
        w.add_sample(&sample(12.0, 20.0, AppState::Running));
        let r = w.report(ReportKind::Periodic, vec![]);
        assert_eq!(r.samples, 3);
        assert_eq!(r.app_running_samples, 2);
        assert_eq!(
            (r.start_unix_time_seconds, r.end_unix_time_seconds),
            (10.0, 12.0)
        );
        let cpu = r
            .metrics
            .iter()
            .find(|m| m.metric == "cpu_percent")
            .expect("cpu");
        assert_eq!((cpu.min, cpu.avg, cpu.max), (10.0, 20.0, 30.0));
        let text = r.to_text();
        assert!(text.contains("3 samples over 2s"), "{text}");
        assert!(text.contains("app running in 2/3 samples"), "{text}");
        assert!(text.contains("active alerts: none"), "{text}");
    }
}
