//! The throughput figure: records per second acknowledged and consumed, over simulated time.
//!
//! Two stacked panels share the time axis and the y scale, so "consumers keep up" reads as
//! two panels that look alike, and "consumers fall behind" as a lower panel that lags. The
//! numbers come from [`series::throughput`]; this file only draws them.

use super::series::{self, RateKind, RateSeries, SeriesKey, Throughput};
use super::style::{self, axis_top, draw_legend, DrawResult, LegendEntry, Swatch, ACTION_GREY, INK, LEGEND_WIDTH};
use super::{font, render_figure, Figure, PlotError};
use crate::trace::Trace;
use crate::types::SimTime;
use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::Text;
use plotters::prelude::{DrawingBackend, LineSeries};
use plotters::series::DashedLineSeries;
use plotters::style::{Color, RGBColor, ShapeStyle, WHITE};
use std::path::{Path, PathBuf};

/// The canvas size: wide enough for a minute of 1-second buckets, tall enough for two panels.
const SIZE: (u32, u32) = (1200, 820);

/// Action labels longer than this are cut, so they stay within their corner of the panel.
const ACTION_LABEL_CHARS: usize = 40;

/// Writes `throughput.png` and `throughput.svg` into `out_dir` and returns their paths.
pub fn render(trace: &Trace, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let figure = ThroughputFigure { data: series::throughput(trace), actions: series::actions(trace) };
    render_figure(&figure, out_dir, "throughput")
}

/// The data of one figure.
struct ThroughputFigure {
    /// The bucketed rates.
    data: Throughput,
    /// Scenario actions to mark, with their start times.
    actions: Vec<(SimTime, String)>,
}

/// One drawn line: its points (a step function) and its legend entry.
struct Line {
    /// (seconds, records per second), two points per bucket.
    points: Vec<(f64, f64)>,
    /// How the line looks and what it is called.
    legend: LegendEntry,
}

/// A chart with seconds on x and records per second on y.
type RateChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl Figure for ThroughputFigure {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Throughput", font::bold(26.0))?;
        let (_, height) = body.dim_in_pixel();
        let (top, bottom) = body.split_vertically(height / 2);
        let y_top = axis_top(self.data.max_rate());
        self.panel(&top, RateKind::Produced, "produced (acked)", y_top)?;
        self.panel(&bottom, RateKind::Consumed, "consumed", y_top)
    }
}

impl ThroughputFigure {
    /// Draws one panel: a chart on the left, its legend in a strip on the right.
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        kind: RateKind,
        title: &str,
        y_top: f64,
    ) -> DrawResult<DB> {
        let (width, _) = area.dim_in_pixel();
        let (plot, legend) = area.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let lines = self.lines(kind);
        let has_data = self.data.of_kind(kind).any(|s| s.counts.iter().any(|&c| c > 0));
        let caption = if has_data { title.to_string() } else { format!("{title} (no data)") };
        let mut chart = ChartBuilder::on(&plot)
            .caption(caption, font::text(18.0))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..self.x_end(), 0f64..y_top)?;
        chart
            .configure_mesh()
            .label_style(font::text(13.0))
            .axis_desc_style(font::text(14.0))
            .x_desc("simulated time (s)")
            .y_desc("records/s")
            .y_label_formatter(&|v| rate_label(*v, y_top))
            .draw()?;
        self.draw_actions(&mut chart, y_top, kind == RateKind::Produced)?;
        for line in &lines {
            let style =
                ShapeStyle { color: line.legend.color.to_rgba(), filled: false, stroke_width: stroke(&line.legend) };
            chart.draw_series(LineSeries::new(line.points.iter().copied(), style))?;
        }
        let mut entries: Vec<LegendEntry> = lines.into_iter().map(|l| l.legend).collect();
        if !self.actions.is_empty() {
            entries.push(LegendEntry {
                label: "scenario action".to_string(),
                color: ACTION_GREY,
                swatch: Swatch::Dashed(1),
            });
        }
        draw_legend(&legend, kind.as_str(), &entries)
    }

    /// Where the x axis ends: the end of the last bucket (one second for an empty trace).
    fn x_end(&self) -> f64 {
        let end = self.data.bucket_start_s(self.data.bucket_count());
        if end > 0.0 {
            end
        } else {
            1.0
        }
    }

    /// The lines of one panel, thin partitions first so the totals are drawn on top.
    /// Topic totals are left out when there is only one topic: they would equal the total.
    fn lines(&self, kind: RateKind) -> Vec<Line> {
        let show_topics = self.data.topic_count() > 1;
        let (mut partitions, mut topics) = (0, 0);
        let mut lines = Vec::new();
        for series in self.data.of_kind(kind) {
            let legend = match &series.key {
                SeriesKey::Partition(tp) => {
                    partitions += 1;
                    entry(tp.to_string(), style::palette(partitions - 1), 1)
                }
                SeriesKey::Topic(_) if !show_topics => continue,
                SeriesKey::Topic(topic) => {
                    topics += 1;
                    let color = style::DARK_PALETTE[(topics - 1) % style::DARK_PALETTE.len()];
                    entry(format!("{topic}-* (topic)"), color, 2)
                }
                SeriesKey::All => entry("all (total)".to_string(), INK, 3),
            };
            lines.push(Line { points: self.steps(series), legend });
        }
        lines
    }

    /// A series as a step function: each bucket's rate held flat across the bucket.
    fn steps(&self, series: &RateSeries) -> Vec<(f64, f64)> {
        let mut points = Vec::with_capacity(series.counts.len() * 2);
        for (i, &count) in series.counts.iter().enumerate() {
            let rate = self.data.rate(count);
            points.push((self.data.bucket_start_s(i), rate));
            points.push((self.data.bucket_start_s(i + 1), rate));
        }
        points
    }

    /// Marks each scenario action with a dashed vertical line; the upper panel also names them,
    /// staggered over three heights so neighbouring labels do not overprint each other.
    fn draw_actions<DB: DrawingBackend>(
        &self,
        chart: &mut RateChart<'_, DB>,
        y_top: f64,
        labelled: bool,
    ) -> DrawResult<DB> {
        let grey = ShapeStyle { color: ACTION_GREY.to_rgba(), filled: false, stroke_width: 1 };
        for (i, (time, action)) in self.actions.iter().enumerate() {
            let x = time.as_secs_f64();
            chart.draw_series(DashedLineSeries::new(vec![(x, 0.0), (x, y_top)], 6, 4, grey))?;
            if labelled {
                let label: String = action.chars().take(ACTION_LABEL_CHARS).collect();
                let y = y_top * (0.98 - 0.07 * (i % 3) as f64);
                let style = font::text(12.0).color(&ACTION_GREY);
                chart.draw_series(std::iter::once(Text::new(label, (x, y), style)))?;
            }
        }
        Ok(())
    }
}

/// A legend entry for a line of stroke `width`.
fn entry(label: String, color: RGBColor, width: u32) -> LegendEntry {
    LegendEntry { label, color, swatch: Swatch::Line(width) }
}

/// The stroke width a legend entry stands for.
fn stroke(entry: &LegendEntry) -> u32 {
    match entry.swatch {
        Swatch::Line(w) | Swatch::Dashed(w) => w,
        Swatch::Dot | Swatch::Block | Swatch::Cross => 1,
    }
}

/// A y tick label: whole records per second, unless the axis is so short that tenths matter.
fn rate_label(value: f64, y_top: f64) -> String {
    if y_top >= 10.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}
