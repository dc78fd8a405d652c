//! Test cases shared by the two assignor exercises: a group, its subscriptions, and the
//! topics that exist, drawn from a seed; and the simulator's own answer for them.

use super::{grade_cases, GradeOptions, Verdict};
use crate::group::assignor::{Strategy, Subscription};
use crate::types::{MemberId, TopicName, TopicPartition};
use rand::Rng;
use std::collections::BTreeMap;

/// Each member's subscribed topics, as the group leader sees them in the JoinGroup answers.
pub type Subscriptions = BTreeMap<MemberId, Vec<TopicName>>;
/// Each topic's partition count (topics that exist).
pub type Partitions = BTreeMap<TopicName, u32>;
/// Each member's partitions.
pub type Assignment = BTreeMap<MemberId, Vec<TopicPartition>>;
/// The shape of an assignor a student writes.
pub type AssignFn = fn(&Subscriptions, &Partitions) -> Assignment;

/// Grade `chosen` against the simulator's assignor `strategy`.
pub fn grade(name: &str, opts: &GradeOptions, strategy: Strategy, chosen: AssignFn) -> Verdict {
    grade_cases(name, opts, |seed| {
        let (members, partitions) = draw_case(seed);
        let subscriptions: BTreeMap<MemberId, Subscription> = members
            .iter()
            .map(|(m, topics)| (m.clone(), Subscription { topics: topics.clone(), ..Subscription::default() }))
            .collect();
        let expected = normalise(strategy.assign(&subscriptions, &partitions));
        let got = normalise(chosen(&members, &partitions));
        if expected == got {
            return Ok(());
        }
        Err(format!(
            "members {}, partitions {}: expected {}, got {}",
            show_members(&members),
            show_partitions(&partitions),
            show(&expected),
            show(&got)
        ))
    })
}

/// 1 to 5 members, 1 to 3 topics of 1 to 8 partitions; each member subscribes to a non-empty
/// random subset of the topics, and sometimes to a topic that does not exist yet.
fn draw_case(seed: u64) -> (Subscriptions, Partitions) {
    let mut rng = super::case_rng(seed);
    let topics: Vec<TopicName> = ["orders", "payments", "users"].iter().map(|t| TopicName::new(t)).collect();
    let topic_count = rng.random_range(1..=topics.len());
    let partitions: Partitions = topics[..topic_count].iter().map(|t| (t.clone(), rng.random_range(1..=8))).collect();
    let same_for_all = rng.random_bool(0.5);
    let mut members = Subscriptions::new();
    for i in 0..rng.random_range(1..=5) {
        let mut subscribed: Vec<TopicName> = if same_for_all {
            topics[..topic_count].to_vec()
        } else {
            topics[..topic_count].iter().filter(|_| rng.random_bool(0.6)).cloned().collect()
        };
        if subscribed.is_empty() {
            subscribed.push(topics[rng.random_range(0..topic_count)].clone());
        }
        if rng.random_bool(0.1) {
            subscribed.push(TopicName::new("not-created-yet"));
        }
        members.insert(MemberId(format!("consumer-{i}")), subscribed);
    }
    (members, partitions)
}

/// Sort each member's list and drop empty ones, so that only *who gets what* is compared.
fn normalise(assignment: Assignment) -> Assignment {
    assignment
        .into_iter()
        .filter(|(_, owned)| !owned.is_empty())
        .map(|(m, mut owned)| {
            owned.sort();
            (m, owned)
        })
        .collect()
}

fn show(assignment: &Assignment) -> String {
    let parts: Vec<String> = assignment
        .iter()
        .map(|(m, owned)| {
            let tps: Vec<String> = owned.iter().map(|tp| tp.to_string()).collect();
            format!("{m}=[{}]", tps.join(","))
        })
        .collect();
    format!("{{{}}}", parts.join(" "))
}

fn show_members(members: &Subscriptions) -> String {
    let parts: Vec<String> = members
        .iter()
        .map(|(m, topics)| {
            let ts: Vec<&str> = topics.iter().map(|t| t.as_str()).collect();
            format!("{m}:[{}]", ts.join(","))
        })
        .collect();
    format!("{{{}}}", parts.join(" "))
}

fn show_partitions(partitions: &Partitions) -> String {
    let parts: Vec<String> = partitions.iter().map(|(t, n)| format!("{t}:{n}")).collect();
    format!("{{{}}}", parts.join(" "))
}
