//! The monitor's metrics in the Prometheus text exposition format (version 0.0.4), built with
//! `prometheus-client`. Names follow Prometheus conventions: base units in the name (`_bytes`,
//! `_seconds`, `_ratio` for 0–1 fractions), `_total` on counters, `system_` for the machine
//! and `customer_snapshot_` for the application and the monitor itself.
//!
//! Rates the collector measures per interval are exported as counters (`*_bytes_total`)
//! accumulated since the monitor started, so Prometheus's `rate()` works on them as usual.
//! With a call log ([`PrometheusExporter::with_call_log`]) the AI stage's Messages API calls
//! are exported too (`customer_snapshot_ai_*`, see [`crate::monitor::ai_calls`]).

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::monitor::ai_calls::AiCallExport;
use crate::monitor::alert::{AlertEvent, Change};
use crate::monitor::sample::{AppState, Sample};
use crate::monitor::sink::{Sink, SinkError};

/// `Content-Type` of [`render`]'s output.
pub const CONTENT_TYPE: &str = prometheus_text::CONTENT_TYPE;

type Labels = Vec<(String, String)>;
type G = Gauge<f64, AtomicU64>;
type LG = Family<Labels, G>;
type C = Counter<u64>;
type LC = Family<Labels, C>;
type LCf = Family<Labels, Counter<f64, AtomicU64>>;

/// Renders every metric in `registry` as Prometheus text.
pub fn render(registry: &Registry) -> String {
    let mut out = String::with_capacity(8 * 1024);
    // Writing into a String cannot fail; an encoder error would mean a bug in a metric.
    if prometheus_text::encode(&mut out, registry).is_err() {
        out.clear();
    }
    out
}

/// Holds the metric handles and updates them from samples and alerts.
pub struct PrometheusExporter {
    registry: Arc<Registry>,
    cpu: LG,
    core: LG,
    mem_total: G,
    mem_used: G,
    mem_available: G,
    mem_ratio: LG,
    swap_total: G,
    swap_used: G,
    fs_size: LG,
    fs_free: LG,
    fs_ratio: LG,
    disk_read: C,
    disk_written: C,
    net_rx: C,
    net_tx: C,
    processes: G,
    load1: G,
    load5: G,
    load15: G,
    uptime: G,
    app_running: LG,
    app_processes: LG,
    app_cpu: LG,
    app_cpu_seconds: LCf,
    app_rss: LG,
    app_virtual: LG,
    app_threads: LG,
    app_fds: LG,
    app_uptime: LG,
    app_read: LC,
    app_written: LC,
    app_starts: LC,
    samples: C,
    alert_active: LG,
    alerts_fired: LC,
    /// Totals already exported, to add only the difference to counters.
    last_app: (f64, u64, u64, u64),
    /// The AI call log followed, when one was given.
    ai_calls: Option<AiCallExport>,
}

impl Default for PrometheusExporter {
    fn default() -> Self {
        Self::new()
    }
}

impl PrometheusExporter {
    /// Registers every metric with its HELP text.
    pub fn new() -> Self {
        Self::build(None)
    }

    /// Like [`PrometheusExporter::new`], and also follows the AI call log at `path` (JSON
    /// lines `process --ai` appends), reading what is there now and new lines at each sample.
    pub fn with_call_log(path: &Path) -> Self {
        Self::build(Some(path))
    }

    fn build(call_log: Option<&Path>) -> Self {
        let mut r = Registry::default();
        macro_rules! reg {
            ($name:literal, $help:literal) => {{
                let m = Default::default();
                r.register($name, $help, Clone::clone(&m));
                m
            }};
        }
        let cpu: LG = reg!(
            "system_cpu_usage_ratio",
            "CPU in use as a fraction of all cores, or of the cgroup CPU limit when basis=\"cgroup\""
        );
        let core: LG = reg!(
            "system_cpu_core_usage_ratio",
            "CPU in use per core as a fraction of that core"
        );
        let mem_total: G = reg!(
            "system_memory_total_bytes",
            "Memory that counts as total: physical memory, or the cgroup memory limit"
        );
        let mem_used: G = reg!("system_memory_used_bytes", "Memory in use");
        let mem_available: G = reg!(
            "system_memory_available_bytes",
            "Memory available to new work"
        );
        let mem_ratio: LG = reg!(
            "system_memory_usage_ratio",
            "Memory in use as a fraction of total, of the host or of the cgroup limit (see basis)"
        );
        let swap_total: G = reg!("system_swap_total_bytes", "Swap size");
        let swap_used: G = reg!("system_swap_used_bytes", "Swap in use");
        let fs_size: LG = reg!(
            "system_filesystem_size_bytes",
            "Size of a watched filesystem"
        );
        let fs_free: LG = reg!(
            "system_filesystem_free_bytes",
            "Space available to unprivileged users on a watched filesystem"
        );
        let fs_ratio: LG = reg!(
            "system_filesystem_usage_ratio",
            "Fraction of a watched filesystem not available"
        );
        // Counter names are registered without `_total`; the encoder appends it.
        let disk_read: C = reg!(
            "system_disk_read_bytes",
            "Bytes read from block devices since the monitor started"
        );
        let disk_written: C = reg!(
            "system_disk_written_bytes",
            "Bytes written to block devices since the monitor started"
        );
        let net_rx: C = reg!(
            "system_network_receive_bytes",
            "Bytes received on non-loopback interfaces since the monitor started"
        );
        let net_tx: C = reg!(
            "system_network_transmit_bytes",
            "Bytes sent on non-loopback interfaces since the monitor started"
        );
        let processes: G = reg!("system_processes", "Processes on the machine");
        let load1: G = reg!("system_load1", "Load average over 1 minute");
        let load5: G = reg!("system_load5", "Load average over 5 minutes");
        let load15: G = reg!("system_load15", "Load average over 15 minutes");
        let uptime: G = reg!("system_uptime_seconds", "Seconds since boot");
        let app_running: LG = reg!(
            "customer_snapshot_running",
            "1 when at least one watched process is running, else 0"
        );
        let app_processes: LG = reg!("customer_snapshot_processes", "Watched processes running");
        let app_cpu: LG = reg!(
            "customer_snapshot_cpu_usage_ratio",
            "CPU used by the watched processes as a fraction of one core (above 1 on several cores)"
        );
        let app_cpu_seconds: LCf = reg!(
            "customer_snapshot_cpu_seconds",
            "CPU seconds used by the watched processes since the monitor started"
        );
        let app_rss: LG = reg!(
            "customer_snapshot_resident_memory_bytes",
            "Resident memory of the watched processes together"
        );
        let app_virtual: LG = reg!(
            "customer_snapshot_virtual_memory_bytes",
            "Virtual memory of the watched processes together"
        );
        let app_threads: LG = reg!(
            "customer_snapshot_threads",
            "Threads of the watched processes"
        );
        let app_fds: LG = reg!(
            "customer_snapshot_open_fds",
            "Open file descriptors of the watched processes"
        );
        let app_uptime: LG = reg!(
            "customer_snapshot_uptime_seconds",
            "Seconds since the oldest watched process started"
        );
        let app_read: LC = reg!(
            "customer_snapshot_read_bytes",
            "Bytes the watched processes read from storage since the monitor started"
        );
        let app_written: LC = reg!(
            "customer_snapshot_written_bytes",
            "Bytes the watched processes wrote to storage since the monitor started"
        );
        let app_starts: LC = reg!(
            "customer_snapshot_process_starts",
            "Watched processes seen starting (those running when the monitor started count)"
        );
        let samples: C = reg!(
            "customer_snapshot_monitor_samples",
            "Samples the monitor has taken"
        );
        let alert_active: LG = reg!(
            "customer_snapshot_monitor_alert_active",
            "1 for each alert that is active, labelled with its metric, subject and level"
        );
        let alerts_fired: LC = reg!(
            "customer_snapshot_monitor_alerts_fired",
            "Alerts that fired or escalated, by metric and level"
        );
        let ai_calls = call_log.map(|p| AiCallExport::new(&mut r, p));
        Self {
            registry: Arc::new(r),
            cpu,
            core,
            mem_total,
            mem_used,
            mem_available,
            mem_ratio,
            swap_total,
            swap_used,
            fs_size,
            fs_free,
            fs_ratio,
            disk_read,
            disk_written,
            net_rx,
            net_tx,
            processes,
            load1,
            load5,
            load15,
            uptime,
            app_running,
            app_processes,
            app_cpu,
            app_cpu_seconds,
            app_rss,
            app_virtual,
            app_threads,
            app_fds,
            app_uptime,
            app_read,
            app_written,
            app_starts,
            samples,
            alert_active,
            alerts_fired,
            last_app: (0.0, 0, 0, 0),
            ai_calls,
        }
    }

    /// Adds the AI calls appended to the call log since the last poll (none without a call
    /// log). An error is a warning to print: the other metrics are unaffected.
    pub fn poll_call_log(&mut self) -> Result<usize, String> {
        self.ai_calls.as_mut().map_or(Ok(0), AiCallExport::poll)
    }

    /// The registry, to serve or render.
    pub fn registry(&self) -> Arc<Registry> {
        Arc::clone(&self.registry)
    }

    /// Updates every metric from a sample.
    pub fn observe(&mut self, s: &Sample) {
        let sys = &s.system;
        let one = |k: &str, v: &str| vec![(k.to_owned(), v.to_owned())];
        self.cpu.clear();
        self.cpu
            .get_or_create(&one("basis", sys.cpu_basis.as_str()))
            .set(sys.cpu_percent / 100.0);
        for (i, c) in sys.cpu_per_core_percent.iter().enumerate() {
            self.core
                .get_or_create(&one("core", &i.to_string()))
                .set(c / 100.0);
        }
        self.mem_total.set(sys.memory_total_bytes as f64);
        self.mem_used.set(sys.memory_used_bytes as f64);
        self.mem_available.set(sys.memory_available_bytes as f64);
        self.mem_ratio.clear();
        self.mem_ratio
            .get_or_create(&one("basis", sys.memory_basis.as_str()))
            .set(sys.memory_percent / 100.0);
        self.swap_total.set(sys.swap_total_bytes as f64);
        self.swap_used.set(sys.swap_used_bytes as f64);
        for d in &sys.disks {
            let l = one("mountpoint", &d.mount_point);
            self.fs_size.get_or_create(&l).set(d.total_bytes as f64);
            self.fs_free.get_or_create(&l).set(d.free_bytes as f64);
            self.fs_ratio.get_or_create(&l).set(d.used_percent / 100.0);
        }
        let bytes = |rate: f64| (rate * s.elapsed_seconds).round().max(0.0) as u64;
        self.disk_read.inc_by(bytes(sys.disk_read_bytes_per_second));
        self.disk_written
            .inc_by(bytes(sys.disk_write_bytes_per_second));
        self.net_rx
            .inc_by(bytes(sys.network_receive_bytes_per_second));
        self.net_tx
            .inc_by(bytes(sys.network_transmit_bytes_per_second));
        self.processes.set(sys.process_count as f64);
        self.load1.set(sys.load_1);
        self.load5.set(sys.load_5);
        self.load15.set(sys.load_15);
        self.uptime.set(sys.uptime_seconds as f64);

        let app = &s.app;
        let l = one("process", &app.name);
        let running = if app.state == AppState::Running {
            1.0
        } else {
            0.0
        };
        self.app_running.get_or_create(&l).set(running);
        self.app_processes
            .get_or_create(&l)
            .set(app.process_count as f64);
        self.app_cpu.get_or_create(&l).set(app.cpu_percent / 100.0);
        self.app_rss.get_or_create(&l).set(app.rss_bytes as f64);
        self.app_virtual
            .get_or_create(&l)
            .set(app.virtual_memory_bytes as f64);
        self.app_threads.get_or_create(&l).set(app.threads as f64);
        self.app_fds.get_or_create(&l).set(app.open_fds as f64);
        self.app_uptime
            .get_or_create(&l)
            .set(app.uptime_seconds as f64);
        let (cpu0, read0, written0, starts0) = self.last_app;
        self.app_cpu_seconds
            .get_or_create(&l)
            .inc_by((app.cpu_seconds_total - cpu0).max(0.0));
        self.app_read
            .get_or_create(&l)
            .inc_by(app.read_bytes_total.saturating_sub(read0));
        self.app_written
            .get_or_create(&l)
            .inc_by(app.written_bytes_total.saturating_sub(written0));
        self.app_starts
            .get_or_create(&l)
            .inc_by(app.starts_total.saturating_sub(starts0));
        self.last_app = (
            app.cpu_seconds_total,
            app.read_bytes_total,
            app.written_bytes_total,
            app.starts_total,
        );
        self.samples.inc();
    }

    /// Records an alert changing state.
    pub fn alert(&mut self, e: &AlertEvent) {
        let labels = |level: &str| {
            vec![
                ("alert".to_owned(), e.kind.as_str().to_owned()),
                ("subject".to_owned(), e.subject.clone()),
                ("level".to_owned(), level.to_owned()),
            ]
        };
        for level in ["warning", "critical"] {
            self.alert_active.remove(&labels(level));
        }
        if e.change != Change::Resolved {
            self.alert_active
                .get_or_create(&labels(e.level.as_str()))
                .set(1.0);
        }
        if matches!(e.change, Change::Fired | Change::Escalated) {
            self.alerts_fired
                .get_or_create(&vec![
                    ("alert".to_owned(), e.kind.as_str().to_owned()),
                    ("level".to_owned(), e.level.as_str().to_owned()),
                ])
                .inc();
        }
    }
}

impl Sink for PrometheusExporter {
    fn sample(&mut self, sample: &Sample) -> Result<(), SinkError> {
        self.observe(sample);
        self.poll_call_log().map(drop).map_err(SinkError::Warning)
    }
    fn alert(&mut self, event: &AlertEvent) -> Result<(), SinkError> {
        PrometheusExporter::alert(self, event);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::monitor::alert::{AlertKind, Level};
    use crate::monitor::sample::{AppSample, Basis, DiskSample, SystemSample};

    fn sample() -> Sample {
        Sample {
            unix_time_seconds: 1.0,
            elapsed_seconds: 2.0,
            system: SystemSample {
                cpu_basis: Basis::Host,
                memory_basis: Basis::Cgroup,
                cpu_percent: 25.0,
                cpu_per_core_percent: vec![50.0, 0.0],
                cpu_limit_cores: None,
                memory_total_bytes: 1000,
                memory_used_bytes: 250,
                memory_available_bytes: 750,
                memory_percent: 25.0,
                swap_total_bytes: 0,
                swap_used_bytes: 0,
                disks: vec![DiskSample {
                    mount_point: "/".into(),
                    total_bytes: 100,
                    free_bytes: 40,
                    used_percent: 60.0,
                }],
                disk_read_bytes_per_second: 10.0,
                disk_write_bytes_per_second: 0.0,
                network_receive_bytes_per_second: 5.0,
                network_transmit_bytes_per_second: 0.0,
                process_count: 7,
                load_1: 0.5,
                load_5: 0.25,
                load_15: 0.125,
                uptime_seconds: 99,
            },
            app: AppSample {
                name: "customer-snapshot".into(),
                state: AppState::Running,
                process_count: 2,
                pids: vec![1, 2],
                cpu_percent: 150.0,
                rss_bytes: 4096,
                virtual_memory_bytes: 8192,
                threads: 3,
                open_fds: 9,
                uptime_seconds: 12,
                read_bytes_per_second: 0.0,
                written_bytes_per_second: 0.0,
                read_bytes_total: 300,
                written_bytes_total: 0,
                cpu_seconds_total: 1.5,
                starts_total: 2,
            },
        }
    }

    #[test]
    fn exposition_has_conventional_names_units_and_values() {
        let mut e = PrometheusExporter::new();
        e.observe(&sample());
        e.observe(&sample());
        e.alert(&AlertEvent {
            unix_time_seconds: 1.0,
            kind: AlertKind::Memory,
            subject: "system".into(),
            change: Change::Fired,
            level: Level::Warning,
            value: 90.0,
            threshold: 85.0,
            message: String::new(),
        });
        let text = render(&e.registry());
        for line in [
            "# TYPE system_cpu_usage_ratio gauge",
            "system_cpu_usage_ratio{basis=\"host\"} 0.25",
            "system_memory_usage_ratio{basis=\"cgroup\"} 0.25",
            "system_filesystem_usage_ratio{mountpoint=\"/\"} 0.6",
            // 10 B/s over 2 s, twice.
            "system_disk_read_bytes_total 40",
            "# TYPE customer_snapshot_cpu_seconds_total counter",
            "customer_snapshot_cpu_seconds_total{process=\"customer-snapshot\"} 1.5",
            "customer_snapshot_read_bytes_total{process=\"customer-snapshot\"} 300",
            "customer_snapshot_resident_memory_bytes{process=\"customer-snapshot\"} 4096.0",
            "customer_snapshot_cpu_usage_ratio{process=\"customer-snapshot\"} 1.5",
            "customer_snapshot_monitor_samples_total 2",
            "customer_snapshot_monitor_alert_active{alert=\"memory\",subject=\"system\",level=\"warning\"} 1.0",
            "customer_snapshot_monitor_alerts_fired_total{alert=\"memory\",level=\"warning\"} 1",
        ] {
            assert!(
                text.lines().any(|l| l == line),
                "missing {line:?} in\n{text}"
            );
        }
        e.alert(&AlertEvent {
            unix_time_seconds: 2.0,
            kind: AlertKind::Memory,
            subject: "system".into(),
            change: Change::Resolved,
            level: Level::Warning,
            value: 10.0,
            threshold: 85.0,
            message: String::new(),
        });
        let text = render(&e.registry());
        assert!(
            !text.contains("customer_snapshot_monitor_alert_active{"),
            "{text}"
        );
    }
}
