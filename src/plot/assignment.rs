//! The assignment figure: which member of each consumer group owned which partition, over
//! simulated time, with every stable generation marked.
//!
//! A row per group and partition (`billing orders-0`), its bars coloured by the owning member,
//! so a rebalance reads as bars ending and new ones starting: with the eager protocol every row
//! of a group breaks at once, with the cooperative one only the rows that move. Each group's
//! rows sit under a header band where thin vertical lines mark its stable generations (`g3`).
//! Two members owning one partition at once get a bar each, one above the other, because that
//! overlap is exactly what a student should notice. The numbers come from
//! [`group_series::assignment`]; this file only draws them.

use super::group_series::{self, Assignment, Ownership};
use super::style::{self, draw_legend, DrawResult, LegendEntry, Swatch, LEGEND_WIDTH};
use super::timeline::{bar, caption, label_in_span, legend_height, text_on, RowAxis, RowChart};
use super::{font, render_figure, Figure, PlotError};
use crate::trace::Trace;
use crate::types::{GroupId, MemberId, SimTime, TopicPartition};
use plotters::chart::ChartBuilder;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::element::{EmptyElement, PathElement, Text};
use plotters::prelude::DrawingBackend;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use plotters::style::{Color, RGBColor, ShapeStyle, WHITE};
use std::iter::once;
use std::path::{Path, PathBuf};

/// The canvas width, as the other figures.
const WIDTH: u32 = 1200;

/// Height of the figure's title.
const TITLE_HEIGHT: u32 = 44;

/// Height of one partition row, in pixels.
const ROW_PX: u32 = 34;

/// Height of a group's header band, in row units: room for two lines of generation labels.
const HEADER: f64 = 0.9;

/// Room the panel needs besides its rows: caption, x axis and margins.
const PANEL_OVERHEAD: u32 = 104;

/// At most this many partition rows; the caption says what is left out.
const MAX_ROWS: usize = 32;

/// Generation marks and their labels.
const MARK_GREY: RGBColor = RGBColor(90, 90, 90);

/// Writes `assignment.png` and `assignment.svg` into `out_dir` and returns their paths.
pub fn render(trace: &Trace, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let data = group_series::assignment(trace);
    let figure = AssignmentFigure { members: data.members(), layout: Layout::of(&data), data };
    render_figure(&figure, out_dir, "assignment")
}

/// Where a partition's row sits.
#[derive(Clone, Debug, PartialEq)]
struct RowSlot {
    /// The group.
    group: GroupId,
    /// The partition.
    tp: TopicPartition,
    /// The row's bottom, in row units.
    base: f64,
}

/// Where a group's block of rows sits.
#[derive(Clone, Debug, PartialEq)]
struct GroupSlot {
    /// The group.
    group: GroupId,
    /// The bottom of its lowest row.
    bottom: f64,
    /// The bottom of its header band (the top of its highest row).
    header: f64,
}

/// The vertical layout: groups top to bottom, each a header band above its rows.
#[derive(Clone, Debug, Default, PartialEq)]
struct Layout {
    /// Every row drawn, top first.
    rows: Vec<RowSlot>,
    /// Every group with a row drawn, top first.
    groups: Vec<GroupSlot>,
    /// How many rows there are in all, drawn or not.
    total_rows: usize,
    /// The top of the axis, in row units.
    top: f64,
}

impl Layout {
    /// Lays out the first [`MAX_ROWS`] rows of `data`.
    fn of(data: &Assignment) -> Layout {
        let rows = data.rows();
        let shown = &rows[..rows.len().min(MAX_ROWS)];
        let group_count = shown.iter().enumerate().filter(|(i, (g, _))| *i == 0 || shown[i - 1].0 != *g).count();
        let top = shown.len() as f64 + group_count as f64 * HEADER;
        let mut layout = Layout { total_rows: rows.len(), top, ..Layout::default() };
        let mut y = top;
        for (group, tp) in shown {
            if layout.groups.last().is_none_or(|g| &g.group != group) {
                y -= HEADER;
                layout.groups.push(GroupSlot { group: group.clone(), bottom: y, header: y });
            }
            y -= 1.0;
            layout.rows.push(RowSlot { group: group.clone(), tp: tp.clone(), base: y });
            layout.groups.last_mut().expect("pushed above").bottom = y;
        }
        layout
    }

    /// The row whose centre is at `y`, for tick labels.
    fn name_at(&self, y: f64) -> String {
        let row = self.rows.iter().find(|r| (r.base + 0.5 - y).abs() < 1e-6);
        row.map(|r| format!("{} {}", r.group, r.tp)).unwrap_or_default()
    }
}

/// The data of one figure, with the sorted member list that picks colours.
struct AssignmentFigure {
    /// What to draw.
    data: Assignment,
    /// Every member, sorted: a member's index picks its colour.
    members: Vec<MemberId>,
    /// Where rows and groups sit.
    layout: Layout,
}

impl Figure for AssignmentFigure {
    fn size(&self) -> (u32, u32) {
        (WIDTH, TITLE_HEIGHT + self.panel_height())
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB> {
        root.fill(&WHITE)?;
        let body = root.titled("Partition assignment", font::bold(26.0))?;
        let (width, _) = body.dim_in_pixel();
        let (plot, legend) = body.split_horizontally(width.saturating_sub(LEGEND_WIDTH));
        let mut chart = self.chart(&plot)?;
        for slot in &self.layout.rows {
            self.draw_row(&mut chart, slot)?;
        }
        self.draw_marks(&mut chart)?;
        draw_legend(&legend, "owner (member id)", &self.legend())
    }
}

impl AssignmentFigure {
    /// Height of the rows and header bands, in pixels.
    fn rows_px(&self) -> u32 {
        (self.layout.top.max(1.0) * ROW_PX as f64).ceil() as u32
    }

    /// Height of the panel: its rows, or its legend if that is taller.
    fn panel_height(&self) -> u32 {
        (self.rows_px() + PANEL_OVERHEAD).max(legend_height(self.legend().len()))
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

    /// Room for row names left of the chart.
    fn name_width(&self) -> u32 {
        let names = self.layout.rows.iter().map(|r| r.group.0.chars().count() + 1 + r.tp.to_string().chars().count());
        (names.max().unwrap_or(4) as u32 * 8 + 20).max(60)
    }

    /// The colour of a member's bars.
    fn member_color(&self, member: &MemberId) -> RGBColor {
        style::palette(self.members.binary_search(member).unwrap_or(0))
    }

    /// The chart with its axes and row names; legend room beyond the rows goes on top.
    fn chart<'a, DB: DrawingBackend>(
        &self,
        area: &'a DrawingArea<DB, Shift>,
    ) -> Result<RowChart<'a, DB>, plotters::drawing::DrawingAreaErrorKind<DB::ErrorType>> {
        let spare = (self.panel_height() - self.rows_px() - PANEL_OVERHEAD) as f64 / ROW_PX as f64;
        let top = self.layout.top.max(1.0) + spare;
        let centres: Vec<f64> = self.layout.rows.iter().map(|r| r.base + 0.5).collect();
        let caption = caption("partition owners by group", self.layout.rows.len(), self.layout.total_rows);
        let mut chart = ChartBuilder::on(area)
            .caption(caption, font::text(18.0))
            .margin(10)
            .x_label_area_size(44)
            .y_label_area_size(self.name_width())
            .build_cartesian_2d(0f64..self.x_end(), RowAxis::new(top, centres))?;
        let name_of = |v: &f64| self.layout.name_at(*v);
        chart
            .configure_mesh()
            .disable_y_mesh()
            .label_style(font::text(13.0))
            .axis_desc_style(font::text(14.0))
            .x_desc("time (s)")
            .y_label_formatter(&name_of)
            .light_line_style(WHITE)
            .draw()?;
        Ok(chart)
    }

    /// One partition's row: a bar per ownership interval in its member's colour, overlapping
    /// owners stacked in lanes, each bar labelled with its member where it fits.
    fn draw_row<DB: DrawingBackend>(&self, chart: &mut RowChart<'_, DB>, slot: &RowSlot) -> DrawResult<DB> {
        let owners: Vec<&Ownership> = self.data.row(&slot.group, &slot.tp).collect();
        let (lanes, count) = lanes(&owners);
        let height = 0.76 / count as f64;
        for (owner, lane) in owners.iter().zip(lanes) {
            let high = slot.base + 0.88 - lane as f64 * height;
            let low = high - height + 0.02;
            let color = self.member_color(&owner.member);
            chart.draw_series(once(bar(&owner.span, low, high, color.filled())))?;
            let labels = [format!("{} (g{})", owner.member, owner.generation), owner.member.to_string()];
            label_in_span(chart, &owner.span, (low + high) / 2.0, &labels, text_on(color, 12.0))?;
        }
        Ok(())
    }

    /// Each group's stable generations: a thin line through its rows, labelled in its header
    /// band on the first of two lines where the label does not run into the previous one.
    fn draw_marks<DB: DrawingBackend>(&self, chart: &mut RowChart<'_, DB>) -> DrawResult<DB> {
        let line = ShapeStyle { color: MARK_GREY.to_rgba(), filled: false, stroke_width: 1 };
        let text = font::text(11.0).color(&MARK_GREY);
        for slot in &self.layout.groups {
            let mut line_ends = [i32::MIN; 2];
            for mark in self.data.stables.iter().filter(|m| m.group == slot.group) {
                let x = mark.time.as_secs_f64();
                chart.draw_series(once(PathElement::new(vec![(x, slot.bottom), (x, slot.header + HEADER)], line)))?;
                let (w, _) = chart.plotting_area().estimate_text_size(&mark.label(), &text)?;
                let start = chart.backend_coord(&(x, 0.0)).0 + 3;
                let Some(level) = line_ends.iter().position(|&end| end <= start) else { continue };
                line_ends[level] = start + w as i32 + 4;
                let y = slot.header + HEADER - 0.05 - level as f64 * HEADER / 2.0;
                let label = Text::new(mark.label(), (3, 0), text.pos(Pos::new(HPos::Left, VPos::Top)));
                chart.draw_series(once(EmptyElement::at((x, y)) + label))?;
            }
        }
        Ok(())
    }

    /// A colour per member, then the generation mark.
    fn legend(&self) -> Vec<LegendEntry> {
        let block =
            |m: &MemberId| LegendEntry { label: m.to_string(), color: self.member_color(m), swatch: Swatch::Block };
        let mut entries: Vec<LegendEntry> = self.members.iter().map(block).collect();
        if !self.data.stables.is_empty() {
            let label = "stable generation (gN)".to_string();
            entries.push(LegendEntry { label, color: MARK_GREY, swatch: Swatch::Line(1) });
        }
        entries
    }
}

/// Stacks a row's intervals (sorted by start) into lanes: each goes into the first lane that is
/// free by its start. Returns each interval's lane and how many lanes there are (at least one).
fn lanes(owners: &[&Ownership]) -> (Vec<usize>, usize) {
    let mut ends: Vec<SimTime> = Vec::new();
    let mut lanes = Vec::with_capacity(owners.len());
    for owner in owners {
        let lane = match ends.iter().position(|&end| end <= owner.span.start) {
            Some(lane) => lane,
            None => {
                ends.push(SimTime::ZERO);
                ends.len() - 1
            }
        };
        ends[lane] = owner.span.end;
        lanes.push(lane);
    }
    (lanes, ends.len().max(1))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::group_series::tests::group_trace;
    use crate::plot::timeline_series::Span;
    use crate::types::{Generation, NodeName};

    /// An interval of member `m` from `a` to `b` ms.
    fn owner(m: &str, a: u64, b: u64) -> Ownership {
        Ownership {
            group: GroupId("g".into()),
            tp: TopicPartition::new(&crate::types::TopicName::new("t"), 0),
            member: MemberId(m.into()),
            node: NodeName("consumer-1".into()),
            generation: Generation(1),
            span: Span { start: SimTime::from_millis(a), end: SimTime::from_millis(b) },
        }
    }

    #[test]
    fn overlapping_owners_get_their_own_lanes() {
        let (a, b, c) = (owner("a", 0, 100), owner("b", 50, 150), owner("c", 100, 200));
        assert_eq!(lanes(&[&a, &b, &c]), (vec![0, 1, 0], 2));
        assert_eq!(lanes(&[]), (vec![], 1));
    }

    #[test]
    fn layout_puts_a_header_above_each_group() {
        let data = group_series::assignment(&group_trace());
        let layout = Layout::of(&data);
        assert_eq!(layout.top, 2.0 + HEADER);
        let bases: Vec<f64> = layout.rows.iter().map(|r| r.base).collect();
        assert_eq!(bases, [1.0, 0.0]);
        assert_eq!(layout.groups, [GroupSlot { group: GroupId("billing".into()), bottom: 0.0, header: 2.0 }]);
        assert_eq!(layout.name_at(1.5), "billing orders-0");
        assert_eq!(layout.name_at(1.0), "");
    }
}
