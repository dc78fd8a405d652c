//! The reference solution of the `partitioner` exercise: murmur2 written out again, step by
//! step, as `Utils.murmur2` does it.

/// The partition for `key` among `partitions` partitions.
pub fn partition(key: &[u8], partitions: u32) -> u32 {
    to_positive(murmur2(key)) % partitions
}

/// MurmurHash2, 32 bits, with the Java client's seed.
fn murmur2(data: &[u8]) -> i32 {
    let seed: u32 = 0x9747_b28c;
    let m: u32 = 0x5bd1_e995;
    let r = 24;
    let mut h = seed ^ data.len() as u32;
    let whole = data.len() / 4 * 4;
    for chunk in data[..whole].chunks(4) {
        let mut k = u32::from_le_bytes([chunk[0], chunk[1], chunk[2], chunk[3]]);
        k = k.wrapping_mul(m);
        k ^= k >> r;
        k = k.wrapping_mul(m);
        h = h.wrapping_mul(m) ^ k;
    }
    let tail = &data[whole..];
    // Java's switch falls through from case 3 to case 1.
    if tail.len() == 3 {
        h ^= u32::from(tail[2]) << 16;
    }
    if tail.len() >= 2 {
        h ^= u32::from(tail[1]) << 8;
    }
    if !tail.is_empty() {
        h ^= u32::from(tail[0]);
        h = h.wrapping_mul(m);
    }
    h ^= h >> 13;
    h = h.wrapping_mul(m);
    h ^= h >> 15;
    h as i32
}

/// Clear the sign bit (`Utils.toPositive`); not `abs`, which overflows on `i32::MIN`.
fn to_positive(n: i32) -> u32 {
    (n & 0x7fff_ffff) as u32
}
