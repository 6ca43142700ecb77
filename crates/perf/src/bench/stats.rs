//! Robust statistics for benchmark runs: location, spread, outliers and ratio confidence.
//!
//! - Location and spread: the median and the median absolute deviation (MAD, unscaled:
//!   `median(|x - median(x)|)`; multiply by 1.4826 for a normal-consistent estimate), after
//!   Hampel, "The influence curve and its role in robust estimation", JASA 69 (1974). Mean and
//!   the sample standard deviation (n - 1 denominator) are reported beside them.
//! - Quantiles: linear interpolation between order statistics (Hyndman & Fan 1996, type 7,
//!   the default of R and NumPy).
//! - Outliers: Tukey's fences (Tukey, "Exploratory Data Analysis", 1977): mild beyond
//!   `Q1 - 1.5 IQR` / `Q3 + 1.5 IQR`, severe beyond 3 IQR, as hyperfine and criterion flag them.
//! - Ratios: a percentile bootstrap confidence interval for the ratio of two medians, drawing
//!   each sample with replacement independently (Efron & Tibshirani, "An Introduction to the
//!   Bootstrap", 1993, ch. 13). The resampling PRNG is seeded, so a report is reproducible.
//!
//! [`Sample`] holds the invariant every function here relies on: at least one value, all finite.

use crate::corpus::SplitMix64;

/// Errors building a [`Sample`] or a ratio.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StatsError {
    /// No values at all.
    #[error("no measurements to summarise")]
    Empty,
    /// A NaN or infinite value.
    #[error("measurement {0} is not a finite number")]
    NotFinite(f64),
    /// A ratio's denominator has a median of zero.
    #[error("cannot form a ratio against a baseline median of zero")]
    ZeroBaseline,
}

/// A non-empty set of finite measurements, kept sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct Sample {
    sorted: Vec<f64>,
}

impl Sample {
    /// Checks and sorts `values`.
    pub fn new(values: &[f64]) -> Result<Self, StatsError> {
        if values.is_empty() {
            return Err(StatsError::Empty);
        }
        if let Some(bad) = values.iter().find(|v| !v.is_finite()) {
            return Err(StatsError::NotFinite(*bad));
        }
        let mut sorted = values.to_vec();
        sorted.sort_by(f64::total_cmp);
        Ok(Self { sorted })
    }

    /// The values in ascending order.
    pub fn sorted(&self) -> &[f64] {
        &self.sorted
    }

    /// Number of values (at least one).
    pub fn len(&self) -> usize {
        self.sorted.len()
    }

    /// Always false: a `Sample` holds at least one value.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// Smallest value.
    pub fn min(&self) -> f64 {
        self.sorted[0]
    }

    /// Largest value.
    pub fn max(&self) -> f64 {
        self.sorted[self.sorted.len() - 1]
    }

    /// Arithmetic mean.
    pub fn mean(&self) -> f64 {
        self.sorted.iter().sum::<f64>() / self.sorted.len() as f64
    }

    /// Sample standard deviation (n - 1); `None` with a single value.
    pub fn stddev(&self) -> Option<f64> {
        let n = self.sorted.len();
        if n < 2 {
            return None;
        }
        let mean = self.mean();
        let ss: f64 = self.sorted.iter().map(|v| (v - mean) * (v - mean)).sum();
        Some((ss / (n - 1) as f64).sqrt())
    }

    /// The `p` quantile (`0 <= p <= 1`), Hyndman–Fan type 7.
    pub fn quantile(&self, p: f64) -> f64 {
        quantile_sorted(&self.sorted, p)
    }

    /// The median.
    pub fn median(&self) -> f64 {
        quantile_sorted(&self.sorted, 0.5)
    }

    /// Median absolute deviation from the median (unscaled).
    pub fn mad(&self) -> f64 {
        let m = self.median();
        let mut dev: Vec<f64> = self.sorted.iter().map(|v| (v - m).abs()).collect();
        dev.sort_by(f64::total_cmp);
        quantile_sorted(&dev, 0.5)
    }

    /// Tukey's fences from the quartiles.
    pub fn fences(&self) -> Fences {
        let (q1, q3) = (self.quantile(0.25), self.quantile(0.75));
        let iqr = q3 - q1;
        Fences {
            lower_severe: q1 - 3.0 * iqr,
            lower_mild: q1 - 1.5 * iqr,
            upper_mild: q3 + 1.5 * iqr,
            upper_severe: q3 + 3.0 * iqr,
        }
    }

    /// How many values lie outside the mild and the severe fences.
    pub fn outliers(&self) -> Outliers {
        let f = self.fences();
        let mut out = Outliers::default();
        for &v in &self.sorted {
            if v < f.lower_severe || v > f.upper_severe {
                out.severe += 1;
            } else if v < f.lower_mild || v > f.upper_mild {
                out.mild += 1;
            }
        }
        out
    }
}

/// Tukey's inner (mild) and outer (severe) fences.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fences {
    /// `Q1 - 3 IQR`.
    pub lower_severe: f64,
    /// `Q1 - 1.5 IQR`.
    pub lower_mild: f64,
    /// `Q3 + 1.5 IQR`.
    pub upper_mild: f64,
    /// `Q3 + 3 IQR`.
    pub upper_severe: f64,
}

/// Outlier counts by Tukey's fences.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Outliers {
    /// Between the inner and the outer fence.
    pub mild: usize,
    /// Beyond the outer fence.
    pub severe: usize,
}

impl Outliers {
    /// Mild plus severe.
    pub fn total(&self) -> usize {
        self.mild + self.severe
    }
}

fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    let p = p.clamp(0.0, 1.0);
    let h = (sorted.len() - 1) as f64 * p;
    let lo = h.floor() as usize;
    let hi = h.ceil() as usize;
    sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
}

/// A ratio with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RatioCi {
    /// The ratio of the two medians.
    pub ratio: f64,
    /// Lower end of the interval.
    pub lower: f64,
    /// Upper end of the interval.
    pub upper: f64,
    /// The interval's confidence level (e.g. 0.95).
    pub confidence: f64,
}

/// Settings of the bootstrap.
#[derive(Debug, Clone, Copy)]
pub struct Bootstrap {
    /// Number of resamples.
    pub resamples: usize,
    /// Confidence level in (0, 1).
    pub confidence: f64,
    /// PRNG seed, so the interval is reproducible.
    pub seed: u64,
}

impl Default for Bootstrap {
    fn default() -> Self {
        Self {
            resamples: 10_000,
            confidence: 0.95,
            seed: 0x5EED,
        }
    }
}

impl Bootstrap {
    /// Percentile-bootstrap interval for `median(num) / median(den)`.
    pub fn median_ratio(&self, num: &Sample, den: &Sample) -> Result<RatioCi, StatsError> {
        let den_median = den.median();
        if den_median == 0.0 {
            return Err(StatsError::ZeroBaseline);
        }
        let ratio = num.median() / den_median;
        let mut rng = SplitMix64::new(self.seed);
        let mut a = vec![0.0; num.len()];
        let mut b = vec![0.0; den.len()];
        let mut ratios = Vec::with_capacity(self.resamples.max(1));
        for _ in 0..self.resamples.max(1) {
            let ma = resampled_median(&mut rng, num.sorted(), &mut a);
            let mb = resampled_median(&mut rng, den.sorted(), &mut b);
            if mb != 0.0 {
                ratios.push(ma / mb);
            }
        }
        if ratios.is_empty() {
            return Err(StatsError::ZeroBaseline);
        }
        ratios.sort_by(f64::total_cmp);
        let alpha = (1.0 - self.confidence.clamp(0.0, 1.0)) / 2.0;
        Ok(RatioCi {
            ratio,
            lower: quantile_sorted(&ratios, alpha),
            upper: quantile_sorted(&ratios, 1.0 - alpha),
            confidence: self.confidence,
        })
    }
}

fn resampled_median(rng: &mut SplitMix64, from: &[f64], buf: &mut [f64]) -> f64 {
    for slot in buf.iter_mut() {
        *slot = from[rng.below(from.len() as u64) as usize];
    }
    buf.sort_unstable_by(f64::total_cmp);
    quantile_sorted(buf, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn s(v: &[f64]) -> Sample {
        Sample::new(v).unwrap()
    }

    #[test]
    fn known_vectors() {
        let a = s(&[4.0, 1.0, 3.0, 2.0]);
        assert_eq!(a.median(), 2.5);
        assert_eq!(a.mean(), 2.5);
        assert_eq!((a.min(), a.max()), (1.0, 4.0));
        // Var of 1..4 with n-1 is 5/3.
        assert!((a.stddev().unwrap() - (5.0f64 / 3.0).sqrt()).abs() < 1e-12);
        // The textbook MAD example: median 2, deviations 1,1,0,0,2,4,7 -> 1.
        assert_eq!(s(&[1.0, 1.0, 2.0, 2.0, 4.0, 6.0, 9.0]).mad(), 1.0);
        assert_eq!(s(&[7.0]).median(), 7.0);
        assert_eq!(s(&[7.0]).stddev(), None);
        // Type 7 quartiles of 1..=10 are 3.25 and 7.75 (R's quantile()).
        let t = s(&(1..=10).map(f64::from).collect::<Vec<_>>());
        assert_eq!(t.quantile(0.25), 3.25);
        assert_eq!(t.quantile(0.75), 7.75);
    }

    #[test]
    fn tukey_flags_mild_and_severe() {
        // Q1 = 10.25, Q3 = 10.75 (IQR 0.5): 12 is mild (> 11.5), 100 severe (> 12.25).
        let v = s(&[10.0, 10.0, 10.5, 10.5, 10.5, 11.0, 11.0, 12.0, 100.0]);
        let f = v.fences();
        assert!(f.upper_mild < 12.0 && 12.0 < f.upper_severe, "{f:?}");
        assert_eq!(v.outliers(), Outliers { mild: 1, severe: 1 });
        assert_eq!(s(&[1.0, 1.0, 1.0]).outliers().total(), 0);
    }

    #[test]
    fn rejects_empty_and_nan() {
        assert_eq!(Sample::new(&[]), Err(StatsError::Empty));
        assert!(matches!(
            Sample::new(&[1.0, f64::NAN]),
            Err(StatsError::NotFinite(_))
        ));
        let zero = s(&[0.0, 0.0]);
        let err = Bootstrap::default().median_ratio(&s(&[1.0]), &zero);
        assert_eq!(err, Err(StatsError::ZeroBaseline));
    }

    #[test]
    fn bootstrap_separates_a_real_slowdown_from_noise() {
        let base = s(&[1.00, 1.02, 0.98, 1.01, 0.99]);
        let same = s(&[1.01, 0.97, 1.03, 1.00, 0.99]);
        let twice = s(&[2.00, 2.04, 1.96, 2.02, 1.98]);
        let b = Bootstrap::default();
        let ci = b.median_ratio(&same, &base).unwrap();
        assert!(ci.lower < 1.0 && ci.upper > 1.0, "{ci:?}");
        let ci = b.median_ratio(&twice, &base).unwrap();
        assert!(ci.lower > 1.9 && ci.upper < 2.1, "{ci:?}");
        assert_eq!(ci.ratio, 2.0);
    }

    proptest! {
        #[test]
        fn median_and_mad_are_robust_summaries(v in prop::collection::vec(-1e6f64..1e6, 1..60),
                                               shift in -1e3f64..1e3) {
            let a = s(&v);
            prop_assert!(a.min() <= a.median() && a.median() <= a.max());
            prop_assert!(a.mad() >= 0.0);
            prop_assert!(a.mad() <= a.max() - a.min() + 1e-9);
            // Shifting every value moves the median by the shift and leaves the MAD alone.
            let shifted = s(&v.iter().map(|x| x + shift).collect::<Vec<_>>());
            prop_assert!((shifted.median() - a.median() - shift).abs() < 1e-6);
            prop_assert!((shifted.mad() - a.mad()).abs() < 1e-6);
            // At most half the values lie strictly on either side of the median.
            let below = v.iter().filter(|x| **x < a.median()).count();
            prop_assert!(below * 2 <= v.len());
        }

        #[test]
        fn fences_bracket_the_quartiles(v in prop::collection::vec(-1e3f64..1e3, 1..40)) {
            let a = s(&v);
            let f = a.fences();
            prop_assert!(f.lower_severe <= f.lower_mild && f.lower_mild <= a.quantile(0.25));
            prop_assert!(a.quantile(0.75) <= f.upper_mild && f.upper_mild <= f.upper_severe);
            prop_assert!(a.outliers().total() * 2 <= v.len());
        }

        #[test]
        fn ratio_ci_scales_and_is_ordered(num in prop::collection::vec(0.1f64..10.0, 1..12),
                                          den in prop::collection::vec(0.1f64..10.0, 1..12),
                                          k in 0.5f64..4.0) {
            let b = Bootstrap { resamples: 400, ..Bootstrap::default() };
            let ci = b.median_ratio(&s(&num), &s(&den)).unwrap();
            prop_assert!(ci.lower <= ci.upper);
            prop_assert!(ci.lower > 0.0);
            // The same resampling draws on k-times-slower runs give a k-times-larger interval.
            let scaled: Vec<f64> = num.iter().map(|x| x * k).collect();
            let ci2 = b.median_ratio(&s(&scaled), &s(&den)).unwrap();
            prop_assert!((ci2.lower - k * ci.lower).abs() <= 1e-9 * ci2.lower.max(1.0));
            prop_assert!((ci2.upper - k * ci.upper).abs() <= 1e-9 * ci2.upper.max(1.0));
        }
    }
}
