//! Alert rules: warning and critical levels per metric, a minimum number of consecutive samples
//! before an alert fires or changes level, and hysteresis before it resolves, so a value
//! hovering at the threshold raises one alert, not one per sample.
//!
//! The engine is a pure state machine over [`Observation`]s; it never reads the clock or the
//! system, which is what lets the tests drive it with synthetic sequences.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::config::{Levels, Thresholds};
use super::sample::Sample;

/// How bad an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Level {
    /// Past the warning level.
    Warning,
    /// Past the critical level.
    Critical,
}

impl Level {
    /// `warning` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Warning => "warning",
            Level::Critical => "critical",
        }
    }
}

/// Which metric a rule watches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// System CPU percent.
    Cpu,
    /// System memory percent.
    Memory,
    /// Disk use percent of one filesystem.
    Disk,
    /// Free GB on one filesystem (alerts when low).
    DiskFree,
    /// Resident MB of the watched application.
    ProcessMemory,
}

impl AlertKind {
    /// The snake_case name used in JSON, history and Prometheus labels.
    pub fn as_str(self) -> &'static str {
        match self {
            AlertKind::Cpu => "cpu",
            AlertKind::Memory => "memory",
            AlertKind::Disk => "disk",
            AlertKind::DiskFree => "disk_free",
            AlertKind::ProcessMemory => "process_memory",
        }
    }

    fn below_is_bad(self) -> bool {
        matches!(self, AlertKind::DiskFree)
    }

    fn unit(self) -> &'static str {
        match self {
            AlertKind::Cpu | AlertKind::Memory | AlertKind::Disk => "%",
            AlertKind::DiskFree => " GB",
            AlertKind::ProcessMemory => " MB",
        }
    }

    fn levels(self, t: &Thresholds) -> Levels {
        match self {
            AlertKind::Cpu => t.cpu_percent,
            AlertKind::Memory => t.memory_percent,
            AlertKind::Disk => t.disk_percent,
            AlertKind::DiskFree => t.disk_free_gb,
            AlertKind::ProcessMemory => t.process_memory_mb,
        }
    }
}

/// One value for one rule: what the engine consumes.
#[derive(Debug, Clone, PartialEq)]
pub struct Observation {
    /// The metric.
    pub kind: AlertKind,
    /// What it is about: `system`, a mount point, or the application's name.
    pub subject: String,
    /// The value in the rule's unit (percent, GB or MB).
    pub value: f64,
}

/// The rule inputs a sample provides: CPU, memory, each watched disk, the application's RSS.
pub fn observations(sample: &Sample) -> Vec<Observation> {
    let sys = &sample.system;
    let mut out = vec![
        Observation {
            kind: AlertKind::Cpu,
            subject: "system".into(),
            value: sys.cpu_percent,
        },
        Observation {
            kind: AlertKind::Memory,
            subject: "system".into(),
            value: sys.memory_percent,
        },
    ];
    for d in &sys.disks {
        out.push(Observation {
            kind: AlertKind::Disk,
            subject: d.mount_point.clone(),
            value: d.used_percent,
        });
        out.push(Observation {
            kind: AlertKind::DiskFree,
            subject: d.mount_point.clone(),
            value: d.free_bytes as f64 / 1e9,
        });
    }
    out.push(Observation {
        kind: AlertKind::ProcessMemory,
        subject: sample.app.name.clone(),
        value: sample.app.rss_bytes as f64 / 1e6,
    });
    out
}

/// What happened to an alert.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// It became active.
    Fired,
    /// It went from warning to critical.
    Escalated,
    /// It went from critical back to warning.
    Deescalated,
    /// It is no longer active.
    Resolved,
}

impl Change {
    /// `fired`, `escalated`, `deescalated` or `resolved`.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Fired => "fired",
            Change::Escalated => "escalated",
            Change::Deescalated => "deescalated",
            Change::Resolved => "resolved",
        }
    }
}

/// An alert changing state: printed, stored, exported and POSTed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlertEvent {
    /// Seconds since the Unix epoch of the sample that caused it.
    pub unix_time_seconds: f64,
    /// The metric.
    pub kind: AlertKind,
    /// What it is about.
    pub subject: String,
    /// What happened.
    pub change: Change,
    /// The level now (for `resolved`, the level it had).
    pub level: Level,
    /// The value that caused it, in the rule's unit.
    pub value: f64,
    /// The threshold of `level`.
    pub threshold: f64,
    /// A one-line description, for people.
    pub message: String,
}

/// An alert that is active now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ActiveAlert {
    /// The metric.
    pub kind: AlertKind,
    /// What it is about.
    pub subject: String,
    /// Current level.
    pub level: Level,
    /// Latest value.
    pub value: f64,
    /// When it fired.
    pub since_unix_time_seconds: f64,
}

#[derive(Debug, Default)]
struct RuleState {
    active: Option<Level>,
    since: f64,
    value: f64,
    /// Consecutive samples asking for a higher level, and the lowest level asked for in that run.
    up: u32,
    up_level: Option<Level>,
    /// Consecutive samples asking for a lower level, and the highest level asked for (None = ok).
    down: u32,
    down_level: Option<Level>,
}

/// Evaluates observations against thresholds and remembers each rule's state.
#[derive(Debug)]
pub struct AlertEngine {
    thresholds: Thresholds,
    rules: BTreeMap<(AlertKind, String), RuleState>,
}

impl AlertEngine {
    /// An engine with no alerts active.
    pub fn new(thresholds: Thresholds) -> Self {
        Self {
            thresholds,
            rules: BTreeMap::new(),
        }
    }

    /// The thresholds in use.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// Feeds one sample's observations; returns the alerts that changed state.
    pub fn evaluate(&mut self, unix_time_seconds: f64, obs: &[Observation]) -> Vec<AlertEvent> {
        let mut events = Vec::new();
        for o in obs {
            let levels = o.kind.levels(&self.thresholds);
            let state = self.rules.entry((o.kind, o.subject.clone())).or_default();
            state.value = o.value;
            let wanted = wanted_level(
                o.kind,
                levels,
                self.thresholds.hysteresis_fraction,
                state.active,
                o.value,
            );
            let need = self.thresholds.min_duration_samples.max(1);
            if wanted > state.active {
                state.down = 0;
                state.up += 1;
                state.up_level = if state.up == 1 {
                    wanted
                } else {
                    state.up_level.min(wanted)
                };
                if state.up >= need {
                    let before = state.active;
                    state.active = state.up_level;
                    state.up = 0;
                    if before.is_none() {
                        state.since = unix_time_seconds;
                    }
                    let change = if before.is_none() {
                        Change::Fired
                    } else {
                        Change::Escalated
                    };
                    events.push(event(unix_time_seconds, o, levels, change, state.active));
                }
            } else if wanted < state.active {
                state.up = 0;
                state.down += 1;
                state.down_level = if state.down == 1 {
                    wanted
                } else {
                    state.down_level.max(wanted)
                };
                if state.down >= need {
                    let before = state.active;
                    state.active = state.down_level;
                    state.down = 0;
                    let (change, level) = match state.active {
                        None => (Change::Resolved, before),
                        Some(_) => (Change::Deescalated, state.active),
                    };
                    events.push(event(unix_time_seconds, o, levels, change, level));
                }
            } else {
                state.up = 0;
                state.down = 0;
            }
        }
        events
    }

    /// The alerts active now, most severe first.
    pub fn active(&self) -> Vec<ActiveAlert> {
        let mut out: Vec<ActiveAlert> = self
            .rules
            .iter()
            .filter_map(|((kind, subject), s)| {
                s.active.map(|level| ActiveAlert {
                    kind: *kind,
                    subject: subject.clone(),
                    level,
                    value: s.value,
                    since_unix_time_seconds: s.since,
                })
            })
            .collect();
        out.sort_by_key(|a| std::cmp::Reverse(a.level));
        out
    }
}

/// The level a value asks for. Going up takes crossing the threshold itself; staying at a level
/// already held only takes staying within the hysteresis band of its threshold.
fn wanted_level(
    kind: AlertKind,
    levels: Levels,
    hysteresis: f64,
    active: Option<Level>,
    value: f64,
) -> Option<Level> {
    let below = kind.below_is_bad();
    let past = |t: f64| if below { value < t } else { value > t };
    let held = |t: f64| {
        if below {
            value < t * (1.0 + hysteresis)
        } else {
            value > t * (1.0 - hysteresis)
        }
    };
    let raw = if past(levels.critical) {
        Some(Level::Critical)
    } else if past(levels.warning) {
        Some(Level::Warning)
    } else {
        None
    };
    let kept = match active {
        Some(Level::Critical) if held(levels.critical) => Some(Level::Critical),
        Some(_) if held(levels.warning) => Some(Level::Warning),
        _ => None,
    };
    raw.max(kept)
}

fn event(
    unix_time_seconds: f64,
    o: &Observation,
    levels: Levels,
    change: Change,
    level: Option<Level>,
) -> AlertEvent {
    let level = level.unwrap_or(Level::Warning);
    let threshold = match level {
        Level::Warning => levels.warning,
        Level::Critical => levels.critical,
    };
    let op = if o.kind.below_is_bad() { '<' } else { '>' };
    let unit = o.kind.unit();
    let message = match change {
        Change::Resolved => format!(
            "{} {} resolved: {:.1}{unit} (was {} at {op} {}{unit})",
            o.kind.as_str(),
            o.subject,
            o.value,
            level.as_str(),
            threshold
        ),
        _ => format!(
            "{} {} {} {}: {:.1}{unit} {op} {}{unit}",
            o.kind.as_str(),
            o.subject,
            level.as_str(),
            change.as_str(),
            o.value,
            threshold
        ),
    };
    AlertEvent {
        unix_time_seconds,
        kind: o.kind,
        subject: o.subject.clone(),
        change,
        level,
        value: o.value,
        threshold,
        message,
    }
}

impl fmt::Display for AlertEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cpu(value: f64) -> Vec<Observation> {
        vec![Observation {
            kind: AlertKind::Cpu,
            subject: "system".into(),
            value,
        }]
    }

    fn free(value: f64) -> Vec<Observation> {
        vec![Observation {
            kind: AlertKind::DiskFree,
            subject: "/".into(),
            value,
        }]
    }

    /// Feeds a sequence and returns (sample index, change, level) of each event.
    fn run(
        engine: &mut AlertEngine,
        values: &[f64],
        obs: fn(f64) -> Vec<Observation>,
    ) -> Vec<(usize, Change, Level)> {
        let mut out = Vec::new();
        for (i, v) in values.iter().enumerate() {
            for e in engine.evaluate(i as f64, &obs(*v)) {
                out.push((i, e.change, e.level));
            }
        }
        out
    }

    #[test]
    fn fires_only_after_min_duration_consecutive_samples() {
        let mut e = AlertEngine::new(Thresholds::default());
        // Two high samples, a dip, then three: fires on the third of the run.
        let got = run(&mut e, &[90.0, 90.0, 50.0, 90.0, 90.0, 90.0], cpu);
        assert_eq!(got, vec![(5, Change::Fired, Level::Warning)]);
        assert_eq!(e.active().len(), 1);
        assert_eq!(e.active()[0].since_unix_time_seconds, 5.0);
    }

    #[test]
    fn resolves_only_clear_of_the_hysteresis_band() {
        let mut e = AlertEngine::new(Thresholds::default());
        run(&mut e, &[90.0, 90.0, 90.0], cpu);
        // 78 % is below 80 % but inside the 5 % band (76 %): the alert holds.
        let held = run(&mut e, &[78.0, 78.0, 78.0, 77.0], cpu);
        assert_eq!(held, vec![]);
        assert_eq!(e.active()[0].level, Level::Warning);
        // Three samples below 76 % resolve it; a single one does not.
        let mut e2 = AlertEngine::new(Thresholds::default());
        let got = run(
            &mut e2,
            &[90.0, 90.0, 90.0, 70.0, 90.0, 70.0, 70.0, 70.0],
            cpu,
        );
        assert_eq!(
            got,
            vec![
                (2, Change::Fired, Level::Warning),
                (7, Change::Resolved, Level::Warning)
            ]
        );
        assert!(e2.active().is_empty());
    }

    #[test]
    fn levels_escalate_and_deescalate() {
        let mut e = AlertEngine::new(Thresholds::default());
        let got = run(
            &mut e,
            &[97.0, 97.0, 97.0, 97.0, 85.0, 85.0, 85.0, 10.0, 10.0, 10.0],
            cpu,
        );
        assert_eq!(
            got,
            vec![
                (2, Change::Fired, Level::Critical),
                (6, Change::Deescalated, Level::Warning),
                (9, Change::Resolved, Level::Warning),
            ]
        );
        // Warning first, critical later: fires at warning, then escalates after its own run.
        let mut e = AlertEngine::new(Thresholds::default());
        let got = run(&mut e, &[85.0, 85.0, 97.0, 97.0, 97.0, 97.0], cpu);
        assert_eq!(
            got,
            vec![
                (2, Change::Fired, Level::Warning),
                (5, Change::Escalated, Level::Critical)
            ]
        );
    }

    #[test]
    fn disk_free_alerts_when_low() {
        let mut e = AlertEngine::new(Thresholds {
            min_duration_samples: 1,
            ..Thresholds::default()
        });
        let got = run(&mut e, &[5.0, 0.8, 0.3, 1.02, 2.0], free);
        assert_eq!(
            got,
            vec![
                (1, Change::Fired, Level::Warning),
                (2, Change::Escalated, Level::Critical),
                // 1.02 GB: clear of critical (0.5 GB + 5 %) but within warning's band (1.05 GB).
                (3, Change::Deescalated, Level::Warning),
                (4, Change::Resolved, Level::Warning),
            ]
        );
    }

    #[test]
    fn rules_are_independent_per_subject_and_messages_say_what_and_where() {
        let mut e = AlertEngine::new(Thresholds {
            min_duration_samples: 1,
            ..Thresholds::default()
        });
        let obs = vec![
            Observation {
                kind: AlertKind::Disk,
                subject: "/".into(),
                value: 96.0,
            },
            Observation {
                kind: AlertKind::Disk,
                subject: "/data".into(),
                value: 10.0,
            },
        ];
        let events = e.evaluate(1.0, &obs);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].subject, "/");
        assert_eq!(events[0].message, "disk / critical fired: 96.0% > 95%");
        assert_eq!(events[0].threshold, 95.0);
    }
}
