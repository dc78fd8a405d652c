//! Turning a checked scenario into node cores with their Kafka settings.
//!
//! This is where scenario config keys (`log.retention.hours`, `acks`, ...) become the typed
//! settings the cores take. Keeping the translation in one place means the cores never see a
//! string key, and a scenario key has exactly one meaning.

use super::seeds::{stream_seed, CONTROLLER_STREAMS, PRODUCER_STREAMS};
use crate::app::gateway::{Gateway, GatewayConfig};
use crate::app::order_service::{Notify, OrderService, OrderServiceConfig};
use crate::broker::{Broker, BrokerConfig};
use crate::client::admin::{AdminClient, AdminCommand};
use crate::client::consumer::app::CommitPolicy;
use crate::client::consumer::membership::GroupSettings;
use crate::client::consumer::{CallTarget, Consumer, ConsumerConfig, ResetPolicy, StartFrom};
use crate::client::partitioner::UnkeyedStrategy;
use crate::client::producer::{Producer, ProducerConfig};
use crate::client::workload::{KeySource, ValueSource, Workload};
use crate::controller::state::ControllerConfig;
use crate::controller::Controller;
use crate::group::assignor::Strategy;
use crate::group::state::GroupConfig;
use crate::log::LogConfig;
use crate::protocol::admin::{AdminRequest, CreateTopicRequest, DumpLogRequest};
use crate::protocol::produce::Acks;
use crate::replication::TruncationMode;
use crate::scenario::config::Config;
use crate::scenario::model::{
    Action, CallSpec, ConsumerSpec, NotifySpec, OrderServiceSpec, ProducerSpec, Scenario, ServiceSpec, TopicSpec,
};
use crate::types::{BrokerId, GroupId, NodeName, SimDuration, SimTime};
use std::collections::BTreeMap;

/// The host name of a producer.
pub fn producer_node(name: &str) -> NodeName {
    NodeName(format!("producer-{name}"))
}

/// The host name of a consumer.
pub fn consumer_node(name: &str) -> NodeName {
    NodeName(format!("consumer-{name}"))
}

/// The host name of a `[[services]]` gateway.
pub fn service_node(name: &str) -> NodeName {
    NodeName(format!("service-{name}"))
}

/// The host name of an order service.
pub fn order_service_node(name: &str) -> NodeName {
    NodeName(format!("app-{name}"))
}

/// The host name of the admin client.
pub fn admin_node() -> NodeName {
    NodeName("admin".to_string())
}

fn ms(c: &Config, key: &str) -> SimDuration {
    SimDuration::from_millis(c.uint(key))
}

/// `-1` means "no limit" for retention keys.
fn limit(v: i64) -> Option<u64> {
    (v >= 0).then_some(v as u64)
}

/// The retention time from the most specific of `log.retention.{ms,minutes,hours}` set.
fn retention_ms(c: &Config) -> Option<u64> {
    if c.is_set("log.retention.ms") {
        limit(c.int("log.retention.ms"))
    } else if c.is_set("log.retention.minutes") {
        limit(c.int("log.retention.minutes")).map(|m| m * 60_000)
    } else {
        limit(c.int("log.retention.hours")).map(|h| h * 3_600_000)
    }
}

/// Broker settings from `[broker]`.
pub fn broker_config(c: &Config) -> BrokerConfig {
    let roll_ms = if c.is_set("log.roll.ms") { c.uint("log.roll.ms") } else { c.uint("log.roll.hours") * 3_600_000 };
    BrokerConfig {
        auto_create_topics: c.bool("auto.create.topics.enable"),
        message_max_bytes: c.uint("message.max.bytes"),
        log: LogConfig {
            segment_bytes: c.uint("log.segment.bytes"),
            segment_ms: Some(SimDuration::from_millis(roll_ms)),
            retention_ms: retention_ms(c).map(SimDuration::from_millis),
            retention_bytes: limit(c.int("log.retention.bytes")),
            index_interval_bytes: c.uint("log.index.interval.bytes"),
        },
        retention_check_interval: ms(c, "log.retention.check.interval.ms"),
        heartbeat_interval: ms(c, "broker.heartbeat.interval.ms"),
        capacity_bytes_per_s: c.uint("sim.capacity.bytes.per.s"),
        min_insync_replicas: c.uint("min.insync.replicas") as u32,
        replica_lag_time_max: ms(c, "replica.lag.time.max.ms"),
        replica_fetch_wait_max: ms(c, "replica.fetch.wait.max.ms"),
        replica_fetch_max_bytes: c.uint("replica.fetch.max.bytes"),
        replica_request_timeout: ms(c, "replica.socket.timeout.ms"),
        replica_fetch_backoff: ms(c, "replica.fetch.backoff.ms"),
        truncation: if c.text("sim.replication.truncation") == "high-watermark" {
            TruncationMode::HighWatermark
        } else {
            TruncationMode::LeaderEpoch
        },
        flush_messages: c.is_set("log.flush.interval.messages").then(|| c.uint("log.flush.interval.messages")),
        // Without log.flush.interval.ms the OS writes dirty pages back on its own schedule
        // (Linux: vm.dirty_expire_centisecs, 30 s), modelled by sim.page.cache.writeback.ms.
        flush_interval: Some(if c.is_set("log.flush.interval.ms") {
            ms(c, "log.flush.interval.ms")
        } else {
            ms(c, "sim.page.cache.writeback.ms")
        }),
        page_cache_loss: c.bool("sim.page.cache.loss"),
        hw_checkpoint_interval: ms(c, "replica.high.watermark.checkpoint.interval.ms"),
        offsets_topic_partitions: c.uint("offsets.topic.num.partitions") as u32,
        offsets_topic_replication_factor: c.uint("offsets.topic.replication.factor") as u32,
        group: GroupConfig {
            initial_rebalance_delay: ms(c, "group.initial.rebalance.delay.ms"),
            min_session_timeout: ms(c, "group.min.session.timeout.ms"),
            max_session_timeout: ms(c, "group.max.session.timeout.ms"),
        },
        high_watermark_rule: crate::replication::isr::high_watermark,
    }
}

/// Every controller's host name.
pub fn controllers(s: &Scenario) -> Vec<NodeName> {
    (1..=s.cluster.controllers).map(NodeName::controller).collect()
}

/// Controller number `n` (from 1) of a scenario; with several, they form a Raft quorum whose
/// election timeouts draw from the run's seed.
pub fn controller(s: &Scenario, n: u32, seed: u64) -> Controller {
    let mut c = controller_alone(s);
    if n > 1 {
        c.silence_startup();
    }
    if s.cluster.controllers > 1 {
        c.join_quorum(NodeName::controller(n), controllers(s), stream_seed(seed, CONTROLLER_STREAMS + n as u64));
    }
    c
}

fn controller_alone(s: &Scenario) -> Controller {
    let c = &s.broker;
    let config = ControllerConfig {
        delete_topic_enable: c.bool("delete.topic.enable"),
        num_partitions: c.uint("num.partitions") as u32,
        default_replication_factor: c.uint("default.replication.factor") as u32,
        unclean_leader_election: c.bool("unclean.leader.election.enable"),
        session_timeout: ms(c, "broker.session.timeout.ms"),
        auto_leader_rebalance: c.bool("auto.leader.rebalance.enable"),
        leader_imbalance_check_interval: SimDuration::from_millis(
            c.uint("leader.imbalance.check.interval.seconds") * 1000,
        ),
        fence_restarted_brokers: c.bool("sim.broker.epoch.fencing"),
    };
    let brokers: BTreeMap<BrokerId, NodeName> =
        s.cluster.broker_ids().into_iter().map(|b| (b, NodeName::broker(b))).collect();
    let mut controller = Controller::new(config, brokers);
    controller.set_election_rule(s.rules.election);
    for t in &s.topics {
        controller.create_at_startup(create_request(t, &s.broker));
    }
    controller
}

/// Broker `id` for a scenario.
pub fn broker(s: &Scenario, id: BrokerId) -> Broker {
    let config = BrokerConfig { high_watermark_rule: s.rules.high_watermark, ..broker_config(&s.broker) };
    Broker::new(id, controllers(s), config)
}

/// Every broker's host name (clients bootstrap from these).
pub fn bootstrap(s: &Scenario) -> Vec<NodeName> {
    s.cluster.broker_ids().into_iter().map(NodeName::broker).collect()
}

fn producer_config(c: &Config) -> ProducerConfig {
    ProducerConfig {
        acks: match c.text("acks") {
            "0" => Acks::None,
            "1" => Acks::Leader,
            _ => Acks::All,
        },
        linger: ms(c, "linger.ms"),
        batch_size: c.uint("batch.size"),
        max_in_flight: c.uint("max.in.flight.requests.per.connection") as u32,
        retries: c.uint("retries") as u32,
        retry_backoff: ms(c, "retry.backoff.ms"),
        retry_backoff_max: ms(c, "retry.backoff.max.ms"),
        reconnect_backoff: ms(c, "reconnect.backoff.ms"),
        reconnect_backoff_max: ms(c, "reconnect.backoff.max.ms"),
        request_timeout: ms(c, "request.timeout.ms"),
        delivery_timeout: ms(c, "delivery.timeout.ms"),
        buffer_memory: c.uint("buffer.memory"),
        max_block: ms(c, "max.block.ms"),
        metadata_max_age: ms(c, "metadata.max.age.ms"),
        unkeyed: match c.text("partitioner.class") {
            "round-robin" => UnkeyedStrategy::RoundRobin,
            // `random` is kafka-python 2.0.2's DefaultPartitioner (a random available partition
            // per keyless record), the `kafka-python-2.0` profile's default.
            "random" => UnkeyedStrategy::RandomPerRecord,
            _ => UnkeyedStrategy::Sticky,
        },
        adaptive_partitioning: c.bool("partitioner.adaptive.partitioning.enable"),
        // Kafka 3.x: idempotence is on by default and silently off when a defaulted setting
        // conflicts (`ProducerConfig.postProcessAndValidateIdempotenceConfigs`); an explicit
        // conflict was refused when the scenario was validated.
        idempotence: crate::scenario::config::idempotence_enabled(c),
    }
}

/// Producer number `index` of a scenario, its keys drawn from the run's seed.
pub fn producer(s: &Scenario, index: usize, p: &ProducerSpec, seed: u64) -> Producer {
    let workload = Workload {
        start: SimTime::ZERO.plus(p.start),
        interval: SimDuration(p.interval_us),
        count: p.count,
        values: p.values.clone(),
        value_bytes: p.value_bytes,
        keys: p.keys.clone(),
    };
    let stream = stream_seed(seed, PRODUCER_STREAMS + index as u64);
    Producer::new(index as u32, producer_config(&p.config), p.topic.clone(), bootstrap(s), workload, stream)
}

/// The assignors of `partition.assignment.strategy`, preferred first (validated already).
pub fn strategies(c: &Config) -> Vec<Strategy> {
    c.text("partition.assignment.strategy").split(',').filter_map(Strategy::parse).collect()
}

fn consumer_config(c: &Config, name: &str, group: Option<&str>, call: Option<&CallSpec>) -> ConsumerConfig {
    let group = group.map(|g| GroupSettings {
        group: GroupId(g.to_string()),
        client_id: name.to_string(),
        strategies: strategies(c),
        session_timeout: ms(c, "session.timeout.ms"),
        heartbeat_interval: ms(c, "heartbeat.interval.ms"),
        max_poll_interval: ms(c, "max.poll.interval.ms"),
    });
    let commit_policy = match (c.bool("enable.auto.commit"), c.text("sim.commit")) {
        (true, _) => CommitPolicy::Auto,
        (false, "before-processing") => CommitPolicy::BeforeProcessing,
        (false, _) => CommitPolicy::AfterProcessing,
    };
    ConsumerConfig {
        max_poll_records: c.uint("max.poll.records") as usize,
        processing: ms(c, "sim.processing.ms.per.record"),
        call: call.map(|c| CallTarget { gateway: service_node(&c.service), timeout: c.timeout }),
        commit_policy,
        commit_sync: c.bool("sim.commit.sync"),
        auto_commit_interval: ms(c, "auto.commit.interval.ms"),
        group,
        auto_offset_reset: match c.text("auto.offset.reset") {
            "earliest" => ResetPolicy::Earliest,
            "none" => ResetPolicy::None,
            _ => ResetPolicy::Latest,
        },
        fetch_min_bytes: c.uint("fetch.min.bytes"),
        fetch_max_wait: ms(c, "fetch.max.wait.ms"),
        max_partition_fetch_bytes: c.uint("max.partition.fetch.bytes"),
        request_timeout: ms(c, "request.timeout.ms"),
        retry_backoff: ms(c, "retry.backoff.ms"),
        metadata_max_age: ms(c, "metadata.max.age.ms"),
    }
}

/// A consumer of a scenario.
pub fn consumer(s: &Scenario, c: &ConsumerSpec) -> Consumer {
    let start_from = match (c.seek, c.from_beginning) {
        (Some(o), _) => StartFrom::Offset(o),
        (None, true) => StartFrom::Beginning,
        (None, false) => StartFrom::Policy,
    };
    Consumer::new(
        consumer_config(&c.config, &c.name, c.group.as_deref(), c.call.as_ref()),
        c.topics.clone(),
        SimTime::ZERO.plus(c.start),
        start_from,
        bootstrap(s),
    )
    .with_stop(c.stop.map(|d| SimTime::ZERO.plus(d)))
}

/// A `[[services]]` gateway.
pub fn gateway(spec: &ServiceSpec) -> Gateway {
    Gateway::new(GatewayConfig { service_time: spec.service_time, concurrency: spec.concurrency })
}

/// Order service number `index`. Notifying through a topic embeds a producer; its records'
/// ids carry a producer number after the scenario's own producers, and its keys (none are
/// random) still get a stream of their own.
pub fn order_service(s: &Scenario, index: usize, o: &OrderServiceSpec, seed: u64) -> OrderService {
    let start = SimTime::ZERO.plus(o.start);
    let notify = match &o.notify {
        NotifySpec::Call { services, timeout } => {
            Notify::Call { gateways: services.iter().map(|n| service_node(n)).collect(), timeout: *timeout }
        }
        NotifySpec::Topic { topic, config } => {
            let workload = Workload {
                start,
                interval: SimDuration(o.interval_us),
                count: Some(0),
                values: ValueSource::Template(String::new()),
                value_bytes: None,
                keys: KeySource::None,
            };
            let number = s.producers.len() + index;
            let stream = stream_seed(seed, PRODUCER_STREAMS + number as u64);
            let producer =
                Producer::new(number as u32, producer_config(config), topic.clone(), bootstrap(s), workload, stream);
            Notify::Topic(Box::new(producer))
        }
    };
    OrderService::new(OrderServiceConfig {
        name: o.name.clone(),
        start,
        interval: SimDuration(o.interval_us),
        count: o.count,
        workers: o.workers,
        work: o.work,
        notify,
    })
}

fn create_request(t: &TopicSpec, broker: &Config) -> CreateTopicRequest {
    CreateTopicRequest {
        name: t.name.clone(),
        partitions: t
            .partitions
            .or(t.assignment.as_ref().map(|a| a.len() as u32))
            .unwrap_or(broker.uint("num.partitions") as u32),
        replication_factor: t.replication_factor.unwrap_or(broker.uint("default.replication.factor") as u32),
        assignment: t.assignment.clone(),
        config: t.config.clone(),
    }
}

/// The admin client's script: the scenario's actions. (`[[topics]]` exist before the run
/// starts: the controller creates them at start-up.)
pub fn admin(s: &Scenario) -> AdminClient {
    let mut script: Vec<(SimTime, AdminCommand)> = Vec::new();
    for a in &s.actions {
        let command = match &a.action {
            Action::CreateTopic(t) => AdminCommand::Admin(AdminRequest::CreateTopic(create_request(t, &s.broker))),
            Action::DeleteTopic(t) => AdminCommand::Admin(AdminRequest::DeleteTopic(t.clone())),
            Action::ListTopics => AdminCommand::Admin(AdminRequest::ListTopics),
            Action::SetConfig { key, value } => {
                AdminCommand::Admin(AdminRequest::SetConfig { key: key.clone(), value: value.clone() })
            }
            Action::DumpLog { tp, lookup } => AdminCommand::DumpLog(DumpLogRequest { tp: tp.clone(), lookup: *lookup }),
            // Faults are carried out by the simulation driver, not by the admin client.
            _ => continue,
        };
        script.push((SimTime::ZERO.plus(a.at), command));
    }
    AdminClient::new(controllers(s), NodeName::broker(BrokerId(1)), script)
}
