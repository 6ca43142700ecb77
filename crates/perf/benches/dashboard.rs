//! Dashboard render time from history alone (`dashboard --mode dashboard`): reading 1,000
//! stored benchmark runs (three sizes each, five runs per size) and rendering the page. The
//! issue's target is under one second.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use snapshot_perf::bench::report::{
    BenchmarkReport, RunRecord, SCHEMA_VERSION, Settings, SystemInfo, rfc3339_utc,
};
use snapshot_perf::bench::runner::summarize;
use snapshot_perf::bench::targets::Targets;
use snapshot_perf::corpus::Layout;
use snapshot_perf::export::dashboard::{DashboardData, render_html};
use snapshot_perf::history::History;

const RUNS: u64 = 1000;

fn report(i: u64) -> BenchmarkReport {
    let targets = Targets::default();
    // Slow drift plus a dip every 97 runs, so trends and regression marks have work to do.
    let dip = if i.is_multiple_of(97) { 0.3 } else { 0.0 };
    let factor = 1.0 + dip + i as f64 * 0.0001;
    let results = [100_000u64, 500_000, 1_000_000]
        .iter()
        .map(|&size| {
            let records = (0..5)
                .map(|k| RunRecord {
                    wall_seconds: size as f64 / 2e6 * factor + k as f64 * 0.001,
                    user_seconds: size as f64 / 2.5e6,
                    sys_seconds: 0.01,
                    peak_rss_bytes: 12_000_000 + size / 10 + k * 1000,
                    peak_rss_exact: true,
                    avg_rss_bytes: Some(8_000_000),
                    success: true,
                    failure: None,
                })
                .collect();
            summarize(size, records, &targets)
        })
        .collect();
    BenchmarkReport {
        schema_version: SCHEMA_VERSION,
        started_at: rfc3339_utc(1_790_000_000 + i * 3600),
        complete: true,
        system: SystemInfo::for_benchmark("0.1.0", Some(&format!("{:07x}", i * 7919))),
        settings: Settings {
            sizes_bytes: vec![100_000, 500_000, 1_000_000],
            runs: 5,
            warmup: 1,
            corpus: Layout::Realistic,
            seed: 1,
            command: vec!["customer-snapshot".into(), "process".into()],
            targets,
        },
        results,
        baseline: None,
        ai: None,
    }
}

fn bench_dashboard(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("history.sqlite");
    let mut h = History::open(&path).expect("history");
    for i in 0..RUNS {
        h.record_benchmark(&report(i)).expect("store");
    }
    drop(h);
    let mut group = c.benchmark_group("dashboard");
    group.sample_size(10);
    group.bench_function("from_history_and_render_1000_runs", |b| {
        b.iter(|| {
            let data = DashboardData::from_history(&path, "dashboard", "now").expect("data");
            black_box(render_html(&data).len())
        });
    });
    group.finish();
}

criterion_group!(benches, bench_dashboard);
criterion_main!(benches);
