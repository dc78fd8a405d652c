//! Exercise `roundrobin-assignor`: Kafka's `RoundRobinAssignor` (`roundrobin`).
//!
//! All partitions of all subscribed topics, sorted by topic then partition, are dealt out like
//! cards to the members sorted by member id, skipping members not subscribed to a partition's
//! topic. The circle keeps turning across topics, which balances the group over all topics
//! together rather than per topic.
//!
//! The oracle is the simulator's own [`crate::group::assignor::roundrobin`].

mod reference;
mod student;

use super::{assignor_cases, Exercise, GradeOptions, Verdict, Which};
use crate::group::assignor::Strategy;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "roundrobin-assignor",
    summary: "implement the round-robin assignor: deal all sorted partitions around the member circle",
    student_file: "src/exercises/roundrobin_assignor/student.rs",
    hint: "keep ONE position in the circle of all members for the whole deal: it does not restart at each \
           topic; skip a member not subscribed to the partition's topic",
    cluster_stage: false,
    grade,
};

fn grade(opts: &GradeOptions) -> Verdict {
    let chosen: assignor_cases::AssignFn = match opts.which {
        Which::Student => student::assign,
        Which::Reference => reference::assign,
    };
    assignor_cases::grade(EXERCISE.name, opts, Strategy::RoundRobin, chosen)
}
