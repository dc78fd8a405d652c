//! The raw shape of a scenario file, exactly as serde reads it from TOML.
//!
//! Every table denies unknown fields, so a typo (`partitons = 3`) is an error with a line and
//! column rather than a silently ignored setting. Fields that later validation may reject keep
//! their source span (`Spanned`), so that error can point at the right place too. Turning
//! these raw tables into the checked model in `model.rs` is `validate.rs`'s job.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

/// The whole file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioFile {
    /// Short name, as `kafkasim run NAME` takes it.
    pub name: Spanned<String>,
    /// One line for `kafkasim list`.
    pub description: String,
    /// Default seed when `--seed` is not given.
    #[serde(default)]
    pub seed: Option<u64>,
    /// How much simulated time the run lasts, e.g. `"60s"`.
    pub duration: Spanned<String>,
    /// The simulation step, e.g. `"1ms"` (bigger ticks make simulated hours cheap).
    #[serde(default)]
    pub tick: Option<Spanned<String>>,
    /// What the cluster looks like.
    #[serde(default)]
    pub cluster: Option<Spanned<ClusterFile>>,
    /// A `server.properties` file's text, pasted in as it is (Java properties syntax); its
    /// keys apply to every broker, like `[broker]`'s.
    #[serde(default)]
    pub server_properties: Option<Spanned<String>>,
    /// `server.properties` keys for every broker.
    #[serde(default)]
    pub broker: BTreeMap<String, Spanned<toml::Value>>,
    /// Topics created before any client starts.
    #[serde(default)]
    pub topics: Vec<Spanned<TopicFile>>,
    /// Producers.
    #[serde(default)]
    pub producers: Vec<Spanned<ProducerFile>>,
    /// Consumers.
    #[serde(default)]
    pub consumers: Vec<Spanned<ConsumerFile>>,
    /// Services outside Kafka that clients call (an SMS gateway, an e-mail gateway).
    #[serde(default)]
    pub services: Vec<Spanned<ServiceFile>>,
    /// Order services: applications that take orders and notify customers.
    #[serde(default)]
    pub order_services: Vec<Spanned<OrderServiceFile>>,
    /// Scripted actions at fixed simulated times, or when a condition first holds.
    #[serde(default)]
    pub actions: Vec<Spanned<ActionFile>>,
    /// Faults drawn from the seed (`[faults.random]`).
    #[serde(default)]
    pub faults: Option<FaultsFile>,
    /// What must hold at the end for the run to pass.
    #[serde(default)]
    pub expect: Option<Spanned<ExpectFile>>,
}

/// `[cluster]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClusterFile {
    /// Number of brokers (ids 1..=N).
    #[serde(default)]
    pub brokers: Option<Spanned<i64>>,
    /// Number of controller nodes.
    #[serde(default)]
    pub controllers: Option<Spanned<i64>>,
    /// Link latency.
    #[serde(default)]
    pub network: Option<Spanned<NetworkFile>>,
}

/// `network = { latency_ms_min = 1, latency_ms_max = 5 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkFile {
    /// Smallest one-way latency of a message.
    pub latency_ms_min: Spanned<i64>,
    /// Largest one-way latency of a message.
    pub latency_ms_max: Spanned<i64>,
}

/// `[[topics]]`, and the fields of a `create-topic` action.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct TopicFile {
    /// `--topic`.
    pub name: Spanned<String>,
    /// `--partitions` (broker's `num.partitions` if absent).
    #[serde(default)]
    pub partitions: Option<Spanned<i64>>,
    /// `--replication-factor` (broker's `default.replication.factor` if absent).
    #[serde(default)]
    pub replication_factor: Option<Spanned<i64>>,
    /// `--replica-assignment`: per partition, broker ids.
    #[serde(default)]
    pub replica_assignment: Option<Spanned<Vec<Vec<i64>>>>,
    /// `--config` overrides.
    #[serde(default)]
    pub config: BTreeMap<String, Spanned<toml::Value>>,
}

/// `[[producers]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProducerFile {
    /// Its name in traces (`producer-NAME`).
    pub name: Spanned<String>,
    /// Where it sends.
    pub topic: Spanned<String>,
    /// When it starts sending.
    #[serde(default)]
    pub start: Option<Spanned<String>>,
    /// Records per second (or use `interval`).
    #[serde(default)]
    pub rate_per_s: Option<Spanned<f64>>,
    /// Time between records (or use `rate_per_s`).
    #[serde(default)]
    pub interval: Option<Spanned<String>>,
    /// How many records in all (unlimited if absent, or the length of `values`).
    #[serde(default)]
    pub count: Option<Spanned<i64>>,
    /// Exact values to send, in order (a console session).
    #[serde(default)]
    pub values: Option<Vec<String>>,
    /// A value template: `{n}` is the record's number from 1 (default `"{n}"`).
    #[serde(default)]
    pub value: Option<String>,
    /// Pad each value with `.` to this many bytes.
    #[serde(default)]
    pub value_bytes: Option<Spanned<i64>>,
    /// Keys: absent for none, `"user-{0..100}"` for a random key per record from a range, or a
    /// fixed string.
    #[serde(default)]
    pub keys: Option<Spanned<String>>,
    /// Echo each value as the console producer's `>` prompt would.
    #[serde(default)]
    pub print: bool,
    /// Which client this is, and so whose defaults its configs start from:
    /// `"java-4.0"` (the default) or `"kafka-python-2.0"` (see `scenario::profile`).
    #[serde(default)]
    pub client: Option<Spanned<String>>,
    /// Producer configs (`acks`, `linger.ms`, ...).
    #[serde(default)]
    pub config: BTreeMap<String, Spanned<toml::Value>>,
}

/// `[[consumers]]`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsumerFile {
    /// Its name in traces (`consumer-NAME`).
    pub name: Spanned<String>,
    /// `group.id` (absent: a standalone consumer, like a console consumer without `--group`).
    #[serde(default)]
    pub group: Option<String>,
    /// Topics it subscribes to.
    pub topics: Spanned<Vec<String>>,
    /// When it starts.
    #[serde(default)]
    pub start: Option<Spanned<String>>,
    /// When the application calls `close()`: it commits, leaves its group and stops.
    #[serde(default)]
    pub stop: Option<Spanned<String>>,
    /// `--from-beginning`: start at the earliest offset.
    #[serde(default)]
    pub from_beginning: bool,
    /// Start every partition at this offset (`consumer.seek`).
    #[serde(default)]
    pub seek: Option<Spanned<i64>>,
    /// Print each record: `true` or `"kafka-python"` as the seed's consumer.py does,
    /// `"value"` as `kafka-console-consumer.sh` does (the value alone).
    #[serde(default)]
    pub print: Option<Spanned<toml::Value>>,
    /// Processing a record calls this service (a `[[services]]` name) and waits for it.
    #[serde(default)]
    pub call: Option<Spanned<String>>,
    /// How long to wait for the service before calling again (default `"5s"`).
    #[serde(default)]
    pub call_timeout: Option<Spanned<String>>,
    /// Which client this is, and so whose defaults its configs start from:
    /// `"java-4.0"` (the default) or `"kafka-python-2.0"` (see `scenario::profile`).
    #[serde(default)]
    pub client: Option<Spanned<String>>,
    /// Consumer configs.
    #[serde(default)]
    pub config: BTreeMap<String, Spanned<toml::Value>>,
}

/// `[[services]]`: a gateway outside Kafka, with a fixed time per request.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceFile {
    /// Its name (its host is `service-NAME`).
    pub name: Spanned<String>,
    /// Time to serve one request, e.g. `"50ms"`.
    pub service_time: Spanned<String>,
    /// Requests served at once (default 1).
    #[serde(default)]
    pub concurrency: Option<Spanned<i64>>,
}

/// `[[order_services]]`: takes orders and notifies customers, by calls or through a topic.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderServiceFile {
    /// Its name (its host is `app-NAME`, its orders `NAME#n`).
    pub name: Spanned<String>,
    /// When the first order arrives.
    #[serde(default)]
    pub start: Option<Spanned<String>>,
    /// Orders per second.
    pub rate_per_s: Spanned<f64>,
    /// How many orders in all (default: until the run ends).
    #[serde(default)]
    pub count: Option<Spanned<i64>>,
    /// Request threads (default 8).
    #[serde(default)]
    pub workers: Option<Spanned<i64>>,
    /// The urgent part of each order, e.g. `"20ms"` (default 0).
    #[serde(default)]
    pub work: Option<Spanned<String>>,
    /// Notify by calling these services in turn, waiting for each.
    #[serde(default)]
    pub call: Option<Spanned<Vec<String>>>,
    /// How long to wait for each call (default `"5s"`).
    #[serde(default)]
    pub call_timeout: Option<Spanned<String>>,
    /// Notify by producing one record per order to this topic, waiting for its `acks`.
    #[serde(default)]
    pub topic: Option<Spanned<String>>,
    /// Producer configs, with `topic`.
    #[serde(default)]
    pub config: BTreeMap<String, Spanned<toml::Value>>,
}

/// `[[actions]]`: one scripted step.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionFile {
    /// When, e.g. `"5s"`; with `when`, the time from which the condition is watched.
    #[serde(default)]
    pub at: Option<Spanned<String>>,
    /// A state trigger for a fault action: `"isr(orders-0) == 1"` (see `scenario::condition`).
    #[serde(default)]
    pub when: Option<Spanned<String>>,
    /// With `when`: fire this long after the condition first holds (default: at once).
    #[serde(default)]
    pub delay: Option<Spanned<String>>,
    /// What: `create-topic`, `delete-topic`, `list-topics`, `set-config`, `dump-log`.
    #[serde(rename = "do")]
    pub action: Spanned<String>,
    /// The topic acted on.
    #[serde(default)]
    pub topic: Option<Spanned<String>>,
    /// For `create-topic`.
    #[serde(default)]
    pub partitions: Option<Spanned<i64>>,
    /// For `create-topic`.
    #[serde(default)]
    pub replication_factor: Option<Spanned<i64>>,
    /// For `create-topic`.
    #[serde(default)]
    pub replica_assignment: Option<Spanned<Vec<Vec<i64>>>>,
    /// For `create-topic`: topic config overrides.
    #[serde(default)]
    pub config: BTreeMap<String, Spanned<toml::Value>>,
    /// For `dump-log`: which partition.
    #[serde(default)]
    pub partition: Option<Spanned<i64>>,
    /// For `dump-log`: an offset to look up through the index.
    #[serde(default)]
    pub offset: Option<Spanned<i64>>,
    /// For `set-config`.
    #[serde(default)]
    pub key: Option<Spanned<String>>,
    /// For `set-config`.
    #[serde(default)]
    pub value: Option<Spanned<toml::Value>>,
    /// For `crash`, `restart`, `pause`, `slow`: a host name (`broker-2`) or `leader(topic-N)`.
    #[serde(default)]
    pub node: Option<Spanned<String>>,
    /// For `partition`: one side (host names or `leader(topic-N)`).
    #[serde(default)]
    pub from: Option<Spanned<Vec<String>>>,
    /// For `partition` (the other side; default: every other host) and `slow` (default: all).
    #[serde(default)]
    pub to: Option<Spanned<Vec<String>>>,
    /// For `partition`: cut only `from` → `to`, not the way back.
    #[serde(default)]
    pub oneway: bool,
    /// For `slow`: the new one-way latency of the node's links.
    #[serde(default)]
    pub latency_ms: Option<Spanned<i64>>,
    /// For `pause`: how long the node stops.
    #[serde(default)]
    pub duration: Option<Spanned<String>>,
}

/// `[faults]`: faults beyond the scripted actions.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultsFile {
    /// `[faults.random]`.
    #[serde(default)]
    pub random: Option<Spanned<RandomFaultsFile>>,
}

/// `[faults.random]`: a fault schedule drawn from the run's seed, one fault at a time.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RandomFaultsFile {
    /// Which kinds: `crash`, `partition`, `pause`, `slow` (default `["crash"]`).
    #[serde(default)]
    pub kinds: Option<Spanned<Vec<String>>>,
    /// Which hosts may be hit (default: every broker).
    #[serde(default)]
    pub nodes: Option<Spanned<Vec<String>>>,
    /// `["10s", "50s"]`: faults start and end inside this window (default: the whole run).
    #[serde(default)]
    pub window: Option<Spanned<Vec<String>>>,
    /// `["5s", "15s"]`: quiet time before each fault, drawn uniformly.
    #[serde(default)]
    pub gap: Option<Spanned<Vec<String>>>,
    /// `["2s", "10s"]`: how long each fault lasts, drawn uniformly.
    #[serde(default)]
    pub length: Option<Spanned<Vec<String>>>,
    /// The one-way latency of a `slow` fault (default 200).
    #[serde(default)]
    pub latency_ms: Option<Spanned<i64>>,
}

/// `[expect]`: conditions the run must meet.
#[derive(Debug, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct ExpectFile {
    /// Exactly this many acknowledged records lost.
    pub lost_acked: Option<u64>,
    /// Exactly this many order violations within a partition.
    pub order_violations: Option<u64>,
    /// Exactly this many records consumed twice by one consumer.
    pub duplicates: Option<u64>,
    /// At least this many records acknowledged.
    pub acked_min: Option<u64>,
    /// At least this many records consumed (all consumers together).
    pub consumed_min: Option<u64>,
    /// Exactly this many sends that failed for good.
    pub send_failures: Option<u64>,
    /// At least this many consumer resets forced by `OffsetOutOfRange`.
    pub out_of_range_resets_min: Option<u64>,
    /// At least this many cross-partition inversions seen by consumers.
    pub cross_partition_inversions_min: Option<u64>,
    /// At least this many acknowledged records lost (scenarios that demonstrate a loss).
    pub lost_acked_min: Option<u64>,
    /// Exactly this many offsets where a follower disagrees with the leader below the HW.
    pub divergent_offsets: Option<u64>,
    /// At least this many offsets where replicas disagree.
    pub divergent_offsets_min: Option<u64>,
    /// At least this many partitions without a leader at the end.
    pub offline_partitions_min: Option<u64>,
    /// Exactly this many partitions without a leader at the end.
    pub offline_partitions: Option<u64>,
    /// At least this many unclean leader elections.
    pub unclean_elections_min: Option<u64>,
    /// At least this many produce attempts refused with `NotEnoughReplicas`.
    pub not_enough_replicas_min: Option<u64>,
    /// At least this many leader elections after a crash.
    pub failovers_min: Option<u64>,
    /// At least this many segments deleted by retention.
    pub segments_deleted_min: Option<u64>,
    /// At least this many segment rolls.
    pub segments_rolled_min: Option<u64>,
    /// The admin errors, in order (e.g. `["TopicDeletionDisabled"]`).
    pub admin_errors: Option<Vec<String>>,
    /// Exactly this many extra processings of records by one group (all causes).
    pub group_duplicates: Option<u64>,
    /// At least this many extra processings of records by one group.
    pub group_duplicates_min: Option<u64>,
    /// Exactly this many records in the log no member of a reading group processed.
    pub unseen: Option<u64>,
    /// At least this many records in the log no member of a reading group processed.
    pub unseen_min: Option<u64>,
    /// At least this many stable generations (summed over groups).
    pub generations_min: Option<u64>,
    /// At least this many commits refused by the coordinator.
    pub commit_failures_min: Option<u64>,
    /// Exactly this many group exclusivity violations.
    pub exclusivity_violations: Option<u64>,
    /// At least this many sends failed with `BufferExhausted` (`max.block.ms` passed).
    pub buffer_exhausted_min: Option<u64>,
    /// At least this many members that owned no partition in the last generation.
    pub idle_members_min: Option<u64>,
    /// At least this many records processed while a member of another generation also owned the partition.
    pub zombie_overlaps_min: Option<u64>,
    /// Per order service: exactly this many failed orders.
    #[serde(default)]
    pub orders_failed: BTreeMap<String, u64>,
    /// Per order service: at least this many failed orders.
    #[serde(default)]
    pub orders_failed_min: BTreeMap<String, u64>,
    /// Per order service: the 99th-percentile order latency is at most this many milliseconds.
    #[serde(default)]
    pub order_latency_p99_ms_max: BTreeMap<String, u64>,
    /// Consumed throughput of one topic over another must be at least `min`.
    pub throughput_ratio: Option<RatioFile>,
    /// Exactly this many records not answered (acknowledged or failed) within `delivery.timeout.ms`.
    pub unresolved_records: Option<u64>,
    /// Exactly this many waits without an acknowledgement longer than `request.timeout.ms` plus a failover.
    pub produce_stalls: Option<u64>,
    /// Exactly this many partitions that did not accept writes within the recovery bound after the last fault.
    pub unrecovered_partitions: Option<u64>,
    /// Exactly this many groups not stable with every partition owned within the group bound after the last fault.
    pub unsettled_groups: Option<u64>,
}

/// `throughput_ratio = { numerator = "a", denominator = "b", min = 2.5 }`.
#[derive(Debug, Deserialize, Clone)]
#[serde(deny_unknown_fields)]
pub struct RatioFile {
    /// Topic on top.
    pub numerator: String,
    /// Topic below.
    pub denominator: String,
    /// Smallest acceptable ratio.
    pub min: f64,
}
