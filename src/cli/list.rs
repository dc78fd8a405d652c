//! `kafkasim list`: every scenario with its description.

use crate::scenario;
use std::path::Path;

/// List the scenarios in `dir`. Files that fail to parse are listed with their error, so a
/// teacher sees at once which file they broke.
pub fn run(dir: &Path) -> u8 {
    let files = match scenario::files_in(dir) {
        Ok(f) => f,
        Err(e) => return super::report_bad_input(e),
    };
    let mut broken = false;
    for path in files {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        match scenario::load(&path) {
            Ok(s) => println!("{stem:<28} {}", s.description),
            Err(e) => {
                broken = true;
                println!("{stem:<28} (invalid: {e})");
            }
        }
    }
    if broken {
        super::EXIT_BAD_INPUT
    } else {
        super::EXIT_OK
    }
}
