//! The lag figure: how many records each consumer group has yet to read, per partition, over
//! simulated time.
//!
//! One chart, a line per group and partition, so partitions of one group can be compared (a
//! rebalance stops all of them at once; a slow member lets only its own lines climb) and groups
//! reading one topic can too. The numbers come from [`group_series::lag`]; this file only draws
//! them.

use super::group_series::{self, Lag, LagSeries};
use super::series;
use super::style::{self, axis_top, draw_legend, DrawResult, LegendEntry, Swatch, ACTION_GREY, LEGEND_WIDTH};
use super::{font, render_figure, Figure, PlotError};
use crate::trace::Trace;
use crate::types::SimTime;
use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::prelude::{DrawingBackend, LineSeries};
use plotters::series::DashedLineSeries;
use plotters::style::{Color, ShapeStyle, WHITE};
use std::path::{Path, PathBuf};

/// The canvas size: as wide as the other figures, one panel tall.
const SIZE: (u32, u32) = (1200, 560);

/// Writes `lag.png` and `lag.svg` into `out_dir` and returns their paths.
pub fn render(trace: &Trace, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let figure = LagFigure { data: group_series::lag(trace), actions: series::actions(trace) };
    render_figure(&figure, out_dir, "lag")
}

/// The data of one figure.
struct LagFigure {
    /// The sampled lag.
    data: Lag,
    /// Scenario actions to mark, with their start times.
    actions: Vec<(SimTime, String)>,
}

impl Figure for LagFigure {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Consumer lag", font::bold(26.0))?;
        let (width, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let y_top = axis_top(self.data.max_lag() as f64);
        let caption = if self.data.series.is_empty() {
            "log end offset - group position (no data)"
        } else {
            "log end offset - group position"
        };
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
            .x_desc("time (s)")
            .y_desc("lag (records)")
            .y_label_formatter(&|v| lag_label(*v, y_top))
            .draw()?;
        let grey = ShapeStyle { color: ACTION_GREY.to_rgba(), filled: false, stroke_width: 1 };
        for (time, _) in &self.actions {
            let x = time.as_secs_f64();
            chart.draw_series(DashedLineSeries::new(vec![(x, 0.0), (x, y_top)], 6, 4, grey))?;
        }
        for (i, line) in self.data.series.iter().enumerate() {
            let style = ShapeStyle { color: style::palette(i).to_rgba(), filled: false, stroke_width: 2 };
            for run in self.runs(line) {
                chart.draw_series(LineSeries::new(run, style))?;
            }
        }
        draw_legend(&legend, "group/partition", &self.legend())
    }
}

impl LagFigure {
    /// Where the x axis ends: the last sample (one second for an empty trace).
    fn x_end(&self) -> f64 {
        let end = self.data.end().as_secs_f64();
        if end > 0.0 {
            end
        } else {
            1.0
        }
    }

    /// A line's points as runs of consecutive samples: a gap (no position yet) breaks the line
    /// rather than drawing it at zero.
    fn runs(&self, line: &LagSeries) -> Vec<Vec<(f64, f64)>> {
        let mut runs: Vec<Vec<(f64, f64)>> = vec![Vec::new()];
        for (time, lag) in self.data.times.iter().zip(&line.lag) {
            match lag {
                Some(lag) => runs.last_mut().expect("never empty").push((time.as_secs_f64(), *lag as f64)),
                None if runs.last().is_some_and(|r| !r.is_empty()) => runs.push(Vec::new()),
                None => {}
            }
        }
        runs.retain(|r| !r.is_empty());
        runs
    }

    /// A legend row per line, then the action marker when there are actions.
    fn legend(&self) -> Vec<LegendEntry> {
        let lines = self.data.series.iter().enumerate();
        let mut entries: Vec<LegendEntry> = lines
            .map(|(i, line)| LegendEntry { label: line.label(), color: style::palette(i), swatch: Swatch::Line(2) })
            .collect();
        if !self.actions.is_empty() {
            entries.push(LegendEntry {
                label: "scenario action".to_string(),
                color: ACTION_GREY,
                swatch: Swatch::Dashed(1),
            });
        }
        entries
    }
}

/// A y tick label: whole records, since lag is a count (fractional ticks on a short axis are
/// printed with one decimal so they stay distinct).
fn lag_label(value: f64, y_top: f64) -> String {
    if y_top >= 10.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{GroupId, SimDuration, TopicName, TopicPartition};

    #[test]
    fn gaps_break_a_line_into_runs() {
        let times = (0..5).map(|i| SimTime::from_millis(i * 100)).collect();
        let line = LagSeries {
            group: GroupId("g".into()),
            tp: TopicPartition::new(&TopicName::new("t"), 0),
            lag: vec![None, Some(1), None, Some(2), Some(3)],
        };
        let data = Lag { step: SimDuration::from_millis(100), times, series: vec![line.clone()] };
        let figure = LagFigure { data, actions: vec![] };
        assert_eq!(figure.runs(&line), vec![vec![(0.1, 1.0)], vec![(0.3, 2.0), (0.4, 3.0)]]);
        assert_eq!(figure.legend().len(), 1);
        assert_eq!(lag_label(3.0, 40.0), "3");
    }
}
