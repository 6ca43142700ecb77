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

/// One input before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SizeDiff {
    /// Input label.
    pub label: String,
    /// Whole-run wall time before.
    pub before_wall_seconds: f64,
    /// Whole-run wall time after.
    pub after_wall_seconds: f64,
    /// after / before (below 1 is faster).
    pub wall_ratio: Option<f64>,
    /// Per stage.
    pub stages: Vec<StageDiff>,
}

/// One stage before and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageDiff {
    /// Stage name.
    pub stage: String,
    /// Wall time before.
    pub before_wall_seconds: f64,
    /// Wall time after.
    pub after_wall_seconds: f64,
    /// after / before.
    pub wall_ratio: Option<f64>,
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
                before_wall_seconds: b.wall_seconds,
                after_wall_seconds: a.wall_seconds,
                wall_ratio: ratio(a.wall_seconds, b.wall_seconds),
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
        before_wall_seconds: before.wall_seconds,
        after_wall_seconds: after.wall_seconds,
        wall_ratio: ratio(after.wall_seconds, before.wall_seconds),
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
    use crate::profile::report::{
        Functions, Memory, MemoryGrowth, Settings, StageProfile, SystemInfo,
    };

    fn report(label: &str, parse: f64, allocs: u64) -> OptimizationReport {
        let stage = StageProfile {
            stage: "parse".into(),
            batches: 1,
            wall_seconds: parse,
            cpu_seconds: parse,
            share: 1.0,
            bytes_in: 1,
            throughput_mb_per_s: None,
            items_out: 1,
            allocations: Some(allocs),
            allocated_bytes: Some(1),
            peak_heap_bytes: Some(1),
        };
        OptimizationReport {
            schema_version: 1,
            started_at: "2026-01-01T00:00:00Z".into(),
            system: SystemInfo::collect("test"),
            settings: Settings {
                sampling_hz: 0,
                min_seconds_per_size: 0.0,
                target_mb_per_s: 100.0,
                corpus: None,
            },
            allocator_overhead: None,
            sizes: vec![SizeProfile {
                label: label.into(),
                input_bytes: 1,
                runs: 1,
                wall_seconds: parse * 2.0,
                cpu_seconds: parse,
                throughput_mb_per_s: 1.0,
                unattributed_seconds: 0.0,
                stages: vec![stage],
                functions: Functions::default(),
                memory: Memory {
                    peak_rss_bytes: None,
                    baseline_heap_bytes: None,
                    peak_heap_bytes: None,
                },
                findings: vec![],
            }],
            memory_growth: MemoryGrowth::default(),
            findings: vec![],
            flamegraph_path: None,
            comparison: None,
        }
    }

    #[test]
    fn ratios_per_stage_and_unmatched_inputs() {
        let before = report("1MB", 0.2, 1000);
        let after = report("1MB", 0.05, 250);
        let c = compare(&before, "old.json", &after);
        assert_eq!(c.sizes.len(), 1);
        assert_eq!(c.sizes[0].wall_ratio, Some(0.25));
        let s = &c.sizes[0].stages[0];
        assert_eq!(s.wall_ratio, Some(0.25));
        assert_eq!(s.allocations_ratio, Some(0.25));
        assert!(c.unmatched.is_empty());
        let other = report("10MB", 0.1, 1);
        let c = compare(&before, "old.json", &other);
        assert!(c.sizes.is_empty());
        assert_eq!(c.unmatched, vec!["10MB".to_string()]);
    }
}
