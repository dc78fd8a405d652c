//! Plots of several runs on shared axes, for `kafkasim run NAME --diff key=v1,v2`.
//!
//! Two runs of one scenario under two settings are compared by eye only if their pictures use
//! the same scales: a run whose peak is half the other's must look half as tall. So these
//! figures draw one line per variant (its total, not its partitions) on one x axis (zero to
//! the latest end of any run) and one y axis (up to the highest value of any run).
//!
//! `diff-throughput` has the two panels of `throughput.png`, produced (acknowledged) above and
//! consumed below, with one line per variant. `diff-lag` (only when a run has consumer groups)
//! has one line per variant and group: the group's lag summed over its partitions. Each figure's
//! numbers are written as CSV next to it, like the single-run plots.

use super::group_series;
use super::series::{self, RateKind};
use super::style::{self, axis_top, draw_legend, DrawResult, LegendEntry, Swatch, LEGEND_WIDTH};
use super::{font, render_figure, write_text, Figure, PlotError};
use crate::trace::{Event, Trace};
use crate::types::{SimDuration, SimTime};
use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::prelude::{DrawingBackend, LineSeries};
use plotters::style::{Color, ShapeStyle, WHITE};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// One run to compare: its label (`acks=all`) and its trace.
pub type Run<'a> = (String, &'a Trace);

/// One variant's total rate of one kind, per bucket.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantRate {
    /// The variant's label.
    pub variant: String,
    /// Produced or consumed.
    pub kind: RateKind,
    /// Records per bucket, every partition together.
    pub counts: Vec<u64>,
}

/// Every variant's throughput, bucketed on one grid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DiffThroughput {
    /// The width of every bucket (chosen from the longest run).
    pub bucket: SimDuration,
    /// The latest end of any run.
    pub end: SimTime,
    /// Per kind (produced first), then per variant in the order given.
    pub lines: Vec<VariantRate>,
}

impl DiffThroughput {
    /// Start of bucket `i` in seconds.
    fn start_s(&self, i: usize) -> f64 {
        (i as u64 * self.bucket.0) as f64 / 1_000_000.0
    }

    /// Records per second for a bucket holding `count` records.
    fn rate(&self, count: u64) -> f64 {
        count as f64 * 1_000_000.0 / self.bucket.0 as f64
    }

    /// The highest rate of any line.
    fn max_rate(&self) -> f64 {
        self.rate(self.lines.iter().flat_map(|l| l.counts.iter()).copied().max().unwrap_or(0))
    }
}

/// Buckets every run's acknowledged and consumed records on the grid of the longest run, so
/// the same bucket means the same seconds in every variant.
pub fn throughput(runs: &[Run<'_>]) -> DiffThroughput {
    let end = runs.iter().map(|(_, t)| series::trace_end(t)).max().unwrap_or(SimTime::ZERO);
    let bucket = series::bucket_width(SimDuration(end.0));
    let n = if end.0 == 0 { 1 } else { end.0.div_ceil(bucket.0) as usize };
    let mut lines = Vec::new();
    for kind in [RateKind::Produced, RateKind::Consumed] {
        for (variant, trace) in runs {
            let mut counts = vec![0u64; n];
            for e in trace.entries() {
                let records = match (&e.event, kind) {
                    (Event::Acked { ids, .. }, RateKind::Produced) => ids.len(),
                    (Event::Consumed { records, .. }, RateKind::Consumed) => records.len(),
                    _ => continue,
                };
                counts[((e.time.0 / bucket.0) as usize).min(n - 1)] += records as u64;
            }
            lines.push(VariantRate { variant: variant.clone(), kind, counts });
        }
    }
    DiffThroughput { bucket, end, lines }
}

/// The throughput comparison as CSV: `time_s,variant,kind,records_per_s`.
pub fn throughput_csv(data: &DiffThroughput) -> String {
    let mut out = String::from("time_s,variant,kind,records_per_s\n");
    for line in &data.lines {
        for (i, &count) in line.counts.iter().enumerate() {
            let _ =
                writeln!(out, "{:.3},{},{},{:.3}", data.start_s(i), line.variant, line.kind.as_str(), data.rate(count));
        }
    }
    out
}

/// One variant's lag for one group, summed over the group's partitions, at its own samples.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VariantLag {
    /// The variant's label.
    pub variant: String,
    /// The group.
    pub group: String,
    /// (time, records behind on all partitions together); samples before the group had any
    /// position are left out.
    pub points: Vec<(SimTime, u64)>,
}

impl VariantLag {
    /// The legend label: `acks=all billing`.
    fn label(&self) -> String {
        format!("{} {}", self.variant, self.group)
    }
}

/// Every run's lag per group (empty when no run has consumer groups).
pub fn lag(runs: &[Run<'_>]) -> Vec<VariantLag> {
    let mut lines = Vec::new();
    for (variant, trace) in runs {
        if !group_series::has_group_events(trace) {
            continue;
        }
        let data = group_series::lag(trace);
        let mut by_group: BTreeMap<String, Vec<Option<u64>>> = BTreeMap::new();
        for line in &data.series {
            let sums = by_group.entry(line.group.to_string()).or_insert_with(|| vec![None; data.times.len()]);
            for (sum, lag) in sums.iter_mut().zip(&line.lag) {
                if let Some(lag) = lag {
                    *sum = Some(sum.unwrap_or(0) + lag);
                }
            }
        }
        for (group, sums) in by_group {
            let points = data.times.iter().zip(sums).filter_map(|(t, s)| s.map(|s| (*t, s))).collect();
            lines.push(VariantLag { variant: variant.clone(), group, points });
        }
    }
    lines
}

/// The lag comparison as CSV: `time_s,variant,group,lag`.
pub fn lag_csv(lines: &[VariantLag]) -> String {
    let mut out = String::from("time_s,variant,group,lag\n");
    for line in lines {
        for (t, lag) in &line.points {
            let _ = writeln!(out, "{:.3},{},{},{lag}", t.as_secs_f64(), line.variant, line.group);
        }
    }
    out
}

/// Writes `diff-throughput.{png,svg,csv}` into `out_dir`, and `diff-lag.{png,svg,csv}` when a
/// run has consumer groups; returns the files written, figures first.
pub fn render(runs: &[Run<'_>], out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let data = throughput(runs);
    let lags = lag(runs);
    let variants: Vec<String> = runs.iter().map(|(v, _)| v.clone()).collect();
    let mut written =
        render_figure(&ThroughputFigure { data: &data, variants: &variants }, out_dir, "diff-throughput")?;
    if !lags.is_empty() {
        let end = data.end.as_secs_f64();
        written.extend(render_figure(&LagFigure { lines: &lags, variants: &variants, end }, out_dir, "diff-lag")?);
    }
    written.push(write_text(out_dir, "diff-throughput.csv", &throughput_csv(&data))?);
    if !lags.is_empty() {
        written.push(write_text(out_dir, "diff-lag.csv", &lag_csv(&lags))?);
    }
    Ok(written)
}

/// Stroke width of every variant's line: all are totals, equally important.
const STROKE: u32 = 2;

/// The colour of a variant: its place in the order given, so one variant keeps one colour in
/// every figure.
fn variant_color(variants: &[String], variant: &str) -> plotters::style::RGBColor {
    style::palette(variants.iter().position(|v| v == variant).unwrap_or(0))
}

/// The x axis end: the latest end, or one second for empty runs.
fn x_end(end_s: f64) -> f64 {
    if end_s > 0.0 {
        end_s
    } else {
        1.0
    }
}

/// A y tick label: whole numbers, unless the axis is so short that tenths matter.
fn count_label(value: f64, y_top: f64) -> String {
    if y_top >= 10.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// The throughput comparison: two panels, one line per variant.
struct ThroughputFigure<'a> {
    /// The bucketed rates.
    data: &'a DiffThroughput,
    /// Variant labels, in order.
    variants: &'a [String],
}

impl Figure for ThroughputFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 820)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Throughput by variant (shared axes)", font::bold(26.0))?;
        let (_, height) = body.dim_in_pixel();
        let (top, bottom) = body.split_vertically(height / 2);
        let y_top = axis_top(self.data.max_rate());
        self.panel(&top, RateKind::Produced, "produced (acked), all partitions", y_top)?;
        self.panel(&bottom, RateKind::Consumed, "consumed, all partitions", y_top)
    }
}

impl ThroughputFigure<'_> {
    /// One panel: a line per variant, as a step function of its buckets.
    fn panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        kind: RateKind,
        title: &str,
        y_top: f64,
    ) -> DrawResult<DB> {
        let (width, _) = area.dim_in_pixel();
        let (plot, legend) = area.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let mut chart = ChartBuilder::on(&plot)
            .caption(title, font::text(18.0))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..x_end(self.data.end.as_secs_f64()), 0f64..y_top)?;
        chart
            .configure_mesh()
            .label_style(font::text(13.0))
            .axis_desc_style(font::text(14.0))
            .x_desc("simulated time (s)")
            .y_desc("records/s")
            .y_label_formatter(&|v| count_label(*v, y_top))
            .draw()?;
        let mut entries = Vec::new();
        for line in self.data.lines.iter().filter(|l| l.kind == kind) {
            let color = variant_color(self.variants, &line.variant);
            let points = line.counts.iter().enumerate().flat_map(|(i, &c)| {
                let rate = self.data.rate(c);
                [(self.data.start_s(i), rate), (self.data.start_s(i + 1), rate)]
            });
            let style = ShapeStyle { color: color.to_rgba(), filled: false, stroke_width: STROKE };
            chart.draw_series(LineSeries::new(points, style))?;
            entries.push(LegendEntry { label: line.variant.clone(), color, swatch: Swatch::Line(STROKE) });
        }
        draw_legend(&legend, "variant", &entries)
    }
}

/// The lag comparison: one panel, a line per variant and group.
struct LagFigure<'a> {
    /// The summed lag lines.
    lines: &'a [VariantLag],
    /// Variant labels, in order.
    variants: &'a [String],
    /// The latest end of any run, in seconds.
    end: f64,
}

impl Figure for LagFigure<'_> {
    fn size(&self) -> (u32, u32) {
        (1200, 560)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Consumer lag by variant (shared axes)", font::bold(26.0))?;
        let (width, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let max = self.lines.iter().flat_map(|l| l.points.iter().map(|p| p.1)).max().unwrap_or(0);
        let y_top = axis_top(max as f64);
        let mut chart = ChartBuilder::on(&plot)
            .caption("log end offset - group position, all partitions", font::text(18.0))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..x_end(self.end), 0f64..y_top)?;
        chart
            .configure_mesh()
            .label_style(font::text(13.0))
            .axis_desc_style(font::text(14.0))
            .x_desc("simulated time (s)")
            .y_desc("lag (records)")
            .y_label_formatter(&|v| count_label(*v, y_top))
            .draw()?;
        let mut entries = Vec::new();
        for line in self.lines {
            let color = variant_color(self.variants, &line.variant);
            let style = ShapeStyle { color: color.to_rgba(), filled: false, stroke_width: STROKE };
            let points = line.points.iter().map(|(t, lag)| (t.as_secs_f64(), *lag as f64));
            chart.draw_series(LineSeries::new(points, style))?;
            entries.push(LegendEntry { label: line.label(), color, swatch: Swatch::Line(STROKE) });
        }
        draw_legend(&legend, "variant group", &entries)
    }
}

#[cfg(test)]
mod tests {
    use super::super::series::tests::small_trace;
    use super::*;

    #[test]
    fn variants_share_one_grid() {
        let (a, b) = (small_trace(), Trace::new());
        let data = throughput(&[("x=1".to_string(), &a), ("x=2".to_string(), &b)]);
        let per_kind: Vec<usize> = data.lines.iter().map(|l| l.counts.len()).collect();
        assert!(per_kind.iter().all(|&n| n == per_kind[0]), "{per_kind:?}");
        assert_eq!(data.lines.len(), 4, "two kinds times two variants");
        assert_eq!(data.lines[1].counts.iter().sum::<u64>(), 0, "the empty run counts nothing");
        let csv = throughput_csv(&data);
        assert!(csv.starts_with("time_s,variant,kind,records_per_s\n0.000,x=1,produced,"), "{csv}");
    }

    #[test]
    fn renders_without_groups_and_with_them() {
        let dir = std::env::temp_dir().join(format!("kafkasim-plot-diff-{}", std::process::id()));
        let (a, g) = (small_trace(), super::super::group_series::tests::group_trace());
        let files = render(&[("x=1".to_string(), &a), ("x=2".to_string(), &a)], &dir).unwrap();
        let names: Vec<_> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, ["diff-throughput.png", "diff-throughput.svg", "diff-throughput.csv"]);
        let files = render(&[("x=1".to_string(), &a), ("x=2".to_string(), &g)], &dir).unwrap();
        assert_eq!(files.len(), 6, "{files:?}");
        let lags = lag(&[("x=2".to_string(), &g)]);
        assert!(!lags.is_empty() && lags.iter().all(|l| l.variant == "x=2"));
        assert!(lag_csv(&lags).starts_with("time_s,variant,group,lag\n"));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
