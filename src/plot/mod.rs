//! Plots: pictures of a trace, for the questions a student asks after a run.
//!
//! A plot reads only the [`Trace`], like the checkers and the summary do, so everything it
//! shows can be found again as lines of `trace.log`. Each figure is written twice, as PNG (to
//! look at) and SVG (to zoom into and put in the book), and its numbers are written as CSV
//! next to it: the CSV is what snapshot tests pin down, because text diffs and pixels do not.
//!
//! # Throughput: did the records keep flowing?
//!
//! `throughput.png` has two panels sharing one time axis and one y scale. The upper panel
//! counts records the producers saw *acknowledged*: what the cluster promised to keep, not
//! what the application merely handed to `send`. The lower panel counts records *consumed*,
//! once for every consumer that received them, so two consumer groups reading one topic read
//! as twice the rate. Thin coloured lines are single partitions, a thick black line the total
//! (and darker lines each topic's total, when there are several topics); grey dashed verticals
//! mark the scenario's actions.
//!
//! What it teaches: throughput scales with partitions, because each partition is written by
//! one leader and read by one member of a group. When a leader crashes, its partition's line
//! drops to zero until a new leader is elected, while the others carry on; with `acks=all` and
//! too few in-sync replicas the produced line stops while `NotEnoughReplicas` errors pile up.
//! After a rebalance the consumed line pauses, then catches up above the produce rate.
//!
//! # Ordering: what does Kafka promise about order?
//!
//! `ordering.png` has two panels. The upper one has a row per partition: every consumed record
//! is a dot at (time received, offset), coloured by its key. Within a row the dots climb:
//! consumers read a partition in offset order. The colours show where keys went: the default
//! partitioner hashes the key, so every record of one key lands in one partition and is read
//! in the order it was written. A dot that repeats an offset later in time is a record read
//! twice, after a rebalance or a restart from an older committed offset (at-least-once).
//!
//! The lower panel puts every acknowledged record at (the order it was sent, across all
//! producers; the offset it got), one line per partition and producer. Each line only
//! rises: within a partition, a producer's records keep the order they were sent in. Across
//! partitions there is no such promise: the lines interleave along the send axis, and a record
//! sent later can have a smaller offset in another partition. A line that steps down is a real
//! reordering (retries with `max.in.flight.requests.per.connection > 1` and no idempotence),
//! and a send position with two points is a duplicate.
//!
//! # Timeline: what state was the cluster in when that happened?
//!
//! `timeline.png` lays the run out as rows of coloured bars over simulated time. The upper
//! panel has a row per node (controllers, brokers, then clients): green while up, red while
//! crashed, orange while paused, with a dark band underneath while the controller has the
//! broker *fenced*. The lower panel has a row per partition, its bar coloured by the broker
//! that leads it (red while offline), a grey band whose thickness is the size of the ISR
//! (orange when it has shrunk), and a cross where a replica truncated its log. Dashed lines
//! mark the scenario's faults across both panels.
//!
//! What it teaches: a crash is not noticed at once. The crashed broker's row turns red at the
//! fault, but it is fenced only `broker.session.timeout.ms` later; until then the partitions
//! it led keep it as leader (drawn washed out: "leader down") and take no writes. Then the
//! controller elects a leader from the ISR, the ISR shrinks, and when the old leader returns
//! it truncates what it had beyond the new leader's log, rejoins the ISR and, after the
//! preferred-leader election, leads again. With unclean election a stale replica leads
//! (outlined in red) and the tail of the log is gone.
//!
//! # Lag: is the group keeping up?
//!
//! `lag.png` (drawn only for runs with consumer groups) has a line per group and partition,
//! labelled `group/topic-N`: the partition leader's log end offset minus the group's next
//! offset to process there, sampled on a regular grid. A flat line near zero is a group that
//! keeps up; a line that climbs is one that reads slower than producers write. During a
//! rebalance every line of the group climbs (nobody reads while partitions move), then falls
//! as the new owners catch up; after a consumer crash its partitions climb until the session
//! times out and someone else takes them. A sudden rise back to an old value is a new owner
//! starting from an older committed offset: the records in between are read twice.
//!
//! # Assignment: who read what, and when did that change?
//!
//! `assignment.png` (also only with consumer groups) has a row per group and partition, its
//! bars coloured by the member that owned it, and thin lines where the group became stable in
//! a new generation (`g3`). With the eager protocol every bar of a group ends at a rebalance
//! and new ones start after a gap; with the cooperative protocol only the partitions that move
//! have a gap. Two bars stacked in one row are two members owning one partition at once.
//!
//! # Orders: what did the customer wait?
//!
//! `orders.png` (only for runs with order services) puts every answered order at (when it was
//! placed, how long until its answer), on a log scale, a colour per order service and a cross
//! per failed order. In `why-mq` the service that hands notifications to a topic stays a flat
//! band at tens of milliseconds, while the one that calls the gateways itself climbs to
//! seconds, and fails, while a gateway stalls.
//!
//! # Layout of the code
//!
//! [`series`], [`timeline_series`] and [`group_series`] extract the numbers (pure, unit tested,
//! printed as CSV); [`throughput`], [`ordering`], [`timeline`], [`lag`] and [`assignment`] draw
//! them with plotters, once per backend through one generic function; [`font`] registers the
//! bundled DejaVu Sans so rendering needs no system fonts.

pub mod assignment;
pub mod diff;
pub mod font;
pub mod group_series;
pub mod lag;
pub mod ordering;
pub mod orders;
pub mod series;
mod style;
pub mod throughput;
pub mod timeline;
pub mod timeline_series;

use crate::trace::Trace;
use plotters::coord::Shift;
use plotters::drawing::DrawingArea;
use plotters::prelude::{BitMapBackend, DrawingBackend, IntoDrawingArea, SVGBackend};
use std::fmt::Display;
use std::path::{Path, PathBuf};
use style::DrawResult;
use thiserror::Error;

/// Why a plot could not be written. Every variant names the file, so the message tells the
/// user which output to look at.
#[derive(Debug, Error)]
pub enum PlotError {
    /// The output directory could not be created.
    #[error("cannot create plot directory {}: {source}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// A data file could not be written.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        source: std::io::Error,
    },
    /// plotters failed while drawing or encoding a figure.
    #[error("cannot draw {}: {message}", path.display())]
    Draw {
        /// The figure's file.
        path: PathBuf,
        /// plotters' description of the failure (its error types are generic over the
        /// backend, so the text is kept rather than the value).
        message: String,
    },
}

impl PlotError {
    /// A drawing failure for `path`.
    fn draw(path: &Path, error: impl Display) -> PlotError {
        PlotError::Draw { path: path.to_path_buf(), message: error.to_string() }
    }
}

/// Writes every plot of `trace` into `out_dir` (created if missing): the throughput, ordering
/// and timeline figures as PNG and SVG, and their data as CSV; and, when the trace shows
/// consumer groups at work ([`group_series::has_group_events`]), the lag and assignment
/// figures and their CSV too; and with order services, the order-latency figure. Runs without groups get exactly the files they always got.
///
/// Returns the files written, in a fixed order (figures, then data), so a caller can list them
/// to the user.
pub fn render_all(trace: &Trace, out_dir: &Path) -> Result<Vec<PathBuf>, PlotError> {
    let groups = group_series::has_group_events(trace);
    let mut written = throughput::render(trace, out_dir)?;
    written.extend(ordering::render(trace, out_dir)?);
    written.extend(timeline::render(trace, out_dir)?);
    if groups {
        written.extend(lag::render(trace, out_dir)?);
        written.extend(assignment::render(trace, out_dir)?);
    }
    let orders = orders::has_orders(trace);
    if orders {
        written.extend(orders::render(trace, out_dir)?);
    }
    written.push(write_text(out_dir, "throughput.csv", &series::throughput_csv(trace))?);
    written.push(write_text(out_dir, "ordering.csv", &series::ordering_csv(trace))?);
    written.push(write_text(out_dir, "timeline.csv", &timeline_series::timeline_csv(trace))?);
    if groups {
        written.push(write_text(out_dir, "lag.csv", &group_series::lag_csv(trace))?);
        written.push(write_text(out_dir, "assignment.csv", &group_series::assignment_csv(trace))?);
    }
    if orders {
        written.push(write_text(out_dir, "orders.csv", &orders::orders_csv(trace))?);
    }
    Ok(written)
}

/// Creates `out_dir` if it does not exist yet.
fn ensure_dir(out_dir: &Path) -> Result<(), PlotError> {
    std::fs::create_dir_all(out_dir).map_err(|source| PlotError::CreateDir { path: out_dir.to_path_buf(), source })
}

/// Writes `text` to `out_dir/name`.
fn write_text(out_dir: &Path, name: &str, text: &str) -> Result<PathBuf, PlotError> {
    ensure_dir(out_dir)?;
    let path = out_dir.join(name);
    std::fs::write(&path, text).map_err(|source| PlotError::Write { path: path.clone(), source })?;
    Ok(path)
}

/// A figure that can draw itself on any plotters backend.
///
/// plotters' chart types are generic over the backend, and a closure cannot be; a trait with a
/// generic method lets one drawing function serve both PNG and SVG.
trait Figure {
    /// The canvas size in pixels.
    fn size(&self) -> (u32, u32);

    /// Draws the whole figure on `root`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> DrawResult<DB>;
}

/// Writes `figure` as `out_dir/stem.png` and `out_dir/stem.svg`.
fn render_figure(figure: &impl Figure, out_dir: &Path, stem: &str) -> Result<Vec<PathBuf>, PlotError> {
    ensure_dir(out_dir)?;
    font::ensure_registered();
    let png = out_dir.join(format!("{stem}.png"));
    {
        let root = BitMapBackend::new(&png, figure.size()).into_drawing_area();
        figure.draw(&root).and_then(|()| root.present()).map_err(|e| PlotError::draw(&png, e))?;
    }
    let svg = out_dir.join(format!("{stem}.svg"));
    {
        let root = SVGBackend::new(&svg, figure.size()).into_drawing_area();
        figure.draw(&root).and_then(|()| root.present()).map_err(|e| PlotError::draw(&svg, e))?;
    }
    Ok(vec![png, svg])
}

#[cfg(test)]
mod tests {
    use super::series::tests::{ack, send, small_trace, tp};
    use super::*;
    use crate::trace::Event;
    use crate::types::{NodeName, SimTime};

    /// A fresh directory under the system temp dir, unique to this test and process.
    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("kafkasim-plot-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    /// The files every run gets, in order.
    const ALWAYS: [&str; 9] = [
        "throughput.png",
        "throughput.svg",
        "ordering.png",
        "ordering.svg",
        "timeline.png",
        "timeline.svg",
        "throughput.csv",
        "ordering.csv",
        "timeline.csv",
    ];

    /// The files a run with consumer groups gets, in order.
    const WITH_GROUPS: [&str; 15] = [
        "throughput.png",
        "throughput.svg",
        "ordering.png",
        "ordering.svg",
        "timeline.png",
        "timeline.svg",
        "lag.png",
        "lag.svg",
        "assignment.png",
        "assignment.svg",
        "throughput.csv",
        "ordering.csv",
        "timeline.csv",
        "lag.csv",
        "assignment.csv",
    ];

    /// Renders `trace` and checks every file has the right kind of content.
    fn renders(trace: &Trace, name: &str) {
        renders_files(trace, name, &ALWAYS);
    }

    /// Renders `trace`, checks the files written are `expected` and each has the right kind of
    /// content.
    fn renders_files(trace: &Trace, name: &str, expected: &[&str]) {
        let dir = scratch_dir(name);
        let files = render_all(trace, &dir).expect("rendering succeeds");
        let names: Vec<String> = files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect();
        assert_eq!(names, expected);
        for file in &files {
            let bytes = std::fs::read(file).expect("written file is readable");
            match file.extension().and_then(|e| e.to_str()) {
                Some("png") => assert!(bytes.starts_with(b"\x89PNG\r\n\x1a\n"), "{} is a PNG", file.display()),
                Some("svg") => {
                    assert!(String::from_utf8_lossy(&bytes).contains("<svg"), "{} is an SVG", file.display())
                }
                _ => {
                    assert!(["time_s,", "view,", "start_s,", "group,"].iter().any(|h| bytes.starts_with(h.as_bytes())))
                }
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn renders_a_small_trace() {
        renders(&small_trace(), "small");
    }

    #[test]
    fn renders_an_empty_trace() {
        renders(&Trace::new(), "empty");
    }

    #[test]
    fn renders_a_single_point() {
        let mut t = Trace::new();
        send(&mut t, 0, &tp("solo", 0), &[0]);
        ack(&mut t, 0, &tp("solo", 0), 0, &[0]);
        renders(&t, "single");
    }

    #[test]
    fn renders_two_topics_and_actions() {
        let mut t = small_trace();
        let action = Event::ActionStarted { action: "crash broker-1".into() };
        t.record(SimTime::from_millis(2100), NodeName("sim".into()), action);
        send(&mut t, 2200, &tp("audit", 0), &[7]);
        ack(&mut t, 2300, &tp("audit", 0), 0, &[7]);
        renders(&t, "two-topics");
    }

    #[test]
    fn renders_a_timeline_with_faults() {
        renders(&super::timeline_series::tests::crash_trace(), "timeline");
    }

    #[test]
    fn renders_nodes_without_faults() {
        let mut t = small_trace();
        for node in ["controller-1", "broker-1", "broker-2"] {
            t.record(SimTime::from_millis(2000), NodeName(node.into()), Event::NodeStarted);
        }
        renders(&t, "fault-free");
    }

    #[test]
    fn renders_consumer_groups_only_when_there_are_some() {
        renders_files(&super::group_series::tests::group_trace(), "groups", &WITH_GROUPS);
    }

    #[test]
    fn errors_name_the_file() {
        let err = PlotError::draw(Path::new("out/x.png"), "boom");
        assert_eq!(err.to_string(), "cannot draw out/x.png: boom");
    }
}
