//! Choosing a partition for each record, as the Java client does.
//!
//! Kafka's rule (seed: 消息有键时…确保相同键的消息总是发送到同一分区): a record with a key goes to
//! `toPositive(murmur2(key)) % partitions`, so every record with the same key lands in the same
//! partition and stays in order relative to the others with that key. kafkasim implements
//! murmur2 bit for bit like `org.apache.kafka.common.utils.Utils.murmur2`, so a student's key
//! lands in the same partition here as on a real cluster.
//!
//! Records without a key spread over the partitions. Three strategies are offered, each
//! following a real client:
//! - `sticky` (the Java client's default since 3.3, KIP-794, `BuiltInPartitioner`): stay on one
//!   partition until `batch.size` bytes went there, then switch to a random *available*
//!   partition (one with a leader). With `partitioner.adaptive.partitioning.enable` (the
//!   default) the switch is weighted towards partitions with shorter queues, so a slow broker
//!   gets less. Batches fill faster, so latency drops, but consecutive records no longer
//!   alternate.
//! - `round-robin` (the seed's 轮询, Kafka's `RoundRobinPartitioner`): each record goes to the
//!   next available partition in turn. Like Kafka's, it ignores keys: a configured partitioner
//!   decides every record.
//! - [`UnkeyedStrategy::RandomPerRecord`] (kafka-python 2.0.2's `DefaultPartitioner`): keys by
//!   murmur2, every record without a key to a random available partition.
//!
//! The random draws come from a ChaCha stream the producer owns, seeded from the run's seed,
//! so the same seed picks the same partitions.

use crate::types::PartitionId;
use rand::RngCore;
use rand_chacha::ChaCha8Rng;

/// How records without a key are spread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnkeyedStrategy {
    /// One record per available partition in turn, keys ignored (`RoundRobinPartitioner`).
    RoundRobin,
    /// Stay on one partition until `batch.size` bytes went there (`BuiltInPartitioner`).
    Sticky,
    /// A random available partition per record (kafka-python 2.0.2 `DefaultPartitioner`).
    RandomPerRecord,
}

/// What the partitioner may know about a topic's partitions when it chooses.
#[derive(Clone, Debug)]
pub struct PartitionView {
    /// How many partitions the topic has.
    pub partitions: u32,
    /// The partitions with a leader, in order (Kafka's `Cluster.availablePartitionsForTopic`).
    pub available: Vec<PartitionId>,
    /// Batches queued per available partition, once every partition has had a batch: the load
    /// the adaptive sticky partitioner weighs (`RecordAccumulator.partitionReady`'s queue sizes).
    pub queue_sizes: Option<Vec<usize>>,
}

impl PartitionView {
    /// Every partition available and no load known (tests, a healthy cluster).
    pub fn all(partitions: u32) -> PartitionView {
        PartitionView { partitions, available: (0..partitions).map(PartitionId).collect(), queue_sizes: None }
    }
}

/// Kafka's murmur2 hash, bit for bit (`Utils.murmur2` in the Java client).
pub fn murmur2(data: &[u8]) -> i32 {
    const SEED: u32 = 0x9747_b28c;
    const M: u32 = 0x5bd1_e995;
    const R: u32 = 24;
    let len = data.len();
    let mut h: u32 = SEED ^ (len as u32);
    let mut chunks = data.chunks_exact(4);
    for c in &mut chunks {
        let mut k = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        k = k.wrapping_mul(M);
        k ^= k >> R;
        k = k.wrapping_mul(M);
        h = h.wrapping_mul(M);
        h ^= k;
    }
    let rest = chunks.remainder();
    if rest.len() >= 3 {
        h ^= (rest[2] as u32) << 16;
    }
    if rest.len() >= 2 {
        h ^= (rest[1] as u32) << 8;
    }
    if !rest.is_empty() {
        h ^= rest[0] as u32;
        h = h.wrapping_mul(M);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(M);
    h ^= h >> 15;
    h as i32
}

/// Kafka's `Utils.toPositive`: clear the sign bit (not `abs`, which overflows on `i32::MIN`).
pub fn to_positive(n: i32) -> u32 {
    (n & 0x7fff_ffff) as u32
}

/// The partition Kafka's default partitioner picks for a key.
pub fn partition_for_key(key: &[u8], partitions: u32) -> PartitionId {
    assert!(partitions > 0, "a topic always has at least one partition");
    PartitionId(to_positive(murmur2(key)) % partitions)
}

/// The producer-side partitioner: keyed records by murmur2, unkeyed by a strategy.
#[derive(Clone, Debug)]
pub struct Partitioner {
    strategy: UnkeyedStrategy,
    /// `batch.size`: how many bytes the sticky strategy sends to a partition before switching.
    sticky_batch_size: u64,
    /// `partitioner.adaptive.partitioning.enable`.
    adaptive: bool,
    /// The round-robin counter (`RoundRobinPartitioner`'s per-topic counter).
    cursor: u32,
    /// The current sticky partition and the bytes appended to it since it was chosen.
    sticky: Option<(PartitionId, u64)>,
    /// The seeded stream every random choice draws from.
    rng: ChaCha8Rng,
}

impl Partitioner {
    /// A partitioner with the given strategy for unkeyed records, drawing from `rng`.
    pub fn new(strategy: UnkeyedStrategy, sticky_batch_size: u64, adaptive: bool, rng: ChaCha8Rng) -> Partitioner {
        assert!(sticky_batch_size >= 1, "stickyBatchSize must be >= 1 (BuiltInPartitioner)");
        Partitioner { strategy, sticky_batch_size, adaptive, cursor: 0, sticky: None, rng }
    }

    /// Java's `Utils.toPositive(random.nextInt())`.
    fn random(&mut self) -> u32 {
        to_positive(self.rng.next_u32() as i32)
    }

    /// Choose a partition for a record.
    pub fn choose(&mut self, key: Option<&[u8]>, view: &PartitionView) -> PartitionId {
        assert!(view.partitions > 0, "a topic always has at least one partition");
        match (key, self.strategy) {
            (_, UnkeyedStrategy::RoundRobin) => self.round_robin(view),
            (Some(k), _) => partition_for_key(k, view.partitions),
            (None, UnkeyedStrategy::Sticky) => match self.sticky {
                Some((p, _)) if p.0 < view.partitions => p,
                _ => {
                    let p = self.next_sticky(view);
                    self.sticky = Some((p, 0));
                    p
                }
            },
            (None, UnkeyedStrategy::RandomPerRecord) => {
                // kafka-python: `random.choice(available)` if any, else `random.choice(all)`.
                let r = self.random();
                match view.available.len() {
                    0 => PartitionId(r % view.partitions),
                    n => view.available[r as usize % n],
                }
            }
        }
    }

    /// `RoundRobinPartitioner.partition`: the next available partition, or the next of all
    /// when none is available.
    fn round_robin(&mut self, view: &PartitionView) -> PartitionId {
        let next = to_positive(self.cursor as i32);
        self.cursor = self.cursor.wrapping_add(1);
        match view.available.len() {
            0 => PartitionId(next % view.partitions),
            n => view.available[next as usize % n],
        }
    }

    /// `BuiltInPartitioner.nextPartition`: a random available partition, weighted by queue
    /// sizes when adaptive partitioning has load to go by.
    fn next_sticky(&mut self, view: &PartitionView) -> PartitionId {
        let r = self.random();
        if view.available.is_empty() {
            return PartitionId(r % view.partitions);
        }
        let sizes = view.queue_sizes.as_ref().filter(|q| self.adaptive && q.len() == view.available.len());
        let Some(table) = sizes.and_then(|q| cumulative_frequencies(q, view.partitions)) else {
            return view.available[r as usize % view.available.len()];
        };
        let total = *table.last().expect("the table has one entry per available partition");
        let pick = (r % total) as u64;
        // The first entry strictly greater than the draw (`Arrays.binarySearch` + 1).
        let index = table.partition_point(|&c| c as u64 <= pick);
        view.available[index]
    }

    /// The current sticky partition, if the sticky strategy has chosen one.
    pub fn sticky_partition(&self) -> Option<PartitionId> {
        self.sticky.map(|(p, _)| p)
    }

    /// Tell the partitioner `bytes` were appended to `partition`. `all_batches_full` is
    /// whether that partition's queue has no batch still filling: `RecordAccumulator.append`
    /// allows a switch only then (so the switch falls on a batch boundary), and always once
    /// twice `batch.size` went to the partition (`BuiltInPartitioner.updatePartitionInfo`).
    pub fn on_appended(&mut self, partition: PartitionId, bytes: u64, all_batches_full: bool, view: &PartitionView) {
        if self.strategy != UnkeyedStrategy::Sticky {
            return;
        }
        let Some((current, produced)) = self.sticky.as_mut() else { return };
        if *current != partition {
            return;
        }
        *produced += bytes;
        let produced = *produced;
        let limit = self.sticky_batch_size;
        if (produced >= limit && all_batches_full) || produced >= limit * 2 {
            let next = self.next_sticky(view);
            self.sticky = Some((next, 0));
        }
    }
}

/// `BuiltInPartitioner.updatePartitionLoadStats`: invert queue sizes (`max + 1 - size`) and
/// sum them up, so a uniform draw below the last entry lands on a partition with a weight that
/// shrinks with its queue. `None` when the load says nothing (all queues equal, fewer than two
/// partitions): then the choice is uniform.
fn cumulative_frequencies(queue_sizes: &[usize], partitions: u32) -> Option<Vec<u32>> {
    if queue_sizes.is_empty() || partitions < 2 {
        return None;
    }
    let max = *queue_sizes.iter().max().expect("not empty");
    let all_equal = queue_sizes.iter().all(|&q| q == queue_sizes[0]);
    if all_equal && queue_sizes.len() == partitions as usize {
        return None;
    }
    let mut sum = 0u32;
    Some(
        queue_sizes
            .iter()
            .map(|&q| {
                sum += (max + 1 - q) as u32;
                sum
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cases from Kafka's own `UtilsTest.testMurmur2`.
    #[test]
    fn murmur2_matches_the_java_client() {
        let cases: [(&[u8], i32); 6] = [
            (b"21", -973932308),
            (b"foobar", -790332482),
            (b"a-little-bit-long-string", -985981536),
            (b"a-little-bit-longer-string", -1486304829),
            (b"lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8", -58897971),
            (b"abc", 479470107),
        ];
        for (data, expected) in cases {
            assert_eq!(murmur2(data), expected, "murmur2({:?})", String::from_utf8_lossy(data));
        }
    }

    #[test]
    fn to_positive_masks_the_sign_bit() {
        assert_eq!(to_positive(i32::MIN), 0);
        assert_eq!(to_positive(-1), 0x7fff_ffff);
    }

    fn partitioner(strategy: UnkeyedStrategy) -> Partitioner {
        use rand::SeedableRng;
        Partitioner::new(strategy, 100, true, ChaCha8Rng::seed_from_u64(7))
    }

    #[test]
    fn same_key_same_partition() {
        let mut p = partitioner(UnkeyedStrategy::Sticky);
        let a = p.choose(Some(b"user-7"), &PartitionView::all(6));
        for _ in 0..10 {
            assert_eq!(p.choose(Some(b"user-7"), &PartitionView::all(6)), a);
        }
    }

    /// `RoundRobinPartitioner` cycles over available partitions and ignores keys.
    #[test]
    fn round_robin_cycles_skips_leaderless_and_ignores_keys() {
        let mut rr = partitioner(UnkeyedStrategy::RoundRobin);
        let got: Vec<u32> = (0..4).map(|_| rr.choose(None, &PartitionView::all(3)).0).collect();
        assert_eq!(got, vec![0, 1, 2, 0]);
        let keyed: Vec<u32> = (0..3).map(|_| rr.choose(Some(b"user-7"), &PartitionView::all(3)).0).collect();
        assert_eq!(keyed, vec![1, 2, 0], "a key does not pin a round-robin record");
        let view = PartitionView { partitions: 3, available: vec![PartitionId(0), PartitionId(2)], queue_sizes: None };
        assert!((0..10).all(|_| rr.choose(None, &view) != PartitionId(1)), "partition 1 has no leader");
    }

    /// `BuiltInPartitioner`: sticky until `batch.size` bytes, switching only on a batch
    /// boundary unless twice that went there; never to a leaderless partition.
    #[test]
    fn sticky_switches_after_batch_size_bytes() {
        let view = PartitionView { partitions: 4, available: vec![PartitionId(1), PartitionId(3)], queue_sizes: None };
        let mut p = partitioner(UnkeyedStrategy::Sticky);
        let first = p.choose(None, &view);
        assert!(view.available.contains(&first));
        p.on_appended(first, 60, true, &view);
        assert_eq!(p.choose(None, &view), first, "60 of 100 bytes: still sticky");
        p.on_appended(first, 60, false, &view);
        assert_eq!(p.choose(None, &view), first, "a batch is still filling: no switch yet");
        p.on_appended(first, 80, false, &view);
        let switched = p.choose(None, &view);
        assert_eq!(p.sticky, Some((switched, 0)), "200 bytes: switched regardless");
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..40 {
            let now = p.choose(None, &view);
            seen.insert(now);
            p.on_appended(now, 100, true, &view);
        }
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), view.available, "random over available partitions");
    }

    /// Adaptive partitioning weighs the switch against queue sizes: with queues 0, 3, 1 the
    /// weights are 4, 1, 3 (`BuiltInPartitioner.updatePartitionLoadStats`'s example).
    #[test]
    fn adaptive_switch_prefers_short_queues() {
        assert_eq!(cumulative_frequencies(&[0, 3, 1], 3), Some(vec![4, 5, 8]));
        assert_eq!(cumulative_frequencies(&[2, 2, 2], 3), None);
        let view = PartitionView {
            partitions: 3,
            available: (0..3).map(PartitionId).collect(),
            queue_sizes: Some(vec![0, 30, 0]),
        };
        let mut p = partitioner(UnkeyedStrategy::Sticky);
        let mut counts = [0u32; 3];
        for _ in 0..300 {
            counts[p.next_sticky(&view).0 as usize] += 1;
        }
        assert!(counts[1] * 10 < counts[0], "the long queue is chosen rarely: {counts:?}");
    }

    /// kafka-python 2.0.2's `DefaultPartitioner`: keys by murmur2, no key at random among
    /// available partitions, and the same seed draws the same partitions.
    #[test]
    fn random_per_record_is_seeded_and_avoids_leaderless() {
        let view = PartitionView { partitions: 3, available: vec![PartitionId(0), PartitionId(2)], queue_sizes: None };
        let draw = || {
            let mut p = partitioner(UnkeyedStrategy::RandomPerRecord);
            (0..50).map(|_| p.choose(None, &view).0).collect::<Vec<u32>>()
        };
        let a = draw();
        assert_eq!(a, draw(), "same seed, same draws");
        assert!(a.contains(&0) && a.contains(&2) && !a.contains(&1));
        let mut p = partitioner(UnkeyedStrategy::RandomPerRecord);
        assert_eq!(p.choose(Some(b"user-7"), &view), partition_for_key(b"user-7", 3));
    }
}
