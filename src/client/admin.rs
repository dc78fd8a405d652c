//! The admin client: `kafka-topics.sh` and `kafka-dump-log.sh` as a scripted state machine.
//!
//! A scenario's actions (`create-topic`, `delete-topic`, `list-topics`, `set-config`,
//! `dump-log`) run here one after another, each at its scheduled time or as soon as the
//! previous one finished, like commands typed in a shell. Topic commands go to the controller
//! (as the seed's `kafka-topics.sh --zookeeper` went to the metadata store); a log dump first
//! asks a broker for metadata to find who hosts the partition, then asks that broker.
//! Each command's outcome is an [`Event::AdminResult`] or [`Event::LogDumped`], printed the way
//! the real tool would print it.

use crate::node::{Input, Node, Output};
use crate::protocol::admin::{AdminError, AdminRequest, AdminResponse, DumpLogRequest};
use crate::protocol::{CorrelationId, ErrorCode, Request, Response};
use crate::trace::Event;
use crate::types::{NodeName, SimDuration, SimTime};
use std::collections::VecDeque;

/// How long a command may wait for its answer.
const COMMAND_TIMEOUT: SimDuration = SimDuration(10_000_000);

/// One command of the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AdminCommand {
    /// A topic command for the controller.
    Admin(AdminRequest),
    /// Describe a partition's log on the broker that hosts it.
    DumpLog(DumpLogRequest),
}

impl AdminCommand {
    /// The command line of the real tool that does the same thing.
    pub fn describe(&self) -> String {
        match self {
            AdminCommand::Admin(AdminRequest::CreateTopic(c)) => {
                let mut s = format!("kafka-topics.sh --create --topic {}", c.name);
                match &c.assignment {
                    Some(a) => {
                        let parts: Vec<String> =
                            a.iter().map(|r| r.iter().map(|b| b.to_string()).collect::<Vec<_>>().join(":")).collect();
                        s.push_str(&format!(" --replica-assignment {}", parts.join(",")));
                    }
                    None => s.push_str(&format!(
                        " --partitions {} --replication-factor {}",
                        c.partitions, c.replication_factor
                    )),
                }
                for (k, v) in &c.config {
                    s.push_str(&format!(" --config {k}={v}"));
                }
                s
            }
            AdminCommand::Admin(AdminRequest::DeleteTopic(t)) => format!("kafka-topics.sh --delete --topic {t}"),
            AdminCommand::Admin(AdminRequest::ListTopics) => "kafka-topics.sh --list".to_string(),
            // The keys `set-config` takes (delete.topic.enable, num.partitions,
            // default.replication.factor) are read-only in Kafka: `kafka-configs.sh` refuses to
            // alter them, and the operator edits server.properties and restarts the broker.
            // kafkasim applies the edit in place, and says so, rather than show a command Kafka
            // rejects.
            AdminCommand::Admin(AdminRequest::SetConfig { key, value }) => {
                format!("echo '{key}={value}' >> config/server.properties  # then restart the broker")
            }
            // Kafka's tool (`kafka.tools.DumpLogSegments`) takes a comma-separated `--files`
            // list of segment files under `log.dirs` (default /tmp/kafka-logs), one directory
            // per partition, each file named by its 20-digit base offset. It has no offset
            // lookup: that part is kafkasim's own, and the answer names the index to dump.
            AdminCommand::DumpLog(d) => {
                let files =
                    format!("kafka-dump-log.sh --files \"$(ls /tmp/kafka-logs/{}/*.log | paste -sd, -)\"", d.tp);
                match d.lookup {
                    Some(o) => format!("{files}  # then kafkasim's own lookup of offset {o}"),
                    None => files,
                }
            }
        }
    }
}

/// The command being run.
#[derive(Clone, Debug)]
struct Running {
    command: AdminCommand,
    correlation: CorrelationId,
    deadline: SimTime,
    /// For a dump: whether the metadata step is done (the dump request is out).
    dumping: bool,
}

/// The scripted admin client.
#[derive(Debug)]
pub struct AdminClient {
    controllers: Vec<NodeName>,
    active_controller: usize,
    bootstrap: NodeName,
    script: VecDeque<(SimTime, AdminCommand)>,
    running: Option<Running>,
    next_correlation: u64,
}

impl AdminClient {
    /// A client that will run `script` (sorted by time) against `controller`, using
    /// `bootstrap` to find partition hosts.
    pub fn new(controllers: Vec<NodeName>, bootstrap: NodeName, script: Vec<(SimTime, AdminCommand)>) -> AdminClient {
        assert!(!controllers.is_empty(), "an admin client needs a controller");
        assert!(script.windows(2).all(|w| w[0].0 <= w[1].0), "the admin script must be sorted by time");
        AdminClient {
            controllers,
            active_controller: 0,
            bootstrap,
            script: script.into(),
            running: None,
            next_correlation: 0,
        }
    }

    fn controller(&self) -> NodeName {
        self.controllers[self.active_controller % self.controllers.len()].clone()
    }

    fn correlation(&mut self) -> CorrelationId {
        self.next_correlation += 1;
        CorrelationId(self.next_correlation)
    }

    fn start_next(&mut self, now: SimTime) -> Vec<Output> {
        if self.running.is_some() || self.script.front().is_none_or(|(at, _)| *at > now) {
            return Vec::new();
        }
        let (_, command) = self.script.pop_front().expect("front exists");
        let correlation = self.correlation();
        let (to, request) = match &command {
            AdminCommand::Admin(a) => (self.controller(), Request::Admin(a.clone())),
            AdminCommand::DumpLog(d) => (
                self.bootstrap.clone(),
                Request::Metadata { topics: Some(vec![d.tp.topic.clone()]), allow_auto_create: false },
            ),
        };
        let event = Event::ActionStarted { action: command.describe() };
        self.running = Some(Running { command, correlation, deadline: now.plus(COMMAND_TIMEOUT), dumping: false });
        vec![Output::Emit(event), Output::Send { to, correlation, request }]
    }

    fn finish(&mut self, event: Event) -> Vec<Output> {
        self.running = None;
        vec![Output::Emit(event)]
    }

    fn fail(&mut self, error: AdminError) -> Vec<Output> {
        let Some(r) = self.running.take() else { return Vec::new() };
        let event = match &r.command {
            AdminCommand::DumpLog(d) => Event::LogDumped { tp: d.tp.clone(), dump: Err(error.code) },
            other => Event::AdminResult { op: other.describe(), result: Err(error) },
        };
        vec![Output::Emit(event)]
    }

    fn on_response(&mut self, now: SimTime, correlation: CorrelationId, response: Response) -> Vec<Output> {
        let Some(r) = self.running.clone() else { return Vec::new() };
        if r.correlation != correlation {
            return Vec::new();
        }
        match (response, &r.command) {
            (Response::NotController { leader }, AdminCommand::Admin(a)) => {
                // Like the real tools: go to the active controller and ask again.
                self.active_controller = match leader.and_then(|l| self.controllers.iter().position(|c| *c == l)) {
                    Some(i) => i,
                    None => self.active_controller + 1,
                };
                let correlation = self.correlation();
                let request = Request::Admin(a.clone());
                self.running = Some(Running { correlation, ..r });
                vec![Output::Send { to: self.controller(), correlation, request }]
            }
            (Response::Admin(a), cmd) => {
                let result = describe_result(a);
                self.finish(Event::AdminResult { op: cmd.describe(), result })
            }
            (Response::Metadata(image), AdminCommand::DumpLog(d)) if !r.dumping => {
                let host = image.leader_node(&d.tp).cloned();
                let Some(host) = host else {
                    return self
                        .fail(AdminError::new(ErrorCode::UnknownTopicOrPartition, format!("{} has no leader", d.tp)));
                };
                let correlation = self.correlation();
                let request = Request::DumpLog(d.clone());
                self.running = Some(Running { correlation, dumping: true, deadline: now.plus(COMMAND_TIMEOUT), ..r });
                vec![Output::Send { to: host, correlation, request }]
            }
            (Response::DumpLog(d), _) => self.finish(Event::LogDumped { tp: d.tp, dump: d.result }),
            _ => Vec::new(),
        }
    }
}

/// What the real tool prints for a successful answer.
fn describe_result(a: AdminResponse) -> Result<String, AdminError> {
    match a {
        AdminResponse::Created { name, .. } => Ok(format!("Created topic {name}.")),
        AdminResponse::Deleted(name) => Ok(format!("Deleted topic {name}.")),
        AdminResponse::Topics(names) if names.is_empty() => Ok("(no topics)".to_string()),
        AdminResponse::Topics(names) => Ok(names.iter().map(|n| n.to_string()).collect::<Vec<_>>().join("\n")),
        AdminResponse::ConfigSet => Ok("(kafkasim applies it in place; Kafka reads it only at start-up)".to_string()),
        AdminResponse::Error(e) => Err(e),
    }
}

impl Node for AdminClient {
    fn step(&mut self, now: SimTime, input: Input) -> Vec<Output> {
        let mut out = match input {
            Input::Response { correlation, response, .. } => self.on_response(now, correlation, response),
            Input::Disconnected { .. } | Input::ConnectFailed { .. } => {
                self.fail(AdminError::new(ErrorCode::NetworkException, "connection lost"))
            }
            Input::Tick | Input::Request { .. } => Vec::new(),
        };
        if self.running.as_ref().is_some_and(|r| r.deadline <= now) {
            out.extend(self.fail(AdminError::new(ErrorCode::RequestTimedOut, "no answer in time")));
        }
        out.extend(self.start_next(now));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::TopicName;

    #[test]
    fn runs_commands_in_order_and_reports_results() {
        let script = vec![
            (SimTime::ZERO, AdminCommand::Admin(AdminRequest::ListTopics)),
            (SimTime::ZERO, AdminCommand::Admin(AdminRequest::DeleteTopic(TopicName::new("x")))),
        ];
        let mut a = AdminClient::new(vec![NodeName::controller(1)], NodeName("broker-1".into()), script);
        let out = a.step(SimTime::ZERO, Input::Tick);
        assert_eq!(out.len(), 2, "one command at a time: {out:?}");
        let from = NodeName::controller(1);
        let out = a.step(
            SimTime::ZERO,
            Input::Response {
                from,
                correlation: CorrelationId(1),
                response: Response::Admin(AdminResponse::Topics(vec![])),
            },
        );
        assert!(matches!(&out[0], Output::Emit(Event::AdminResult { result: Ok(t), .. }) if t == "(no topics)"));
        assert!(out
            .iter()
            .any(|o| matches!(o, Output::Send { request: Request::Admin(AdminRequest::DeleteTopic(_)), .. })));
    }

    #[test]
    fn a_silent_controller_times_out() {
        let script = vec![(SimTime::ZERO, AdminCommand::Admin(AdminRequest::ListTopics))];
        let mut a = AdminClient::new(vec![NodeName::controller(1)], NodeName("broker-1".into()), script);
        a.step(SimTime::ZERO, Input::Tick);
        let out = a.step(SimTime::ZERO.plus(COMMAND_TIMEOUT), Input::Tick);
        assert!(
            matches!(&out[0], Output::Emit(Event::AdminResult { result: Err(e), .. }) if e.code == ErrorCode::RequestTimedOut)
        );
    }
}
