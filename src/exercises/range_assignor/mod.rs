//! Exercise `range-assignor`: Kafka's `RangeAssignor`, the default
//! `partition.assignment.strategy`.
//!
//! Per topic, the subscribers sorted by member id take contiguous ranges of partitions; the
//! first `partitions % subscribers` take one extra. Equally partitioned topics are therefore
//! cut alike (good for joins), and the extras pile up on the first members (bad for balance).
//!
//! The oracle is the simulator's own [`crate::group::assignor::range`].

mod reference;
mod student;

use super::{assignor_cases, Exercise, GradeOptions, Verdict, Which};
use crate::group::assignor::Strategy;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "range-assignor",
    summary: "implement the range assignor: per topic, contiguous ranges to members sorted by id",
    student_file: "src/exercises/range_assignor/student.rs",
    hint: "work topic by topic; with n partitions and m subscribers each gets n / m and the first n % m \
           get one more, in member id order; skip topics that do not exist",
    cluster_stage: false,
    grade,
};

fn grade(opts: &GradeOptions) -> Verdict {
    let chosen: assignor_cases::AssignFn = match opts.which {
        Which::Student => student::assign,
        Which::Reference => reference::assign,
    };
    assignor_cases::grade(EXERCISE.name, opts, Strategy::Range, chosen)
}
