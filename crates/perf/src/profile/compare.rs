//! `--compare`: per-stage time and allocations of this report against an earlier one, with
//! after/before ratios, so a developer sees what an optimisation did. Inputs are matched by
//! label (same generated size or same file name), stages by name.

use serde::{Deserialize, Serialize};

use super::report::{OptimizationReport, SizeProfile};

/// The difference from an earlier report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Comparison {
    /// The earlier report's file, as given.
    pub baseline_path: String,
    /// When the earlier report was made.
    pub baseline_started_at: String,
    /// One entry per input present in both reports.
    pub sizes: Vec<SizeDiff>,
    /// Inputs of this report the earlier one does not have.
    pub unmatched: Vec<String>,
}

/// Wall and CPU time before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimeDiff {
    /// Wall time before.
    pub before_wall_seconds: f64,
    /// Wall time after.
    pub after_wall_seconds: f64,
    /// after / before (below 1 is faster).
    pub wall_ratio: Option<f64>,
    /// CPU time before.
    pub before_cpu_seconds: f64,
    /// CPU time after.
    pub after_cpu_seconds: f64,
    /// after / before: steadier than wall time on a shared machine.
    pub cpu_ratio: Option<f64>,
}

impl TimeDiff {
    fn new(before: (f64, f64), after: (f64, f64)) -> Self {
        Self {
            before_wall_seconds: before.0,
            after_wall_seconds: after.0,
            wall_ratio: ratio(after.0, before.0),
            before_cpu_seconds: before.1,
            after_cpu_seconds: after.1,
            cpu_ratio: ratio(after.1, before.1),
        }
    }
}

/// One input before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeDiff {
    /// Input label.
    pub label: String,
    /// Whole run.
    #[serde(flatten)]
    pub time: TimeDiff,
    /// Per stage.
    pub stages: Vec<StageDiff>,
}

/// One stage before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageDiff {
    /// Stage name.
    pub stage: String,
    /// The stage's time.
    #[serde(flatten)]
    pub time: TimeDiff,
    /// Allocation calls before.
    pub before_allocations: Option<u64>,
    /// Allocation calls after.
    pub after_allocations: Option<u64>,
    /// after / before.
    pub allocations_ratio: Option<f64>,
}

fn ratio(after: f64, before: f64) -> Option<f64> {
    (before > 0.0).then(|| after / before)
}

fn diff_size(before: &SizeProfile, after: &SizeProfile) -> SizeDiff {
    let stages = after
        .stages
        .iter()
        .filter_map(|a| {
            let b = before.stages.iter().find(|b| b.stage == a.stage)?;
            Some(StageDiff {
                stage: a.stage.clone(),
                time: TimeDiff::new(
                    (b.wall_seconds, b.cpu_seconds),
                    (a.wall_seconds, a.cpu_seconds),
                ),
                before_allocations: b.allocations,
                after_allocations: a.allocations,
                allocations_ratio: match (a.allocations, b.allocations) {
                    (Some(x), Some(y)) => ratio(x as f64, y as f64),
                    _ => None,
                },
            })
        })
        .collect();
    SizeDiff {
        label: after.label.clone(),
        time: TimeDiff::new(
            (before.wall_seconds, before.cpu_seconds),
            (after.wall_seconds, after.cpu_seconds),
        ),
        stages,
    }
}

/// Compares `after` with `before`.
pub fn compare(
    before: &OptimizationReport,
    baseline_path: &str,
    after: &OptimizationReport,
) -> Comparison {
    let mut sizes = Vec::new();
    let mut unmatched = Vec::new();
    for a in &after.sizes {
        match before.sizes.iter().find(|b| b.label == a.label) {
            Some(b) => sizes.push(diff_size(b, a)),
            None => unmatched.push(a.label.clone()),
        }
    }
    Comparison {
        baseline_path: baseline_path.to_owned(),
        baseline_started_at: before.started_at.clone(),
        sizes,
        unmatched,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::report::fixtures;

    fn report(label: &str, parse: f64, allocs: u64) -> OptimizationReport {
        fixtures::report("2026-01-01T00:00:00Z", label, parse, allocs)
    }

    #[test]
    fn ratios_per_stage_and_unmatched_inputs() {
        let before = report("1MB", 0.2, 1000);
        let after = report("1MB", 0.05, 250);
        let c = compare(&before, "old.json", &after);
        assert_eq!(c.sizes.len(), 1);
        assert_eq!(c.sizes[0].time.wall_ratio, Some(0.25));
        let s = &c.sizes[0].stages[0];
        assert_eq!(s.time.wall_ratio, Some(0.25));
        assert_eq!(s.time.cpu_ratio, Some(0.25));
        assert_eq!(c.sizes[0].time.cpu_ratio, Some(0.25));
        assert_eq!(s.allocations_ratio, Some(0.25));
        assert!(c.unmatched.is_empty());
        let other = report("10MB", 0.1, 1);
        let c = compare(&before, "old.json", &other);
        assert!(c.sizes.is_empty());
        assert_eq!(c.unmatched, vec!["10MB".to_string()]);
    }
}
