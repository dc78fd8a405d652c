//! The order-latency figure: how long each customer waited, for each order service.
//!
//! Drawn only for runs with order services (`why-mq`). Every answered order is a point at
//! (when it was placed, how long until its answer), coloured by its service; a failed order is
//! a cross. The y axis is logarithmic, because the point of the figure is that one service
//! answers in tens of milliseconds and the other, while a gateway stalls, in seconds.
//! Grey dashed lines mark the scenario's actions and faults.

use super::series;
use super::style::{self, draw_legend, DrawResult, LegendEntry, Swatch, ACTION_GREY, LEGEND_WIDTH};
use super::{font, render_figure, Figure, PlotError};
use crate::check::orders::Orders;
use crate::trace::{Event, Trace};
use crate::types::SimTime;
use plotters::chart::ChartBuilder;
use plotters::coord::combinators::IntoLogRange;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{Circle, Cross};
use plotters::prelude::DrawingBackend;
use plotters::series::DashedLineSeries;
use plotters::style::{Color, ShapeStyle, WHITE};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The canvas size, as wide as the other figures.
const SIZE: (u32, u32) = (1200, 560);

/// Whether the trace has any answered order (and so gets this figure).
pub fn has_orders(trace: &Trace) -> bool {
    trace.entries().iter().any(|e| matches!(e.event, Event::OrderDone { .. }))
}

/// One service's points: (placed, latency in ms, failed).
type Points = Vec<(f64, f64, bool)>;

fn points(trace: &Trace) -> Vec<(String, Points)> {
    Orders::of(trace)
        .services
        .into_iter()
        .map(|(name, f)| {
            let pts = f
                .answers
                .iter()
                .map(|(placed, latency, failed)| (placed.as_secs_f64(), latency.0 as f64 / 1000.0, *failed))
                .collect();
            (name, pts)
        })
        .collect()
}

/// The figure's numbers as CSV: `service,placed_s,latency_ms,failed`.
pub fn orders_csv(trace: &Trace) -> String {
    let mut s = String::from("service,placed_s,latency_ms,failed\n");
    for (name, pts) in points(trace) {
        for (placed, latency, failed) in pts {
            let _ = writeln!(s, "{name},{placed:.3},{latency:.3},{failed}");
        }
    }
    s
}

/// Writes `orders.png` and `orders.svg` into `out_dir` and returns their paths.
pub fn render(trace: &Trace, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let end = trace.entries().last().map_or(SimTime::ZERO, |e| e.time);
    let mut actions = series::actions(trace);
    // Faults are what this figure is about (a stalled gateway), so they are marked too.
    actions.extend(trace.entries().iter().filter_map(|e| match &e.event {
        Event::Fault { description } => Some((e.time, description.clone())),
        _ => None,
    }));
    actions.sort();
    let figure = OrdersFigure { services: points(trace), actions, end };
    render_figure(&figure, out_dir, "orders")
}

struct OrdersFigure {
    services: Vec<(String, Points)>,
    actions: Vec<(SimTime, String)>,
    end: SimTime,
}

impl OrdersFigure {
    /// The y axis's top: the next power of ten above the slowest order (at least 1 s).
    fn y_top(&self) -> f64 {
        let max = self.services.iter().flat_map(|(_, p)| p.iter().map(|(_, l, _)| *l)).fold(1000.0, f64::max);
        10f64.powf(max.log10().ceil())
    }
}

impl Figure for OrdersFigure {
    fn size(&self) -> (u32, u32) {
        SIZE
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Order latency", font::bold(26.0))?;
        let (width, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let (x_end, y_top) = (self.end.as_secs_f64().max(1.0), self.y_top());
        let mut chart = ChartBuilder::on(&plot)
            .caption("placement to answer, per order (log scale)", font::text(18.0))
            .margin(12)
            .x_label_area_size(44)
            .y_label_area_size(78)
            .build_cartesian_2d(0f64..x_end, (1f64..y_top).log_scale())?;
        chart
            .configure_mesh()
            .label_style(font::text(13.0))
            .axis_desc_style(font::text(14.0))
            .x_desc("order placed at (s)")
            .y_desc("latency (ms)")
            .y_label_formatter(&|v| format!("{v:.0}"))
            .draw()?;
        let grey = ShapeStyle { color: ACTION_GREY.to_rgba(), filled: false, stroke_width: 1 };
        for (time, _) in &self.actions {
            let x = time.as_secs_f64();
            chart.draw_series(DashedLineSeries::new(vec![(x, 1.0), (x, y_top)], 6, 4, grey))?;
        }
        for (i, (_, pts)) in self.services.iter().enumerate() {
            let color = style::palette(i);
            let ok = pts.iter().filter(|p| !p.2).map(|(x, y, _)| Circle::new((*x, y.max(1.0)), 2, color.filled()));
            chart.draw_series(ok)?;
            let failed =
                pts.iter().filter(|p| p.2).map(|(x, y, _)| Cross::new((*x, y.max(1.0)), 4, color.stroke_width(2)));
            chart.draw_series(failed)?;
        }
        draw_legend(&legend, "order service", &self.legend())
    }
}

impl OrdersFigure {
    fn legend(&self) -> Vec<LegendEntry> {
        let mut entries = Vec::new();
        for (i, (name, pts)) in self.services.iter().enumerate() {
            let color = style::palette(i);
            entries.push(LegendEntry { label: format!("{name} ok"), color, swatch: Swatch::Dot });
            if pts.iter().any(|p| p.2) {
                entries.push(LegendEntry { label: format!("{name} failed"), color, swatch: Swatch::Cross });
            }
        }
        if !self.actions.is_empty() {
            entries.push(LegendEntry {
                label: "action or fault".into(),
                color: ACTION_GREY,
                swatch: Swatch::Dashed(1),
            });
        }
        entries
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_y_axis_ends_at_a_power_of_ten_above_the_slowest_order() {
        let figure = |max: f64| OrdersFigure {
            services: vec![("s".into(), vec![(1.0, max, false)])],
            actions: vec![],
            end: SimTime::from_millis(1000),
        };
        assert_eq!(figure(20.0).y_top(), 1000.0, "at least a second");
        assert_eq!(figure(8960.0).y_top(), 10000.0);
        assert_eq!(figure(8960.0).legend().len(), 1);
    }
}
