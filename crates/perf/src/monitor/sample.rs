//! One observation of the machine and the watched application: the plain data the collector
//! thread fills and sends over its channel. Units are in the field names.

use serde::{Deserialize, Serialize};

/// Everything measured at one instant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// Seconds since the Unix epoch when the sample was taken.
    pub unix_time_seconds: f64,
    /// Seconds since the previous sample (0 for the first), the span the rates cover.
    pub elapsed_seconds: f64,
    /// Machine-wide (or container-wide) metrics.
    pub system: SystemSample,
    /// The watched application, aggregated across its processes.
    pub app: AppSample,
}

/// What CPU and memory percentages are relative to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// The whole machine: all cores, all physical memory.
    Host,
    /// The cgroup v2 limits this process runs under (`cpu.max`, `memory.max`).
    Cgroup,
}

impl Basis {
    /// `host` or `cgroup`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Host => "host",
            Basis::Cgroup => "cgroup",
        }
    }
}

/// Machine-wide metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SystemSample {
    /// What `cpu_percent` is relative to.
    pub cpu_basis: Basis,
    /// What `memory_percent` is relative to.
    pub memory_basis: Basis,
    /// CPU in use, percent of all cores (or of the container's CPU limit). 0 on the first
    /// sample: a rate needs two readings.
    pub cpu_percent: f64,
    /// CPU in use per core, percent of that core (host view).
    pub cpu_per_core_percent: Vec<f64>,
    /// The container's CPU limit in cores, when one is set.
    pub cpu_limit_cores: Option<f64>,
    /// Memory that counts as total: physical memory, or the container's limit.
    pub memory_total_bytes: u64,
    /// Memory in use (host: total minus available; cgroup: `memory.current`).
    pub memory_used_bytes: u64,
    /// Memory still available to new work.
    pub memory_available_bytes: u64,
    /// `memory_used_bytes` as a percent of `memory_total_bytes`.
    pub memory_percent: f64,
    /// Swap size.
    pub swap_total_bytes: u64,
    /// Swap in use.
    pub swap_used_bytes: u64,
    /// Each watched filesystem.
    pub disks: Vec<DiskSample>,
    /// Bytes read from block devices per second, all disks.
    pub disk_read_bytes_per_second: f64,
    /// Bytes written to block devices per second, all disks.
    pub disk_write_bytes_per_second: f64,
    /// Bytes received per second on all non-loopback interfaces.
    pub network_receive_bytes_per_second: f64,
    /// Bytes sent per second on all non-loopback interfaces.
    pub network_transmit_bytes_per_second: f64,
    /// Processes on the machine (or visible in this PID namespace).
    pub process_count: u64,
    /// Load average over 1 minute.
    pub load_1: f64,
    /// Load average over 5 minutes.
    pub load_5: f64,
    /// Load average over 15 minutes.
    pub load_15: f64,
    /// Seconds since boot.
    pub uptime_seconds: u64,
}

/// One filesystem's space.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiskSample {
    /// Where it is mounted.
    pub mount_point: String,
    /// Size.
    pub total_bytes: u64,
    /// Space available to unprivileged users.
    pub free_bytes: u64,
    /// Percent of the size not available (`100 * (total - free) / total`).
    pub used_percent: f64,
}

/// Whether any watched process exists. Absence is a state, not an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppState {
    /// At least one matching process.
    Running,
    /// No matching process (never started, exited, or between restarts).
    NotRunning,
}

/// The watched application, summed over every process that matches (never per PID).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AppSample {
    /// What is watched: the process name, or `pid N`.
    pub name: String,
    /// Running or not.
    pub state: AppState,
    /// Matching processes now.
    pub process_count: u64,
    /// Their PIDs, ascending.
    pub pids: Vec<u32>,
    /// CPU in use, percent of one core (can exceed 100 on several cores).
    pub cpu_percent: f64,
    /// Resident memory.
    pub rss_bytes: u64,
    /// Virtual memory.
    pub virtual_memory_bytes: u64,
    /// Threads.
    pub threads: u64,
    /// Open file descriptors.
    pub open_fds: u64,
    /// Seconds since the oldest matching process started (0 when not running).
    pub uptime_seconds: u64,
    /// Bytes read from storage per second.
    pub read_bytes_per_second: f64,
    /// Bytes written to storage per second.
    pub written_bytes_per_second: f64,
    /// Bytes read since the monitor started, across exits and restarts (monotonic).
    pub read_bytes_total: u64,
    /// Bytes written since the monitor started, across exits and restarts (monotonic).
    pub written_bytes_total: u64,
    /// CPU seconds used since the monitor started, across exits and restarts (monotonic).
    pub cpu_seconds_total: f64,
    /// Matching processes that have appeared since the monitor started (the ones already
    /// running at start count).
    pub starts_total: u64,
}

impl AppSample {
    /// The state when no process matches: every figure zero, monotonic totals as given.
    pub fn not_running(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            state: AppState::NotRunning,
            process_count: 0,
            pids: Vec::new(),
            cpu_percent: 0.0,
            rss_bytes: 0,
            virtual_memory_bytes: 0,
            threads: 0,
            open_fds: 0,
            uptime_seconds: 0,
            read_bytes_per_second: 0.0,
            written_bytes_per_second: 0.0,
            read_bytes_total: 0,
            written_bytes_total: 0,
            cpu_seconds_total: 0.0,
            starts_total: 0,
        }
    }
}
