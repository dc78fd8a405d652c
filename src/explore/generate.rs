//! Generating whole scenarios from a seed, for the fuzzer.
//!
//! A sweep varies the seed of one hand-written scenario; the generator varies the scenario
//! itself: the cluster's size, the topics, the clients and their configs, and a fault schedule
//! with several faults at once (a crash during a partition, two brokers down), which
//! `[faults.random]` never draws (it draws one fault at a time). Its output is scenario TOML
//! *text*, not a model, so a failing case is a file a student can read, edit and run with
//! `kafkasim run FILE`; the file carries its seed, so that run is the very same run.
//!
//! What a case looks like, and why each bound:
//! - 1–5 brokers and one controller. Faults hit brokers (and pause the controller); clients
//!   are never crashed, since a crashed producer takes its unanswered records with it.
//! - 1–2 topics of 1–6 partitions, replication factor at most the broker count.
//! - 1–3 producers, keyed or keyless, with `acks` 0, 1 or all, idempotence on or off, and
//!   short timeouts (`request.timeout.ms` 1–3 s, `delivery.timeout.ms` at least
//!   `linger.ms` + `request.timeout.ms`, as `KafkaProducer.configureDeliveryTimeout` demands),
//!   so the liveness bounds fit in a short run.
//! - 0–3 consumer groups of 1–4 members, each with one assignor of the four.
//! - 1–4 fault episodes (`crash`+`restart`, `partition`+`heal`, `pause`, `slow`+`heal`) with
//!   overlapping windows inside a fault window, all undone before a quiet period long enough
//!   for the [group bound](crate::check::liveness::group_bound): the run's `duration` is the
//!   last fault's end plus that bound plus two seconds, so recovery is always judged.
//! - About half the cases on 3 or more brokers are *safe* (acks=all, replication factor ≥ 3,
//!   `min.insync.replicas` = 2, no unclean election, idempotence): those also expect no
//!   acknowledged loss, no divergence below the high watermark, order in every partition and
//!   group exclusivity. Every case expects the liveness properties.
//!
//! The generator owns a `ChaCha8Rng` seeded from the case seed, so the same seed gives the same
//! text on every machine.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::fmt::Write as _;

/// Mixed into the case seed, so the generator's stream differs from the simulation's.
const GENERATOR_STREAM: u64 = 0x6675_7a7a_6765_6e31; // "fuzzgen1"

/// How cases are shaped and judged.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GenOptions {
    /// Smaller cases for tests: fewer faults, a shorter fault window, lower rates.
    pub short: bool,
    /// Expect the safe-config properties of every case, safe or not: a deliberately wrong
    /// property, to show the fuzzer reports what it finds.
    pub judge_all_as_safe: bool,
    /// Make every case as unsafe as the generator can (acks=1, no idempotence,
    /// `min.insync.replicas` = 1, unclean election on), with at least two brokers.
    pub force_unsafe: bool,
}

/// One generated case.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Case {
    /// The case seed: it drew the scenario, and it is the scenario's `seed`.
    pub seed: u64,
    /// The scenario's name (`fuzz-SEED`).
    pub name: String,
    /// The scenario file.
    pub text: String,
    /// Whether the configuration is the safe one.
    pub safe: bool,
}

/// A fault episode: what, on which host, from when, for how long.
#[derive(Clone, Debug)]
struct Episode {
    kind: Kind,
    node: String,
    start_ms: u64,
    length_ms: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Crash,
    Partition,
    Pause,
    Slow(u64),
}

/// What the generator decided, before it is written out.
struct Draft {
    brokers: u32,
    safe: bool,
    broker_toml: String,
    topics: Vec<(String, u32, u32)>,
    body: String,
    episodes: Vec<Episode>,
    groups: u32,
    /// Whether every producer's oldest waiting batch is always at the head of its queue
    /// (idempotent, or one request in flight), so `delivery.timeout.ms` is a strict bound.
    strict_delivery: bool,
}

/// Generate case `seed`.
pub fn generate(seed: u64, opts: GenOptions) -> Case {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ GENERATOR_STREAM);
    let draft = draft(&mut rng, opts);
    let name = format!("fuzz-{seed}");
    // The duration depends on the bound, which depends on the configs: write the file once
    // with a placeholder, read the bound off its model, then write it for real.
    let fault_end = draft.episodes.iter().map(|e| e.start_ms + e.length_ms).max().unwrap_or(0);
    let probe = render(&name, seed, &draft, opts, fault_end + 1000);
    let bound_ms = match crate::scenario::parse(&probe, &name, std::path::Path::new(&name)) {
        Ok(s) if draft.groups > 0 => crate::check::liveness::group_bound(&s).as_millis(),
        Ok(s) => crate::check::liveness::recovery_bound(&s).as_millis(),
        // Not expected; the fuzzer reports the file as invalid when it reads it.
        Err(_) => 30_000,
    };
    let duration_ms = fault_end.max(3000) + bound_ms + 2000;
    Case { seed, name: name.clone(), text: render(&name, seed, &draft, opts, duration_ms), safe: draft.safe }
}

fn draft(rng: &mut ChaCha8Rng, opts: GenOptions) -> Draft {
    let brokers: u32 = rng.random_range(if opts.force_unsafe { 2 } else { 1 }..=5);
    let safe = !opts.force_unsafe && brokers >= 3 && rng.random_bool(0.5);
    let rf_min = if safe {
        3
    } else if opts.force_unsafe {
        2
    } else {
        1
    };
    let topic_count = if rng.random_bool(0.3) { 2 } else { 1 };
    let topics: Vec<(String, u32, u32)> = (0..topic_count)
        .map(|i| (format!("t{i}"), rng.random_range(1..=6), rng.random_range(rf_min..=brokers)))
        .collect();
    let min_rf = topics.iter().map(|t| t.2).min().unwrap_or(1);
    // `min.insync.replicas` applies to `__consumer_offsets` too (replication factor at most
    // 3 here): above that, no group could ever store its assignment.
    let min_isr = match (safe, opts.force_unsafe) {
        (true, _) => 2,
        (false, true) => 1,
        (false, false) => rng.random_range(1..=min_rf.min(brokers.min(3))),
    };
    let unclean = opts.force_unsafe || (!safe && rng.random_bool(0.3));
    let broker_toml = broker_config(rng, brokers, min_isr, unclean);
    let mut body = String::new();
    let producers = rng.random_range(1..=3);
    let mut strict_delivery = true;
    for i in 0..producers {
        let (text, strict) = producer(rng, i, &topics, safe, opts);
        body.push_str(&text);
        strict_delivery &= strict;
    }
    let groups = if rng.random_bool(0.25) { 0 } else { rng.random_range(1..=3) };
    for g in 0..groups {
        body.push_str(&group(rng, g, &topics));
    }
    let episodes = episodes(rng, brokers, opts);
    Draft { brokers, safe, broker_toml, topics, body, episodes, groups, strict_delivery }
}

fn broker_config(rng: &mut ChaCha8Rng, brokers: u32, min_isr: u32, unclean: bool) -> String {
    let session = rng.random_range(2..=4) * 1000;
    let lag = rng.random_range(2..=5) * 1000;
    let delay = rng.random_range(0..=2) * 500;
    let mut t = String::new();
    let _ = writeln!(t, "\"broker.session.timeout.ms\" = {session}");
    let _ = writeln!(t, "\"broker.heartbeat.interval.ms\" = 500");
    let _ = writeln!(t, "\"replica.lag.time.max.ms\" = {lag}");
    let _ = writeln!(t, "\"min.insync.replicas\" = {min_isr}");
    let _ = writeln!(t, "\"unclean.leader.election.enable\" = {unclean}");
    let _ = writeln!(t, "\"auto.create.topics.enable\" = false");
    let _ = writeln!(t, "\"offsets.topic.num.partitions\" = 3");
    let _ = writeln!(t, "\"offsets.topic.replication.factor\" = {}", brokers.min(3));
    let _ = writeln!(t, "\"group.initial.rebalance.delay.ms\" = {delay}");
    t
}

/// Whether this build's scenario files know a producer's `client = "kafka-python-2.0"`
/// profile (another part of kafkasim adds it): generated only if it parses.
fn kafka_python_profile_parses() -> bool {
    static KNOWN: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *KNOWN.get_or_init(|| {
        let text = "name = \"p\"\ndescription = \"d\"\nduration = \"1s\"\n[[producers]]\nname = \"p\"\ntopic = \"t\"\nclient = \"kafka-python-2.0\"\n";
        crate::scenario::parse(text, "probe.toml", std::path::Path::new("probe.toml")).is_ok()
    })
}

/// A producer's table, and whether `delivery.timeout.ms` bounds its records strictly.
///
/// Kafka expires batches from the head of each partition's queue only
/// (`RecordAccumulator.expiredBatches`, `Sender.getExpiredInflightBatches` both stop at the
/// first batch not yet expired), and a non-idempotent producer re-enqueues a retried batch at
/// the head (`reenqueue`: `addFirst`). With several requests in flight, a younger retried
/// batch can sit in front of an older one and hold its expiry back: the bound is then not
/// strict, in Kafka as here, so such cases do not expect `unresolved_records = 0`.
fn producer(
    rng: &mut ChaCha8Rng,
    i: u32,
    topics: &[(String, u32, u32)],
    safe: bool,
    opts: GenOptions,
) -> (String, bool) {
    let topic = &topics[rng.random_range(0..topics.len())].0;
    let rate = if opts.short { rng.random_range(5..=20) } else { rng.random_range(10..=60) };
    let acks = match (safe, opts.force_unsafe) {
        (true, _) => "all",
        (false, true) => "1",
        (false, false) => ["0", "1", "all"][rng.random_range(0..3)],
    };
    // Kafka refuses `enable.idempotence = true` with acks other than all (`ProducerConfig`'s
    // "Must set acks to all in order to use the idempotent producer").
    let idempotence = !opts.force_unsafe && acks == "all" && (safe || rng.random_bool(0.5));
    let linger = rng.random_range(0..=10);
    let request_timeout = rng.random_range(1..=3) * 1000;
    let delivery_timeout = linger + request_timeout + rng.random_range(2..=8) * 1000;
    let in_flight = rng.random_range(1..=5);
    let mut t = String::new();
    let _ = writeln!(t, "\n[[producers]]\nname = \"p{i}\"\ntopic = \"{topic}\"\nrate_per_s = {rate}");
    let _ = writeln!(t, "value = \"p{i}-{{n}}\"");
    if rng.random_bool(0.6) {
        let _ = writeln!(t, "keys = \"k-{{0..{}}}\"", rng.random_range(5..=50));
    }
    // kafka-python 2.0.2 has no idempotent producer and predates `delivery.timeout.ms` (its
    // batches expire `request.timeout.ms` after they are ready): never in a safe case, and
    // without those two keys nor the strict delivery bound.
    if !safe && kafka_python_profile_parses() && rng.random_bool(0.3) {
        let _ = writeln!(t, "client = \"kafka-python-2.0\"");
        let _ = writeln!(
            t,
            "config = {{ \"acks\" = \"{acks}\", \"linger.ms\" = {linger}, \"request.timeout.ms\" = {request_timeout}, \"max.in.flight.requests.per.connection\" = {in_flight} }}"
        );
        return (t, false);
    }
    let _ = writeln!(
        t,
        "config = {{ \"acks\" = \"{acks}\", \"enable.idempotence\" = {idempotence}, \"linger.ms\" = {linger}, \"request.timeout.ms\" = {request_timeout}, \"delivery.timeout.ms\" = {delivery_timeout}, \"max.in.flight.requests.per.connection\" = {in_flight} }}"
    );
    // Idempotence takes effect with acks=all, or when set explicitly (it always is here).
    (t, idempotence || in_flight == 1)
}

fn group(rng: &mut ChaCha8Rng, g: u32, topics: &[(String, u32, u32)]) -> String {
    let topic = &topics[rng.random_range(0..topics.len())].0;
    let members = rng.random_range(1..=4);
    let assignor = ["range", "roundrobin", "sticky", "cooperative-sticky"][rng.random_range(0..4)];
    let heartbeat = rng.random_range(1..=2) * 1000;
    let max_poll = rng.random_range(6..=10) * 1000;
    let request_timeout = rng.random_range(2..=4) * 1000;
    let mut t = String::new();
    for m in 0..members {
        let _ = writeln!(t, "\n[[consumers]]\nname = \"g{g}-{m}\"\ngroup = \"g{g}\"\ntopics = [\"{topic}\"]");
        let _ = writeln!(
            t,
            "config = {{ \"partition.assignment.strategy\" = \"{assignor}\", \"auto.offset.reset\" = \"earliest\", \"session.timeout.ms\" = 6000, \"heartbeat.interval.ms\" = {heartbeat}, \"max.poll.interval.ms\" = {max_poll}, \"request.timeout.ms\" = {request_timeout} }}"
        );
    }
    t
}

/// 1–4 fault episodes in the fault window, overlapping at will; a broker is never crashed
/// twice at once (its second crash would find it down, its first restart would end both).
fn episodes(rng: &mut ChaCha8Rng, brokers: u32, opts: GenOptions) -> Vec<Episode> {
    let (count_max, window_ms, length_max) = if opts.short { (2, 6000, 4000) } else { (4, 12_000, 8000) };
    let first_ms = 3000;
    let count = rng.random_range(1..=count_max);
    let mut out: Vec<Episode> = Vec::new();
    for _ in 0..count {
        let start_ms = first_ms + rng.random_range(0..=window_ms / 100) * 100;
        let length_ms = rng.random_range(10..=length_max / 100) * 100;
        let kind = match rng.random_range(0..4) {
            0 => Kind::Crash,
            1 => Kind::Partition,
            2 => Kind::Pause,
            _ => Kind::Slow(rng.random_range(1..=5) * 100),
        };
        let node = if kind == Kind::Pause && rng.random_bool(0.2) {
            "controller-1".to_string()
        } else {
            format!("broker-{}", rng.random_range(1..=brokers))
        };
        let overlaps = |e: &Episode| {
            e.node == node
                && e.kind == Kind::Crash
                && start_ms < e.start_ms + e.length_ms
                && e.start_ms < start_ms + length_ms
        };
        if kind == Kind::Crash && out.iter().any(overlaps) {
            continue;
        }
        out.push(Episode { kind, node, start_ms, length_ms });
    }
    out.sort_by_key(|e| (e.start_ms, e.length_ms));
    out
}

fn render(name: &str, seed: u64, d: &Draft, opts: GenOptions, duration_ms: u64) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Generated by `kafkasim fuzz` from case seed {seed}; `kafkasim run {name}.toml` replays it.");
    let _ = writeln!(t, "name = \"{name}\"");
    let kind = if d.safe { "safe" } else { "any" };
    let _ = writeln!(
        t,
        "description = \"A generated case ({kind} config, {} brokers, {} fault episodes)\"",
        d.brokers,
        d.episodes.len()
    );
    let _ = writeln!(t, "seed = {seed}\nduration = \"{duration_ms}ms\"");
    let _ = writeln!(t, "\n[cluster]\nbrokers = {}\nnetwork = {{ latency_ms_min = 1, latency_ms_max = 5 }}", d.brokers);
    let _ = write!(t, "\n[broker]\n{}", d.broker_toml);
    for (name, partitions, rf) in &d.topics {
        let _ = writeln!(t, "\n[[topics]]\nname = \"{name}\"\npartitions = {partitions}\nreplication_factor = {rf}");
    }
    t.push_str(&d.body);
    for e in &d.episodes {
        t.push_str(&actions(e));
    }
    let _ = writeln!(t, "\n[expect]\nunrecovered_partitions = 0\nunsettled_groups = 0");
    if d.strict_delivery {
        let _ = writeln!(t, "unresolved_records = 0");
    }
    if d.safe || opts.judge_all_as_safe {
        let _ = writeln!(t, "lost_acked = 0\ndivergent_offsets = 0\norder_violations = 0\nexclusivity_violations = 0");
    }
    t
}

fn action(at_ms: u64, what: &str) -> String {
    format!("\n[[actions]]\nat = \"{at_ms}ms\"\n{what}\n")
}

fn actions(e: &Episode) -> String {
    let end = e.start_ms + e.length_ms;
    let n = &e.node;
    match e.kind {
        Kind::Crash => {
            action(e.start_ms, &format!("do = \"crash\"\nnode = \"{n}\""))
                + &action(end, &format!("do = \"restart\"\nnode = \"{n}\""))
        }
        Kind::Partition => {
            action(e.start_ms, &format!("do = \"partition\"\nfrom = [\"{n}\"]")) + &action(end, "do = \"heal\"")
        }
        Kind::Pause => action(e.start_ms, &format!("do = \"pause\"\nnode = \"{n}\"\nduration = \"{}ms\"", e.length_ms)),
        Kind::Slow(latency) => {
            action(e.start_ms, &format!("do = \"slow\"\nnode = \"{n}\"\nlatency_ms = {latency}"))
                + &action(end, "do = \"heal\"")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_file() {
        for seed in [1, 2, 99] {
            assert_eq!(generate(seed, GenOptions::default()), generate(seed, GenOptions::default()));
        }
        assert_ne!(generate(1, GenOptions::default()).text, generate(2, GenOptions::default()).text);
    }

    #[test]
    fn every_generated_file_validates() {
        for short in [false, true] {
            for seed in 0..200 {
                let case = generate(seed, GenOptions { short, ..GenOptions::default() });
                let parsed = crate::scenario::parse(&case.text, &case.name, std::path::Path::new(&case.name));
                assert!(parsed.is_ok(), "case {seed} does not validate: {}\n{}", parsed.unwrap_err(), case.text);
                let s = parsed.unwrap();
                assert_eq!(s.seed, seed);
                assert!((1..=5).contains(&s.cluster.brokers));
            }
        }
    }
}
