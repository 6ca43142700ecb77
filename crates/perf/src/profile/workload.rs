//! The real workload: `snapshot_pipeline::pipeline::run` over an input, its Observer events
//! forwarded to a [`StageRecorder`], the snapshot written to a scratch file (truncated before
//! every run) so the write stage measures a real file, as `process` would.

use std::fs::File;
use std::io::{Seek, SeekFrom};
use std::time::Duration;

use snapshot_pipeline::pipeline::{
    self, Config, NoopObserver, Observer, SourceInfo, Stage, StageStats,
};
use snapshot_pipeline::render::Format;

use super::stages::StageRecorder;
use super::{Source, Workload, WorkloadError};

/// The pipeline, rendering `format` into a scratch file.
#[derive(Debug)]
pub struct PipelineWorkload {
    config: Config,
    format: Format,
    scratch: File,
}

impl PipelineWorkload {
    /// Runs with `config`, rendering `format` into `scratch` (a temporary file the caller owns).
    pub fn new(config: Config, format: Format, scratch: File) -> Self {
        Self {
            config,
            format,
            scratch,
        }
    }

    fn run(
        &mut self,
        input: &Source<'_>,
        observer: &mut dyn Observer,
    ) -> Result<(), WorkloadError> {
        self.scratch.set_len(0)?;
        self.scratch.seek(SeekFrom::Start(0))?;
        let info = SourceInfo {
            path: String::new(),
            title: "profile".to_owned(),
        };
        let mut renderer = self.format.renderer();
        pipeline::run(
            input.open()?,
            &info,
            &self.config,
            renderer.as_mut(),
            &mut self.scratch,
            observer,
        )?;
        Ok(())
    }
}

impl Workload for PipelineWorkload {
    fn stages(&self) -> Vec<&'static str> {
        Stage::ALL.iter().map(|s| s.name()).collect()
    }

    fn run_observed(
        &mut self,
        input: &Source<'_>,
        recorder: &mut StageRecorder,
    ) -> Result<(), WorkloadError> {
        self.run(input, &mut Forward(recorder))
    }

    fn run_plain(&mut self, input: &Source<'_>) -> Result<(), WorkloadError> {
        self.run(input, &mut NoopObserver)
    }
}

/// The Observer seam, forwarded to the recorder by stage index.
struct Forward<'r>(&'r mut StageRecorder);

fn index(stage: Stage) -> usize {
    // An unknown stage maps past the end, which the recorder ignores.
    Stage::ALL
        .iter()
        .position(|s| *s == stage)
        .unwrap_or(usize::MAX)
}

impl Observer for Forward<'_> {
    fn stage_started(&mut self, stage: Stage) {
        self.0.start(index(stage));
    }

    fn stage_finished(&mut self, stage: Stage, stats: StageStats) {
        self.0.finish(index(stage), stats.bytes_in, stats.items_out);
    }

    fn write_time(&mut self, elapsed: Duration, bytes: u64) {
        self.0.write_time(elapsed, bytes);
    }
}
