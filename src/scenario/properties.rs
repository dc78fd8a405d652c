//! Java `.properties` text, as Kafka reads `config/server.properties`.
//!
//! A scenario may carry a broker's settings as the very text an operator would put in
//! `server.properties` (`server_properties = '''...'''`), so the tutorial's file can be pasted
//! in unchanged, comments and all. This module reads that text the way
//! `java.util.Properties.load` does, for the subset real `server.properties` files use:
//! - blank lines and lines whose first non-blank character is `#` or `!` are comments;
//! - a key ends at the first unescaped `=`, `:` or whitespace; the separator and the blanks
//!   around it are skipped; the rest of the line is the value (a `#` there is part of it);
//! - a line ending in an odd number of backslashes continues on the next line, whose leading
//!   blanks are dropped.
//!
//! Escapes other than a line continuation (`\n`, `\uXXXX`) are not interpreted: no Kafka key
//! needs them, and a value that contains one is kept as written.

/// One `key=value` entry, with where it came from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    /// The key, e.g. `log.retention.hours`.
    pub key: String,
    /// The value as text, e.g. `168`.
    pub value: String,
    /// Byte offset of the entry's first character in the text, for error messages.
    pub at: usize,
}

/// Read every entry of `text`, in order. Later duplicates are kept: the caller decides (Java
/// lets the last one win; a scenario calls it a mistake).
pub fn parse(text: &str) -> Vec<Property> {
    let mut out = Vec::new();
    let mut offset = 0;
    let mut lines = text.split_inclusive('\n');
    while let Some(raw) = lines.next() {
        let start = offset;
        offset += raw.len();
        let line = raw.trim_end_matches(['\n', '\r']);
        let lead = line.len() - line.trim_start().len();
        let body = &line[lead..];
        if body.is_empty() || body.starts_with('#') || body.starts_with('!') {
            continue;
        }
        let mut logical = body.to_string();
        while ends_in_continuation(&logical) {
            logical.pop();
            match lines.next() {
                Some(next) => {
                    offset += next.len();
                    logical.push_str(next.trim_end_matches(['\n', '\r']).trim_start());
                }
                None => break,
            }
        }
        let (key, value) = split_entry(&logical);
        out.push(Property { key, value, at: start + lead });
    }
    out
}

/// Whether a line ends in an odd number of backslashes: the last one escapes the line break.
fn ends_in_continuation(line: &str) -> bool {
    let slashes = line.chars().rev().take_while(|c| *c == '\\').count();
    slashes % 2 == 1
}

/// Split `key = value` (or `key: value`, or `key value`) the way `Properties.load` does.
fn split_entry(line: &str) -> (String, String) {
    let mut key = String::new();
    let mut chars = line.char_indices().peekable();
    let mut rest_at = line.len();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            if let Some((_, escaped)) = chars.next() {
                key.push(escaped);
            }
            continue;
        }
        if c == '=' || c == ':' || c.is_whitespace() {
            rest_at = i;
            break;
        }
        key.push(c);
    }
    let rest = line[rest_at..].trim_start();
    // One `=` or `:` may follow the blanks after the key (`key = value`).
    let rest = rest.strip_prefix(['=', ':']).unwrap_or(rest).trim_start();
    (key, rest.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(text: &str) -> Vec<(String, String)> {
        parse(text).into_iter().map(|p| (p.key, p.value)).collect()
    }

    #[test]
    fn comments_blanks_and_separators() {
        let text = "# a comment\n! another\n\nbroker.id=0\n  num.io.threads = 8\nlog.dirs: /opt/kafka/logs\nzookeeper.connect 10.0.0.1:2181\n";
        assert_eq!(
            pairs(text),
            vec![
                ("broker.id".into(), "0".into()),
                ("num.io.threads".into(), "8".into()),
                ("log.dirs".into(), "/opt/kafka/logs".into()),
                ("zookeeper.connect".into(), "10.0.0.1:2181".into()),
            ]
        );
    }

    #[test]
    fn offsets_point_at_the_entry() {
        let text = "# c\n  num.partitions=1\n";
        let p = &parse(text)[0];
        assert_eq!(&text[p.at..p.at + 14], "num.partitions");
    }

    #[test]
    fn continuation_lines_join_and_a_hash_in_a_value_stays() {
        let text = "log.dirs=/a,\\\n    /b\nkey=a#b\nodd=ends\\\\\nnext=1\n";
        assert_eq!(
            pairs(text),
            vec![
                ("log.dirs".into(), "/a,/b".into()),
                ("key".into(), "a#b".into()),
                ("odd".into(), "ends\\\\".into()),
                ("next".into(), "1".into()),
            ]
        );
    }

    #[test]
    fn a_key_without_a_value_has_an_empty_one() {
        assert_eq!(pairs("lonely\n"), vec![("lonely".into(), String::new())]);
    }
}
