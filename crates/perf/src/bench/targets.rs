//! The performance guide's targets, and the verdict of a measured size against them.
//!
//! Defaults (the guide's table): under 1 MB in < 5 s, < 100 MB peak RSS, > 0.2 MB/s; 1 to 10
//! MB in < 30 s, < 300 MB, > 0.3 MB/s; 10 to 50 MB in < 2 min, < 500 MB, > 0.4 MB/s. A file
//! belongs to the first row whose `max_input_mb` it stays below, and the last row also takes a
//! file of exactly its bound: rows are `[0, 1)`, `[1, 10)`, `[10, 50]` MB, so a 10 MB file is
//! held to the 10–50 MB row, as "< 1 MB" and "1–10 MB" read. Above the last row there is no
//! verdict. Sizes and throughput use SI MB (10^6 bytes).
//!
//! [`BenchmarkConfig`] is the `[benchmark]` table of `customer-snapshot.toml`:
//!
//! ```toml
//! [benchmark]
//! sizes_mb = [0.1, 1, 10]
//! runs = 10
//! targets = [
//!   { max_input_mb = 1, max_wall_seconds = 5, max_peak_rss_mb = 100, min_throughput_mb_per_s = 0.2 },
//!   { max_input_mb = 50, max_wall_seconds = 60, max_peak_rss_mb = 400, min_throughput_mb_per_s = 0.4 },
//! ]
//! ```

use serde::{Deserialize, Serialize};

use crate::corpus::Layout;

/// One row of the targets table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Files smaller than this (in MB) belong to the row (the last row includes it).
    pub max_input_mb: f64,
    /// Longest acceptable median wall time.
    pub max_wall_seconds: f64,
    /// Largest acceptable peak RSS, in MB.
    pub max_peak_rss_mb: f64,
    /// Slowest acceptable throughput.
    pub min_throughput_mb_per_s: f64,
}

/// The targets table, rows in ascending `max_input_mb`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Targets {
    /// The rows.
    pub tiers: Vec<Tier>,
}

impl Default for Targets {
    fn default() -> Self {
        let tier =
            |max_input_mb, max_wall_seconds, max_peak_rss_mb, min_throughput_mb_per_s| Tier {
                max_input_mb,
                max_wall_seconds,
                max_peak_rss_mb,
                min_throughput_mb_per_s,
            };
        Self {
            tiers: vec![
                tier(1.0, 5.0, 100.0, 0.2),
                tier(10.0, 30.0, 300.0, 0.3),
                tier(50.0, 120.0, 500.0, 0.4),
            ],
        }
    }
}

/// The `[benchmark]` table of `customer-snapshot.toml`; absent keys keep these defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BenchmarkConfig {
    /// File sizes to measure, in SI MB.
    pub sizes_mb: Vec<f64>,
    /// Measured runs per size.
    pub runs: u32,
    /// Warm-up runs per size.
    pub warmup: u32,
    /// Corpus layout.
    pub corpus: Layout,
    /// The targets table.
    pub targets: Targets,
}

impl Default for BenchmarkConfig {
    fn default() -> Self {
        Self {
            sizes_mb: vec![0.1, 0.5, 1.0, 2.0, 5.0, 10.0],
            runs: 5,
            warmup: 1,
            corpus: Layout::Realistic,
            targets: Targets::default(),
        }
    }
}

/// A measured size's verdict against its tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// Which row applied, e.g. "1–10 MB".
    pub tier: String,
    /// The row that applied.
    pub target: Tier,
    /// True when time, memory and throughput all met the row.
    pub pass: bool,
    /// Target wall time over measured median wall time (`> 1` is faster than required).
    pub wall_margin: f64,
    /// Target RSS over measured peak RSS (`> 1` is leaner than allowed).
    pub rss_margin: f64,
    /// Measured throughput over the target throughput (`> 1` is faster than required).
    pub throughput_margin: f64,
    /// The failed criteria, in words (empty on a pass).
    pub misses: Vec<String>,
}

impl Targets {
    /// Checks the rows are non-empty, positive and in ascending size order.
    pub fn validate(&self) -> Result<(), String> {
        if self.tiers.is_empty() {
            return Err("the targets table has no rows".into());
        }
        let mut last = 0.0;
        for t in &self.tiers {
            let fields = [
                t.max_input_mb,
                t.max_wall_seconds,
                t.max_peak_rss_mb,
                t.min_throughput_mb_per_s,
            ];
            if fields.iter().any(|v| !v.is_finite() || *v <= 0.0) {
                return Err(format!(
                    "target row for {} MB has a value that is not a positive number",
                    t.max_input_mb
                ));
            }
            if t.max_input_mb <= last {
                return Err(format!(
                    "target rows must ascend by max_input_mb; {} follows {last}",
                    t.max_input_mb
                ));
            }
            last = t.max_input_mb;
        }
        Ok(())
    }

    /// The row for a file of `size_bytes` and its label ("< 1 MB", "1–10 MB"); `None` above
    /// the last row.
    pub fn tier_for(&self, size_bytes: u64) -> Option<(String, Tier)> {
        let mb = size_bytes as f64 / crate::corpus::MB;
        let last = self.tiers.len().checked_sub(1)?;
        let i = self
            .tiers
            .iter()
            .enumerate()
            .position(|(i, t)| mb < t.max_input_mb || (i == last && mb <= t.max_input_mb))?;
        let label = match i {
            0 => format!("< {} MB", self.tiers[0].max_input_mb),
            _ => format!(
                "{}–{} MB",
                self.tiers[i - 1].max_input_mb,
                self.tiers[i].max_input_mb
            ),
        };
        Some((label, self.tiers[i]))
    }

    /// Judges one size from its median wall time and its peak RSS (the worst run's).
    pub fn judge(
        &self,
        size_bytes: u64,
        median_wall_seconds: f64,
        peak_rss_bytes: u64,
    ) -> Option<Verdict> {
        let (tier, t) = self.tier_for(size_bytes)?;
        let mb = size_bytes as f64 / crate::corpus::MB;
        let throughput = if median_wall_seconds > 0.0 {
            mb / median_wall_seconds
        } else {
            f64::INFINITY
        };
        let rss_mb = peak_rss_bytes as f64 / crate::corpus::MB;
        let mut misses = Vec::new();
        if median_wall_seconds >= t.max_wall_seconds {
            misses.push(format!(
                "median wall {median_wall_seconds:.3} s is not under {} s",
                t.max_wall_seconds
            ));
        }
        if rss_mb >= t.max_peak_rss_mb {
            misses.push(format!(
                "peak RSS {rss_mb:.1} MB is not under {} MB",
                t.max_peak_rss_mb
            ));
        }
        if throughput <= t.min_throughput_mb_per_s {
            misses.push(format!(
                "throughput {throughput:.3} MB/s is not over {} MB/s",
                t.min_throughput_mb_per_s
            ));
        }
        Some(Verdict {
            tier,
            target: t,
            pass: misses.is_empty(),
            wall_margin: t.max_wall_seconds / median_wall_seconds.max(f64::MIN_POSITIVE),
            rss_margin: t.max_peak_rss_mb / rss_mb.max(f64::MIN_POSITIVE),
            throughput_margin: throughput / t.min_throughput_mb_per_s,
            misses,
        })
    }
}

impl Verdict {
    /// "PASS, 312× faster than target" or "MISS: ..." for tables.
    pub fn summary(&self) -> String {
        if self.pass {
            format!(
                "PASS, {}× faster than target",
                format_margin(self.wall_margin)
            )
        } else {
            format!("MISS: {}", self.misses.join("; "))
        }
    }
}

/// Rounds a margin for people: three significant digits, no exponent.
pub fn format_margin(m: f64) -> String {
    if !m.is_finite() {
        "∞".to_owned()
    } else if m >= 100.0 {
        format!("{m:.0}")
    } else if m >= 10.0 {
        format!("{m:.1}")
    } else {
        format!("{m:.2}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tiers_are_half_open_with_an_inclusive_last_row() {
        let t = Targets::default();
        let label = |b| t.tier_for(b).map(|(l, _)| l);
        assert_eq!(label(100_000).unwrap(), "< 1 MB");
        assert_eq!(label(999_999).unwrap(), "< 1 MB");
        assert_eq!(label(1_000_000).unwrap(), "1–10 MB");
        assert_eq!(label(10_000_000).unwrap(), "10–50 MB");
        assert_eq!(label(50_000_000).unwrap(), "10–50 MB");
        assert!(label(50_000_001).is_none());
    }

    #[test]
    fn verdict_reports_margin_and_every_miss() {
        let t = Targets::default();
        let v = t.judge(5_000_000, 0.1, 20_000_000).unwrap();
        assert!(v.pass);
        assert_eq!(v.wall_margin, 300.0);
        assert_eq!(v.summary(), "PASS, 300× faster than target");
        let v = t.judge(500_000, 6.0, 150_000_000).unwrap();
        assert!(!v.pass);
        assert_eq!(v.misses.len(), 3, "{:?}", v.misses);
        assert!(v.summary().starts_with("MISS: median wall 6.000 s"));
    }

    #[test]
    fn config_table_defaults_and_rejects_typos() {
        let c: BenchmarkConfig = toml::from_str("runs = 10\n").unwrap();
        assert_eq!(c.runs, 10);
        assert_eq!(c.targets, Targets::default());
        assert_eq!(c.sizes_mb, [0.1, 0.5, 1.0, 2.0, 5.0, 10.0]);
        let c: BenchmarkConfig = toml::from_str(
            "targets = [{ max_input_mb = 2, max_wall_seconds = 1, max_peak_rss_mb = 50, min_throughput_mb_per_s = 1 }]\n",
        )
        .unwrap();
        assert_eq!(c.targets.tiers.len(), 1);
        assert!(c.targets.validate().is_ok());
        assert!(toml::from_str::<BenchmarkConfig>("rnus = 3\n").is_err());
        assert!(toml::from_str::<BenchmarkConfig>("targets = [{ max_input_mb = 2 }]\n").is_err());
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<BenchmarkConfig>(&json).unwrap(), c);
    }

    #[test]
    fn bad_tables_are_explained() {
        let mut t = Targets::default();
        t.tiers.swap(0, 1);
        assert!(t.validate().unwrap_err().contains("ascend"));
        t.tiers[0].max_wall_seconds = -1.0;
        assert!(t.validate().unwrap_err().contains("positive"));
        assert!(Targets { tiers: vec![] }.validate().is_err());
    }
}
