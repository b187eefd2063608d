//! Go's `time.ParseDuration` and `Duration.String`, which Pebble uses for every
//! duration in layers and in the API (`500ms`, `1m30s`, `1.5h`).
//!
//! Hand-written: the duration crates parse humantime's or ISO's syntax, not Go's.

use std::time::Duration;

/// Parses a Go duration; negative durations are refused (Pebble has none).
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("time: invalid duration {text:?}");
    let s = text.strip_prefix('+').unwrap_or(text);
    if s.starts_with('-') {
        return Err(format!("duration {text:?} must not be negative"));
    }
    if s == "0" {
        return Ok(Duration::ZERO);
    }
    if s.is_empty() {
        return Err(bad());
    }
    let mut rest = s;
    let mut total = 0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let (num, after) = rest.split_at(num_len);
        if num.is_empty() || num == "." {
            return Err(bad());
        }
        let value: f64 = num.parse().map_err(|_| bad())?;
        let unit_len = after
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(after.len());
        let (unit, next) = after.split_at(unit_len);
        let nanos = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(format!("time: missing unit in duration {text:?}")),
            _ => return Err(format!("time: unknown unit {unit:?} in duration {text:?}")),
        };
        total += value * nanos;
        rest = next;
    }
    if !total.is_finite() || total > u64::MAX as f64 {
        return Err(bad());
    }
    Ok(Duration::from_nanos(total.round() as u64))
}

/// Formats like Go's `Duration.String`: `1m30s`, `500ms`, `1.5s`, `0s`.
pub(crate) fn format(d: Duration) -> String {
    let nanos = d.as_nanos();
    if nanos == 0 {
        return "0s".into();
    }
    if nanos < 1_000 {
        return format!("{nanos}ns");
    }
    if nanos < 1_000_000 {
        return trim(format!("{:.3}", nanos as f64 / 1e3)) + "µs";
    }
    if nanos < 1_000_000_000 {
        return trim(format!("{:.6}", nanos as f64 / 1e6)) + "ms";
    }
    let secs = d.as_secs();
    let (h, m) = (secs / 3600, (secs / 60) % 60);
    let s = trim(format!(
        "{:.9}",
        (secs % 60) as f64 + f64::from(d.subsec_nanos()) / 1e9
    )) + "s";
    match (h, m) {
        (0, 0) => s,
        (0, m) => format!("{m}m{s}"),
        (h, m) => format!("{h}h{m}m{s}"),
    }
}

fn trim(s: String) -> String {
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        let ms = Duration::from_millis;
        assert_eq!(parse("500ms"), Ok(ms(500)));
        assert_eq!(parse("1m30s"), Ok(ms(90_000)));
        assert_eq!(parse("1.5h"), Ok(ms(5_400_000)));
        assert_eq!(parse("0"), Ok(Duration::ZERO));
        assert_eq!(parse("2.500s"), Ok(ms(2500)));
        assert_eq!(parse("10us"), Ok(Duration::from_micros(10)));
        for bad in ["", "5", "s", "1x", "-1s", "1..2s", "."] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn formats_like_go() {
        let ms = Duration::from_millis;
        assert_eq!(format(ms(500)), "500ms");
        assert_eq!(format(ms(90_000)), "1m30s");
        assert_eq!(format(ms(1500)), "1.5s");
        assert_eq!(format(ms(3_600_000)), "1h0m0s");
        assert_eq!(format(Duration::ZERO), "0s");
        for d in [ms(1), ms(1234), ms(61_001), Duration::from_nanos(7)] {
            assert_eq!(parse(&format(d)), Ok(d));
        }
    }
}
