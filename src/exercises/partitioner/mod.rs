//! Exercise `partitioner`: Kafka's default partitioner for keyed records.
//!
//! A record with a key goes to `toPositive(murmur2(key)) % partitions`, so every record with
//! one key lands in one partition and stays in order with the others of that key. The hash
//! must be murmur2 *bit for bit* as the Java client computes it (`Utils.murmur2`), or a Rust
//! producer and a Java producer would send one key to two partitions, and per-key order would
//! be lost the day both write to one topic.
//!
//! The oracle is the simulator's own [`crate::client::partitioner::partition_for_key`].

mod reference;
mod student;

use super::{expect_eq, grade_cases, Exercise, GradeOptions, Verdict, Which};
use crate::client::partitioner::partition_for_key;
use rand::Rng;

/// The catalogue entry.
pub const EXERCISE: Exercise = Exercise {
    name: "partitioner",
    summary: "implement Kafka's key partitioner: toPositive(murmur2(key)) % partitions",
    student_file: "src/exercises/partitioner/student.rs",
    hint: "murmur2 works on 4-byte little-endian chunks with seed 0x9747b28c and m = 0x5bd1e995; \
           wrapping multiplication, and toPositive clears the sign bit (it is not abs)",
    cluster_stage: false,
    grade,
};

fn grade(opts: &GradeOptions) -> Verdict {
    let chosen: fn(&[u8], u32) -> u32 = match opts.which {
        Which::Student => student::partition,
        Which::Reference => reference::partition,
    };
    grade_cases(EXERCISE.name, opts, |seed| {
        let (key, partitions) = draw_case(seed);
        let expected = partition_for_key(&key, partitions).0;
        let got = chosen(&key, partitions);
        expect_eq(&format!("key {}, {partitions} partitions", show_key(&key)), &expected, &got)
    })
}

/// One key and partition count: mostly keys like `user-17`, sometimes raw bytes of any length
/// (so every tail length of murmur2, 0 to 3 bytes, is exercised).
fn draw_case(seed: u64) -> (Vec<u8>, u32) {
    let mut rng = super::case_rng(seed);
    let partitions = rng.random_range(1..=64);
    let key = match rng.random_range(0..4) {
        0 | 1 => format!("user-{}", rng.random_range(0..1000)).into_bytes(),
        2 => format!("order-{}-{}", rng.random_range(0..100), rng.random_range(0..100_000)).into_bytes(),
        _ => {
            let len = rng.random_range(0..=12);
            (0..len).map(|_| rng.random::<u8>()).collect()
        }
    };
    (key, partitions)
}

/// A key as text when it is printable, else as bytes.
fn show_key(key: &[u8]) -> String {
    match std::str::from_utf8(key) {
        Ok(s) if s.chars().all(|c| !c.is_control()) => format!("{s:?}"),
        _ => format!("{key:?} (bytes)"),
    }
}
