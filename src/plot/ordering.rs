//! The ordering figure: offsets as consumers read them, and offsets against send order.
//!
//! The upper panel has one row per partition (offset over time, dots coloured by key), because
//! offsets of different partitions are unrelated numbers and overlaying them would suggest a
//! comparison that does not exist. The lower panel puts all partitions on one send-order axis,
//! because there the comparison is the point: each partition's line rises on its own. The
//! numbers come from [`series::ordering`]; this file only draws them.

use super::series::{self, AckedPoint, ConsumedPoint, Ordering};
use super::style::{self, draw_legend, DrawResult, LegendEntry, Swatch, LEGEND_WIDTH};
use super::{font, render_figure, Figure, PlotError};
use crate::trace::Trace;
use crate::types::TopicPartition;
use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::Circle;
use plotters::prelude::{DrawingBackend, LineSeries};
use plotters::style::{Color, ShapeStyle, WHITE};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The canvas width.
const WIDTH: u32 = 1200;

/// Height of one partition's row in the upper panel.
const ROW_HEIGHT: u32 = 170;

/// At most this many partition rows; more would make a poster, not a figure. The lower panel
/// still shows every partition.
const MAX_ROWS: usize = 8;

/// Height of the heading above the rows.
const HEADING_HEIGHT: u32 = 34;

/// Height of the lower (send order) panel.
const SEND_PANEL_HEIGHT: u32 = 430;

/// Height of the figure's title.
const TITLE_HEIGHT: u32 = 44;

/// The grid (columns, rows) on which a row's dots are thinned: one dot per key per grid cell,
/// about a pixel each, so a long run does not write a million identical circles into the SVG
/// while the picture stays the same. (Taking every n-th record instead would alias with
/// periodic keys and hide some of them entirely.)
const DOT_GRID: (f64, u64) = (1000.0, 160);

/// Rows with at most this many records get bigger dots: each one is worth finding.
const SPARSE_ROW: usize = 200;

/// How many keys a row names before it says "+N more".
const ROW_KEYS: usize = 6;

/// How many sends the zoomed chart of the lower panel covers.
const ZOOM_SENDS: usize = 40;

/// Below this many acknowledged records the lower panel also marks each record with a dot.
const MAX_MARKED_SENDS: usize = 400;

/// Writes `ordering.png` and `ordering.svg` into `out_dir` and returns their paths.
pub fn render(trace: &Trace, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let data = series::ordering(trace);
    let figure = OrderingFigure { partitions: data.partitions(), labels: data.labels(), data };
    render_figure(&figure, out_dir, "ordering")
}

/// The data of one figure, with the sorted lists that pick colours.
struct OrderingFigure {
    /// What to draw.
    data: Ordering,
    /// Every partition, sorted: a partition's index picks its colour in the lower panel.
    partitions: Vec<TopicPartition>,
    /// Every key label, sorted: a label's index picks its colour in the upper panel.
    labels: Vec<String>,
}

impl Figure for OrderingFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, TITLE_HEIGHT + HEADING_HEIGHT + self.rows() as u32 * ROW_HEIGHT + SEND_PANEL_HEIGHT)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Ordering", font::bold(26.0))?;
        let (_, height) = body.dim_in_pixel();
        let (top, bottom) = body.split_vertically(height.saturating_sub(SEND_PANEL_HEIGHT));
        self.consumed_panel(&top)?;
        self.sent_panel(&bottom)
    }
}

impl OrderingFigure {
    /// How many partition rows the upper panel has (one empty row when nothing was consumed).
    fn rows(&self) -> usize {
        self.consumed_by_partition().len().clamp(1, MAX_ROWS)
    }

    /// Consumed records grouped by partition, in order.
    fn consumed_by_partition(&self) -> BTreeMap<&TopicPartition, Vec<&ConsumedPoint>> {
        let mut rows: BTreeMap<&TopicPartition, Vec<&ConsumedPoint>> = BTreeMap::new();
        for p in &self.data.consumed {
            rows.entry(&p.tp).or_default().push(p);
        }
        rows
    }

    /// The colour of a key label: its index in the sorted list of labels.
    fn label_color(&self, label: &str) -> plotters::style::RGBColor {
        let index = self.labels.binary_search_by(|l| l.as_str().cmp(label)).unwrap_or(0);
        style::palette(index)
    }

    /// The colour of a partition in the lower panel.
    fn partition_color(&self, tp: &TopicPartition) -> plotters::style::RGBColor {
        style::palette(self.partitions.binary_search(tp).unwrap_or(0))
    }

    /// The upper panel: a heading, one row per partition, and the key legend.
    fn consumed_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (width, _) = area.dim_in_pixel();
        let (rows_area, legend) = area.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let rows = self.consumed_by_partition();
        let rows_area = rows_area.titled(&self.heading(rows.len()), font::text(16.0))?;
        let cells = rows_area.split_evenly((self.rows(), 1));
        if rows.is_empty() {
            return self.consumed_row(&cells[0], None, &[]);
        }
        for (cell, (tp, points)) in cells.iter().zip(&rows) {
            self.consumed_row(cell, Some(tp), points)?;
        }
        let entries: Vec<LegendEntry> = self
            .labels
            .iter()
            .map(|l| LegendEntry { label: l.clone(), color: self.label_color(l), swatch: Swatch::Dot })
            .collect();
        draw_legend(&legend, "key", &entries)
    }

    /// The heading of the upper panel, saying what is left out.
    fn heading(&self, partitions: usize) -> String {
        let mut text = "offset vs time, as consumed (one row per partition, colour = key)".to_string();
        if partitions == 0 {
            text = "offset vs time, as consumed (no data)".to_string();
        } else if partitions > MAX_ROWS {
            text.push_str(&format!(", first {MAX_ROWS} of {partitions} partitions"));
        }
        text
    }

    /// One partition's row: every consumed record as a dot at (time, offset).
    fn consumed_row<DB: DrawingBackend>(
        &self,
        cell: &DrawingArea<DB, Shift>,
        tp: Option<&TopicPartition>,
        points: &[&ConsumedPoint],
    ) -> DrawResult<DB> {
        let y_end = points.iter().map(|p| p.offset.0).max().map_or(1, |m| m + 1);
        let x_end = style::axis_top(self.data.end.as_secs_f64());
        let desc = tp.map_or("offset".to_string(), |tp| format!("{tp} offset"));
        let mut chart = ChartBuilder::on(cell)
            .margin(6)
            .x_label_area_size(28)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..x_end, 0u64..y_end)?;
        chart
            .configure_mesh()
            .label_style(font::text(12.0))
            .axis_desc_style(font::text(13.0))
            .y_desc(desc)
            .y_labels(5)
            .draw()?;
        let radius = if points.len() <= SPARSE_ROW { 3 } else { 2 };
        let dots = visible_dots(points, x_end, y_end).into_iter().map(|p| {
            let color = self.label_color(&p.label);
            Circle::new((p.time.as_secs_f64(), p.offset.0), radius, color.filled())
        });
        chart.draw_series(dots)?;
        if points.is_empty() {
            return Ok(());
        }
        cell.draw_text(&keys_summary(points), &font::text(12.0), (94, 10))
    }

    /// The lower panel: acknowledged offset against send order, a line per partition and
    /// producer; when the run is long, a zoom on its first sends sits on the right, where single
    /// records and the interleaving of partitions can be seen.
    fn sent_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (width, _) = area.dim_in_pixel();
        let (plot, legend) = area.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let heading = if self.data.acked.is_empty() {
            "acked offset vs send order (no data)"
        } else {
            "acked offset vs send order: each partition's line only rises; across partitions, no order"
        };
        let plot = plot.titled(heading, font::text(16.0))?;
        let markers = self.data.acked.len() <= MAX_MARKED_SENDS;
        match self.zoom_limit() {
            None => self.sent_chart(&plot, None, None, markers)?,
            Some(limit) => {
                let (left, right) = plot.split_horizontally(plot.dim_in_pixel().0 * 3 / 5);
                self.sent_chart(&left, Some("whole run"), None, markers)?;
                let zoom = format!("first {ZOOM_SENDS} records sent");
                self.sent_chart(&right, Some(&zoom), Some(limit), true)?;
            }
        }
        draw_legend(&legend, "partition", &self.partition_entries())
    }

    /// The last send index the zoom shows, when there are more than [`ZOOM_SENDS`] sends.
    fn zoom_limit(&self) -> Option<u64> {
        let sends: BTreeSet<u64> = self.data.acked.iter().map(|p| p.send_index).collect();
        if sends.len() <= ZOOM_SENDS {
            return None;
        }
        sends.into_iter().nth(ZOOM_SENDS - 1)
    }

    /// One offset-vs-send-order chart, of every record or of those sent up to `limit`.
    fn sent_chart<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        caption: Option<&str>,
        limit: Option<u64>,
        markers: bool,
    ) -> DrawResult<DB> {
        let within = |p: &&AckedPoint| limit.is_none_or(|l| p.send_index <= l);
        let x_end = limit.or(self.data.max_send_index()).map_or(1, |m| m + 1);
        let y_end = self.data.acked.iter().filter(within).map(|p| p.offset.0).max().map_or(1, |m| m + 1);
        let mut builder = ChartBuilder::on(area);
        if let Some(caption) = caption {
            builder.caption(caption, font::text(14.0));
        }
        let mut chart = builder
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(70)
            .build_cartesian_2d(0u64..x_end, 0u64..y_end)?;
        chart
            .configure_mesh()
            .label_style(font::text(13.0))
            .axis_desc_style(font::text(14.0))
            .x_desc("send order (n-th record sent by any producer)")
            .y_desc("offset")
            .draw()?;
        for ((tp, _producer), points) in self.sent_lines() {
            let color = self.partition_color(tp);
            let style = ShapeStyle { color: color.to_rgba(), filled: false, stroke_width: self.line_width(tp) };
            let xy: Vec<(u64, u64)> = points.into_iter().filter(within).map(|p| (p.send_index, p.offset.0)).collect();
            chart.draw_series(LineSeries::new(xy.iter().copied(), style))?;
            if markers {
                chart.draw_series(xy.iter().map(|&xy| Circle::new(xy, 3, color.filled())))?;
            }
        }
        Ok(())
    }

    /// Partitions with acknowledged records, in order.
    fn acked_partitions(&self) -> BTreeSet<&TopicPartition> {
        self.data.acked.iter().map(|p| &p.tp).collect()
    }

    /// Stroke width of a partition's line: the first partition widest, each next one narrower,
    /// so lines that coincide (balanced partitions rise at the same pace) stay visible as
    /// nested bands instead of the last one hiding the rest.
    fn line_width(&self, tp: &TopicPartition) -> u32 {
        let acked = self.acked_partitions();
        let rank = acked.iter().position(|t| *t == tp).unwrap_or(0);
        let from_last = (acked.len() - 1).saturating_sub(rank) as u32;
        (2 + 2 * from_last).min(8)
    }

    /// Acknowledged records grouped by (partition, producer), each group in send order.
    fn sent_lines(&self) -> BTreeMap<(&TopicPartition, u32), Vec<&AckedPoint>> {
        let mut lines: BTreeMap<(&TopicPartition, u32), Vec<&AckedPoint>> = BTreeMap::new();
        for p in &self.data.acked {
            lines.entry((&p.tp, p.id.producer)).or_default().push(p);
        }
        lines
    }

    /// Legend entries for the partitions that have acknowledged records.
    fn partition_entries(&self) -> Vec<LegendEntry> {
        let entry = |tp: &TopicPartition| LegendEntry {
            label: tp.to_string(),
            color: self.partition_color(tp),
            swatch: Swatch::Line(self.line_width(tp)),
        };
        self.acked_partitions().into_iter().map(entry).collect()
    }
}

/// The dots worth drawing: the first of each key in every cell of the [`DOT_GRID`].
fn visible_dots<'p>(points: &[&'p ConsumedPoint], x_end: f64, y_end: u64) -> Vec<&'p ConsumedPoint> {
    let mut seen: BTreeSet<(u64, u64, &'p str)> = BTreeSet::new();
    let mut dots = Vec::new();
    for &p in points {
        let column = (p.time.as_secs_f64() / x_end * DOT_GRID.0) as u64;
        let row = p.offset.0.saturating_mul(DOT_GRID.1) / y_end.max(1);
        if seen.insert((column, row, p.label.as_str())) {
            dots.push(p);
        }
    }
    dots
}

/// `keys: user-0, user-3, ...`: which keys a partition holds, readable even where the dots of
/// many keys overprint each other.
fn keys_summary(points: &[&ConsumedPoint]) -> String {
    let keys: BTreeSet<&str> = points.iter().map(|p| p.label.as_str()).collect();
    let shown: Vec<&str> = keys.iter().copied().take(ROW_KEYS).collect();
    let mut text = format!("keys: {}", shown.join(", "));
    if keys.len() > ROW_KEYS {
        text.push_str(&format!(" +{} more", keys.len() - ROW_KEYS));
    }
    text
}
