//! Peak resident set of this process, per input: Linux keeps the high-water mark in
//! `/proc/self/status` (`VmHWM`) and resets it when `5` is written to `/proc/self/clear_refs`.

use std::fs;

/// Resets the peak-RSS mark to the current RSS. False when the kernel does not allow it (then a
/// later peak would include earlier inputs, so it is not reported).
pub fn reset_peak_rss() -> bool {
    fs::write("/proc/self/clear_refs", b"5").is_ok()
}

/// The peak RSS since the last reset (or process start), in bytes.
pub fn peak_rss_bytes() -> Option<u64> {
    let status = fs::read_to_string("/proc/self/status").ok()?;
    parse_kib_field(&status, "VmHWM:")
}

fn parse_kib_field(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kib * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_vmhwm_in_bytes() {
        let status = "Name:\tx\nVmPeak:\t  10 kB\nVmHWM:\t    2048 kB\nVmRSS:\t 1000 kB\n";
        assert_eq!(parse_kib_field(status, "VmHWM:"), Some(2048 * 1024));
        assert_eq!(parse_kib_field(status, "VmSwap:"), None);
    }

    #[test]
    fn peak_rss_of_this_process_is_plausible() {
        let peak = peak_rss_bytes().unwrap();
        assert!(peak > 100_000 && peak < 100_000_000_000, "{peak}");
    }
}
