//! Choosing a partition for each record, as the Java client does.
//!
//! Kafka's rule (seed: 消息有键时…确保相同键的消息总是发送到同一分区): a record with a key goes to
//! `toPositive(murmur2(key)) % partitions`, so every record with the same key lands in the same
//! partition and stays in order relative to the others with that key. kafkasim implements
//! murmur2 bit for bit like `org.apache.kafka.common.utils.Utils.murmur2`, so a student's key
//! lands in the same partition here as on a real cluster.
//!
//! Records without a key spread over the partitions. Two strategies are offered:
//! - `round-robin` (the seed's 轮询, Kafka's `RoundRobinPartitioner`): each record goes to the
//!   next partition in turn.
//! - `sticky` (Kafka's default since 2.4, KIP-480): keep sending to one partition until its batch
//!   is sent, then move on. Batches fill faster, so latency drops, but consecutive records no
//!   longer alternate. kafkasim moves to the next partition in turn rather than a random one,
//!   which keeps the choice explainable and still deterministic.

use crate::types::PartitionId;

/// How records without a key are spread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnkeyedStrategy {
    /// One record per partition in turn.
    RoundRobin,
    /// Stay on one partition until its batch is sent.
    Sticky,
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
    /// The next partition in turn (round-robin) or the current sticky one.
    cursor: u32,
    /// The partition the sticky strategy last handed out.
    sticky: Option<PartitionId>,
}

impl Partitioner {
    /// A partitioner with the given strategy for unkeyed records.
    pub fn new(strategy: UnkeyedStrategy) -> Partitioner {
        Partitioner { strategy, cursor: 0, sticky: None }
    }

    /// Choose a partition for a record.
    pub fn choose(&mut self, key: Option<&[u8]>, partitions: u32) -> PartitionId {
        assert!(partitions > 0, "a topic always has at least one partition");
        match (key, self.strategy) {
            (Some(k), _) => partition_for_key(k, partitions),
            (None, UnkeyedStrategy::RoundRobin) => {
                let p = self.cursor % partitions;
                self.cursor = self.cursor.wrapping_add(1);
                PartitionId(p)
            }
            (None, UnkeyedStrategy::Sticky) => {
                let p = PartitionId(self.cursor % partitions);
                self.sticky = Some(p);
                p
            }
        }
    }

    /// Tell the partitioner a batch was sent: a sticky partitioner moves on.
    pub fn on_batch_sent(&mut self, partition: PartitionId) {
        if self.strategy == UnkeyedStrategy::Sticky && self.sticky == Some(partition) {
            self.cursor = self.cursor.wrapping_add(1);
            self.sticky = None;
        }
    }
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

    #[test]
    fn same_key_same_partition() {
        let mut p = Partitioner::new(UnkeyedStrategy::RoundRobin);
        let a = p.choose(Some(b"user-7"), 6);
        for _ in 0..10 {
            assert_eq!(p.choose(Some(b"user-7"), 6), a);
        }
    }

    #[test]
    fn round_robin_cycles_and_sticky_sticks() {
        let mut rr = Partitioner::new(UnkeyedStrategy::RoundRobin);
        let got: Vec<u32> = (0..4).map(|_| rr.choose(None, 3).0).collect();
        assert_eq!(got, vec![0, 1, 2, 0]);
        let mut sticky = Partitioner::new(UnkeyedStrategy::Sticky);
        assert_eq!(sticky.choose(None, 3), sticky.choose(None, 3));
        let first = sticky.choose(None, 3);
        sticky.on_batch_sent(first);
        assert_ne!(sticky.choose(None, 3), first);
    }
}
