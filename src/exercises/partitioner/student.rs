//! YOUR FILE for the `partitioner` exercise. Edit it, then run:
//!
//! `cargo run --release -- exercise partitioner`
//!
//! Task: return the partition Kafka's default partitioner picks for a record with this key,
//! in a topic with `partitions` partitions (at least 1). Kafka computes
//! `toPositive(murmur2(key)) % partitions`, where murmur2 is the 32-bit MurmurHash2 variant of
//! the Java client (`org.apache.kafka.common.utils.Utils.murmur2`) and `toPositive(n)` is
//! `n & 0x7fffffff`. Your answer must match Kafka's bit for bit: the grader compares it with
//! the simulator's partitioner on 500 keys.
//!
//! The starter below is a first attempt that many write: add up the bytes. Every key still
//! goes to one partition, but not to the one a Java producer would pick.

/// The partition for `key` among `partitions` partitions.
pub fn partition(key: &[u8], partitions: u32) -> u32 {
    let sum: u32 = key.iter().map(|b| u32::from(*b)).sum();
    sum % partitions
}
