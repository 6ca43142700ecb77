//! Hand-written SVG charts for the HTML dashboard: line charts (with threshold/target lines and
//! event markers), bar charts with min–max whiskers, and stacked bars. Written by hand rather
//! than with a plotting crate so the page needs no fonts at build time and no scripts at view
//! time: colours come from CSS classes (`s0`..`s7`, `target`, `warn`, `crit`) defined by the
//! page, so the same SVG follows the light or dark scheme, and every data point carries a
//! `<title>` that browsers show natively on hover.

use std::fmt::Write;

/// Plot area geometry (SVG user units); the `viewBox` scales it to the container's width.
const W: f64 = 640.0;
const H: f64 = 260.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 28.0;
const BOTTOM: f64 = 44.0;

/// Escapes text for SVG/HTML content and double-quoted attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// One point of a series, with its hover text.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    /// Horizontal position in data units.
    pub x: f64,
    /// Vertical position in data units.
    pub y: f64,
    /// Shown on hover (escaped when drawn).
    pub title: String,
    /// Drawn as a highlighted marker (e.g. a regression).
    pub flagged: bool,
}

/// A named line of points.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// Points in drawing order.
    pub points: Vec<Point>,
}

/// A horizontal reference line (a target or an alert threshold).
#[derive(Debug, Clone, PartialEq)]
pub struct HLine {
    /// Height in data units.
    pub y: f64,
    /// Label drawn at its right end.
    pub label: String,
    /// CSS class: `target`, `warn` or `crit`.
    pub class: &'static str,
}

/// A vertical event marker (an alert firing or resolving).
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    /// Horizontal position in data units.
    pub x: f64,
    /// Hover text.
    pub title: String,
    /// CSS class: `fired` or `resolved`.
    pub class: &'static str,
}

/// How the horizontal axis is labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum XAxis {
    /// Plain numbers with a unit suffix.
    Linear(&'static str),
    /// Points are evenly spaced; ticks show the given labels (one per index).
    Index,
}

/// A line chart.
#[derive(Debug, Clone, PartialEq)]
pub struct LineChart {
    /// Accessible name (also drawn as the caption).
    pub title: String,
    /// Unit shown beside the vertical ticks.
    pub y_unit: String,
    /// Horizontal axis kind.
    pub x_axis: XAxis,
    /// Tick labels for [`XAxis::Index`].
    pub x_labels: Vec<String>,
    /// The lines.
    pub series: Vec<Series>,
    /// Reference lines.
    pub hlines: Vec<HLine>,
    /// Event markers.
    pub markers: Vec<Marker>,
}

/// One category of a bar chart, with optional whiskers.
#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    /// Category label.
    pub label: String,
    /// Bar height.
    pub value: f64,
    /// Whisker range (min, max), when known.
    pub range: Option<(f64, f64)>,
    /// Hover text.
    pub title: String,
}

/// One category of a stacked bar chart.
#[derive(Debug, Clone, PartialEq)]
pub struct Stack {
    /// Category label.
    pub label: String,
    /// Segment values in legend order.
    pub values: Vec<f64>,
}

/// Linear map from data to pixels.
#[derive(Debug, Clone, Copy)]
struct Scale {
    d0: f64,
    d1: f64,
    p0: f64,
    p1: f64,
}

impl Scale {
    fn new(d0: f64, d1: f64, p0: f64, p1: f64) -> Self {
        let (d0, d1) = if (d1 - d0).abs() < f64::EPSILON * d0.abs().max(1.0) {
            (d0 - 1.0, d1 + 1.0)
        } else {
            (d0, d1)
        };
        Self { d0, d1, p0, p1 }
    }

    fn map(self, v: f64) -> f64 {
        self.p0 + (v - self.d0) / (self.d1 - self.d0) * (self.p1 - self.p0)
    }
}

/// Round tick step for a span (1, 2 or 5 times a power of ten), about `n` ticks.
fn nice_step(span: f64, n: f64) -> f64 {
    if !(span.is_finite() && span > 0.0) {
        return 1.0;
    }
    let raw = span / n;
    let mag = 10f64.powf(raw.log10().floor());
    let f = raw / mag;
    let nice = if f <= 1.0 {
        1.0
    } else if f <= 2.0 {
        2.0
    } else if f <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * mag
}

/// Short tick text: no trailing zeros, SI suffix for large values.
pub fn tick(v: f64) -> String {
    let a = v.abs();
    let (v, suffix) = if a >= 1e9 {
        (v / 1e9, "G")
    } else if a >= 1e6 {
        (v / 1e6, "M")
    } else if a >= 1e4 {
        (v / 1e3, "k")
    } else {
        (v, "")
    };
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    let s = if s == "-0" { "0" } else { s };
    format!("{s}{suffix}")
}

/// Vertical range covering the data and reference lines, from zero, with headroom.
fn y_range(values: impl Iterator<Item = f64>) -> (f64, f64) {
    let max = values.filter(|v| v.is_finite()).fold(0.0_f64, f64::max);
    let max = if max <= 0.0 { 1.0 } else { max * 1.1 };
    let step = nice_step(max, 5.0);
    (0.0, (max / step).ceil() * step)
}

fn open(out: &mut String, title: &str, class: &str) {
    let t = esc(title);
    let _ = write!(
        out,
        r#"<svg class="chart {class}" viewBox="0 0 {W} {H}" role="img" aria-label="{t}" xmlns="http://www.w3.org/2000/svg"><title>{t}</title><text class="caption" x="{LEFT}" y="16">{t}</text>"#
    );
}

fn y_axis(out: &mut String, ys: Scale, lo: f64, hi: f64, unit: &str) {
    let step = nice_step(hi - lo, 5.0);
    let mut v = lo;
    let unit = esc(unit);
    while v <= hi + step * 1e-9 {
        let y = ys.map(v);
        let _ = write!(
            out,
            r#"<line class="grid" x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"/><text class="tick" x="{tx}" y="{ty:.1}" text-anchor="end">{label}</text>"#,
            x2 = W - RIGHT,
            tx = LEFT - 6.0,
            ty = y + 4.0,
            label = tick(v),
        );
        v += step;
    }
    let _ = write!(
        out,
        r#"<text class="tick unit" x="4" y="{y}">{unit}</text>"#,
        y = TOP - 4.0
    );
}

/// Draws the reference lines. Each label sits at the line's right end, above the line unless
/// `polylines` (the data, in pixels) cross the space above more than the space below, so a
/// series running just over a target does not write through its label.
fn hlines(out: &mut String, ys: Scale, lines: &[HLine], polylines: &[Vec<(f64, f64)>]) {
    for l in lines {
        let y = ys.map(l.y);
        let label = esc(&l.label);
        let right = W - RIGHT - 2.0;
        // Labels are about 6.5 units per character at the chart's 11-unit font.
        let left = right - 6.5 * l.label.chars().count() as f64;
        let above = crossings(polylines, left, right, y - LABEL_HEIGHT - 2.0, y - 2.0);
        let below = crossings(polylines, left, right, y + 2.0, y + LABEL_HEIGHT + 2.0);
        let ty = if below < above && y + LABEL_HEIGHT + 2.0 <= H - BOTTOM {
            y + LABEL_HEIGHT
        } else {
            y - 4.0
        };
        let _ = write!(
            out,
            r#"<g class="ref {c}"><title>{label}</title><line x1="{LEFT}" x2="{x2}" y1="{y:.1}" y2="{y:.1}"/><text x="{right}" y="{ty:.1}" text-anchor="end">{label}</text></g>"#,
            c = l.class,
            x2 = W - RIGHT,
        );
    }
}

/// Whether the segment `a`–`b` passes through column `x` between heights `y0` and `y1`.
fn segment_meets(a: (f64, f64), b: (f64, f64), x: f64, y0: f64, y1: f64) -> bool {
    let ((ax, ay), (bx, by)) = (a, b);
    if x < ax.min(bx) || x > ax.max(bx) {
        return false;
    }
    // A vertical segment covers its whole extent in its column.
    let (lo, hi) = if (bx - ax).abs() < f64::EPSILON {
        (ay.min(by), ay.max(by))
    } else {
        let y = ay + (x - ax) / (bx - ax) * (by - ay);
        (y, y)
    };
    hi >= y0 && lo <= y1
}

/// Height of a reference line's label box.
const LABEL_HEIGHT: f64 = 12.0;

/// How many of the sample columns between `x0` and `x1` (every 4 units) have a polyline
/// passing between heights `y0` and `y1`.
fn crossings(polylines: &[Vec<(f64, f64)>], x0: f64, x1: f64, y0: f64, y1: f64) -> usize {
    let mut hits = 0;
    let mut x = x0;
    while x <= x1 {
        let hit = polylines.iter().any(|line| match line.as_slice() {
            [(px, py)] => (px - x).abs() <= 2.0 && (y0..=y1).contains(py),
            _ => line
                .windows(2)
                .any(|w| segment_meets(w[0], w[1], x, y0, y1)),
        });
        hits += usize::from(hit);
        x += 4.0;
    }
    hits
}

fn legend(out: &mut String, names: &[&str]) {
    if names.len() < 2 {
        return;
    }
    let mut x = LEFT;
    for (i, name) in names.iter().enumerate() {
        let name = esc(name);
        let _ = write!(
            out,
            r#"<g class="legend s{k}"><rect x="{x:.1}" y="{y}" width="10" height="10"/><text x="{tx:.1}" y="{ty}">{name}</text></g>"#,
            k = i % 8,
            y = H - 14.0,
            tx = x + 14.0,
            ty = H - 5.0,
        );
        x += 24.0 + 7.0 * name.chars().count() as f64;
    }
}

impl LineChart {
    /// The chart as an inline `<svg>` element.
    pub fn render(&self) -> String {
        let mut out = String::with_capacity(4096);
        open(&mut out, &self.title, "line");
        let xs_all = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.x));
        let (x0, x1) = xs_all.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), x| {
            (a.min(x), b.max(x))
        });
        let (x0, x1) = if x0.is_finite() { (x0, x1) } else { (0.0, 1.0) };
        let (y0, y1) = y_range(
            self.series
                .iter()
                .flat_map(|s| s.points.iter().map(|p| p.y))
                .chain(self.hlines.iter().map(|l| l.y)),
        );
        let xs = Scale::new(x0, x1, LEFT + 8.0, W - RIGHT - 8.0);
        let ys = Scale::new(y0, y1, H - BOTTOM, TOP);
        y_axis(&mut out, ys, y0, y1, &self.y_unit);
        // Horizontal ticks.
        match self.x_axis {
            XAxis::Linear(unit) => {
                let step = nice_step(x1 - x0, 6.0);
                let mut v = (x0 / step).ceil() * step;
                while v <= x1 + step * 1e-9 {
                    let _ = write!(
                        out,
                        r#"<text class="tick" x="{x:.1}" y="{y}" text-anchor="middle">{t}{unit}</text>"#,
                        x = xs.map(v),
                        y = H - BOTTOM + 16.0,
                        t = tick(v),
                    );
                    v += step;
                }
            }
            XAxis::Index => {
                let n = self.x_labels.len();
                let every = n.div_ceil(6).max(1);
                for (i, label) in self.x_labels.iter().enumerate().step_by(every) {
                    let _ = write!(
                        out,
                        r#"<text class="tick" x="{x:.1}" y="{y}" text-anchor="middle">{t}</text>"#,
                        x = xs.map(i as f64),
                        y = H - BOTTOM + 16.0,
                        t = esc(label),
                    );
                }
            }
        }
        let polylines: Vec<Vec<(f64, f64)>> = self
            .series
            .iter()
            .map(|s| {
                s.points
                    .iter()
                    .map(|p| (xs.map(p.x), ys.map(p.y)))
                    .collect()
            })
            .collect();
        hlines(&mut out, ys, &self.hlines, &polylines);
        for m in &self.markers {
            let x = xs.map(m.x);
            let _ = write!(
                out,
                r#"<g class="marker {c}"><title>{t}</title><line x1="{x:.1}" x2="{x:.1}" y1="{TOP}" y2="{yb}"/><path d="M{x:.1} {TOP} l-5 -8 h10 z"/></g>"#,
                c = m.class,
                t = esc(&m.title),
                yb = H - BOTTOM,
            );
        }
        for (k, s) in self.series.iter().enumerate() {
            let mut d = String::with_capacity(s.points.len() * 16);
            for (i, p) in s.points.iter().enumerate() {
                let _ = write!(
                    d,
                    "{}{:.1} {:.1}",
                    if i == 0 { "M" } else { " L" },
                    xs.map(p.x),
                    ys.map(p.y)
                );
            }
            let _ = write!(
                out,
                r#"<g class="series s{c}"><title>{n}</title><path class="line" d="{d}"/>"#,
                c = k % 8,
                n = esc(&s.name),
            );
            // Dots only where they stay readable; a long time series keeps its line alone.
            let dots = s.points.len() <= 200;
            for p in &s.points {
                if !(dots || p.flagged) {
                    continue;
                }
                let _ = write!(
                    out,
                    r#"<circle class="{c}" cx="{x:.1}" cy="{y:.1}" r="{r}"><title>{t}</title></circle>"#,
                    c = if p.flagged { "dot flagged" } else { "dot" },
                    x = xs.map(p.x),
                    y = ys.map(p.y),
                    r = if p.flagged { 6 } else { 3 },
                    t = esc(&p.title),
                );
            }
            out.push_str("</g>");
        }
        let names: Vec<&str> = self.series.iter().map(|s| s.name.as_str()).collect();
        legend(&mut out, &names);
        out.push_str("</svg>");
        out
    }
}

/// A bar chart with optional min–max whiskers.
pub fn bar_chart(title: &str, y_unit: &str, bars: &[Bar], hlines_: &[HLine]) -> String {
    let mut out = String::with_capacity(2048);
    open(&mut out, title, "bars");
    let (y0, y1) = y_range(
        bars.iter()
            .flat_map(|b| [b.value, b.range.map_or(b.value, |r| r.1)])
            .chain(hlines_.iter().map(|l| l.y)),
    );
    let ys = Scale::new(y0, y1, H - BOTTOM, TOP);
    y_axis(&mut out, ys, y0, y1, y_unit);
    let n = bars.len().max(1) as f64;
    let slot = (W - LEFT - RIGHT) / n;
    let bw = (slot * 0.6).min(80.0);
    for (i, b) in bars.iter().enumerate() {
        let cx = LEFT + slot * (i as f64 + 0.5);
        let top = ys.map(b.value);
        let t = esc(&b.title);
        let _ = write!(
            out,
            r#"<g class="bar s0"><title>{t}</title><rect x="{x:.1}" y="{top:.1}" width="{bw:.1}" height="{h:.1}"/>"#,
            x = cx - bw / 2.0,
            h = (H - BOTTOM - top).max(0.0),
        );
        if let Some((lo, hi)) = b.range {
            let (ylo, yhi) = (ys.map(lo), ys.map(hi));
            let _ = write!(
                out,
                r#"<path class="whisker" d="M{cx:.1} {ylo:.1} V{yhi:.1} M{a:.1} {ylo:.1} H{c:.1} M{a:.1} {yhi:.1} H{c:.1}"/>"#,
                a = cx - bw / 4.0,
                c = cx + bw / 4.0,
            );
        }
        let _ = write!(
            out,
            r#"</g><text class="tick" x="{cx:.1}" y="{y}" text-anchor="middle">{l}</text>"#,
            y = H - BOTTOM + 16.0,
            l = esc(&b.label),
        );
    }
    hlines(&mut out, ys, hlines_, &[]);
    out.push_str("</svg>");
    out
}

/// A stacked bar chart: one bar per category, one segment per legend entry.
pub fn stacked_bar_chart(
    title: &str,
    y_unit: &str,
    legend_: &[String],
    stacks: &[Stack],
) -> String {
    let mut out = String::with_capacity(2048);
    open(&mut out, title, "stacked");
    let (y0, y1) = y_range(stacks.iter().map(|s| s.values.iter().sum::<f64>()));
    let ys = Scale::new(y0, y1, H - BOTTOM, TOP);
    y_axis(&mut out, ys, y0, y1, y_unit);
    let n = stacks.len().max(1) as f64;
    let slot = (W - LEFT - RIGHT) / n;
    let bw = (slot * 0.6).min(80.0);
    for (i, s) in stacks.iter().enumerate() {
        let x = LEFT + slot * (i as f64 + 0.5) - bw / 2.0;
        let mut acc = 0.0;
        for (k, v) in s.values.iter().enumerate() {
            let (ya, yb) = (ys.map(acc), ys.map(acc + v));
            acc += v;
            let name = legend_.get(k).map_or("", String::as_str);
            let _ = write!(
                out,
                r#"<rect class="seg s{c}" x="{x:.1}" y="{yb:.1}" width="{bw:.1}" height="{h:.1}"><title>{l}: {name} {v}{u}</title></rect>"#,
                c = k % 8,
                h = (ya - yb).max(0.0),
                l = esc(&s.label),
                name = esc(name),
                v = tick(*v),
                u = esc(y_unit),
            );
        }
        let _ = write!(
            out,
            r#"<text class="tick" x="{cx:.1}" y="{y}" text-anchor="middle">{l}</text>"#,
            cx = x + bw / 2.0,
            y = H - BOTTOM + 16.0,
            l = esc(&s.label),
        );
    }
    let names: Vec<&str> = legend_.iter().map(String::as_str).collect();
    legend(&mut out, &names);
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_short_and_round() {
        assert_eq!(tick(0.0), "0");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(120_000_000.0), "120M");
        assert_eq!(nice_step(97.0, 5.0), 20.0);
        assert_eq!(nice_step(0.9, 5.0), 0.2);
    }

    #[test]
    fn reference_labels_move_below_a_series_that_runs_just_above_them() {
        let chart = |ys: [f64; 3]| {
            LineChart {
                title: "t".into(),
                y_unit: "s".into(),
                x_axis: XAxis::Index,
                x_labels: vec!["1".into(), "2".into(), "4".into()],
                series: vec![Series {
                    name: "p95".into(),
                    points: (0..3)
                        .map(|i| Point {
                            x: i as f64,
                            y: ys[i],
                            title: String::new(),
                            flagged: false,
                        })
                        .collect(),
                }],
                hlines: vec![HLine {
                    y: 1.0,
                    label: "added latency 1 s".into(),
                    class: "target",
                }],
                markers: vec![],
            }
            .render()
        };
        let label_y = |svg: &str| -> (f64, f64) {
            let g = &svg[svg.find(r#"<g class="ref target">"#).expect("ref line")..];
            let num = |g: &str, key: &str| -> f64 {
                let at = g.find(key).expect(key) + key.len();
                g[at..at + g[at..].find('"').expect("quote")]
                    .parse()
                    .expect("number")
            };
            let text = &g[g.find("<text").expect("label")..];
            (num(g, r#"y1=""#), num(text, r#" y=""#))
        };
        // The series ends a little above the line (higher value = smaller y): label below.
        let (line, text) = label_y(&chart([0.5, 1.02, 1.05]));
        assert!(text > line, "label below the line: {text} vs {line}");
        // The series ends below the line: the label keeps its place above.
        let (line, text) = label_y(&chart([0.5, 0.98, 0.95]));
        assert!(text < line, "label above the line: {text} vs {line}");
        // Nothing near: above, as before.
        let (line, text) = label_y(&chart([3.0, 3.0, 3.0]));
        assert!(text < line);
    }

    #[test]
    fn line_chart_draws_points_lines_and_hover_titles_escaped() {
        let chart = LineChart {
            title: "T <1>".into(),
            y_unit: "MB/s".into(),
            x_axis: XAxis::Linear(" MB"),
            x_labels: vec![],
            series: vec![Series {
                name: "median".into(),
                points: vec![
                    Point {
                        x: 0.1,
                        y: 1.0,
                        title: "<script>x</script>".into(),
                        flagged: false,
                    },
                    Point {
                        x: 1.0,
                        y: 3.0,
                        title: "b".into(),
                        flagged: true,
                    },
                ],
            }],
            hlines: vec![HLine {
                y: 0.2,
                label: "target 0.2".into(),
                class: "target",
            }],
            markers: vec![Marker {
                x: 0.5,
                title: "cpu fired".into(),
                class: "fired",
            }],
        }
        .render();
        assert!(chart.starts_with("<svg") && chart.ends_with("</svg>"));
        assert!(chart.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!chart.contains("<script>"));
        assert!(chart.contains("T &lt;1&gt;"));
        assert_eq!(chart.matches("<circle").count(), 2);
        assert_eq!(chart.matches("dot flagged").count(), 1);
        assert!(chart.contains("target 0.2") && chart.contains("cpu fired"));
    }

    #[test]
    fn bars_have_whiskers_and_stacks_one_segment_per_value() {
        let b = bar_chart(
            "time",
            "s",
            &[Bar {
                label: "1 MB".into(),
                value: 2.0,
                range: Some((1.5, 3.0)),
                title: "t".into(),
            }],
            &[],
        );
        assert_eq!(b.matches("class=\"whisker\"").count(), 1);
        let s = stacked_bar_chart(
            "stages",
            "s",
            &["parse".into(), "nlp".into()],
            &[
                Stack {
                    label: "a".into(),
                    values: vec![1.0, 2.0],
                },
                Stack {
                    label: "b".into(),
                    values: vec![0.5, 0.5],
                },
            ],
        );
        assert_eq!(s.matches("<rect class=\"seg").count(), 4);
    }
}
