//! The performance guide's targets, and the verdict of a measured size against them.
//!
//! Defaults (the guide's table): under 1 MB in < 5 s, < 100 MB peak RSS, > 0.2 MB/s; 1 to 10
//! MB in < 30 s, < 300 MB, > 0.3 MB/s; 10 to 50 MB in < 2 min, < 500 MB, > 0.4 MB/s. Tiers are
//! half-open by file size, `[0, 1)`, `[1, 10)`, `[10, 50]` MB, so a 10 MB file is held to the
//! 10–50 MB row; a file above the last tier gets no verdict. Sizes and throughput use SI MB.
//!
//! The table is overridable from `customer-snapshot.toml`'s `[benchmark.targets]`:
//!
//! ```toml
//! [benchmark.targets.medium]
//! max_wall_seconds = 20
//! ```

use serde::{Deserialize, Serialize};

/// One row of the targets table.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Files smaller than this (in MB) belong to the row (the last row includes it).
    pub below_size_mb: f64,
    /// Longest acceptable median wall time.
    pub max_wall_seconds: f64,
    /// Largest acceptable peak RSS, in MB.
    pub max_peak_rss_mb: f64,
    /// Slowest acceptable throughput.
    pub min_throughput_mb_per_s: f64,
}

/// The whole table: three rows, each overridable field by field (see [`TargetsConfig`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(from = "TargetsConfig")]
pub struct Targets {
    /// Under 1 MB.
    pub small: Tier,
    /// 1 to 10 MB.
    pub medium: Tier,
    /// 10 to 50 MB.
    pub large: Tier,
}

impl Default for Targets {
    fn default() -> Self {
        Self {
            small: Tier {
                below_size_mb: 1.0,
                max_wall_seconds: 5.0,
                max_peak_rss_mb: 100.0,
                min_throughput_mb_per_s: 0.2,
            },
            medium: Tier {
                below_size_mb: 10.0,
                max_wall_seconds: 30.0,
                max_peak_rss_mb: 300.0,
                min_throughput_mb_per_s: 0.3,
            },
            large: Tier {
                below_size_mb: 50.0,
                max_wall_seconds: 120.0,
                max_peak_rss_mb: 500.0,
                min_throughput_mb_per_s: 0.4,
            },
        }
    }
}

/// The config file's view of [`Targets`]: every row and field optional, unknown keys rejected.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TargetsConfig {
    /// Overrides of the "small" row.
    pub small: TierConfig,
    /// Overrides of the "medium" row.
    pub medium: TierConfig,
    /// Overrides of the "large" row.
    pub large: TierConfig,
}

/// Overrides of one row; absent fields keep the guide's value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TierConfig {
    /// See [`Tier::below_size_mb`].
    pub below_size_mb: Option<f64>,
    /// See [`Tier::max_wall_seconds`].
    pub max_wall_seconds: Option<f64>,
    /// See [`Tier::max_peak_rss_mb`].
    pub max_peak_rss_mb: Option<f64>,
    /// See [`Tier::min_throughput_mb_per_s`].
    pub min_throughput_mb_per_s: Option<f64>,
}

impl TierConfig {
    fn apply(self, base: Tier) -> Tier {
        Tier {
            below_size_mb: self.below_size_mb.unwrap_or(base.below_size_mb),
            max_wall_seconds: self.max_wall_seconds.unwrap_or(base.max_wall_seconds),
            max_peak_rss_mb: self.max_peak_rss_mb.unwrap_or(base.max_peak_rss_mb),
            min_throughput_mb_per_s: self
                .min_throughput_mb_per_s
                .unwrap_or(base.min_throughput_mb_per_s),
        }
    }
}

impl From<TargetsConfig> for Targets {
    fn from(c: TargetsConfig) -> Self {
        let d = Targets::default();
        Targets {
            small: c.small.apply(d.small),
            medium: c.medium.apply(d.medium),
            large: c.large.apply(d.large),
        }
    }
}

/// A measured size's verdict against its tier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verdict {
    /// Which row applied: "small", "medium" or "large".
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
    /// The row for a file of `size_bytes`, with its name; `None` above the last row.
    pub fn tier_for(&self, size_bytes: u64) -> Option<(&'static str, Tier)> {
        let mb = size_bytes as f64 / crate::corpus::MB;
        let rows = [
            ("small", self.small),
            ("medium", self.medium),
            ("large", self.large),
        ];
        let last = rows.len() - 1;
        rows.into_iter()
            .enumerate()
            .find(|(i, (_, t))| mb < t.below_size_mb || (*i == last && mb <= t.below_size_mb))
            .map(|(_, row)| row)
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
            tier: tier.to_owned(),
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
        assert_eq!(t.tier_for(100_000).unwrap().0, "small");
        assert_eq!(t.tier_for(999_999).unwrap().0, "small");
        assert_eq!(t.tier_for(1_000_000).unwrap().0, "medium");
        assert_eq!(t.tier_for(10_000_000).unwrap().0, "large");
        assert_eq!(t.tier_for(50_000_000).unwrap().0, "large");
        assert!(t.tier_for(50_000_001).is_none());
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
    fn config_overrides_field_by_field_and_rejects_typos() {
        let t: Targets = toml::from_str("[medium]\nmax_wall_seconds = 20\n").unwrap();
        assert_eq!(t.medium.max_wall_seconds, 20.0);
        assert_eq!(t.small, Targets::default().small);
        assert_eq!(t.medium.max_peak_rss_mb, 300.0);
        assert_eq!(toml::from_str::<Targets>("").unwrap(), Targets::default());
        // A report's JSON (all fields present) reads back unchanged.
        let json = serde_json::to_string(&t).unwrap();
        assert_eq!(serde_json::from_str::<Targets>(&json).unwrap(), t);
        assert!(toml::from_str::<Targets>("[huge]\n").is_err());
        assert!(toml::from_str::<Targets>("[small]\nmax_wall_secs = 1\n").is_err());
    }
}
