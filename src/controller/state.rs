//! The controller's state machine: topic administration and metadata propagation.
//!
//! Invariants:
//! - the image's version grows with every change;
//! - every partition's replicas are registered brokers; its leader, if any, is one of its
//!   replicas, is not fenced and is in its ISR;
//! - a broker's parked heartbeat is answered at most once.

use super::placement::{assign_replicas, check_assignment};
use crate::node::{ConnId, Input, Node, Output};
use crate::protocol::admin::{AdminError, AdminRequest, AdminResponse, CreateTopicRequest};
use crate::protocol::controller::{BrokerHeartbeat, HeartbeatResponse};
use crate::protocol::metadata::{MetadataImage, PartitionMetadata, TopicMetadata};
use crate::protocol::{CorrelationId, ErrorCode, Request, Response};
use crate::trace::Event;
use crate::types::{BrokerId, LeaderEpoch, NodeName, SimDuration, SimTime};
use std::collections::BTreeMap;

/// How long the controller holds a broker's heartbeat waiting for a metadata change, like
/// KRaft brokers' long-polling fetch of the metadata log.
pub const METADATA_MAX_WAIT: SimDuration = SimDuration(500_000);

/// Settings the controller needs from `server.properties`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ControllerConfig {
    /// `delete.topic.enable`.
    pub delete_topic_enable: bool,
    /// `num.partitions` for auto-created topics.
    pub num_partitions: u32,
    /// `default.replication.factor` for auto-created topics.
    pub default_replication_factor: u32,
    /// `unclean.leader.election.enable` (topics may override it).
    pub unclean_leader_election: bool,
    /// `broker.session.timeout.ms`: a broker silent this long is fenced.
    pub session_timeout: SimDuration,
    /// `auto.leader.rebalance.enable`: move leadership back to preferred replicas.
    pub auto_leader_rebalance: bool,
    /// `leader.imbalance.check.interval.seconds`, as a duration.
    pub leader_imbalance_check_interval: SimDuration,
    /// `sim.broker.epoch.fencing` (KIP-380): fence a broker that restarted faster than its
    /// session timeout. Kafka before 2.2 did not notice such a "bounced" broker.
    pub fence_restarted_brokers: bool,
}

/// A heartbeat held until the metadata changes or the wait runs out.
#[derive(Clone, Debug)]
pub(super) struct ParkedHeartbeat {
    pub(super) conn: ConnId,
    pub(super) correlation: CorrelationId,
    pub(super) known_version: u64,
    pub(super) deadline: SimTime,
}

/// The active controller.
#[derive(Debug)]
pub struct Controller {
    pub(super) config: ControllerConfig,
    pub(super) image: MetadataImage,
    pub(super) parked: BTreeMap<BrokerId, ParkedHeartbeat>,
    pub(super) last_heartbeat: BTreeMap<BrokerId, SimTime>,
    /// Each broker's incarnation as last heard.
    incarnations: BTreeMap<BrokerId, u64>,
    /// Events of the initial topics, emitted on the first step.
    startup_events: Vec<Event>,
    pub(super) next_rebalance_check: SimTime,
    /// The Raft quorum of controllers, when there are several (KRaft); `None` for one.
    pub(super) quorum: Option<super::quorum::Quorum>,
    /// How a leader is chosen when one is fenced: Kafka's rule, unless the `election` exercise
    /// runs a cluster on a student's.
    pub(super) election_rule: super::election::ElectionRule,
}

impl Controller {
    /// A controller for a cluster of `brokers` (id → host name).
    pub fn new(config: ControllerConfig, brokers: BTreeMap<BrokerId, NodeName>) -> Controller {
        let last_heartbeat = brokers.keys().map(|b| (*b, SimTime::ZERO)).collect();
        let image = MetadataImage { version: 1, brokers, fenced: Default::default(), topics: BTreeMap::new() };
        let next_rebalance_check = SimTime::ZERO.plus(config.leader_imbalance_check_interval);
        Controller {
            config,
            image,
            parked: BTreeMap::new(),
            last_heartbeat,
            incarnations: BTreeMap::new(),
            startup_events: Vec::new(),
            next_rebalance_check,
            quorum: None,
            election_rule: super::election::kafka_election,
        }
    }

    /// Elect leaders with `rule` instead of Kafka's (the `election` exercise's cluster runs).
    pub fn set_election_rule(&mut self, rule: super::election::ElectionRule) {
        self.election_rule = rule;
    }

    /// Create a topic that exists before the run begins (a scenario's `[[topics]]`), so no
    /// client can race its creation. The outcome is reported in the trace on the first step,
    /// like an admin request's.
    pub fn create_at_startup(&mut self, req: CreateTopicRequest) {
        let (response, mut events) = self.admin(&AdminRequest::CreateTopic(req.clone()));
        let result = match response {
            AdminResponse::Error(e) => Err(e),
            _ => Ok(format!("Created topic {}.", req.name)),
        };
        events.push(Event::AdminResult { op: format!("create {} (scenario [[topics]])", req.name), result });
        self.startup_events.extend(events);
    }

    /// Drop the start-up report: with a quorum, every member creates the start-up topics (so
    /// they start from one image) but only one should report it.
    pub fn silence_startup(&mut self) {
        self.startup_events.clear();
    }

    /// The current metadata (for tests and summaries).
    pub fn image(&self) -> &MetadataImage {
        &self.image
    }

    pub(super) fn bump(&mut self) {
        self.image.version += 1;
    }

    fn create(&mut self, req: &CreateTopicRequest) -> Result<AdminResponse, AdminError> {
        if self.image.topics.contains_key(&req.name) {
            return Err(AdminError::new(
                ErrorCode::TopicAlreadyExists,
                format!("Topic '{}' already exists.", req.name),
            ));
        }
        let brokers: Vec<BrokerId> = self.image.brokers.keys().copied().collect();
        let assignment = match &req.assignment {
            Some(a) => {
                check_assignment(&brokers, a)?;
                a.clone()
            }
            None => assign_replicas(&brokers, req.partitions, req.replication_factor, self.image.topics.len())?,
        };
        let partitions = assignment
            .iter()
            .map(|replicas| {
                let live: Vec<BrokerId> = replicas.iter().copied().filter(|b| !self.image.fenced.contains(b)).collect();
                PartitionMetadata {
                    leader: live.first().copied(),
                    leader_epoch: LeaderEpoch(0),
                    replicas: replicas.clone(),
                    isr: if live.is_empty() { replicas.clone() } else { live },
                    partition_epoch: 0,
                }
            })
            .collect();
        self.image.topics.insert(req.name.clone(), TopicMetadata { partitions, config: req.config.clone() });
        self.bump();
        Ok(AdminResponse::Created { name: req.name.clone(), assignment })
    }

    fn admin(&mut self, req: &AdminRequest) -> (AdminResponse, Vec<Event>) {
        let result = match req {
            AdminRequest::CreateTopic(c) => self.create(c),
            AdminRequest::DeleteTopic(name) => self.delete(name),
            AdminRequest::ListTopics => Ok(AdminResponse::Topics(self.image.topics.keys().cloned().collect())),
            AdminRequest::SetConfig { key, value } => self.set_config(key, value),
        };
        let events = match &result {
            Ok(AdminResponse::Created { name, assignment }) => {
                vec![Event::TopicCreated { topic: name.clone(), assignment: assignment.clone() }]
            }
            Ok(AdminResponse::Deleted(name)) => vec![Event::TopicDeleted { topic: name.clone() }],
            _ => vec![],
        };
        (result.unwrap_or_else(AdminResponse::Error), events)
    }

    fn delete(&mut self, name: &crate::types::TopicName) -> Result<AdminResponse, AdminError> {
        if !self.image.topics.contains_key(name) {
            return Err(AdminError::new(ErrorCode::UnknownTopicOrPartition, format!("Topic '{name}' does not exist.")));
        }
        if !self.config.delete_topic_enable {
            return Err(AdminError::new(
                ErrorCode::TopicDeletionDisabled,
                "Topic deletion is disabled (delete.topic.enable=false); the topic stays.",
            ));
        }
        self.image.topics.remove(name);
        self.bump();
        Ok(AdminResponse::Deleted(name.clone()))
    }

    fn set_config(&mut self, key: &str, value: &str) -> Result<AdminResponse, AdminError> {
        match key {
            "delete.topic.enable" => self.config.delete_topic_enable = value == "true",
            "num.partitions" | "default.replication.factor" => {
                let n: u32 = value
                    .parse()
                    .map_err(|_| AdminError::new(ErrorCode::InvalidConfig, format!("{key} must be a number")))?;
                if key == "num.partitions" {
                    self.config.num_partitions = n;
                } else {
                    self.config.default_replication_factor = n;
                }
            }
            _ => {
                return Err(AdminError::new(
                    ErrorCode::InvalidConfig,
                    format!("the controller cannot change `{key}` at run time"),
                ))
            }
        }
        Ok(AdminResponse::ConfigSet)
    }

    fn heartbeat(
        &mut self,
        now: SimTime,
        conn: ConnId,
        correlation: CorrelationId,
        hb: &BrokerHeartbeat,
    ) -> Vec<Output> {
        self.last_heartbeat.insert(hb.broker, now);
        let mut out = Vec::new();
        let previous = self.incarnations.insert(hb.broker, hb.incarnation);
        let bounced = previous.is_some_and(|p| p != hb.incarnation);
        if bounced && self.config.fence_restarted_brokers && !self.image.fenced.contains(&hb.broker) {
            // The broker restarted faster than its session timeout: its old self is gone.
            out.extend(self.fence(hb.broker).into_iter().map(Output::Emit));
        }
        if self.image.fenced.contains(&hb.broker) {
            out.extend(self.unfence(hb.broker).into_iter().map(Output::Emit));
        }
        if hb.metadata_version < self.served().version {
            let response = Response::Heartbeat(HeartbeatResponse { image: Some(self.served().clone()) });
            out.push(Output::Reply { conn, correlation, response });
            return out;
        }
        let deadline = now.plus(METADATA_MAX_WAIT);
        let parked = ParkedHeartbeat { conn, correlation, known_version: hb.metadata_version, deadline };
        self.parked.insert(hb.broker, parked);
        out
    }

    /// Answer parked heartbeats whose broker is behind or whose wait ran out.
    pub(super) fn answer_parked(&mut self, now: SimTime) -> Vec<Output> {
        let version = self.served().version;
        let due: Vec<BrokerId> = self
            .parked
            .iter()
            .filter(|(_, p)| p.known_version < version || p.deadline <= now)
            .map(|(b, _)| *b)
            .collect();
        let mut out = Vec::new();
        for b in due {
            let p = self.parked.remove(&b).expect("due brokers were taken from `parked`");
            let image = (p.known_version < version).then(|| self.served().clone());
            out.push(Output::Reply {
                conn: p.conn,
                correlation: p.correlation,
                response: Response::Heartbeat(HeartbeatResponse { image }),
            });
        }
        out
    }

    /// A broker auto-creates a topic: with the cluster defaults (`num.partitions`,
    /// `default.replication.factor`), unless the broker chose a size (`__consumer_offsets`).
    fn forward_create(&mut self, req: &CreateTopicRequest) -> (AdminResponse, Vec<Event>) {
        let or = |v: u32, default: u32| if v == 0 { default } else { v };
        let req = CreateTopicRequest {
            partitions: or(req.partitions, self.config.num_partitions),
            replication_factor: or(req.replication_factor, self.config.default_replication_factor),
            ..req.clone()
        };
        self.admin(&AdminRequest::CreateTopic(req))
    }

    fn check_invariants(&self) {
        for (name, t) in &self.image.topics {
            for (p, pm) in t.partitions.iter().enumerate() {
                assert!(
                    pm.replicas.iter().all(|b| self.image.brokers.contains_key(b)),
                    "{name}-{p} has a replica on an unregistered broker: {:?}",
                    pm.replicas
                );
                if let Some(l) = pm.leader {
                    assert!(pm.replicas.contains(&l), "{name}-{p}: leader {l} is not a replica");
                    assert!(pm.isr.contains(&l), "{name}-{p}: leader {l} is not in the ISR {:?}", pm.isr);
                    assert!(!self.image.fenced.contains(&l), "{name}-{p}: leader {l} is fenced");
                }
            }
        }
    }
}

impl Node for Controller {
    fn step(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        let mut out: Vec<Output> = std::mem::take(&mut self.startup_events).into_iter().map(Output::Emit).collect();
        let version_before = self.image.version;
        let mut replies = Vec::new();
        match input {
            Input::Request { request: Request::Raft(bytes), .. } => out.extend(self.on_raft_message(now, &bytes)),
            Input::Request { conn, correlation, .. } if !self.is_active() => {
                let response = Response::NotController { leader: self.active_hint() };
                out.push(Output::Reply { conn, correlation, response });
            }
            Input::Request { conn, correlation, request } => {
                replies.extend(self.request(now, conn, correlation, request))
            }
            Input::Tick => {
                if self.is_active() {
                    out.extend(self.tick_liveness(now).into_iter().map(Output::Emit));
                }
                out.extend(self.tick_raft(now));
            }
            Input::Response { .. } | Input::Disconnected { .. } | Input::ConnectFailed { .. } => {}
        }
        // Events are facts only once committed; so are the answers that report a change.
        let (events, replies): (Vec<Output>, Vec<Output>) =
            replies.into_iter().partition(|o| matches!(o, Output::Emit(_)));
        out.extend(events);
        out.extend(self.hold_until_committed(version_before, replies));
        out.extend(self.propose_if_changed(now));
        out.extend(self.answer_parked(now));
        self.check_invariants();
        out
    }

    fn restart(&mut self, now: SimTime) -> Vec<Output> {
        self.restart_quorum(now);
        Vec::new()
    }
}

impl Controller {
    /// Handle a request as the active controller.
    fn request(&mut self, now: SimTime, conn: ConnId, correlation: CorrelationId, request: Request) -> Vec<Output> {
        let mut out = Vec::new();
        match request {
            Request::Admin(req) => {
                let (response, events) = self.admin(&req);
                out.extend(events.into_iter().map(Output::Emit));
                out.push(Output::Reply { conn, correlation, response: Response::Admin(response) });
            }
            Request::ForwardCreate(f) => {
                let (response, events) = self.forward_create(&f.request);
                out.extend(events.into_iter().map(Output::Emit));
                out.push(Output::Reply { conn, correlation, response: Response::Forwarded(response) });
            }
            Request::BrokerHeartbeat(hb) => out.extend(self.heartbeat(now, conn, correlation, &hb)),
            Request::AlterPartition(req) => {
                let (response, events) = self.alter_partition(&req);
                out.extend(events.into_iter().map(Output::Emit));
                out.push(Output::Reply { conn, correlation, response: Response::AlterPartition(response) });
            }
            Request::Metadata { .. } => {
                out.push(Output::Reply { conn, correlation, response: Response::Metadata(self.served().clone()) })
            }
            other => {
                let e = AdminError::new(
                    ErrorCode::NotController,
                    format!("the controller does not serve {}", request_name(&other)),
                );
                out.push(Output::Reply { conn, correlation, response: Response::Admin(AdminResponse::Error(e)) });
            }
        }
        out
    }
}

fn request_name(r: &Request) -> &'static str {
    match r {
        Request::Produce(_) => "Produce",
        Request::Fetch(_) => "Fetch",
        Request::ListOffsets(_) => "ListOffsets",
        Request::DumpLog(_) => "DumpLog",
        _ => "this request",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TopicName;

    fn controller(delete: bool) -> Controller {
        let brokers = (1..=3).map(|b| (BrokerId(b), NodeName::broker(BrokerId(b)))).collect();
        let config = ControllerConfig {
            delete_topic_enable: delete,
            num_partitions: 1,
            default_replication_factor: 1,
            unclean_leader_election: false,
            session_timeout: SimDuration::from_millis(9000),
            auto_leader_rebalance: true,
            leader_imbalance_check_interval: SimDuration::from_millis(300_000),
            fence_restarted_brokers: true,
        };
        Controller::new(config, brokers)
    }

    fn admin(c: &mut Controller, req: AdminRequest) -> AdminResponse {
        let out = c.step(
            SimTime::ZERO,
            Input::Request { conn: ConnId(1), correlation: CorrelationId(1), request: Request::Admin(req) },
        );
        out.into_iter()
            .find_map(|o| match o {
                Output::Reply { response: Response::Admin(r), .. } => Some(r),
                _ => None,
            })
            .expect("admin requests are always answered")
    }

    fn create(name: &str, partitions: u32, rf: u32) -> AdminRequest {
        AdminRequest::CreateTopic(CreateTopicRequest {
            name: TopicName::new(name),
            partitions,
            replication_factor: rf,
            assignment: None,
            config: BTreeMap::new(),
        })
    }

    fn error_code(r: AdminResponse) -> ErrorCode {
        match r {
            AdminResponse::Error(e) => e.code,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn create_list_delete() {
        let mut c = controller(true);
        assert!(matches!(admin(&mut c, create("first", 3, 1)), AdminResponse::Created { .. }));
        assert_eq!(error_code(admin(&mut c, create("first", 1, 1))), ErrorCode::TopicAlreadyExists);
        assert_eq!(admin(&mut c, AdminRequest::ListTopics), AdminResponse::Topics(vec![TopicName::new("first")]));
        assert_eq!(
            admin(&mut c, AdminRequest::DeleteTopic(TopicName::new("first"))),
            AdminResponse::Deleted(TopicName::new("first"))
        );
        assert_eq!(
            error_code(admin(&mut c, AdminRequest::DeleteTopic(TopicName::new("first")))),
            ErrorCode::UnknownTopicOrPartition
        );
    }

    #[test]
    fn deletion_disabled_is_refused() {
        let mut c = controller(false);
        admin(&mut c, create("first", 1, 1));
        assert_eq!(
            error_code(admin(&mut c, AdminRequest::DeleteTopic(TopicName::new("first")))),
            ErrorCode::TopicDeletionDisabled
        );
        assert!(c.image().topics.contains_key(&TopicName::new("first")));
    }

    #[test]
    fn replication_factors_beyond_the_broker_count_are_refused() {
        let mut c = controller(true);
        assert_eq!(error_code(admin(&mut c, create("t", 1, 4))), ErrorCode::InvalidReplicationFactor);
        assert!(matches!(admin(&mut c, create("t", 1, 2)), AdminResponse::Created { .. }), "RF 2 on 3 brokers is fine");
        assert_eq!(error_code(admin(&mut c, create("u", 0, 1))), ErrorCode::InvalidPartitions);
    }

    #[test]
    fn heartbeats_long_poll_for_new_metadata() {
        let mut c = controller(true);
        let hb =
            |v| Request::BrokerHeartbeat(BrokerHeartbeat { broker: BrokerId(1), metadata_version: v, incarnation: 0 });
        let out =
            c.step(SimTime::ZERO, Input::Request { conn: ConnId(1), correlation: CorrelationId(1), request: hb(1) });
        assert!(out.is_empty(), "an up-to-date broker's heartbeat is parked");
        let out = c.step(
            SimTime::ZERO,
            Input::Request {
                conn: ConnId(2),
                correlation: CorrelationId(1),
                request: Request::Admin(create("t", 1, 1)),
            },
        );
        let answered = out.iter().any(|o| {
            matches!(
                o,
                Output::Reply {
                    conn: ConnId(1),
                    response: Response::Heartbeat(HeartbeatResponse { image: Some(_) }),
                    ..
                }
            )
        });
        assert!(answered, "a change answers the parked heartbeat with the new image: {out:?}");
        c.step(SimTime::ZERO, Input::Request { conn: ConnId(1), correlation: CorrelationId(2), request: hb(2) });
        let out = c.step(SimTime::ZERO.plus(METADATA_MAX_WAIT), Input::Tick);
        assert_eq!(out.len(), 1, "the wait runs out: an empty answer");
    }
}
