//! Golden files: every renderer on every bundled example, end to end through the pipeline. A change
//! in any stage that changes what users get shows up here as a reviewable diff.

use std::path::Path;

use snapshot_pipeline::pipeline::{self, Config, NoopObserver, SourceInfo};
use snapshot_pipeline::render::Format;

fn render(example: &str, format: Format) -> String {
    render_with(example, format, &Config::default())
}

fn render_with(example: &str, format: Format, config: &Config) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../examples")
        .join(example);
    let bytes = std::fs::read(&path).expect("example exists");
    let input: &[u8] = &bytes;
    let info = SourceInfo {
        path: format!("examples/{example}"),
        title: snapshot_pipeline::snapshot::title_from_stem(example.trim_end_matches(".vtt")),
    };
    let mut out = Vec::new();
    let mut renderer = format.renderer();
    pipeline::run(
        input,
        &info,
        config,
        renderer.as_mut(),
        &mut out,
        &mut NoopObserver,
    )
    .expect("example processes");
    let text = String::from_utf8(out).expect("UTF-8");
    match format {
        // The stylesheet is a file of its own; keep the golden about content and escaping.
        Format::Html => text
            .split("</style>")
            .nth(1)
            .expect("has a style element")
            .to_string(),
        _ => text,
    }
}

#[test]
fn northwind_kickoff_markdown() {
    insta::assert_snapshot!(render("northwind_kickoff.vtt", Format::Markdown));
}

#[test]
fn northwind_kickoff_html() {
    insta::assert_snapshot!(render("northwind_kickoff.vtt", Format::Html));
}

#[test]
fn northwind_kickoff_json() {
    insta::assert_snapshot!(render("northwind_kickoff.vtt", Format::Json));
}

#[test]
fn alpine_health_qbr_markdown() {
    insta::assert_snapshot!(render("alpine_health_qbr.vtt", Format::Markdown));
}

#[test]
fn alpine_health_qbr_html() {
    insta::assert_snapshot!(render("alpine_health_qbr.vtt", Format::Html));
}

#[test]
fn alpine_health_qbr_json() {
    insta::assert_snapshot!(render("alpine_health_qbr.vtt", Format::Json));
}

#[test]
fn any_read_chunk_gives_the_same_snapshot() {
    let default = render("alpine_health_qbr.vtt", Format::Json);
    for read_chunk in [1, 7, 512, 1 << 20] {
        let config = Config {
            read_chunk,
            ..Config::default()
        };
        assert_eq!(
            render_with("alpine_health_qbr.vtt", Format::Json, &config),
            default,
            "read_chunk {read_chunk}"
        );
    }
}
