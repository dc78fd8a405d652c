//! The checked scenario: every name resolved, every duration parsed, every config validated.
//!
//! Later layers (`sim/`, `check/`) read only this model, never the raw file, so they can
//! assume it makes sense: topics referenced exist or are created by an action, rates are
//! positive, counts fit.

use super::condition::Condition;
use super::config::Config;
pub use super::profile::ClientProfile;
use crate::types::{BrokerId, Offset, PartitionId, SimDuration, TopicName, TopicPartition};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The rules of Kafka's that the classroom exercises rewrite, as swappable functions. A scenario
/// file cannot set them: they are always Kafka's, except when an exercise's grader runs a
/// cluster on a student's code to show what that code does to a whole run.
#[derive(Clone, Copy, Debug)]
pub struct Rules {
    /// How a leader computes its high watermark.
    pub high_watermark: crate::replication::isr::HighWatermarkRule,
    /// How the controller chooses a partition's leader.
    pub election: crate::controller::election::ElectionRule,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            high_watermark: crate::replication::isr::high_watermark,
            election: crate::controller::election::kafka_election,
        }
    }
}

/// A scenario ready to run.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// Short name.
    pub name: String,
    /// One line for `list`.
    pub description: String,
    /// The default seed.
    pub seed: u64,
    /// Simulated run time.
    pub duration: SimDuration,
    /// Simulation step.
    pub tick: SimDuration,
    /// The cluster's shape.
    pub cluster: ClusterSpec,
    /// Broker settings (every key, defaults filled in).
    pub broker: Config,
    /// Topics created at time zero.
    pub topics: Vec<TopicSpec>,
    /// Producers.
    pub producers: Vec<ProducerSpec>,
    /// Consumers.
    pub consumers: Vec<ConsumerSpec>,
    /// Gateways outside Kafka.
    pub services: Vec<ServiceSpec>,
    /// Order services.
    pub order_services: Vec<OrderServiceSpec>,
    /// Scripted actions, in time order.
    pub actions: Vec<ActionSpec>,
    /// Faults to draw from the seed (`[faults.random]`).
    pub random_faults: Option<RandomFaults>,
    /// Conditions for a pass.
    pub expect: Expectations,
    /// Where it was read from.
    pub path: PathBuf,
    /// Kafka's rules, or a student's (see [`Rules`]).
    pub rules: Rules,
}

/// The cluster's shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSpec {
    /// Broker count (ids 1..=N).
    pub brokers: u32,
    /// Controller count.
    pub controllers: u32,
    /// Smallest one-way message latency.
    pub latency_min: SimDuration,
    /// Largest one-way message latency.
    pub latency_max: SimDuration,
}

impl ClusterSpec {
    /// The broker ids, in order.
    pub fn broker_ids(&self) -> Vec<BrokerId> {
        (1..=self.brokers).map(BrokerId).collect()
    }
}

/// A topic to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopicSpec {
    /// Its name.
    pub name: TopicName,
    /// Partition count (None: the broker's `num.partitions`).
    pub partitions: Option<u32>,
    /// Replication factor (None: the broker's `default.replication.factor`).
    pub replication_factor: Option<u32>,
    /// Explicit placement.
    pub assignment: Option<Vec<Vec<BrokerId>>>,
    /// Topic config overrides.
    pub config: BTreeMap<String, String>,
}

pub use crate::client::workload::{KeySource, ValueSource};

/// A producer.
#[derive(Clone, Debug)]
pub struct ProducerSpec {
    /// Its name.
    pub name: String,
    /// Its target topic.
    pub topic: TopicName,
    /// When it starts.
    pub start: SimDuration,
    /// Time between records, in microseconds (may be below a tick: several records per tick).
    pub interval_us: u64,
    /// Total records (None: until the run ends).
    pub count: Option<u64>,
    /// Values.
    pub values: ValueSource,
    /// Pad values to this many bytes.
    pub value_bytes: Option<u64>,
    /// Keys.
    pub keys: KeySource,
    /// Echo values to the console.
    pub print: bool,
    /// Whose defaults `config` started from.
    pub client: ClientProfile,
    /// Producer configs (the scenario's keys over the client profile's defaults).
    pub config: Config,
}

/// A consumer.
#[derive(Clone, Debug)]
pub struct ConsumerSpec {
    /// Its name.
    pub name: String,
    /// Its group, if any.
    pub group: Option<String>,
    /// Its subscriptions.
    pub topics: Vec<TopicName>,
    /// When it starts.
    pub start: SimDuration,
    /// When it closes (commits, leaves its group, stops).
    pub stop: Option<SimDuration>,
    /// `--from-beginning`.
    pub from_beginning: bool,
    /// Start every partition here.
    pub seek: Option<Offset>,
    /// Whether and how to print each record consumed.
    pub print: Option<PrintFormat>,
    /// Processing a record calls this service.
    pub call: Option<CallSpec>,
    /// Whose defaults `config` started from.
    pub client: ClientProfile,
    /// Consumer configs (the scenario's keys over the client profile's defaults).
    pub config: Config,
}

/// A call to a `[[services]]` gateway, with its timeout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallSpec {
    /// The service's name.
    pub service: String,
    /// How long to wait for each answer.
    pub timeout: SimDuration,
}

/// A gateway outside Kafka.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceSpec {
    /// Its name.
    pub name: String,
    /// Time per request.
    pub service_time: SimDuration,
    /// Requests served at once.
    pub concurrency: u32,
}

/// An order service.
#[derive(Clone, Debug)]
pub struct OrderServiceSpec {
    /// Its name.
    pub name: String,
    /// When the first order arrives.
    pub start: SimDuration,
    /// Time between orders, in microseconds.
    pub interval_us: u64,
    /// How many orders (None: until the run ends).
    pub count: Option<u64>,
    /// Request threads.
    pub workers: u32,
    /// The urgent part of each order.
    pub work: SimDuration,
    /// How customers are notified.
    pub notify: NotifySpec,
}

/// How an order service notifies customers.
#[derive(Clone, Debug)]
pub enum NotifySpec {
    /// Call these services in turn, each within `timeout`.
    Call {
        /// Service names.
        services: Vec<String>,
        /// Wait for each.
        timeout: SimDuration,
    },
    /// Produce a record per order.
    Topic {
        /// The topic.
        topic: TopicName,
        /// Producer configs.
        config: Config,
    },
}

/// A scripted step.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ActionSpec {
    /// When (with a trigger: from when the condition is watched).
    pub at: SimDuration,
    /// What.
    pub action: Action,
    /// Fire the first time this holds (after `at`) rather than at `at`.
    pub trigger: Option<Condition>,
    /// With a trigger: how long after the condition first holds the action fires.
    pub delay: SimDuration,
}

impl ActionSpec {
    /// An action at a fixed time.
    pub fn at(at: SimDuration, action: Action) -> ActionSpec {
        ActionSpec { at, action, trigger: None, delay: SimDuration::ZERO }
    }
}

/// A kind of random fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FaultKind {
    /// Hard crash, then restart when the fault ends.
    Crash,
    /// Cut the node off from everyone, then heal.
    Partition,
    /// A long pause (GC) for the fault's length.
    Pause,
    /// Slow links for the fault's length, then heal.
    Slow,
}

impl FaultKind {
    /// The kind's name in scenario files.
    pub fn name(self) -> &'static str {
        match self {
            FaultKind::Crash => "crash",
            FaultKind::Partition => "partition",
            FaultKind::Pause => "pause",
            FaultKind::Slow => "slow",
        }
    }

    /// Every kind, for error messages.
    pub const ALL: [FaultKind; 4] = [FaultKind::Crash, FaultKind::Partition, FaultKind::Pause, FaultKind::Slow];
}

/// `[faults.random]`, checked: a schedule of faults, one at a time, drawn from the seed by
/// `sim::schedule` (a Jepsen-style nemesis whose every choice replays by seed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RandomFaults {
    /// Kinds to draw from.
    pub kinds: Vec<FaultKind>,
    /// Hosts to draw from.
    pub nodes: Vec<crate::types::NodeName>,
    /// Faults start and end inside `[window.0, window.1]`.
    pub window: (SimDuration, SimDuration),
    /// Quiet time before each fault: uniform in this range.
    pub gap: (SimDuration, SimDuration),
    /// Length of each fault: uniform in this range.
    pub length: (SimDuration, SimDuration),
    /// Latency of `slow` faults.
    pub latency: SimDuration,
}

/// What an action does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// `kafka-topics.sh --create`.
    CreateTopic(TopicSpec),
    /// `kafka-topics.sh --delete`.
    DeleteTopic(TopicName),
    /// `kafka-topics.sh --list`.
    ListTopics,
    /// Change a controller setting.
    SetConfig {
        /// Key.
        key: String,
        /// Value.
        value: String,
    },
    /// `kafka-dump-log.sh`: list a partition's segments and look up an offset.
    DumpLog {
        /// The partition.
        tp: TopicPartition,
        /// The offset to find.
        lookup: Option<Offset>,
    },
    /// Hard crash: the node stops at once, its connections go silent, its memory is lost.
    Crash(NodeRef),
    /// Restart a crashed node.
    Restart(NodeRef),
    /// Cut the network between two groups of nodes (both ways unless `oneway`).
    Partition {
        /// One side.
        from: Vec<NodeRef>,
        /// The other side (empty: every other node).
        to: Vec<NodeRef>,
        /// Only `from` → `to`.
        oneway: bool,
    },
    /// Repair every network cut made by `partition` (crashed nodes stay cut off).
    Heal,
    /// Set the latency of a node's links.
    Slow {
        /// The node.
        node: NodeRef,
        /// Towards these nodes only (empty: all).
        to: Vec<NodeRef>,
        /// The new one-way latency.
        latency: SimDuration,
    },
    /// Stop a node from doing anything for a while (a long GC pause).
    Pause {
        /// The node.
        node: NodeRef,
        /// How long.
        duration: SimDuration,
    },
}

/// A node named in a fault action, resolved when the action fires.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NodeRef {
    /// A host by name.
    Name(crate::types::NodeName),
    /// Whoever leads this partition at that moment.
    LeaderOf(TopicPartition),
    /// The active controller (the Raft leader of the metadata log) at that moment.
    ActiveController,
}

impl std::fmt::Display for NodeRef {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            NodeRef::Name(n) => write!(f, "{n}"),
            NodeRef::LeaderOf(tp) => write!(f, "leader({tp})"),
            NodeRef::ActiveController => write!(f, "active-controller"),
        }
    }
}

impl Action {
    /// Whether the simulation driver (not the admin client) carries this action out.
    pub fn is_fault(&self) -> bool {
        matches!(
            self,
            Action::Crash(_)
                | Action::Restart(_)
                | Action::Partition { .. }
                | Action::Heal
                | Action::Slow { .. }
                | Action::Pause { .. }
        )
    }
}

impl Action {
    /// A short description for traces and output.
    pub fn describe(&self) -> String {
        match self {
            Action::CreateTopic(t) => format!("create-topic {}", t.name),
            Action::DeleteTopic(t) => format!("delete-topic {t}"),
            Action::ListTopics => "list-topics".to_string(),
            Action::SetConfig { key, value } => format!("set-config {key}={value}"),
            Action::DumpLog { tp, lookup } => match lookup {
                Some(o) => format!("dump-log {tp} offset={o}"),
                None => format!("dump-log {tp}"),
            },
            Action::Crash(n) => format!("crash {n}"),
            Action::Restart(n) => format!("restart {n}"),
            Action::Partition { from, to, oneway } => {
                let list = |v: &[NodeRef]| v.iter().map(|n| n.to_string()).collect::<Vec<_>>().join(",");
                let arrow = if *oneway { "->" } else { "<->" };
                let to = if to.is_empty() { "everyone else".to_string() } else { list(to) };
                format!("partition [{}] {arrow} [{to}]", list(from))
            }
            Action::Heal => "heal".to_string(),
            Action::Slow { node, latency, .. } => format!("slow {node} latency={latency}"),
            Action::Pause { node, duration } => format!("pause {node} for {duration}"),
        }
    }
}

/// `throughput_ratio`.
#[derive(Clone, Debug, PartialEq)]
pub struct ThroughputRatio {
    /// Topic on top.
    pub numerator: TopicName,
    /// Topic below.
    pub denominator: TopicName,
    /// Smallest acceptable ratio.
    pub min: f64,
}

/// Conditions for a pass; `None` means "not checked".
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Expectations {
    /// Exact count.
    pub lost_acked: Option<u64>,
    /// Exact count.
    pub order_violations: Option<u64>,
    /// Exact count.
    pub duplicates: Option<u64>,
    /// Lower bound.
    pub acked_min: Option<u64>,
    /// Lower bound.
    pub consumed_min: Option<u64>,
    /// Exact count.
    pub send_failures: Option<u64>,
    /// Lower bound.
    pub out_of_range_resets_min: Option<u64>,
    /// Lower bound.
    pub cross_partition_inversions_min: Option<u64>,
    /// Lower bound.
    pub lost_acked_min: Option<u64>,
    /// Exact count.
    pub divergent_offsets: Option<u64>,
    /// Lower bound.
    pub divergent_offsets_min: Option<u64>,
    /// Lower bound.
    pub offline_partitions_min: Option<u64>,
    /// Exact count.
    pub offline_partitions: Option<u64>,
    /// Lower bound.
    pub unclean_elections_min: Option<u64>,
    /// Lower bound.
    pub not_enough_replicas_min: Option<u64>,
    /// Lower bound.
    pub failovers_min: Option<u64>,
    /// Lower bound.
    pub segments_deleted_min: Option<u64>,
    /// Lower bound.
    pub segments_rolled_min: Option<u64>,
    /// Exact list.
    pub admin_errors: Option<Vec<String>>,
    /// Exact count.
    pub group_duplicates: Option<u64>,
    /// Lower bound.
    pub group_duplicates_min: Option<u64>,
    /// Exact count.
    pub unseen: Option<u64>,
    /// Lower bound.
    pub unseen_min: Option<u64>,
    /// Lower bound.
    pub generations_min: Option<u64>,
    /// Lower bound.
    pub commit_failures_min: Option<u64>,
    /// Exact count.
    pub exclusivity_violations: Option<u64>,
    /// Lower bound.
    pub buffer_exhausted_min: Option<u64>,
    /// Lower bound.
    pub idle_members_min: Option<u64>,
    /// Lower bound.
    pub zombie_overlaps_min: Option<u64>,
    /// Lower bound on a ratio.
    pub throughput_ratio: Option<ThroughputRatio>,
    /// Exact failed orders, per order service.
    pub orders_failed: BTreeMap<String, u64>,
    /// Lower bound on failed orders, per order service.
    pub orders_failed_min: BTreeMap<String, u64>,
    /// Upper bound on the 99th-percentile order latency in ms, per order service.
    pub order_latency_p99_ms_max: BTreeMap<String, u64>,
    /// Exact count of records not answered within `delivery.timeout.ms`.
    pub unresolved_records: Option<u64>,
    /// Exact count of produce stalls longer than `request.timeout.ms` plus a failover.
    pub produce_stalls: Option<u64>,
    /// Exact count of partitions not accepting writes within the recovery bound of the last fault.
    pub unrecovered_partitions: Option<u64>,
    /// Exact count of groups not stable with every partition owned within the group bound.
    pub unsettled_groups: Option<u64>,
}

/// A partition id helper for actions.
pub fn tp(topic: &TopicName, p: u32) -> TopicPartition {
    TopicPartition { topic: topic.clone(), partition: PartitionId(p) }
}

/// How a consumer prints the records it reads, so a run's console output looks like the tool
/// the scenario stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintFormat {
    /// The seed's `consumer.py`: `print("%s:%d:%d: key=%s value=%s" % ...)`, e.g.
    /// `oldboy:0:5: key=None value=b'6'`.
    KafkaPython,
    /// `kafka-console-consumer.sh` with its default properties: the value alone, one per line.
    Value,
}
