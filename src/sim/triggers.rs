//! Evaluating `when = "..."` triggers against the live cluster, once per tick.
//!
//! The driver asks each armed trigger whether its condition holds now; the first time it
//! does, the trigger's fault fires and the trigger is spent. ISR size and leadership come from
//! the active controller's metadata image (the cluster's own truth about them); log end offsets
//! and committed offsets come from the events recorded so far ([`super::recorder::Progress`]).

use super::recorder::Progress;
use crate::protocol::metadata::MetadataImage;
use crate::scenario::condition::{Condition, Quantity};
use crate::scenario::model::ActionSpec;
use crate::types::{BrokerId, SimTime, TopicPartition};

/// What a condition can read.
pub struct View<'a> {
    /// The active controller's image, if any controller is up.
    pub image: Option<&'a MetadataImage>,
    /// Log end and committed offsets.
    pub progress: &'a Progress,
}

impl View<'_> {
    fn leader(&self, tp: &TopicPartition) -> Option<BrokerId> {
        self.image?.partition(tp)?.leader
    }

    /// The value of a quantity now; `None` while it is unknown (no controller, no partition).
    fn value(&self, q: &Quantity) -> Option<u64> {
        match q {
            Quantity::Isr(tp) => Some(self.image?.partition(tp)?.isr.len() as u64),
            Quantity::Leo(tp) => Some(self.progress.log_end.get(tp).map_or(0, |o| o.0)),
            Quantity::Lag(g, tp) => {
                let end = self.progress.log_end.get(tp).map_or(0, |o| o.0);
                let committed = self.progress.committed.get(&(g.clone(), tp.clone())).map_or(0, |o| o.0);
                Some(end.saturating_sub(committed))
            }
        }
    }
}

/// A trigger waiting for its condition.
#[derive(Debug)]
struct Armed {
    spec: ActionSpec,
    /// For `leader(tp) changed`: the leader when watching started (set on the first look).
    baseline: Option<Option<BrokerId>>,
    /// When the condition first held plus the delay: the action fires then.
    due: Option<SimTime>,
}

/// The run's armed triggers.
#[derive(Debug, Default)]
pub struct Triggers {
    armed: Vec<Armed>,
}

impl Triggers {
    /// Arm these triggered actions.
    pub fn new(actions: Vec<ActionSpec>) -> Triggers {
        assert!(actions.iter().all(|a| a.trigger.is_some()), "only triggered actions are armed");
        Triggers { armed: actions.into_iter().map(|spec| Armed { spec, baseline: None, due: None }).collect() }
    }

    /// Whether any trigger is still waiting.
    pub fn is_empty(&self) -> bool {
        self.armed.is_empty()
    }

    /// Whether some trigger reads log end or committed offsets (so the recorder must track them).
    pub fn needs_progress(&self) -> bool {
        self.armed.iter().any(|a| {
            matches!(a.spec.trigger, Some(Condition::Compare { quantity: Quantity::Leo(_) | Quantity::Lag(..), .. }))
        })
    }

    /// The actions whose condition holds at `now`, in file order; they are disarmed.
    pub fn fire(&mut self, now: SimTime, view: &View<'_>) -> Vec<ActionSpec> {
        let mut fired = Vec::new();
        let mut i = 0;
        while i < self.armed.len() {
            let a = &mut self.armed[i];
            if a.due.is_none() && SimTime::ZERO.plus(a.spec.at) <= now && holds(a, view) {
                a.due = Some(now.plus(a.spec.delay));
            }
            if a.due.is_some_and(|due| due <= now) {
                fired.push(self.armed.remove(i).spec);
            } else {
                i += 1;
            }
        }
        fired
    }
}

fn holds(armed: &mut Armed, view: &View<'_>) -> bool {
    match armed.spec.trigger.as_ref().expect("armed triggers have a condition") {
        Condition::Compare { quantity, op, value } => view.value(quantity).is_some_and(|v| op.holds(v, *value)),
        Condition::LeaderChanged(tp) => {
            if view.image.is_none() {
                return false;
            }
            let now = view.leader(tp);
            match armed.baseline {
                None => {
                    armed.baseline = Some(now);
                    false
                }
                Some(before) => before != now,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::condition::parse;
    use crate::scenario::model::{Action, NodeRef};
    use crate::types::{GroupId, NodeName, Offset, PartitionId, SimDuration, TopicName};

    fn armed(when: &str) -> Triggers {
        let action = Action::Crash(NodeRef::Name(NodeName("broker-1".into())));
        Triggers::new(vec![ActionSpec {
            at: SimDuration::ZERO,
            action,
            trigger: Some(parse(when).unwrap()),
            delay: SimDuration::ZERO,
        }])
    }

    fn tp() -> TopicPartition {
        TopicPartition { topic: TopicName::new("orders"), partition: PartitionId(0) }
    }

    #[test]
    fn lag_fires_once_when_it_passes_the_threshold() {
        let mut t = armed("lag(billing, orders-0) > 100");
        let mut progress = Progress::default();
        progress.log_end.insert(tp(), Offset(150));
        progress.committed.insert((GroupId("billing".into()), tp()), Offset(60));
        assert!(t.fire(SimTime(1), &View { image: None, progress: &progress }).is_empty());
        progress.log_end.insert(tp(), Offset(161));
        assert_eq!(t.fire(SimTime(2), &View { image: None, progress: &progress }).len(), 1);
        assert!(t.is_empty(), "a trigger fires once");
    }

    #[test]
    fn leader_changed_needs_a_controller_and_a_change() {
        let mut t = armed("leader(orders-0) changed");
        let progress = Progress::default();
        assert!(t.fire(SimTime(1), &View { image: None, progress: &progress }).is_empty());
        let image = MetadataImage::default();
        // Unknown partition: no leader now, none before; no change.
        assert!(t.fire(SimTime(2), &View { image: Some(&image), progress: &progress }).is_empty());
        assert!(t.fire(SimTime(3), &View { image: Some(&image), progress: &progress }).is_empty());
        assert!(!t.is_empty());
    }
}
