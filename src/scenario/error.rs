//! Errors in scenario files, pointing at the file, line and column.
//!
//! A teacher editing a scenario should see exactly where it went wrong, the way a compiler
//! shows it. `ScenarioError` is a miette diagnostic carrying the file's text and the span of
//! the offending value, so the CLI can print the line with a caret under the mistake.

use miette::{Diagnostic, NamedSource, SourceSpan};
use std::path::PathBuf;
use thiserror::Error;

/// Something wrong with a scenario or the way one was named.
#[derive(Debug, Error, Diagnostic)]
pub enum ScenarioError {
    /// The file is not valid TOML, or does not fit the schema, or a value is not allowed.
    #[error("{message}")]
    #[diagnostic(code(kafkasim::scenario))]
    Invalid {
        /// What is wrong.
        message: String,
        /// The file.
        #[source_code]
        src: NamedSource<String>,
        /// Where.
        #[label("here")]
        span: Option<SourceSpan>,
        /// 1-based line and column of the span's start, for one-line messages.
        location: String,
    },
    /// No scenario has that name, and no such file exists.
    #[error("no scenario named `{name}`; available: {available}")]
    #[diagnostic(
        code(kafkasim::unknown_scenario),
        help("run `kafkasim list` to see them, or give a path to a .toml file")
    )]
    NotFound {
        /// What was asked for.
        name: String,
        /// What exists.
        available: String,
    },
    /// The file could not be read.
    #[error("cannot read {path}: {reason}")]
    #[diagnostic(code(kafkasim::io))]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        reason: String,
    },
}

impl ScenarioError {
    /// An error at `span` (byte range) of the file `name` whose text is `text`.
    pub fn at(name: &str, text: &str, span: Option<std::ops::Range<usize>>, message: String) -> ScenarioError {
        let location = match &span {
            Some(r) => {
                let (line, col) = line_col(text, r.start);
                format!("{name}:{line}:{col}")
            }
            None => name.to_string(),
        };
        ScenarioError::Invalid {
            message: format!("{location}: {message}"),
            src: NamedSource::new(name, text.to_string()),
            span: span.map(|r| SourceSpan::new(r.start.into(), r.end.saturating_sub(r.start))),
            location,
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based() {
        assert_eq!(line_col("ab\ncd", 0), (1, 1));
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
    }
}
