//! Human durations as users type them on the command line and in `customer-snapshot.toml`:
//! `200ms`, `10s`, `2m`, `1h`, or a bare number of seconds. Kept tiny and strict rather than
//! pulling in a dependency: one unit per value, no fractions of units.

use std::time::Duration;

use serde::{Deserialize, Deserializer};

/// A duration string that could not be understood.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid duration '{input}': {reason} (use e.g. '200ms', '10s', '2m', '1h')")]
pub struct DurationError {
    /// The text as given.
    pub input: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

/// Parses `200ms`, `10s`, `2m`, `1h` or a bare number of seconds (`30`).
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let err = |reason| DurationError {
        input: input.to_owned(),
        reason,
    };
    let text = input.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    if digits.is_empty() {
        return Err(err("it must start with a whole number"));
    }
    let value: u64 = digits.parse().map_err(|_| err("the number is too large"))?;
    let millis_per_unit: u64 = match unit.trim() {
        "ms" => 1,
        "" | "s" | "sec" => 1_000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        _ => return Err(err("unknown unit")),
    };
    let millis = value
        .checked_mul(millis_per_unit)
        .ok_or_else(|| err("the number is too large"))?;
    Ok(Duration::from_millis(millis))
}

/// Formats a duration the way [`parse_duration`] reads it back (`1500ms`, `10s`, `2m`).
pub fn format_duration(d: Duration) -> String {
    let ms = d.as_millis();
    if ms.is_multiple_of(3_600_000) && ms > 0 {
        format!("{}h", ms / 3_600_000)
    } else if ms.is_multiple_of(60_000) && ms > 0 {
        format!("{}m", ms / 60_000)
    } else if ms.is_multiple_of(1_000) {
        format!("{}s", ms / 1_000)
    } else {
        format!("{ms}ms")
    }
}

/// Serde helper: deserializes a duration from a string such as `"10s"` or from a number of
/// seconds, for `#[serde(deserialize_with = "...")]`.
pub fn deserialize<'de, D: Deserializer<'de>>(de: D) -> Result<Duration, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Raw {
        Text(String),
        Seconds(u64),
    }
    match Raw::deserialize(de)? {
        Raw::Text(s) => parse_duration(&s).map_err(serde::de::Error::custom),
        Raw::Seconds(n) => Ok(Duration::from_secs(n)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_units_users_type() {
        assert_eq!(parse_duration("200ms"), Ok(Duration::from_millis(200)));
        assert_eq!(parse_duration("10s"), Ok(Duration::from_secs(10)));
        assert_eq!(parse_duration("2m"), Ok(Duration::from_secs(120)));
        assert_eq!(parse_duration("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse_duration("30"), Ok(Duration::from_secs(30)));
        assert_eq!(parse_duration(" 5 s "), Ok(Duration::from_secs(5)));
        assert_eq!(parse_duration("0s"), Ok(Duration::ZERO));
    }

    #[test]
    fn rejects_what_it_cannot_read_and_names_the_input() {
        for bad in [
            "",
            "s",
            "1.5s",
            "-1s",
            "10 parsecs",
            "10d",
            "99999999999999999999s",
        ] {
            let e = parse_duration(bad).expect_err(bad);
            assert_eq!(e.input, bad);
            assert!(e.to_string().contains(&format!("'{bad}'")), "{e}");
        }
        assert!(parse_duration("18446744073709551615h").is_err());
    }

    #[test]
    fn formats_round_trip() {
        for d in ["200ms", "10s", "2m", "1h", "1500ms", "0s"] {
            let parsed = parse_duration(d).expect(d);
            assert_eq!(format_duration(parsed), d);
        }
    }
}
