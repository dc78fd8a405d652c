//! Durations in scenario files: `"500ms"`, `"2s"`, `"90m"`, `"7d"`.
//!
//! Teachers write times the way Kafka's docs talk about them; a bare number would leave the
//! unit to guess. Only whole milliseconds are accepted, because the simulation ticks in them.

use crate::types::SimDuration;

/// Parse `"<integer><unit>"` with unit one of `ms`, `s`, `m`, `h`, `d`.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    let split = t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len());
    let (digits, unit) = t.split_at(split);
    if digits.is_empty() {
        return Err(format!("`{text}` is not a duration: write a whole number and a unit, e.g. \"500ms\", \"2s\", \"1h\""));
    }
    let n: u64 = digits.parse().map_err(|_| format!("`{text}`: number too large"))?;
    let ms_per_unit = match unit.trim() {
        "ms" => 1,
        "s" => 1000,
        "m" | "min" => 60_000,
        "h" => 3_600_000,
        "d" => 86_400_000,
        "" => return Err(format!("`{text}` has no unit: write e.g. \"{n}ms\" or \"{n}s\"")),
        other => return Err(format!("`{text}`: unknown unit `{other}` (use ms, s, m, h or d)")),
    };
    n.checked_mul(ms_per_unit)
        .map(SimDuration::from_millis)
        .ok_or_else(|| format!("`{text}`: duration too large"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("500ms").unwrap(), SimDuration::from_millis(500));
        assert_eq!(parse_duration("2s").unwrap(), SimDuration::from_millis(2000));
        assert_eq!(parse_duration("3h").unwrap(), SimDuration::from_millis(3 * 3_600_000));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("10y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("-5s").is_err());
    }
}
