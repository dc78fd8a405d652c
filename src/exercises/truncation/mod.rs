//! Exercise `truncation`: where a follower cuts its log when the leader changes (KIP-101).
//!
//! A new leader's log wins: a follower must drop any tail the leader does not have before it
//! fetches again. Cutting back to its own high watermark (Kafka before 0.11) can drop committed
//! records, or keep a tail that differs from the leader's at the same offsets, because
//! followers learn the high watermark one fetch late. With leader epochs (KIP-101, refined by
//! KIP-279) the follower asks the leader where its own latest epoch ended
//! (`OffsetsForLeaderEpoch`) and cuts exactly there:
//! 1. the follower's latest epoch is `E`;
//! 2. the leader answers with the largest epoch `E' <= E` it knows and the offset where `E'`
//!    ended in *its* log (the start of its next epoch, or its log end offset);
//! 3. the follower looks up the largest epoch `F <= E'` in its own log. If `F == E'` it
//!    truncates to the smaller of the leader's offset and where `E'` ended in its own log, and
//!    is done. If `F < E'` (it never saw `E'`) it truncates to where `F` ended in its own log
//!    and asks again from step 1 with its new latest epoch, until the epochs match (KIP-279,
//!    Kafka's `AbstractFetcherThread.getOffsetTruncationState`); if it knows no epoch `<= E'`,
//!    it truncates to the leader's offset;
//! 4. never past its own log end offset.
//!
//! The oracle builds both logs as [`crate::log::PartitionLog`]s and asks the simulator's own
//! [`crate::log::PartitionLog::end_offset_for_epoch`] (the leader's answer) and
//! [`crate::replication::follower::truncate_by_epochs`] (the follower's cuts, round after round).

mod reference;
mod student;

use super::{expect_eq, grade_cases, Exercise, GradeOptions, Verdict, Which};
use crate::log::record::NewRecord;
use crate::log::{LogConfig, PartitionLog};
use crate::replication::follower::truncate_by_epochs;
use crate::types::{LeaderEpoch, Offset, RecordId, SimTime, TopicName, TopicPartition};
use rand::Rng;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "truncation",
    summary: "truncate a follower by leader epoch (KIP-101), not by high watermark or log end",
    student_file: "src/exercises/truncation/student.rs",
    hint: "ask with the follower's LATEST epoch; the leader answers its largest epoch <= it and where that \
           epoch ended on the leader; if the follower never saw the answer's epoch, cut where its own older epoch \
           ended and ask again with that one",
    cluster_stage: false,
    grade,
};

/// One replica's log, as its leader-epoch cache sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReplicaLog {
    /// Each leader epoch that wrote to this log, with the first offset it wrote, in increasing
    /// order of both (Kafka's `leader-epoch-checkpoint` file).
    pub epochs: Vec<(LeaderEpoch, Offset)>,
    /// The log end offset: the offset the next record would get.
    pub log_end_offset: Offset,
}

fn grade(opts: &GradeOptions) -> Verdict {
    let chosen: fn(&ReplicaLog, &ReplicaLog) -> Offset = match opts.which {
        Which::Student => student::truncation_offset,
        Which::Reference => reference::truncation_offset,
    };
    grade_cases(EXERCISE.name, opts, |seed| {
        let (follower_runs, leader_runs) = draw_case(seed);
        let (follower_log, leader_log) = (build_log(&follower_runs), build_log(&leader_runs));
        let expected = truncate_by_epochs(&follower_log, &leader_log);
        let (follower, leader) = (replica_log(&follower_runs), replica_log(&leader_runs));
        let got = chosen(&follower, &leader);
        let case = format!("follower {}, leader {}", show(&follower), show(&leader));
        expect_eq(&case, &expected, &got)
    })
}

/// A log's history: runs of `(leader epoch, records appended in it)`.
type Runs = Vec<(u32, u64)>;

/// Two histories as runs of `(epoch, records)`: a shared prefix (starting in epoch 0), then
/// one of them has more records of the last shared epoch, then the follower may have led an
/// epoch the leader never saw, and the leader may have led newer epochs.
fn draw_case(seed: u64) -> (Runs, Runs) {
    let mut rng = super::case_rng(seed);
    let mut shared = vec![(0u32, rng.random_range(1..=6u64))];
    let mut epoch = 0u32;
    for _ in 0..rng.random_range(0..=3) {
        epoch += rng.random_range(1..=2);
        shared.push((epoch, rng.random_range(1..=6)));
    }
    let (mut follower, mut leader) = (shared.clone(), shared);
    let extra = rng.random_range(0..=4u64);
    if rng.random_bool(0.5) {
        follower.last_mut().expect("non-empty").1 += extra;
    } else {
        leader.last_mut().expect("non-empty").1 += extra;
    }
    if rng.random_bool(0.6) {
        epoch += 1;
        follower.push((epoch, rng.random_range(1..=5)));
    }
    for _ in 0..rng.random_range(0..=2) {
        epoch += rng.random_range(1..=2);
        leader.push((epoch, rng.random_range(1..=6)));
    }
    (follower, leader)
}

/// The simulator's log with these runs appended by their leaders.
fn build_log(runs: &[(u32, u64)]) -> PartitionLog {
    let tp = TopicPartition::new(&TopicName::new("orders"), 0);
    let mut log = PartitionLog::new(tp, LogConfig::default(), SimTime::ZERO);
    let mut seq = 0;
    for &(epoch, count) in runs {
        let records = (0..count)
            .map(|_| {
                seq += 1;
                NewRecord {
                    id: RecordId { producer: 0, seq },
                    key: None,
                    value: bytes::Bytes::new(),
                    timestamp: SimTime::ZERO,
                }
            })
            .collect();
        log.append_as_leader(SimTime::ZERO, LeaderEpoch(epoch), records);
    }
    log
}

/// The epoch cache view of the same runs.
fn replica_log(runs: &[(u32, u64)]) -> ReplicaLog {
    let mut epochs = Vec::new();
    let mut next = 0u64;
    for &(epoch, count) in runs {
        epochs.push((LeaderEpoch(epoch), Offset(next)));
        next += count;
    }
    ReplicaLog { epochs, log_end_offset: Offset(next) }
}

fn show(log: &ReplicaLog) -> String {
    let epochs: Vec<String> = log.epochs.iter().map(|(e, o)| format!("epoch {e} from {o}")).collect();
    format!("[{}; log end {}]", epochs.join(", "), log.log_end_offset)
}
