//! Colours, the legend and small drawing helpers shared by the plots.
//!
//! plotters' own legend is drawn inside the plotting area, where it hides the very lines it
//! explains once a run has a dozen partitions. The plots here give each chart a strip on its
//! right and draw the legend there instead.

use super::font;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::element::{PathElement, Text};
use plotters::prelude::{Circle, Cross, DrawingBackend, Rectangle};
use plotters::style::{Color, RGBColor, ShapeStyle};

/// What drawing into backend `DB` may fail with.
pub(crate) type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Ten colours that stay distinguishable on white (Tableau 10), in a fixed order so a given
/// partition or key gets the same colour in every run.
pub(crate) const PALETTE: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Darker shades for per-topic totals, so a topic's line never shares a partition's colour.
pub(crate) const DARK_PALETTE: [RGBColor; 4] =
    [RGBColor(60, 60, 60), RGBColor(120, 60, 20), RGBColor(20, 40, 110), RGBColor(20, 90, 40)];

/// The overall total and other reference marks.
pub(crate) const INK: RGBColor = RGBColor(0, 0, 0);

/// Pale grey for scenario actions drawn behind the data.
pub(crate) const ACTION_GREY: RGBColor = RGBColor(150, 150, 150);

/// The `i`-th colour of the fixed palette, cycling.
pub(crate) fn palette(i: usize) -> RGBColor {
    PALETTE[i % PALETTE.len()]
}

/// Width of the legend strip to the right of each chart, in pixels.
pub(crate) const LEGEND_WIDTH: u32 = 230;

/// Height of one legend row, in pixels.
const LEGEND_ROW: i32 = 18;

/// How a legend entry is drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Swatch {
    /// A line segment of this stroke width.
    Line(u32),
    /// A dashed line segment of this stroke width.
    Dashed(u32),
    /// A filled dot.
    Dot,
    /// A filled block, for the coloured bars of the timeline.
    Block,
    /// A cross, for single moments marked on a bar.
    Cross,
}

/// One row of a legend.
#[derive(Clone, Debug)]
pub(crate) struct LegendEntry {
    /// The text.
    pub label: String,
    /// The colour of the swatch.
    pub color: RGBColor,
    /// The swatch's shape.
    pub swatch: Swatch,
}

/// Draws `entries` top to bottom in `area`; rows that do not fit become one "+N more" line.
pub(crate) fn draw_legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    entries: &[LegendEntry],
) -> DrawResult<DB> {
    area.draw_text(title, &font::bold(14.0), (8, 12))?;
    let (_, height) = area.dim_in_pixel();
    let rows = ((height as i32 - 40) / LEGEND_ROW).max(1) as usize;
    let shown = if entries.len() > rows { rows.saturating_sub(1) } else { entries.len() };
    for (i, entry) in entries.iter().take(shown).enumerate() {
        let y = 40 + i as i32 * LEGEND_ROW;
        draw_swatch(area, entry, y)?;
        area.draw(&Text::new(entry.label.clone(), (44, y - 7), font::text(13.0)))?;
    }
    if shown < entries.len() {
        let y = 40 + shown as i32 * LEGEND_ROW;
        let more = format!("+{} more", entries.len() - shown);
        area.draw(&Text::new(more, (44, y - 7), font::text(13.0)))?;
    }
    Ok(())
}

/// Draws one swatch centred on row height `y`.
fn draw_swatch<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, entry: &LegendEntry, y: i32) -> DrawResult<DB> {
    let style = |w: u32| ShapeStyle { color: entry.color.to_rgba(), filled: false, stroke_width: w };
    match entry.swatch {
        Swatch::Line(w) => area.draw(&PathElement::new(vec![(8, y), (38, y)], style(w))),
        Swatch::Dashed(w) => {
            area.draw(&PathElement::new(vec![(8, y), (17, y)], style(w)))?;
            area.draw(&PathElement::new(vec![(23, y), (32, y)], style(w)))
        }
        Swatch::Dot => area.draw(&Circle::new((23, y), 4, entry.color.filled())),
        Swatch::Block => area.draw(&Rectangle::new([(8, y - 6), (38, y + 6)], entry.color.filled())),
        Swatch::Cross => area.draw(&Cross::new((23, y), 5, style(2))),
    }
}

/// An upper bound for an axis whose data reaches `max`: a little headroom, and never an empty
/// range (plotters cannot draw `0..0`), so a single point or no data still gets a chart.
pub(crate) fn axis_top(max: f64) -> f64 {
    if max.is_finite() && max > 0.0 {
        max * 1.05
    } else {
        1.0
    }
}
