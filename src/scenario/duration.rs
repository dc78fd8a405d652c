//! Durations in scenario files: `"500ms"`, `"2s"`, `"90m"`, `"7d"`.
//!
//! Teachers write times the way Kafka's docs talk about them; a bare number would leave the
//! unit to guess. Only whole milliseconds are accepted, because the simulation ticks in them.

use crate::types::SimDuration;

/// Parse `"<integer><unit>"` with unit one of `ms`, `s`, `m`, `h`, `d`, or several such
/// parts in a row (`"2h30m"`), which add up.
pub fn parse_duration(text: &str) -> Result<SimDuration, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("an empty string is not a duration: write e.g. \"500ms\", \"2s\", \"1h\"".to_string());
    }
    let mut rest = t;
    let mut total_ms: u64 = 0;
    while !rest.is_empty() {
        let (ms, tail) = parse_part(text, rest)?;
        total_ms = total_ms.checked_add(ms).ok_or_else(|| format!("`{text}`: duration too large"))?;
        rest = tail;
    }
    Ok(SimDuration::from_millis(total_ms))
}

/// One `<integer><unit>` part at the start of `rest`; returns its milliseconds and the rest.
fn parse_part<'a>(text: &str, rest: &'a str) -> Result<(u64, &'a str), String> {
    let digits_end = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
    let (digits, after) = rest.split_at(digits_end);
    if digits.is_empty() {
        return Err(format!(
            "`{text}` is not a duration: write a whole number and a unit, e.g. \"500ms\", \"2s\", \"1h\""
        ));
    }
    let unit_end = after.find(|c: char| c.is_ascii_digit()).unwrap_or(after.len());
    let (unit, tail) = after.split_at(unit_end);
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
    let ms = n.checked_mul(ms_per_unit).ok_or_else(|| format!("`{text}`: duration too large"))?;
    Ok((ms, tail))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_units() {
        assert_eq!(parse_duration("500ms").unwrap(), SimDuration::from_millis(500));
        assert_eq!(parse_duration("2s").unwrap(), SimDuration::from_millis(2000));
        assert_eq!(parse_duration("3h").unwrap(), SimDuration::from_millis(3 * 3_600_000));
        assert_eq!(parse_duration("2h30m").unwrap(), SimDuration::from_millis(150 * 60_000));
    }

    #[test]
    fn rejects_garbage() {
        assert!(parse_duration("fast").is_err());
        assert!(parse_duration("10").unwrap_err().contains("no unit"));
        assert!(parse_duration("10y").unwrap_err().contains("unknown unit"));
        assert!(parse_duration("-5s").is_err());
    }
}
