//! The per-stage breakdown: one extra in-process pipeline run per size, timed through the
//! pipeline's [`Observer`]. Kept apart from the child-process figures (DESIGN "Measuring"): these
//! seconds say where time goes, never how long a user waits.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use snapshot_pipeline::pipeline::{self, Config, Observer, SourceInfo, Stage, StageStats};
use snapshot_pipeline::render::Format;

use super::report::StageResult;
use super::runner::StageBreakdown;
use crate::corpus::MB;

/// Runs the real pipeline (JSON output to a file beside the input) and times each stage.
#[derive(Debug, Default)]
pub struct PipelineStages;

impl StageBreakdown for PipelineStages {
    fn measure(&mut self, input: &Path, size_bytes: u64) -> Result<Vec<StageResult>, String> {
        let bytes = std::fs::read(input).map_err(|e| format!("{}: {e}", input.display()))?;
        let out_path = input.with_extension("stages.json");
        let file =
            std::fs::File::create(&out_path).map_err(|e| format!("{}: {e}", out_path.display()))?;
        let mut out = std::io::BufWriter::new(file);
        let info = SourceInfo {
            path: input.display().to_string(),
            title: "benchmark".to_owned(),
        };
        let mut timer = StageTimer::default();
        let mut renderer = Format::Json.renderer();
        let input_bytes: &[u8] = &bytes;
        let run = pipeline::run(
            input_bytes,
            &info,
            &Config::default(),
            renderer.as_mut(),
            &mut out,
            &mut timer,
        );
        drop(out);
        let _ = std::fs::remove_file(&out_path);
        run.map_err(|e| e.to_string())?;
        Ok(timer.results(size_bytes))
    }
}

/// Sums each stage's time; the writer's time is moved out of render into its own stage.
#[derive(Debug, Default)]
pub struct StageTimer {
    current: Option<(Stage, Instant)>,
    spent: BTreeMap<Stage, Duration>,
    write: Duration,
    write_inside_render: Duration,
}

impl Observer for StageTimer {
    fn stage_started(&mut self, stage: Stage) {
        self.current = Some((stage, Instant::now()));
    }

    fn stage_finished(&mut self, stage: Stage, _stats: StageStats) {
        if let Some((s, t0)) = self.current.take()
            && s == stage
        {
            *self.spent.entry(stage).or_default() += t0.elapsed();
        }
    }

    fn write_time(&mut self, elapsed: Duration, _bytes: u64) {
        self.write += elapsed;
        if matches!(self.current, Some((Stage::Render, _))) {
            self.write_inside_render += elapsed;
        }
    }
}

impl StageTimer {
    /// Seconds and MB/s (of the whole input) per stage, in pipeline order.
    pub fn results(&self, size_bytes: u64) -> Vec<StageResult> {
        let mb = size_bytes as f64 / MB;
        Stage::ALL
            .iter()
            .filter_map(|stage| {
                let seconds = match stage {
                    Stage::Write => self.write,
                    Stage::Render => self
                        .spent
                        .get(stage)?
                        .saturating_sub(self.write_inside_render),
                    _ => *self.spent.get(stage)?,
                }
                .as_secs_f64();
                Some(StageResult {
                    stage: stage.name().to_owned(),
                    seconds,
                    throughput_mb_per_s: (seconds > 0.0).then(|| mb / seconds),
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_real_pipeline_reports_every_stage() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("c.vtt");
        let file = std::fs::File::create(&input).unwrap();
        crate::corpus::generate(crate::corpus::Layout::Realistic, 100_000, 3, file).unwrap();
        let r = PipelineStages.measure(&input, 100_000).unwrap();
        let names: Vec<&str> = r.iter().map(|s| s.stage.as_str()).collect();
        assert_eq!(
            names,
            [
                "parse",
                "utterances",
                "sentences",
                "entities",
                "topics",
                "render",
                "write"
            ]
        );
        assert!(r.iter().all(|s| s.seconds >= 0.0));
        assert!(r.iter().map(|s| s.seconds).sum::<f64>() > 0.0);
        // The scratch output beside the input is removed.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        let bad = dir.path().join("bad.vtt");
        std::fs::write(&bad, "not webvtt").unwrap();
        assert!(PipelineStages.measure(&bad, 10).is_err());
    }

    #[test]
    fn write_time_is_moved_out_of_render() {
        let mut t = StageTimer::default();
        t.stage_started(Stage::Parse);
        std::thread::sleep(Duration::from_millis(5));
        t.stage_finished(Stage::Parse, StageStats::default());
        t.stage_started(Stage::Render);
        std::thread::sleep(Duration::from_millis(20));
        t.write_time(Duration::from_millis(15), 100);
        t.stage_finished(Stage::Render, StageStats::default());
        let r = t.results(1_000_000);
        let names: Vec<&str> = r.iter().map(|s| s.stage.as_str()).collect();
        assert_eq!(names, ["parse", "render", "write"]);
        assert!(r[0].seconds >= 0.005);
        assert!(r[1].seconds >= 0.005 && r[1].seconds < 0.05, "{r:?}");
        assert_eq!(r[2].seconds, 0.015);
        assert!((r[2].throughput_mb_per_s.unwrap() - 1.0 / 0.015).abs() < 1e-9);
    }
}
