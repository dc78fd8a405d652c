//! The run's shared trace, written by every host as the simulation steps.
//!
//! turmoil runs all hosts on one thread, one after another, so a plain `Rc<RefCell<_>>` is
//! enough: there is no concurrency, only interleaving, and the interleaving is deterministic.

use crate::trace::{Event, Trace};
use crate::types::{GroupId, NodeName, Offset, SimTime, TopicPartition};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;

/// How much of each run the trace keeps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TraceDetail {
    /// Every event with every record: what runs, checkers and plots use.
    #[default]
    Full,
    /// For benchmarks of millions of records: per-record `sent` events are dropped and
    /// consumed records lose their keys and values. Counts stay right; plots and the ordering
    /// check lose their detail.
    Counts,
}

/// A handle on the run's trace and its end-of-run flag, cloned into every host.
#[derive(Clone, Debug, Default)]
pub struct Recorder {
    trace: Rc<RefCell<Trace>>,
    finishing: Rc<Cell<bool>>,
    detail: TraceDetail,
    progress: Option<Rc<RefCell<Progress>>>,
}

/// What state triggers need to know that no single node knows: each partition's log end
/// offset on its leader and each group's committed offsets, kept up to date from the events
/// as they are recorded (only when some trigger needs them).
#[derive(Clone, Debug, Default)]
pub struct Progress {
    /// The highest log end offset a leader reported by appending, per partition.
    pub log_end: BTreeMap<TopicPartition, Offset>,
    /// Durable committed offsets per group and partition.
    pub committed: BTreeMap<(GroupId, TopicPartition), Offset>,
}

impl Progress {
    fn observe(&mut self, event: &Event) {
        match event {
            Event::Appended { tp, base_offset, ids, .. } if !tp.topic.as_str().starts_with("__") => {
                let end = Offset(base_offset.0 + ids.len() as u64);
                let e = self.log_end.entry(tp.clone()).or_insert(end);
                *e = (*e).max(end);
            }
            Event::OffsetsCommitted { group, offsets, .. } => {
                for (tp, o) in offsets {
                    self.committed.insert((group.clone(), tp.clone()), *o);
                }
            }
            _ => {}
        }
    }
}

impl Recorder {
    /// A fresh, empty recorder keeping `detail`.
    pub fn new(detail: TraceDetail) -> Recorder {
        Recorder { detail, ..Recorder::default() }
    }

    /// Keep a [`Progress`] from now on, and return it.
    pub fn track_progress(&mut self) -> Rc<RefCell<Progress>> {
        self.progress.get_or_insert_with(Rc::default).clone()
    }

    /// Record an event.
    pub fn record(&self, time: SimTime, node: &NodeName, event: Event) {
        if let Some(p) = &self.progress {
            p.borrow_mut().observe(&event);
        }
        let event = match (self.detail, event) {
            (TraceDetail::Counts, Event::Sent { .. }) => return,
            (TraceDetail::Counts, Event::Consumed { tp, mut records }) => {
                for r in &mut records {
                    r.key = None;
                    r.value = bytes::Bytes::new();
                }
                Event::Consumed { tp, records }
            }
            (_, e) => e,
        };
        self.trace.borrow_mut().record(time, node.clone(), event);
    }

    /// Ask every host to emit its end-of-run events on its next tick.
    pub fn start_finishing(&self) {
        self.finishing.set(true);
    }

    /// Whether the run is ending.
    pub fn is_finishing(&self) -> bool {
        self.finishing.get()
    }

    /// Take the trace out (at the end of the run).
    pub fn take(&self) -> Trace {
        std::mem::take(&mut self.trace.borrow_mut())
    }
}
