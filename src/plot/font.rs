//! The one font every plot uses: DejaVu Sans, bundled into the binary.
//!
//! plotters draws text through `ab_glyph`, which knows no system fonts: a family name only
//! works after its bytes have been registered. Bundling DejaVu Sans (the `dejavu` crate) means
//! a plot renders the same on a fresh CI machine, in a container without fontconfig and on a
//! student's laptop, and the PNG bytes do not depend on what happens to be installed.

use plotters::style::{register_font, FontStyle, IntoFont, TextStyle};
use std::sync::Once;

/// The family name every text style in `plot/` uses.
///
/// SVG files name it in `font-family`, so a viewer with DejaVu installed shows the same glyphs;
/// others fall back to a similar sans-serif.
pub const FAMILY: &str = "DejaVu Sans";

/// Guards registration: plotters keeps fonts in a process-wide table, and re-registering on
/// every render would be wasted work (and racy-looking in parallel tests).
static REGISTER: Once = Once::new();

/// Registers the bundled DejaVu Sans with plotters, once per process.
///
/// Every drawing entry point calls this first, so callers never have to remember it. The font
/// is also registered as plotters' generic `sans-serif`: a few plotters defaults (the built-in
/// legend box, for one) ask for that name, and a missing family would fail the whole drawing
/// rather than merely look different.
pub fn ensure_registered() {
    REGISTER.call_once(|| {
        register(FAMILY, FontStyle::Normal, dejavu::sans::regular());
        register(FAMILY, FontStyle::Bold, dejavu::sans::bold());
        register("sans-serif", FontStyle::Normal, dejavu::sans::regular());
    });
}

/// Registers one face; the bytes are compiled in, so a parse failure is a build defect.
fn register(name: &str, style: FontStyle, bytes: &'static [u8]) {
    let parsed = register_font(name, style, bytes).is_ok();
    assert!(parsed, "the bundled DejaVu Sans ({name}, {}) must parse", style.as_str());
}

/// A regular text style of `size` pixels in the bundled family.
///
/// Plot code asks for styles through here rather than spelling `("sans-serif", 12)`, so no
/// piece of text can silently depend on a system font.
pub fn text(size: f64) -> TextStyle<'static> {
    ensure_registered();
    (FAMILY, size).into_font().into()
}

/// A bold text style of `size` pixels, for titles.
pub fn bold(size: f64) -> TextStyle<'static> {
    ensure_registered();
    (FAMILY, size, FontStyle::Bold).into_font().into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registration_is_idempotent() {
        ensure_registered();
        ensure_registered();
        assert_eq!(text(12.0).font.get_name(), FAMILY);
        assert_eq!(bold(20.0).font.get_name(), FAMILY);
    }
}
