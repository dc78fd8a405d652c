//! Unit tests of the broker core, driven through `step` like the driver does.

use super::*;
use crate::log::record::NewRecord;
use crate::protocol::fetch::{FetchRequest, FetchResponse, ReplicaFetch};
use crate::protocol::metadata::TopicMetadata;
use crate::protocol::produce::{Acks, ProduceRequest, ProduceResponse};
use crate::types::{LeaderEpoch, Offset, RecordId};

fn config(capacity: u64, min_insync: u32) -> BrokerConfig {
    BrokerConfig {
        auto_create_topics: true,
        message_max_bytes: 1_000_000,
        log: LogConfig::default(),
        retention_check_interval: SimDuration::from_millis(1000),
        heartbeat_interval: SimDuration::from_millis(100),
        capacity_bytes_per_s: capacity,
        min_insync_replicas: min_insync,
        replica_lag_time_max: SimDuration::from_millis(10_000),
        replica_fetch_wait_max: SimDuration::from_millis(500),
        replica_fetch_max_bytes: 1 << 20,
        replica_request_timeout: SimDuration::from_millis(30_000),
        replica_fetch_backoff: SimDuration::from_millis(100),
        truncation: TruncationMode::LeaderEpoch,
        flush_messages: None,
        flush_interval: None,
        page_cache_loss: false,
        hw_checkpoint_interval: SimDuration::from_millis(5000),
        offsets_topic_partitions: 50,
        offsets_topic_replication_factor: 1,
        high_watermark_rule: crate::replication::isr::high_watermark,
        group: crate::group::state::GroupConfig {
            initial_rebalance_delay: SimDuration::from_millis(3000),
            min_session_timeout: SimDuration::from_millis(6000),
            max_session_timeout: SimDuration::from_millis(1_800_000),
        },
    }
}

/// An image where topic `t` has one partition led by broker 1 with the given ISR.
fn image(version: u64, replicas: &[u32], isr: &[u32]) -> MetadataImage {
    let mut image = MetadataImage { version, ..Default::default() };
    for b in replicas {
        image.brokers.insert(BrokerId(*b), NodeName::broker(BrokerId(*b)));
    }
    let p = PartitionMetadata {
        leader: Some(BrokerId(1)),
        leader_epoch: LeaderEpoch(0),
        replicas: replicas.iter().map(|b| BrokerId(*b)).collect(),
        isr: isr.iter().map(|b| BrokerId(*b)).collect(),
        partition_epoch: 0,
    };
    image.topics.insert(TopicName::new("t"), TopicMetadata { partitions: vec![p], config: BTreeMap::new() });
    image
}

fn broker(capacity: u64, min_insync: u32, replicas: &[u32], isr: &[u32]) -> Broker {
    let mut b = Broker::new(BrokerId(1), vec![NodeName::controller(1)], config(capacity, min_insync));
    b.apply_image(SimTime::ZERO, image(2, replicas, isr));
    b
}

fn tp() -> TopicPartition {
    TopicPartition::new(&TopicName::new("t"), 0)
}

fn produce(b: &mut Broker, now: SimTime, n: u64, acks: Acks) -> Vec<Output> {
    let records = (0..n)
        .map(|seq| NewRecord {
            id: RecordId { producer: 0, seq },
            key: None,
            value: vec![b'x'; 80].into(),
            timestamp: now,
        })
        .collect();
    let req = Request::Produce(ProduceRequest { tp: tp(), acks, records, idempotence: None });
    b.step(now, Input::Request { conn: ConnId(1), correlation: CorrelationId(9), request: req })
}

fn replies(out: &[Output]) -> Vec<&Response> {
    out.iter().filter_map(|o| if let Output::Reply { response, .. } = o { Some(response) } else { None }).collect()
}

fn produce_result(out: &[Output]) -> Option<Result<Offset, ErrorCode>> {
    replies(out).into_iter().find_map(|r| match r {
        Response::Produce(ProduceResponse { result, .. }) => Some(*result),
        _ => None,
    })
}

fn follower_fetch(b: &mut Broker, now: SimTime, follower: u32, offset: u64) -> Vec<Output> {
    let req = FetchRequest {
        tp: tp(),
        offset: Offset(offset),
        max_bytes: 1 << 20,
        min_bytes: 1,
        max_wait: SimDuration::ZERO,
        replica: Some(ReplicaFetch { broker: BrokerId(follower), leader_epoch: LeaderEpoch(0) }),
    };
    b.step(now, Input::Request { conn: ConnId(2), correlation: CorrelationId(1), request: Request::Fetch(req) })
}

#[test]
fn a_lone_replica_acknowledges_at_once() {
    let mut b = broker(0, 1, &[1], &[1]);
    let out = produce(&mut b, SimTime::ZERO, 3, Acks::Leader);
    assert_eq!(produce_result(&out), Some(Ok(Offset(0))));
    assert_eq!(b.partitions()[&tp()].log.high_watermark(), Offset(3));
}

#[test]
fn acks_all_waits_for_the_isr_and_the_high_watermark() {
    let mut b = broker(0, 1, &[1, 2], &[1, 2]);
    let out = produce(&mut b, SimTime::ZERO, 2, Acks::All);
    assert_eq!(produce_result(&out), None, "the follower does not have the records yet");
    follower_fetch(&mut b, SimTime::from_millis(1), 2, 0);
    assert_eq!(b.partitions()[&tp()].log.high_watermark(), Offset(0), "fetching from 0 proves nothing yet");
    let out = follower_fetch(&mut b, SimTime::from_millis(2), 2, 2);
    assert_eq!(b.partitions()[&tp()].log.high_watermark(), Offset(2));
    assert_eq!(produce_result(&out), Some(Ok(Offset(0))), "the high watermark passed the batch");
}

#[test]
fn min_insync_replicas_refuses_writes_to_a_small_isr() {
    let mut b = broker(0, 2, &[1, 2], &[1]);
    let out = produce(&mut b, SimTime::ZERO, 1, Acks::All);
    assert_eq!(produce_result(&out), Some(Err(ErrorCode::NotEnoughReplicas)));
    let out = produce(&mut b, SimTime::ZERO, 1, Acks::Leader);
    assert_eq!(produce_result(&out), Some(Ok(Offset(0))), "acks=1 does not care about the ISR");
    assert_eq!(b.partitions()[&tp()].log.high_watermark(), Offset(0), "but nothing commits below min ISR");
}

#[test]
fn acks_zero_gets_no_answer() {
    let mut b = broker(1000, 1, &[1], &[1]);
    let out = produce(&mut b, SimTime::ZERO, 1, Acks::None);
    assert!(replies(&out).is_empty());
    assert!(replies(&b.step(SimTime(10_000_000), Input::Tick)).is_empty());
}

/// `KafkaApis.handleProduceRequest`: an `acks=0` request that fails closes the connection,
/// the only signal such a producer gets; one that succeeds leaves it open.
#[test]
fn acks_zero_error_closes_the_connection() {
    let mut b = broker(1000, 1, &[1], &[1]);
    let ok = produce(&mut b, SimTime::ZERO, 1, Acks::None);
    assert!(!ok.iter().any(|o| matches!(o, Output::CloseConnection { .. })));
    let mut moved = image(3, &[1, 2], &[1, 2]);
    moved.topics.get_mut(&TopicName::new("t")).unwrap().partitions[0].leader = Some(BrokerId(2));
    b.apply_image(SimTime::from_millis(1), moved);
    let out = produce(&mut b, SimTime::from_millis(2), 1, Acks::None);
    assert!(replies(&out).is_empty());
    assert!(out.contains(&Output::CloseConnection { conn: ConnId(1) }), "{out:?}");
}

#[test]
fn capacity_delays_the_answer() {
    let mut b = broker(100_000, 1, &[1], &[1]); // 100 bytes per millisecond
    let out = produce(&mut b, SimTime::ZERO, 10, Acks::Leader); // 1000 bytes: 10 ms
    assert!(replies(&out).is_empty(), "service takes time");
    assert!(replies(&b.step(SimTime::from_millis(9), Input::Tick)).is_empty());
    assert_eq!(replies(&b.step(SimTime::from_millis(10), Input::Tick)).len(), 1);
}

#[test]
fn consumer_fetch_long_polls_and_sees_only_committed_records() {
    let mut b = broker(0, 1, &[1, 2], &[1, 2]);
    let req = FetchRequest {
        tp: tp(),
        offset: Offset(0),
        max_bytes: 1 << 20,
        min_bytes: 1,
        max_wait: SimDuration::from_millis(500),
        replica: None,
    };
    let out = b.step(
        SimTime::ZERO,
        Input::Request { conn: ConnId(3), correlation: CorrelationId(1), request: Request::Fetch(req) },
    );
    assert!(replies(&out).is_empty(), "no data yet: the fetch waits");
    produce(&mut b, SimTime::from_millis(1), 2, Acks::Leader);
    assert!(replies(&b.step(SimTime::from_millis(2), Input::Tick)).is_empty(), "appended but not committed");
    let out = follower_fetch(&mut b, SimTime::from_millis(3), 2, 2);
    let fetched = replies(&out).iter().any(|r| matches!(r, Response::Fetch(FetchResponse { result: Ok(f), .. }) if f.records.len() == 2 && f.high_watermark == Offset(2)));
    assert!(fetched, "the high watermark moved: the consumer's fetch completes: {out:?}");
}

#[test]
fn stale_follower_epochs_are_fenced() {
    let mut b = broker(0, 1, &[1, 2], &[1, 2]);
    let mut newer = image(3, &[1, 2], &[1, 2]);
    newer.topics.get_mut(&TopicName::new("t")).unwrap().partitions[0].leader_epoch = LeaderEpoch(1);
    b.apply_image(SimTime::ZERO, newer);
    let out = follower_fetch(&mut b, SimTime::ZERO, 2, 0);
    assert!(matches!(
        replies(&out)[0],
        Response::Fetch(FetchResponse { result: Err(ErrorCode::FencedLeaderEpoch), .. })
    ));
}

#[test]
fn losing_leadership_fails_waiting_produces() {
    let mut b = broker(0, 1, &[1, 2], &[1, 2]);
    produce(&mut b, SimTime::ZERO, 1, Acks::All);
    let mut moved = image(3, &[1, 2], &[1, 2]);
    let p = &mut moved.topics.get_mut(&TopicName::new("t")).unwrap().partitions[0];
    p.leader = Some(BrokerId(2));
    p.leader_epoch = LeaderEpoch(1);
    let out = b.apply_image(SimTime::from_millis(1), moved);
    assert_eq!(produce_result(&out), Some(Err(ErrorCode::NotLeaderOrFollower)));
    assert!(matches!(b.partitions()[&tp()].role, Role::Follower(_)));
}

#[test]
fn restart_keeps_the_log_but_only_the_checkpointed_high_watermark() {
    let mut b = broker(0, 1, &[1], &[1]);
    produce(&mut b, SimTime::ZERO, 3, Acks::Leader);
    b.step(SimTime::from_millis(5000), Input::Tick); // checkpoint: HW 3
    produce(&mut b, SimTime::from_millis(5001), 2, Acks::Leader);
    b.restart(SimTime::from_millis(6000));
    let r = &b.partitions()[&tp()];
    assert_eq!(r.log.log_end_offset(), Offset(5), "the disk survives");
    assert_eq!(r.log.high_watermark(), Offset(3), "the HW comes back from the checkpoint");
    assert!(matches!(r.role, Role::Idle), "roles come back with the next metadata");
}

#[test]
fn unknown_topic_metadata_forwards_auto_creation_once() {
    let mut b = broker(0, 1, &[1], &[1]);
    let req = || Request::Metadata { topics: Some(vec![TopicName::new("new")]), allow_auto_create: true };
    let out = b.step(SimTime::ZERO, Input::Request { conn: ConnId(1), correlation: CorrelationId(1), request: req() });
    assert!(out.iter().any(|o| matches!(o, Output::Send { request: Request::ForwardCreate(_), .. })));
    let out = b.step(SimTime::ZERO, Input::Request { conn: ConnId(1), correlation: CorrelationId(2), request: req() });
    assert!(!out.iter().any(|o| matches!(o, Output::Send { request: Request::ForwardCreate(_), .. })));
}

fn alter_partitions(out: &[Output]) -> Vec<Vec<BrokerId>> {
    out.iter()
        .filter_map(|o| match o {
            Output::Send { request: Request::AlterPartition(a), .. } => Some(a.isr.clone()),
            _ => None,
        })
        .collect()
}

fn ids(v: &[u32]) -> Vec<BrokerId> {
    v.iter().map(|&b| BrokerId(b)).collect()
}

/// KAFKA-15583 (`Partition.maybeIncrementLeaderHW`): once the ISR is below the effective min
/// ISR the high watermark stops, so a waiting `acks=all` produce times out instead of being
/// answered `NotEnoughReplicasAfterAppend`, and `acks=1` records stay invisible to consumers.
#[test]
fn the_high_watermark_stops_below_min_isr_and_waiting_acks_time_out() {
    let mut b = broker(0, 2, &[1, 2, 3], &[1, 2, 3]);
    let out = produce(&mut b, SimTime::ZERO, 2, Acks::All);
    assert_eq!(produce_result(&out), None);
    // The controller drops both silent followers; they are past replica.lag.time.max.ms, so
    // nothing else holds the high watermark.
    let mut shrunk = image(3, &[1, 2, 3], &[1]);
    shrunk.topics.get_mut(&TopicName::new("t")).unwrap().partitions[0].partition_epoch = 1;
    let out = b.apply_image(SimTime::from_millis(20_000), shrunk);
    assert_eq!(produce_result(&out), None, "not answered: the high watermark did not move");
    assert_eq!(b.partitions()[&tp()].log.high_watermark(), Offset(0));
    let out = produce(&mut b, SimTime::from_millis(20_001), 1, Acks::Leader);
    assert_eq!(produce_result(&out), Some(Ok(Offset(2))), "acks=1 is appended and answered");
    assert_eq!(b.partitions()[&tp()].log.high_watermark(), Offset(0), "but not committed");
    assert_eq!(produce_result(&b.step(SimTime::from_millis(29_999), Input::Tick)), None);
    let out = b.step(SimTime::from_millis(30_000), Input::Tick);
    assert_eq!(produce_result(&out), Some(Err(ErrorCode::RequestTimedOut)));
}

/// The same shrink with min.insync.replicas=1 commits at once.
#[test]
fn the_high_watermark_moves_with_a_shrunk_isr_at_min_isr() {
    let mut b = broker(0, 1, &[1, 2, 3], &[1, 2, 3]);
    produce(&mut b, SimTime::ZERO, 2, Acks::All);
    let mut shrunk = image(3, &[1, 2, 3], &[1]);
    shrunk.topics.get_mut(&TopicName::new("t")).unwrap().partitions[0].partition_epoch = 1;
    let out = b.apply_image(SimTime::from_millis(20_000), shrunk);
    assert_eq!(b.partitions()[&tp()].log.high_watermark(), Offset(2));
    assert!(replies(&out).is_empty(), "the answer leaves from the delayed queue");
    let out = b.step(SimTime::from_millis(20_000), Input::Tick);
    assert_eq!(produce_result(&out), Some(Ok(Offset(0))));
}

/// `effectiveMinIsr`: min.insync.replicas above the replication factor is capped by it.
#[test]
fn min_insync_above_the_replication_factor_is_capped() {
    let mut b = broker(0, 3, &[1, 2], &[1, 2]);
    let out = produce(&mut b, SimTime::ZERO, 1, Acks::All);
    assert_eq!(produce_result(&out), None, "accepted: the effective min ISR is 2");
    let out = follower_fetch(&mut b, SimTime::from_millis(1), 2, 1);
    assert_eq!(produce_result(&out), Some(Ok(Offset(0))));
}

/// The `isr-expiration` task runs every replica.lag.time.max.ms / 2 (ReplicaManager), not on
/// every tick; `Replica.isCaughtUp` keeps a follower at the leader's log end offset.
#[test]
fn isr_shrink_runs_on_its_schedule_and_spares_idle_followers() {
    let mut b = broker(0, 1, &[1, 2, 3], &[1, 2, 3]);
    follower_fetch(&mut b, SimTime::from_millis(1), 3, 0); // 3 has everything (nothing)
    for ms in [0, 5_000, 10_000, 10_001, 14_999] {
        assert!(alter_partitions(&b.step(SimTime::from_millis(ms), Input::Tick)).is_empty(), "at {ms} ms");
    }
    // 2 never fetched and last caught up at 0: out at the 15 s check. 3 is idle but caught up.
    assert_eq!(alter_partitions(&b.step(SimTime::from_millis(15_000), Input::Tick)), vec![ids(&[1, 3])]);
}

/// `Partition.maybeExpandIsr` on a follower fetch: at the high watermark and the epoch's start
/// offset, with no recency condition.
#[test]
fn a_follower_rejoins_on_the_fetch_that_reaches_the_high_watermark() {
    let mut b = broker(0, 1, &[1, 2], &[1]);
    produce(&mut b, SimTime::ZERO, 3, Acks::Leader);
    assert_eq!(b.partitions()[&tp()].log.high_watermark(), Offset(3));
    assert!(alter_partitions(&follower_fetch(&mut b, SimTime::from_millis(1), 2, 2)).is_empty());
    let out = follower_fetch(&mut b, SimTime::from_millis(60_000), 2, 3);
    assert_eq!(alter_partitions(&out), vec![ids(&[1, 2])]);
    // While the expansion is pending, 2 counts for the high watermark (the maximal ISR).
    produce(&mut b, SimTime::from_millis(60_001), 1, Acks::Leader);
    assert_eq!(b.partitions()[&tp()].log.high_watermark(), Offset(3));
}

fn produce_idempotent(b: &mut Broker, now: SimTime, producer_id: u64, base_sequence: u64, n: u64) -> Vec<Output> {
    let records = (0..n)
        .map(|i| NewRecord {
            id: RecordId { producer: 0, seq: base_sequence + i },
            key: None,
            value: vec![b'x'; 80].into(),
            timestamp: now,
        })
        .collect();
    let idempotence = Some(crate::protocol::produce::ProducerSequence { producer_id, base_sequence });
    let req = Request::Produce(ProduceRequest { tp: tp(), acks: Acks::Leader, records, idempotence });
    b.step(now, Input::Request { conn: ConnId(1), correlation: CorrelationId(9), request: req })
}

/// `ProducerAppendInfo.checkSequence`: a producer id without state accepts any first
/// sequence; after that, sequences must follow on.
#[test]
fn an_unknown_producer_id_accepts_any_first_sequence() {
    let mut b = broker(0, 1, &[1], &[1]);
    let out = produce_idempotent(&mut b, SimTime::ZERO, 7, 5, 2);
    assert_eq!(produce_result(&out), Some(Ok(Offset(0))));
    let out = produce_idempotent(&mut b, SimTime::ZERO, 7, 9, 1);
    assert_eq!(produce_result(&out), Some(Err(ErrorCode::OutOfOrderSequenceNumber)), "7 expected");
    let out = produce_idempotent(&mut b, SimTime::ZERO, 7, 5, 2);
    assert_eq!(produce_result(&out), Some(Ok(Offset(0))), "a duplicate gets its first offset");
    let out = produce_idempotent(&mut b, SimTime::ZERO, 7, 7, 1);
    assert_eq!(produce_result(&out), Some(Ok(Offset(2))));
}

/// `ProducerAppendInfo.checkSequence` after an epoch bump (the producer id's high bits): the
/// new epoch must start at sequence 0, even though the partition knows the producer, and the
/// old epoch is fenced from then on. Without this a bumped producer's second batch could be
/// appended before its first (fuzz case 5122).
#[test]
fn a_new_producer_epoch_starts_at_sequence_zero_and_fences_the_old_one() {
    let mut b = broker(0, 1, &[1], &[1]);
    let bumped = 7 + (1 << 32);
    assert_eq!(produce_result(&produce_idempotent(&mut b, SimTime::ZERO, 7, 0, 2)), Some(Ok(Offset(0))));
    let out = produce_idempotent(&mut b, SimTime::ZERO, bumped, 1, 1);
    assert_eq!(produce_result(&out), Some(Err(ErrorCode::OutOfOrderSequenceNumber)), "a new epoch starts at 0");
    assert_eq!(produce_result(&produce_idempotent(&mut b, SimTime::ZERO, bumped, 0, 1)), Some(Ok(Offset(2))));
    let out = produce_idempotent(&mut b, SimTime::ZERO, 7, 2, 1);
    assert_eq!(produce_result(&out), Some(Err(ErrorCode::OutOfOrderSequenceNumber)), "the old epoch is fenced");
    assert_eq!(produce_result(&produce_idempotent(&mut b, SimTime::ZERO, bumped, 1, 1)), Some(Ok(Offset(3))));
}

/// `UnifiedLog.analyzeAndValidateRecords`: `message.max.bytes` limits the batch, not each
/// record.
#[test]
fn message_max_bytes_bounds_the_whole_batch() {
    let mut b = broker(0, 1, &[1], &[1]);
    b.config.message_max_bytes = 500;
    let one = NewRecord {
        id: RecordId { producer: 0, seq: 0 },
        key: None,
        value: vec![b'x'; 80].into(),
        timestamp: SimTime::ZERO,
    };
    let per_record = one.size_bytes();
    let n = 500 / per_record + 1; // each record fits, the batch does not
    let out = produce(&mut b, SimTime::ZERO, n, Acks::Leader);
    assert_eq!(produce_result(&out), Some(Err(ErrorCode::RecordTooLarge)));
    assert_eq!(ErrorCode::RecordTooLarge.code(), 10, "MESSAGE_TOO_LARGE");
    let out = produce(&mut b, SimTime::ZERO, n - 1, Acks::Leader);
    assert_eq!(produce_result(&out), Some(Ok(Offset(0))));
}

/// `UnifiedLog.deleteSegments`: retention that deletes every segment of a quiet partition
/// rolls a new empty one first, and the trace counts that roll like any other.
#[test]
fn retention_of_the_active_segment_rolls_a_new_one_first() {
    let mut c = config(0, 1);
    c.log.retention_ms = Some(SimDuration::from_millis(1000));
    let mut b = Broker::new(BrokerId(1), vec![NodeName::controller(1)], c);
    b.apply_image(SimTime::ZERO, image(2, &[1], &[1]));
    produce(&mut b, SimTime::ZERO, 3, Acks::Leader);
    let out = b.step(SimTime::from_millis(2000), Input::Tick);
    let kinds: Vec<&str> = out
        .iter()
        .filter_map(|o| match o {
            Output::Emit(e @ (Event::SegmentRolled { .. } | Event::SegmentDeleted { .. })) => Some(e.name()),
            _ => None,
        })
        .collect();
    assert_eq!(kinds, ["segment-rolled", "segment-deleted"], "{out:?}");
    assert!(out.contains(&Output::Emit(Event::SegmentRolled { tp: tp(), file: "00000000000000000003.log".into() })));
}
