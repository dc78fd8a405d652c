//! The contract every sans-IO node core follows.
//!
//! A broker, a controller, a producer and a consumer are each a state machine driven by
//! `step(now, input) -> outputs`, like toyDB's Raft node. The core never sleeps, reads a
//! clock, opens a socket or rolls dice: time arrives as `now`, messages arrive as [`Input`],
//! and everything the core wants done comes back as [`Output`] for a driver to carry out.
//! `sim/` is the one driver today (turmoil's simulated TCP); a real-TCP driver could reuse the
//! same cores. Unit tests drive a core by calling `step` directly.

use crate::protocol::{CorrelationId, Request, Response};
use crate::trace::Event;
use crate::types::{NodeName, SimTime};

/// An inbound connection's id, assigned by the driver (unique within one node's lifetime).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ConnId(pub u64);

/// Something that happened to a node.
#[derive(Clone, Debug, PartialEq)]
pub enum Input {
    /// Time passed (sent every tick). Cores run their timers here.
    Tick,
    /// A request arrived on an inbound connection.
    Request {
        /// The connection to answer on.
        conn: ConnId,
        /// The id the answer must carry.
        correlation: CorrelationId,
        /// What was asked.
        request: Request,
    },
    /// An answer to a request this node sent.
    Response {
        /// Who answered.
        from: NodeName,
        /// The id of the request.
        correlation: CorrelationId,
        /// The answer.
        response: Response,
    },
    /// The connection to `peer` broke: requests in flight to it will get no answer.
    Disconnected {
        /// The peer.
        peer: NodeName,
    },
    /// The driver could not set up a connection to `peer` (it is down or cut off): nothing
    /// sent to it since was written. Kafka's clients only put a request on a node that is
    /// ready, i.e. connected (`NetworkClient.ready`, `initiateConnect`), so a refused
    /// connection costs those requests nothing; a core that makes no such difference treats
    /// this as `Disconnected`.
    ConnectFailed {
        /// The peer.
        peer: NodeName,
    },
}

/// Something a node wants done.
#[derive(Clone, Debug, PartialEq)]
pub enum Output {
    /// Answer a request.
    Reply {
        /// The connection it came on.
        conn: ConnId,
        /// The request's id.
        correlation: CorrelationId,
        /// The answer.
        response: Response,
    },
    /// Send a request to another node (the driver connects if needed).
    Send {
        /// The destination host.
        to: NodeName,
        /// The id the answer will carry.
        correlation: CorrelationId,
        /// The request.
        request: Request,
    },
    /// Close an inbound connection: the peer sees it break (its requests in flight get no
    /// answer) and anything more it sent on it is dropped. Kafka's broker does this to an
    /// `acks=0` producer whose request failed (`KafkaApis.handleProduceRequest`:
    /// `requestChannel.closeConnection`), the only way such a producer hears of an error.
    CloseConnection {
        /// The connection to close.
        conn: ConnId,
    },
    /// Drop the outbound connection to `peer`; the next `Send` to it connects afresh.
    /// Answers still travelling on the old connection are never read. Kafka's client does
    /// this when a request times out (`NetworkClient.handleTimedOutRequests`:
    /// `selector.close(nodeId)`). The core is not told `Disconnected`: it asked.
    Disconnect {
        /// The peer.
        peer: NodeName,
    },
    /// Record an event in the trace.
    Emit(Event),
}

/// A sans-IO node core.
pub trait Node {
    /// Advance the node: handle `input` at time `now`, return what must be done.
    fn step(&mut self, now: SimTime, input: Input) -> Vec<Output>;

    /// The run is ending: emit whatever the checkers need to know about this node's final
    /// state (a broker reports its logs). Most nodes have nothing to say.
    fn finish(&mut self, _now: SimTime) -> Vec<Output> {
        Vec::new()
    }

    /// The node's host restarted after a crash: forget everything a process keeps in memory
    /// (connections, requests in flight, timers) and keep only what a real node keeps on disk.
    /// The default forgets nothing, which suits nodes whose state is all on disk.
    fn restart(&mut self, _now: SimTime) -> Vec<Output> {
        Vec::new()
    }
}
