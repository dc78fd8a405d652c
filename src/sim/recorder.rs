//! The run's shared trace, written by every host as the simulation steps.
//!
//! turmoil runs all hosts on one thread, one after another, so a plain `Rc<RefCell<_>>` is
//! enough: there is no concurrency, only interleaving, and the interleaving is deterministic.

use crate::trace::{Event, Trace};
use crate::types::{NodeName, SimTime};
use std::cell::{Cell, RefCell};
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
}

impl Recorder {
    /// A fresh, empty recorder keeping `detail`.
    pub fn new(detail: TraceDetail) -> Recorder {
        Recorder { detail, ..Recorder::default() }
    }

    /// Record an event.
    pub fn record(&self, time: SimTime, node: &NodeName, event: Event) {
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
