//! The timeline figure: the state of every node and of every partition's leadership, over
//! simulated time, with the scenario's faults marked across both.
//!
//! Two stacked panels share the time axis (and its pixels: both reserve the same room for row
//! names), so a crash in the upper panel lines up with the leader change it causes in the
//! lower one. The numbers come from [`timeline_series::timeline`]; this file only draws them.

use super::style::{draw_legend, DrawResult, LegendEntry, Swatch, INK, LEGEND_WIDTH};
use super::timeline_series::{self, Leadership, NodeRow, NodeState, PartitionRow, Span, Timeline};
use super::{font, render_figure, Figure, PlotError};
use crate::trace::{fmt_brokers, Trace};
use crate::types::BrokerId;
use plotters::chart::{ChartBuilder, ChartContext};
use plotters::coord::cartesian::Cartesian2d;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::drawing::{DrawingArea, DrawingAreaErrorKind};
use plotters::element::{Cross, EmptyElement, Rectangle, Text};
use plotters::prelude::DrawingBackend;
use plotters::series::DashedLineSeries;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, ShapeStyle, TextStyle, BLACK, WHITE};
use std::iter::once;
use std::path::{Path, PathBuf};

/// The canvas width, as the other figures.
const WIDTH: u32 = 1200;

/// Height of the figure's title.
const TITLE_HEIGHT: u32 = 44;

/// Height of one node row, in pixels.
const NODE_ROW: u32 = 30;

/// Height of one partition row: taller, it holds a leader bar and an ISR band.
const PARTITION_ROW: u32 = 46;

/// Room a panel needs besides its rows: caption, x axis and margins.
const PANEL_OVERHEAD: u32 = 104;

/// At most this many rows per panel; the caption says what is left out.
const MAX_ROWS: usize = 24;

/// Fault labels are staggered over this many lines above the node rows.
const LABEL_LEVELS: usize = 3;

/// Height of one line of fault labels.
const LABEL_LEVEL_PX: u32 = 16;

/// Height of one legend row (as in `style.rs`), to make a panel tall enough for its legend.
const LEGEND_ROW_PX: u32 = 18;

/// A running node.
const UP: RGBColor = RGBColor(127, 191, 123);

/// A paused node.
const PAUSED: RGBColor = RGBColor(255, 160, 40);

/// A crashed node, and an offline partition: red means "unavailable" in both panels.
const DOWN: RGBColor = RGBColor(214, 39, 40);

/// The band under a fenced broker.
const FENCED: RGBColor = RGBColor(45, 45, 45);

/// The band under the active controller.
const ACTIVE: RGBColor = RGBColor(60, 90, 200);

/// A complete ISR.
const ISR_FULL: RGBColor = RGBColor(190, 190, 190);

/// A shrunk ISR: the partition is under-replicated.
const ISR_SHRUNK: RGBColor = RGBColor(250, 185, 110);

/// Fault lines and their labels.
const FAULT_GREY: RGBColor = RGBColor(90, 90, 90);

/// Swatch of the "leader down" wash: a leader colour seen through white.
const WASHED: RGBColor = RGBColor(175, 200, 220);

/// Leader colours, one per broker; none of them is green, orange, red or near-black, which
/// mean node states here.
const LEADER_PALETTE: [RGBColor; 8] = [
    RGBColor(31, 119, 180),
    RGBColor(148, 103, 189),
    RGBColor(23, 190, 207),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(188, 189, 34),
    RGBColor(20, 40, 110),
    RGBColor(127, 127, 127),
];

/// A chart with seconds on x and rows on y: row `i` of `n` (top first) covers `[n-1-i, n-i]`.
pub(super) type RowChart<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RowAxis>>;

/// The y axis of a timeline: a plain float axis whose ticks sit at the middle of each row, so
/// the tick labels name the rows.
///
/// plotters' own `with_key_points` does the same, but loses the label formatter of a float
/// axis, and `configure_mesh` needs one.
pub(super) struct RowAxis {
    /// The axis itself, `0..top`.
    inner: RangedCoordf64,
    /// Where the ticks go: the centre of every row.
    centres: Vec<f64>,
}

impl RowAxis {
    /// An axis from zero to `top` with a tick at each of `centres`.
    pub(super) fn new(top: f64, centres: Vec<f64>) -> RowAxis {
        RowAxis { inner: (0f64..top).into(), centres }
    }
}

impl Ranged for RowAxis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<H: KeyPointHint>(&self, _hint: H) -> Vec<f64> {
        self.centres.clone()
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

/// What building a chart may fail with.
type ChartResult<'a, DB> = Result<RowChart<'a, DB>, DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Writes `timeline.png` and `timeline.svg` into `out_dir` and returns their paths.
pub fn render(trace: &Trace, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let data = timeline_series::timeline(trace);
    let figure = TimelineFigure { brokers: data.brokers(), data };
    render_figure(&figure, out_dir, "timeline")
}

/// The data of one figure, with the sorted broker list that picks leader colours.
struct TimelineFigure {
    /// What to draw.
    data: Timeline,
    /// Every broker, sorted: a broker's index picks its colour.
    brokers: Vec<BrokerId>,
}

impl Figure for TimelineFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, TITLE_HEIGHT + self.node_panel_height() + self.partition_panel_height())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Timeline", font::bold(26.0))?;
        let (top, bottom) = body.split_vertically(self.node_panel_height());
        self.node_panel(&top)?;
        self.partition_panel(&bottom)
    }
}

impl TimelineFigure {
    /// Node rows drawn (at most [`MAX_ROWS`]).
    fn node_rows(&self) -> &[NodeRow] {
        &self.data.nodes[..self.data.nodes.len().min(MAX_ROWS)]
    }

    /// Partition rows drawn (at most [`MAX_ROWS`]).
    fn partition_rows(&self) -> &[PartitionRow] {
        &self.data.partitions[..self.data.partitions.len().min(MAX_ROWS)]
    }

    /// Height of the room for fault labels above the node rows: a line per fault, up to
    /// [`LABEL_LEVELS`] lines.
    fn label_band_px(&self) -> u32 {
        match self.data.faults.len().min(LABEL_LEVELS) {
            0 => 0,
            lines => lines as u32 * LABEL_LEVEL_PX + 6,
        }
    }

    /// How many lines of fault labels there are.
    fn label_levels(&self) -> usize {
        self.data.faults.len().clamp(1, LABEL_LEVELS)
    }

    /// Height of the node rows and the fault labels above them.
    fn node_rows_px(&self) -> u32 {
        self.node_rows().len().max(1) as u32 * NODE_ROW + self.label_band_px()
    }

    /// Height of the partition rows.
    fn partition_rows_px(&self) -> u32 {
        self.partition_rows().len().max(1) as u32 * PARTITION_ROW
    }

    /// Height of the node panel: its rows, or its legend if that is taller.
    fn node_panel_height(&self) -> u32 {
        (self.node_rows_px() + PANEL_OVERHEAD).max(legend_height(self.node_legend().len()))
    }

    /// Height of the partition panel: its rows, or its legend if that is taller.
    fn partition_panel_height(&self) -> u32 {
        (self.partition_rows_px() + PANEL_OVERHEAD).max(legend_height(self.partition_legend().len()))
    }

    /// Where the x axis ends: the end of the run (one second for an empty trace).
    fn x_end(&self) -> f64 {
        let end = self.data.end.as_secs_f64();
        if end > 0.0 {
            end
        } else {
            1.0
        }
    }

    /// Room for row names left of the charts: the same in both panels, so their time axes
    /// line up pixel for pixel.
    fn name_width(&self) -> u32 {
        let nodes = self.node_rows().iter().map(|n| n.name.as_str().chars().count());
        let partitions = self.partition_rows().iter().map(|p| p.tp.to_string().chars().count());
        let longest = nodes.chain(partitions).max().unwrap_or(4);
        (longest as u32 * 8 + 20).max(60)
    }

    /// The colour of a broker's leadership.
    fn broker_color(&self, broker: BrokerId) -> RGBColor {
        let index = self.brokers.binary_search(&broker).unwrap_or(0);
        LEADER_PALETTE[index % LEADER_PALETTE.len()]
    }

    /// The colour of a leadership span.
    fn leader_color(&self, leadership: &Leadership) -> RGBColor {
        match leadership {
            Leadership::Leader { broker, .. } => self.broker_color(*broker),
            Leadership::Offline => DOWN,
        }
    }

    /// A chart of `names` rows on the left part of `area` (the right part is the legend's),
    /// with `band` rows of extra room above them.
    fn row_chart<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
        caption: &str,
        names: &[String],
        band: f64,
    ) -> ChartResult<'a, DB> {
        let n = names.len();
        let centres: Vec<f64> = (0..n).map(|i| (n - 1 - i) as f64 + 0.5).collect();
        let top = (n.max(1) as f64) + band;
        let mut chart = ChartBuilder::on(area)
            .caption(caption, font::text(18.0))
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(self.name_width())
            .build_cartesian_2d(0f64..self.x_end(), RowAxis::new(top, centres))?;
        let name_of = |v: &f64| {
            let i = n as f64 - 1.0 - v.floor();
            names.get(i as usize).cloned().unwrap_or_default()
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .label_style(font::text(13.0))
            .axis_desc_style(font::text(14.0))
            .x_desc("simulated time (s)")
            .y_label_formatter(&name_of)
            .light_line_style(WHITE)
            .draw()?;
        Ok(chart)
    }

    /// The upper panel: a row per node, fault labels above them, and the node legend.
    fn node_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (width, _) = area.dim_in_pixel();
        let (plot, legend) = area.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let rows = self.node_rows();
        let names: Vec<String> = rows.iter().map(|r| r.name.to_string()).collect();
        // Room the legend needs beyond the rows goes above them, so rows keep their height.
        let spare = self.node_panel_height() - self.node_rows_px() - PANEL_OVERHEAD;
        let band = (self.label_band_px() + spare) as f64 / NODE_ROW as f64;
        let caption = caption("nodes", rows.len(), self.data.nodes.len());
        let mut chart = self.row_chart(&plot, &caption, &names, band)?;
        for (i, row) in rows.iter().enumerate() {
            draw_node_row(&mut chart, (rows.len() - 1 - i) as f64, row)?;
        }
        let top = rows.len().max(1) as f64 + band;
        self.draw_fault_lines(&mut chart, top)?;
        self.draw_fault_labels(&mut chart, top)?;
        draw_legend(&legend, "node state", &self.node_legend())
    }

    /// The lower panel: a row per partition and the leadership legend.
    fn partition_panel<DB: DrawingBackend>(&self, area: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        let (width, _) = area.dim_in_pixel();
        let (plot, legend) = area.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let rows = self.partition_rows();
        let names: Vec<String> = rows.iter().map(|r| r.tp.to_string()).collect();
        let caption = caption("partition leaders and ISR", rows.len(), self.data.partitions.len());
        let spare = self.partition_panel_height() - self.partition_rows_px() - PANEL_OVERHEAD;
        let mut chart = self.row_chart(&plot, &caption, &names, spare as f64 / PARTITION_ROW as f64)?;
        for (i, row) in rows.iter().enumerate() {
            self.draw_partition_row(&mut chart, (rows.len() - 1 - i) as f64, row)?;
        }
        self.draw_fault_lines(&mut chart, rows.len().max(1) as f64)?;
        draw_legend(&legend, "partition", &self.partition_legend())
    }

    /// One partition's row with its bottom at `base`: leader bars on top (washed out while the
    /// leader is down but not yet replaced), the ISR band below, truncations as crosses.
    fn draw_partition_row<DB: DrawingBackend>(
        &self,
        chart: &mut RowChart<'_, DB>,
        base: f64,
        row: &PartitionRow,
    ) -> DrawResult<DB> {
        let (low, high) = (base + 0.42, base + 0.90);
        chart.draw_series(row.leaders.iter().map(|(span, l)| bar(span, low, high, self.leader_color(l).filled())))?;
        let unclean = row.leaders.iter().filter(|(_, l)| matches!(l, Leadership::Leader { unclean: true, .. }));
        let outline = ShapeStyle { color: DOWN.to_rgba(), filled: false, stroke_width: 3 };
        chart.draw_series(unclean.map(|(span, _)| bar(span, low, high, outline)))?;
        let washed = self.data.leader_unavailable(row);
        chart.draw_series(washed.iter().map(|span| bar(span, low, high, WHITE.mix(0.6).filled())))?;
        for (span, leadership) in &row.leaders {
            let color = self.leader_color(leadership);
            label_in_span(chart, span, (low + high) / 2.0, &leader_labels(leadership), text_on(color, 12.0))?;
        }
        for span in &washed {
            label_in_span(chart, span, (low + high) / 2.0, &["leader down".to_string()], font::text(12.0))?;
        }
        self.draw_isr(chart, base, row)?;
        let crosses = row.truncations.iter().map(|t| (t.time.as_secs_f64(), (low + high) / 2.0));
        let halo = ShapeStyle { color: WHITE.to_rgba(), filled: false, stroke_width: 5 };
        chart.draw_series(crosses.clone().map(|xy| Cross::new(xy, 6, halo)))?;
        let ink = ShapeStyle { color: INK.to_rgba(), filled: false, stroke_width: 2 };
        chart.draw_series(crosses.map(|xy| Cross::new(xy, 6, ink)))?;
        Ok(())
    }

    /// The ISR band of a partition row: as thick as the ISR is large, orange when shrunk, and
    /// labelled with its members where there is room.
    fn draw_isr<DB: DrawingBackend>(
        &self,
        chart: &mut RowChart<'_, DB>,
        base: f64,
        row: &PartitionRow,
    ) -> DrawResult<DB> {
        let low = base + 0.08;
        let band = |(span, isr): &(Span, Vec<BrokerId>)| {
            let high = low + 0.28 * isr.len() as f64 / row.replicas as f64;
            let color = if isr.len() < row.replicas { ISR_SHRUNK } else { ISR_FULL };
            bar(span, low, high, color.filled())
        };
        chart.draw_series(row.isr.iter().map(band))?;
        for (span, isr) in &row.isr {
            let labels = [format!("ISR {}", fmt_brokers(isr)), fmt_brokers(isr)];
            label_in_span(chart, span, low + 0.14, &labels, font::text(11.0).color(&BLACK))?;
        }
        Ok(())
    }

    /// A dashed vertical line at every fault, from the bottom of the chart to `top`.
    fn draw_fault_lines<DB: DrawingBackend>(&self, chart: &mut RowChart<'_, DB>, top: f64) -> DrawResult<DB> {
        let style = ShapeStyle { color: FAULT_GREY.to_rgba(), filled: false, stroke_width: 1 };
        for fault in &self.data.faults {
            let x = fault.time.as_secs_f64();
            chart.draw_series(DashedLineSeries::new(vec![(x, 0.0), (x, top)], 5, 4, style))?;
        }
        Ok(())
    }

    /// Every fault's short label in the band above the node rows, each on the highest line
    /// where it does not run into an earlier label; labels near the right edge end at their
    /// line instead of starting there.
    fn draw_fault_labels<DB: DrawingBackend>(&self, chart: &mut RowChart<'_, DB>, top: f64) -> DrawResult<DB> {
        let style = font::text(12.0).color(&FAULT_GREY);
        let right_edge = chart.backend_coord(&(self.x_end(), 0.0)).0;
        let mut line_ends = [i32::MIN; LABEL_LEVELS];
        for fault in &self.data.faults {
            let (label, x) = (fault.label(), fault.time.as_secs_f64());
            let (w, _) = chart.plotting_area().estimate_text_size(&label, &style)?;
            let px = chart.backend_coord(&(x, 0.0)).0;
            let flip = px + 4 + w as i32 > right_edge;
            let start = if flip { px - 4 - w as i32 } else { px + 4 };
            let level = free_level(&line_ends[..self.label_levels()], start);
            line_ends[level] = line_ends[level].max(start + w as i32 + 6);
            let y = top - (level as f64 * LABEL_LEVEL_PX as f64 + 3.0) / NODE_ROW as f64;
            let (dx, h) = if flip { (-4, HPos::Right) } else { (4, HPos::Left) };
            let text = Text::new(label, (dx, 0), style.pos(Pos::new(h, VPos::Top)));
            chart.draw_series(once(EmptyElement::at((x, y)) + text))?;
        }
        Ok(())
    }

    /// The node panel's legend: the states and marks this figure shows.
    fn node_legend(&self) -> Vec<LegendEntry> {
        let nodes = self.node_rows();
        let has = |state: NodeState| nodes.iter().any(|n| n.states.iter().any(|(_, s)| *s == state));
        let mut entries = vec![block("up", UP)];
        if has(NodeState::Paused) {
            entries.push(block("paused", PAUSED));
        }
        if has(NodeState::Down) {
            entries.push(block("down (crashed)", DOWN));
        }
        if nodes.iter().any(|n| !n.fenced.is_empty()) {
            entries.push(band("fenced by the controller", FENCED));
        }
        if nodes.iter().any(|n| !n.active.is_empty()) {
            entries.push(band("active controller", ACTIVE));
        }
        self.push_fault_entry(&mut entries);
        entries
    }

    /// The partition panel's legend: a colour per broker, then the marks this figure shows.
    fn partition_legend(&self) -> Vec<LegendEntry> {
        let rows = self.partition_rows();
        let led = |f: &dyn Fn(&Leadership) -> bool| rows.iter().any(|r| r.leaders.iter().any(|(_, l)| f(l)));
        let mut entries: Vec<LegendEntry> =
            self.brokers.iter().map(|&b| block(&format!("led by broker-{b}"), self.broker_color(b))).collect();
        if led(&|l| *l == Leadership::Offline) {
            entries.push(block("offline (no leader)", DOWN));
        }
        if rows.iter().any(|r| !self.data.leader_unavailable(r).is_empty()) {
            entries.push(block("leader down, not replaced", WASHED));
        }
        if led(&|l| matches!(l, Leadership::Leader { unclean: true, .. })) {
            entries.push(LegendEntry { label: "unclean election".into(), color: DOWN, swatch: Swatch::Line(3) });
        }
        entries.push(block("ISR (thickness = size)", ISR_FULL));
        if rows.iter().any(|r| r.isr.iter().any(|(_, isr)| isr.len() < r.replicas)) {
            entries.push(block("ISR shrunk", ISR_SHRUNK));
        }
        if rows.iter().any(|r| !r.truncations.is_empty()) {
            entries.push(LegendEntry { label: "log truncated".into(), color: INK, swatch: Swatch::Cross });
        }
        self.push_fault_entry(&mut entries);
        entries
    }

    /// Adds the fault line to a legend, when there are faults.
    fn push_fault_entry(&self, entries: &mut Vec<LegendEntry>) {
        if !self.data.faults.is_empty() {
            entries.push(LegendEntry { label: "fault".into(), color: FAULT_GREY, swatch: Swatch::Dashed(1) });
        }
    }
}

/// One node's row with its bottom at `base`: its state as a bar, and a band underneath while
/// it was fenced (brokers) or the active controller (controllers). Bars of unusual states are
/// labelled, so colour is not the only cue.
fn draw_node_row<DB: DrawingBackend>(chart: &mut RowChart<'_, DB>, base: f64, row: &NodeRow) -> DrawResult<DB> {
    let (low, high) = (base + 0.34, base + 0.90);
    chart.draw_series(row.states.iter().map(|(span, s)| bar(span, low, high, node_color(*s).filled())))?;
    chart.draw_series(row.fenced.iter().map(|span| bar(span, base + 0.10, base + 0.26, FENCED.filled())))?;
    chart.draw_series(row.active.iter().map(|span| bar(span, base + 0.10, base + 0.26, ACTIVE.filled())))?;
    for (span, state) in row.states.iter().filter(|(_, s)| *s != NodeState::Up) {
        let style = text_on(node_color(*state), 12.0);
        label_in_span(chart, span, (low + high) / 2.0, &[state.as_str().to_string()], style)?;
    }
    Ok(())
}

/// The colour of a node state.
fn node_color(state: NodeState) -> RGBColor {
    match state {
        NodeState::Up => UP,
        NodeState::Paused => PAUSED,
        NodeState::Down => DOWN,
    }
}

/// A bar over `span` from `low` to `high`.
pub(super) fn bar(span: &Span, low: f64, high: f64, style: ShapeStyle) -> Rectangle<(f64, f64)> {
    Rectangle::new([(span.start_s(), low), (span.end_s(), high)], style)
}

/// Labels for a leader bar, longest first: the first that fits is drawn.
fn leader_labels(leadership: &Leadership) -> Vec<String> {
    match leadership {
        Leadership::Leader { broker, epoch, unclean } => {
            let suffix = if *unclean { " (unclean)" } else { "" };
            vec![
                format!("leader {broker}, epoch {epoch}{suffix}"),
                format!("leader {broker}{suffix}"),
                broker.to_string(),
            ]
        }
        Leadership::Offline => vec!["offline".to_string()],
    }
}

/// Draws the first of `labels` that fits inside `span` at height `y`, from its left end; none
/// when the span is too narrow for all of them.
pub(super) fn label_in_span<DB: DrawingBackend>(
    chart: &mut RowChart<'_, DB>,
    span: &Span,
    y: f64,
    labels: &[String],
    style: TextStyle<'static>,
) -> DrawResult<DB> {
    let room = chart.backend_coord(&(span.end_s(), y)).0 - chart.backend_coord(&(span.start_s(), y)).0 - 8;
    for label in labels {
        let (w, _) = chart.plotting_area().estimate_text_size(label, &style)?;
        if (w as i32) <= room {
            let text = Text::new(label.clone(), (4, 0), style.pos(Pos::new(HPos::Left, VPos::Center)));
            chart.draw_series(once(EmptyElement::at((span.start_s(), y)) + text))?;
            break;
        }
    }
    Ok(())
}

/// Text that reads on `background`: white on dark colours, black on light ones.
pub(super) fn text_on(background: RGBColor, size: f64) -> TextStyle<'static> {
    let RGBColor(r, g, b) = background;
    let luma = 0.299 * r as f64 + 0.587 * g as f64 + 0.114 * b as f64;
    if luma < 135.0 {
        font::text(size).color(&WHITE)
    } else {
        font::text(size).color(&BLACK)
    }
}

/// The first label line whose last label ends before `start` (the least crowded one when
/// all are taken).
fn free_level(line_ends: &[i32], start: i32) -> usize {
    match line_ends.iter().position(|&end| end <= start) {
        Some(level) => level,
        None => (0..line_ends.len()).min_by_key(|&l| line_ends[l]).unwrap_or(0),
    }
}

/// A legend entry with a thick line for a swatch, for the thin bands under node bars.
fn band(label: &str, color: RGBColor) -> LegendEntry {
    LegendEntry { label: label.to_string(), color, swatch: Swatch::Line(5) }
}

/// A legend entry with a block swatch.
fn block(label: &str, color: RGBColor) -> LegendEntry {
    LegendEntry { label: label.to_string(), color, swatch: Swatch::Block }
}

/// How tall a panel must be for `entries` legend rows.
pub(super) fn legend_height(entries: usize) -> u32 {
    48 + entries as u32 * LEGEND_ROW_PX
}

/// A panel's caption, saying when rows were left out or there are none.
pub(super) fn caption(what: &str, shown: usize, total: usize) -> String {
    match (shown, total) {
        (_, 0) => format!("{what} (no data)"),
        (s, t) if s < t => format!("{what} (first {s} of {t})"),
        _ => what.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_take_the_freest_line() {
        let mut ends = [i32::MIN; LABEL_LEVELS];
        assert_eq!(free_level(&ends, 10), 0);
        ends[0] = 100;
        assert_eq!(free_level(&ends, 50), 1);
        assert_eq!(free_level(&ends, 120), 0);
        ends = [100, 90, 95];
        assert_eq!(free_level(&ends, 50), 1);
    }

    #[test]
    fn captions_and_leader_labels() {
        assert_eq!(caption("nodes", 0, 0), "nodes (no data)");
        assert_eq!(caption("nodes", 24, 30), "nodes (first 24 of 30)");
        assert_eq!(caption("nodes", 3, 3), "nodes");
        let unclean = Leadership::Leader { broker: BrokerId(3), epoch: crate::types::LeaderEpoch(2), unclean: true };
        assert_eq!(leader_labels(&unclean)[0], "leader 3, epoch 2 (unclean)");
        assert_eq!(leader_labels(&Leadership::Offline), ["offline"]);
    }
}
