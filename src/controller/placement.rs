//! Replica placement for new topics, as Kafka's `AdminUtils.assignReplicasToBrokers` does it
//! (without racks).
//!
//! Partition `p`'s first replica goes to broker `(p + start) % n`, so leaders spread
//! round-robin over the brokers; each follower is shifted from the first replica by an amount
//! that changes every `n` partitions, so followers spread too and no two brokers always pair.
//! Kafka picks `start` and the initial shift at random; kafkasim derives them from how many
//! topics exist, which spreads topics the same way while keeping runs explainable.

use crate::protocol::admin::AdminError;
use crate::protocol::ErrorCode;
use crate::types::BrokerId;

/// Place `partitions` partitions with `replication_factor` replicas on `brokers`.
pub fn assign_replicas(
    brokers: &[BrokerId],
    partitions: u32,
    replication_factor: u32,
    start: usize,
) -> Result<Vec<Vec<BrokerId>>, AdminError> {
    let n = brokers.len();
    if partitions == 0 {
        return Err(AdminError::new(ErrorCode::InvalidPartitions, "number of partitions must be larger than 0"));
    }
    if replication_factor == 0 || replication_factor as usize > n {
        return Err(AdminError::new(
            ErrorCode::InvalidReplicationFactor,
            format!("replication factor: {replication_factor} larger than available brokers: {n}"),
        ));
    }
    let start = start % n;
    let mut shift = start;
    let mut out = Vec::with_capacity(partitions as usize);
    for p in 0..partitions as usize {
        if p > 0 && p % n == 0 {
            shift += 1;
        }
        let first = (p + start) % n;
        let mut replicas = vec![brokers[first]];
        for j in 0..replication_factor as usize - 1 {
            replicas.push(brokers[replica_index(first, shift, j, n)]);
        }
        out.push(replicas);
    }
    Ok(out)
}

fn replica_index(first: usize, shift: usize, j: usize, n: usize) -> usize {
    let s = 1 + (shift + j) % (n - 1);
    (first + s) % n
}

/// Check an explicit `--replica-assignment`.
pub fn check_assignment(brokers: &[BrokerId], assignment: &[Vec<BrokerId>]) -> Result<(), AdminError> {
    let rf = assignment.first().map_or(0, |r| r.len());
    for (p, replicas) in assignment.iter().enumerate() {
        if replicas.len() != rf {
            return Err(AdminError::new(
                ErrorCode::InvalidReplicaAssignment,
                format!("partition {p} has {} replicas, partition 0 has {rf}", replicas.len()),
            ));
        }
        let mut sorted = replicas.clone();
        sorted.sort();
        sorted.dedup();
        if sorted.len() != replicas.len() {
            return Err(AdminError::new(
                ErrorCode::InvalidReplicaAssignment,
                format!("partition {p} lists a broker twice"),
            ));
        }
        if let Some(b) = replicas.iter().find(|b| !brokers.contains(b)) {
            return Err(AdminError::new(ErrorCode::InvalidReplicaAssignment, format!("broker {b} is not registered")));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Vec<BrokerId> {
        v.iter().map(|&b| BrokerId(b)).collect()
    }

    #[test]
    fn leaders_round_robin_and_followers_shift() {
        let a = assign_replicas(&ids(&[1, 2, 3]), 6, 2, 0).unwrap();
        let leaders: Vec<u32> = a.iter().map(|r| r[0].0).collect();
        assert_eq!(leaders, vec![1, 2, 3, 1, 2, 3]);
        assert_eq!(a[0], ids(&[1, 2]));
        assert_eq!(a[3], ids(&[1, 3]), "the follower shift moves after n partitions");
    }

    #[test]
    fn replication_factor_above_brokers_is_refused() {
        let e = assign_replicas(&ids(&[1]), 1, 3, 0).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidReplicationFactor);
    }

    #[test]
    fn explicit_assignments_are_checked() {
        assert!(check_assignment(&ids(&[1, 2]), &[ids(&[1]), ids(&[2])]).is_ok());
        assert!(check_assignment(&ids(&[1, 2]), &[ids(&[3])]).is_err());
        assert!(check_assignment(&ids(&[1, 2]), &[ids(&[1, 1])]).is_err());
    }
}
