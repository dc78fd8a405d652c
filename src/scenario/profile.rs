//! Client profiles: whose defaults a producer or consumer starts from.
//!
//! The syllabus's clients are not the Java client. Its `pro.py` and `consumer.py` use
//! kafka-python, and kafka-python 2.0.2 ships defaults of its own: `acks=1` and `retries=0`
//! where Java 4.0 says `acks=all` and `retries=2147483647`, no idempotent producer at all, a
//! ten-second session timeout where Java says forty-five. The same `pro.py` that loses nothing
//! written in Java loses records in Python, and a student who reads Kafka's documentation would
//! never learn why. So each `[[producers]]` and `[[consumers]]` entry may say which client it
//! is (`client = "kafka-python-2.0"`), and that client's defaults fill every key the scenario
//! leaves unset. A key the scenario sets still wins, whatever the profile: a profile changes
//! defaults, never choices.
//!
//! `java-4.0` is the default profile: the tables in [`config`](super::config) already hold the
//! reference release's defaults (`ProducerConfig`/`ConsumerConfig` of Apache Kafka 4.0), so it
//! overrides nothing.
//!
//! ## kafka-python 2.0.2's defaults, and where they come from
//!
//! Read at tag 2.0.2 of dpkp/kafka-python. `KafkaProducer.DEFAULT_CONFIG` is
//! `kafka/producer/kafka.py` lines 288-330, `KafkaConsumer.DEFAULT_CONFIG` is
//! `kafka/consumer/group.py` lines 252-290; the coordinators' own tables
//! (`kafka/coordinator/consumer.py` lines 30-43, `kafka/coordinator/base.py` lines 83-91) agree
//! on the session and heartbeat values and are overwritten by the consumer's (it passes its
//! `partition_assignment_strategy` as `assignors`, group.py line 386).
//!
//! | Kafka key | kafka-python 2.0.2 | source | Java 4.0 |
//! |---|---|---|---|
//! | `acks` | `1` | producer/kafka.py:293 | `all` |
//! | `retries` | `0` | producer/kafka.py:296 | `2147483647` |
//! | `batch.size` | `16384` | producer/kafka.py:297 | same |
//! | `linger.ms` | `0` | producer/kafka.py:298 | same |
//! | `partitioner.class` | `random` (DefaultPartitioner: murmur2 for keys, else `random.choice(available)`) | producer/kafka.py:299, partitioner/default.py:24-32 | `sticky` |
//! | `buffer.memory` | `33554432` | producer/kafka.py:300 | same |
//! | `max.block.ms` | `60000` | producer/kafka.py:302 | same |
//! | `metadata.max.age.ms` | `300000` | producer/kafka.py:304 | same |
//! | `retry.backoff.ms` | `100`, constant (no `retry_backoff_max_ms`) | producer/kafka.py:305 | `100`, exponential to 1000 |
//! | `request.timeout.ms` | `30000` | producer/kafka.py:306 | same |
//! | `reconnect.backoff.ms` / `reconnect.backoff.max.ms` | `50` / `1000` (the sender drains only for ready nodes, producer/sender.py:108) | producer/kafka.py:312-313 | same |
//! | `max.in.flight.requests.per.connection` | `5` | producer/kafka.py:314 | same |
//! | `enable.idempotence` | none: 2.0.2 has no idempotent producer | (no `idempot` anywhere in kafka/) | `true` |
//! | `delivery.timeout.ms` | none: `linger.ms + request.timeout.ms` (see below) | producer/record_accumulator.py:84-114, 277 | `120000` |
//! | `fetch.max.wait.ms` | `500` | consumer/group.py:258 | same |
//! | `fetch.min.bytes` | `1` | consumer/group.py:259 | same |
//! | `max.partition.fetch.bytes` | `1048576` | consumer/group.py:261 | same |
//! | `request.timeout.ms` (consumer) | `305000` | consumer/group.py:262 | `30000` |
//! | `retry.backoff.ms` (consumer) | `100` | consumer/group.py:263 | same |
//! | `auto.offset.reset` | `latest` | consumer/group.py:267 | same |
//! | `enable.auto.commit` | `true` | consumer/group.py:268 | same |
//! | `auto.commit.interval.ms` | `5000` | consumer/group.py:269 | same |
//! | `metadata.max.age.ms` (consumer) | `300000` | consumer/group.py:272 | same |
//! | `partition.assignment.strategy` | `range,roundrobin` | consumer/group.py:273 | `range,cooperative-sticky` |
//! | `max.poll.records` | `500` | consumer/group.py:274 | same |
//! | `max.poll.interval.ms` | `300000` | consumer/group.py:275 | same |
//! | `session.timeout.ms` | `10000` | consumer/group.py:276 | `45000` |
//! | `heartbeat.interval.ms` | `3000` | consumer/group.py:277 | same |
//!
//! **How a 2.0.2 batch expires.** kafka-python 2.0.2 predates KIP-91's `delivery.timeout.ms`.
//! `RecordAccumulator.abort_expired_batches` (record_accumulator.py:277) runs
//! `RecordBatch.maybe_expire` (line 84) over the batches of every partition with nothing in
//! flight: a batch that is not being retried expires once `request_timeout_ms` has passed since
//! it was ready (`created + linger_ms`, or its last append when full), one in retry once
//! `request_timeout_ms` has passed since its backoff ended; a batch in flight fails when its
//! request times out after `request_timeout_ms`. Java measures one budget from the send call,
//! `delivery.timeout.ms`, whose smallest legal value is `linger.ms + request.timeout.ms`
//! (`KafkaProducer.configureDeliveryTimeout`). That smallest value is what this profile sets:
//! the closest Java key to "a batch gets one request timeout after it is ready". It is
//! derived from the two keys as they end up (set or defaulted), and the key itself cannot be
//! set under this profile, because kafka-python has no such option (`KafkaProducer` rejects
//! unknown configs: kafka.py:353-354).
//!
//! **Keyless records.** kafka-python's `DefaultPartitioner` picks a random available partition
//! for every keyless record (partitioner/default.py:24-27); keyed records hash with murmur2 as
//! Java's do (lines 29-32). The profile selects `partitioner.class = "random"`.

use super::config::KeySpec;
use std::collections::BTreeMap;

/// Which client a producer or consumer is, and so whose defaults it starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Default)]
pub enum ClientProfile {
    /// Apache Kafka 4.0's Java client: the reference release, and the default.
    #[default]
    Java40,
    /// kafka-python 2.0.2, the client of the syllabus's `pro.py` and `consumer.py`.
    KafkaPython20,
}

/// One default a profile sets, with where that client's source says so.
#[derive(Clone, Copy, Debug)]
pub struct ProfileDefault {
    /// The Kafka (dotted) key it fills.
    pub key: &'static str,
    /// The value, as the key's table spells it.
    pub value: &'static str,
    /// File and line in the client's source, for the reader who wants to check.
    pub source: &'static str,
}

const fn d(key: &'static str, value: &'static str, source: &'static str) -> ProfileDefault {
    ProfileDefault { key, value, source }
}

/// kafka-python 2.0.2's producer defaults, as Kafka keys (see the module's table).
pub const KAFKA_PYTHON_PRODUCER: &[ProfileDefault] = &[
    d("acks", "1", "kafka/producer/kafka.py:293"),
    d("retries", "0", "kafka/producer/kafka.py:296"),
    d("batch.size", "16384", "kafka/producer/kafka.py:297"),
    d("linger.ms", "0", "kafka/producer/kafka.py:298"),
    d("partitioner.class", "random", "kafka/producer/kafka.py:299, kafka/partitioner/default.py:24-32"),
    d("buffer.memory", "33554432", "kafka/producer/kafka.py:300"),
    d("max.block.ms", "60000", "kafka/producer/kafka.py:302"),
    d("metadata.max.age.ms", "300000", "kafka/producer/kafka.py:304"),
    d("retry.backoff.ms", "100", "kafka/producer/kafka.py:305"),
    // kafka-python backs off a constant retry_backoff_ms; Java 4.0 grows it to
    // retry.backoff.max.ms (KIP-580). Pinning the maximum to the base keeps it constant.
    d("retry.backoff.max.ms", "100", "kafka/producer/kafka.py:305 (no retry_backoff_max_ms)"),
    d("request.timeout.ms", "30000", "kafka/producer/kafka.py:306"),
    // Its sender, too, drains only for ready nodes (kafka/producer/sender.py:108 `is_ready`).
    d("reconnect.backoff.ms", "50", "kafka/producer/kafka.py:312"),
    d("reconnect.backoff.max.ms", "1000", "kafka/producer/kafka.py:313"),
    d("max.in.flight.requests.per.connection", "5", "kafka/producer/kafka.py:314"),
    d("enable.idempotence", "false", "no idempotent producer in 2.0.2"),
];

/// kafka-python 2.0.2's consumer defaults, as Kafka keys (see the module's table).
pub const KAFKA_PYTHON_CONSUMER: &[ProfileDefault] = &[
    d("fetch.max.wait.ms", "500", "kafka/consumer/group.py:258"),
    d("fetch.min.bytes", "1", "kafka/consumer/group.py:259"),
    d("max.partition.fetch.bytes", "1048576", "kafka/consumer/group.py:261"),
    d("request.timeout.ms", "305000", "kafka/consumer/group.py:262"),
    d("retry.backoff.ms", "100", "kafka/consumer/group.py:263"),
    d("auto.offset.reset", "latest", "kafka/consumer/group.py:267"),
    d("enable.auto.commit", "true", "kafka/consumer/group.py:268"),
    d("auto.commit.interval.ms", "5000", "kafka/consumer/group.py:269"),
    d("metadata.max.age.ms", "300000", "kafka/consumer/group.py:272"),
    d("partition.assignment.strategy", "range,roundrobin", "kafka/consumer/group.py:273, 386"),
    d("max.poll.records", "500", "kafka/consumer/group.py:274"),
    d("max.poll.interval.ms", "300000", "kafka/consumer/group.py:275"),
    d("session.timeout.ms", "10000", "kafka/consumer/group.py:276"),
    d("heartbeat.interval.ms", "3000", "kafka/consumer/group.py:277"),
];

/// Keys kafka-python 2.0.2's producer has no option for: setting one is an error, as
/// `KafkaProducer(**configs)` fails on it (`assert not configs`, kafka.py:353-354).
const KAFKA_PYTHON_PRODUCER_MISSING: &[(&str, &str)] = &[
    ("enable.idempotence", "kafka-python 2.0.2 has no idempotent producer"),
    (
        "delivery.timeout.ms",
        "kafka-python 2.0.2 predates delivery.timeout.ms: a batch expires request.timeout.ms after it is ready \
         (RecordAccumulator.abort_expired_batches), modelled as linger.ms + request.timeout.ms",
    ),
];

impl ClientProfile {
    /// Every profile, the default first.
    pub const ALL: [ClientProfile; 2] = [ClientProfile::Java40, ClientProfile::KafkaPython20];

    /// Its name in scenario files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            ClientProfile::Java40 => "java-4.0",
            ClientProfile::KafkaPython20 => "kafka-python-2.0",
        }
    }

    /// Whether this is the default profile (the run output names only the others).
    pub fn is_default(self) -> bool {
        self == ClientProfile::default()
    }

    /// Reads a profile name; an unknown one gets the close names and the full list.
    pub fn parse(text: &str) -> Result<ClientProfile, String> {
        if let Some(p) = ClientProfile::ALL.into_iter().find(|p| p.name() == text) {
            return Ok(p);
        }
        let close: Vec<String> = ClientProfile::ALL
            .iter()
            .filter(|p| {
                let (name, typed) = (p.name().to_ascii_lowercase(), text.to_ascii_lowercase());
                super::overrides::edit_distance(&name, &typed) <= 3
                    || (!typed.is_empty() && (name.starts_with(&typed) || typed.starts_with(&name)))
                    || name.split('-').next() == typed.split(['-', '_']).next()
            })
            .map(|p| format!("`{}`", p.name()))
            .collect();
        let known: Vec<&str> = ClientProfile::ALL.iter().map(|p| p.name()).collect();
        let hint = if close.is_empty() { String::new() } else { format!("did you mean {}? ", close.join(" or ")) };
        Err(format!("unknown client `{text}`; {hint}known clients: {}", known.join(", ")))
    }

    /// The producer defaults this profile changes from Java 4.0's.
    pub fn producer_defaults(self) -> &'static [ProfileDefault] {
        match self {
            ClientProfile::Java40 => &[],
            ClientProfile::KafkaPython20 => KAFKA_PYTHON_PRODUCER,
        }
    }

    /// The consumer defaults this profile changes from Java 4.0's.
    pub fn consumer_defaults(self) -> &'static [ProfileDefault] {
        match self {
            ClientProfile::Java40 => &[],
            ClientProfile::KafkaPython20 => KAFKA_PYTHON_CONSUMER,
        }
    }

    /// Why `key` cannot be set on a producer of this client, if it cannot.
    pub fn producer_key_missing(self, key: &str) -> Option<&'static str> {
        match self {
            ClientProfile::Java40 => None,
            ClientProfile::KafkaPython20 => {
                KAFKA_PYTHON_PRODUCER_MISSING.iter().find(|(k, _)| *k == key).map(|(_, why)| *why)
            }
        }
    }

    /// Why `value` of `key` cannot be set on a consumer of this client, if it cannot.
    /// kafka-python 2.0.2 has the range, round-robin and (eager) sticky assignors
    /// (kafka/coordinator/assignors/), but no cooperative rebalancing (KIP-429).
    pub fn consumer_value_missing(self, key: &str, value: &str) -> Option<String> {
        if self != ClientProfile::KafkaPython20 || key != "partition.assignment.strategy" {
            return None;
        }
        value.split(',').find(|s| s.contains("ooperative")).map(|s| {
            format!(
                "kafka-python 2.0.2 has no `{s}` assignor (no cooperative rebalancing); it has range, roundrobin and sticky"
            )
        })
    }

    /// The defaults of one scope under this profile, given the keys the scenario `set`:
    /// the profile's table, restricted to keys `keys` declares, plus what it derives.
    pub fn resolve(
        self,
        keys: &[KeySpec],
        table: &[ProfileDefault],
        set: &BTreeMap<String, String>,
    ) -> BTreeMap<String, String> {
        let declared = |k: &str| keys.iter().any(|s| s.name == k);
        let mut out: BTreeMap<String, String> =
            table.iter().filter(|d| declared(d.key)).map(|d| (d.key.to_string(), d.value.to_string())).collect();
        if self == ClientProfile::KafkaPython20 && declared("delivery.timeout.ms") && declared("linger.ms") {
            // abort_expired_batches: one request timeout after the batch is ready.
            let value = |k: &str| -> u64 {
                let text = set.get(k).or_else(|| out.get(k)).map(String::as_str);
                let text = text.or_else(|| keys.iter().find(|s| s.name == k).map(|s| s.default));
                text.and_then(|t| t.parse().ok()).unwrap_or(0)
            };
            let delivery = value("linger.ms").saturating_add(value("request.timeout.ms"));
            out.insert("delivery.timeout.ms".to_string(), delivery.to_string());
        }
        out
    }
}

impl std::fmt::Display for ClientProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::super::config::{Config, CONSUMER_KEYS, PRODUCER_KEYS};
    use super::*;

    fn producer(profile: ClientProfile, set: &[(&str, &str)]) -> Config {
        let set: BTreeMap<String, String> = set.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let defaults = profile.resolve(PRODUCER_KEYS, profile.producer_defaults(), &set);
        Config::with_profile(PRODUCER_KEYS, defaults, set)
    }

    fn consumer(profile: ClientProfile, set: &[(&str, &str)]) -> Config {
        let set: BTreeMap<String, String> = set.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let defaults = profile.resolve(CONSUMER_KEYS, profile.consumer_defaults(), &set);
        Config::with_profile(CONSUMER_KEYS, defaults, set)
    }

    #[test]
    fn the_java_profile_is_the_tables_defaults() {
        let c = producer(ClientProfile::Java40, &[]);
        assert_eq!(c, Config::with_defaults(PRODUCER_KEYS, BTreeMap::new()));
        assert_eq!(c.text("acks"), "all");
        assert_eq!(c.text("retries"), "2147483647");
        assert_eq!(c.text("delivery.timeout.ms"), "120000");
        assert_eq!(consumer(ClientProfile::Java40, &[]).text("session.timeout.ms"), "45000");
    }

    #[test]
    fn a_profile_beats_the_java_default() {
        let c = producer(ClientProfile::KafkaPython20, &[]);
        assert_eq!(c.text("acks"), "1");
        assert_eq!(c.text("retries"), "0");
        assert!(!c.bool("enable.idempotence"));
        assert_eq!(c.text("partitioner.class"), "random");
        assert_eq!(c.text("delivery.timeout.ms"), "30000", "linger.ms 0 + request.timeout.ms 30000");
        assert!(!c.is_set("acks"), "a profile's default is still a default");
        let c = consumer(ClientProfile::KafkaPython20, &[]);
        assert_eq!(c.text("session.timeout.ms"), "10000");
        assert_eq!(c.text("request.timeout.ms"), "305000");
        assert_eq!(c.text("partition.assignment.strategy"), "range,roundrobin");
    }

    #[test]
    fn an_explicit_key_beats_the_profile() {
        let c = producer(ClientProfile::KafkaPython20, &[("acks", "all"), ("retries", "3")]);
        assert_eq!(c.text("acks"), "all");
        assert_eq!(c.text("retries"), "3");
        assert!(c.is_set("acks"));
        assert_eq!(c.text("batch.size"), "16384", "the rest still from the profile");
        let c = producer(ClientProfile::KafkaPython20, &[("linger.ms", "5"), ("request.timeout.ms", "1000")]);
        assert_eq!(c.text("delivery.timeout.ms"), "1005", "derived from the keys as set");
        let c = consumer(ClientProfile::KafkaPython20, &[("session.timeout.ms", "6000")]);
        assert_eq!(c.text("session.timeout.ms"), "6000");
    }

    #[test]
    fn every_profile_key_is_a_known_key() {
        for (keys, table) in [(PRODUCER_KEYS, KAFKA_PYTHON_PRODUCER), (CONSUMER_KEYS, KAFKA_PYTHON_CONSUMER)] {
            for d in table {
                let spec = keys.iter().find(|k| k.name == d.key);
                match spec {
                    Some(spec) => {
                        let value = super::super::overrides::toml_value(d.value);
                        let checked = super::super::config::validate(keys, "x", d.key, &value);
                        assert!(checked.is_ok(), "{} = {}: {checked:?} (kind {:?})", d.key, d.value, spec.kind);
                    }
                    None => panic!("profile key `{}` is in no table", d.key),
                }
            }
        }
    }

    #[test]
    fn names_parse_and_typos_get_suggestions() {
        for p in ClientProfile::ALL {
            assert_eq!(ClientProfile::parse(p.name()), Ok(p));
        }
        let err = ClientProfile::parse("kafka-python").unwrap_err();
        assert!(err.contains("did you mean `kafka-python-2.0`?"), "{err}");
        let err = ClientProfile::parse("java-3.9").unwrap_err();
        assert!(err.contains("`java-4.0`") && err.contains("known clients"), "{err}");
        let err = ClientProfile::parse("librdkafka").unwrap_err();
        assert!(!err.contains("did you mean") && err.contains("java-4.0, kafka-python-2.0"), "{err}");
    }

    #[test]
    fn kafka_python_lacks_idempotence_delivery_timeout_and_cooperative() {
        let p = ClientProfile::KafkaPython20;
        assert!(p.producer_key_missing("enable.idempotence").is_some());
        assert!(p.producer_key_missing("delivery.timeout.ms").is_some());
        assert!(p.producer_key_missing("acks").is_none());
        assert!(ClientProfile::Java40.producer_key_missing("enable.idempotence").is_none());
        assert!(p.consumer_value_missing("partition.assignment.strategy", "range,cooperative-sticky").is_some());
        assert!(p.consumer_value_missing("partition.assignment.strategy", "sticky").is_none());
    }
}
