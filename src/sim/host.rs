//! The thin driver that runs one sans-IO node core on a turmoil host.
//!
//! A host loop does only plumbing: it accepts inbound connections (if the node listens),
//! opens outbound connections on demand, turns frames into [`Input`]s, ticks the core every
//! simulated tick, and carries out the core's [`Output`]s — writing frames, and stamping
//! events into the trace with the simulated time and the node's name. All decisions stay in
//! the core.
//!
//! turmoil quirks handled here: `connect` to a dead host never returns, so every connect has a
//! timeout; a broken connection is reported to the core as `Disconnected`; every `select!` is
//! `biased` so that branch choice never depends on a random number. Outbound connections are
//! numbered, so that news of a connection the core already dropped (`Output::Disconnect`)
//! cannot be mistaken for news of its successor.

use super::framing::{read_message, write_message, ReadError};
use super::recorder::Recorder;
use crate::node::{ConnId, Input, Node, Output};
use crate::protocol::Message;
use crate::trace::Event;
use crate::types::{NodeName, SimTime};
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Duration;
use tokio::sync::mpsc;
use turmoil::net::tcp::OwnedWriteHalf;
use turmoil::net::{TcpListener, TcpStream};

/// The port every node listens on (Kafka's 9092).
pub const PORT: u16 = 9092;

/// How long a connect may take before the peer is considered unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_millis(3000);

/// What the helper tasks tell the main loop.
enum Inbox {
    Accepted(TcpStream),
    Connected(NodeName, u64, TcpStream),
    ConnectFailed(NodeName, u64),
    Message { from: Source, message: Message },
    Closed(Source),
    BadFrame(Source, String),
}

/// Where a message came from.
#[derive(Clone, Debug)]
enum Source {
    Inbound(ConnId),
    /// The peer and the number of the connection to it.
    Outbound(NodeName, u64),
}

/// An outbound connection.
enum Peer {
    Connecting(Vec<Message>),
    /// The write half, and the task reading the other half (aborted when the core drops
    /// the connection: a turmoil socket, and its port, lives until both halves are gone).
    Connected(OwnedWriteHalf, tokio::task::AbortHandle),
}

/// Everything a host loop needs besides its core.
#[derive(Clone, Debug)]
pub struct HostConfig {
    /// The node's name in traces (its turmoil host name too).
    pub name: NodeName,
    /// Whether it accepts connections on [`PORT`].
    pub listen: bool,
    /// The simulation tick.
    pub tick: Duration,
    /// Where events go.
    pub recorder: Recorder,
    /// The node does nothing until this simulated time (a `pause` fault: a long GC, a stopped VM).
    pub paused_until: Rc<Cell<SimTime>>,
    /// How many times the host software has started (more than once after a restart).
    pub starts: Rc<Cell<u32>>,
}

/// The state of one running host.
struct Host<N: Node> {
    core: Rc<RefCell<N>>,
    cfg: HostConfig,
    tx: mpsc::UnboundedSender<Inbox>,
    inbound: BTreeMap<ConnId, OwnedWriteHalf>,
    /// Each outbound connection with its number.
    outbound: BTreeMap<NodeName, (u64, Peer)>,
    next_conn: u64,
    next_outbound: u64,
    finished: bool,
}

/// The current simulated time.
fn now() -> SimTime {
    let elapsed = turmoil::sim_elapsed().unwrap_or_default();
    SimTime(elapsed.as_micros() as u64)
}

/// Run `core` as a turmoil host until the simulation ends. The core lives outside the host
/// (it is the node's disk as well as its memory): after a crash the host runs again on the same
/// core, which first forgets what a process keeps only in memory ([`Node::restart`]).
pub async fn run_node<N: Node + 'static>(core: Rc<RefCell<N>>, cfg: HostConfig) -> turmoil::Result {
    let (tx, mut rx) = mpsc::unbounded_channel();
    if cfg.listen {
        let listener = TcpListener::bind(("0.0.0.0", PORT)).await?;
        tokio::task::spawn_local(accept_loop(listener, tx.clone()));
    }
    cfg.starts.set(cfg.starts.get() + 1);
    let restarted = cfg.starts.get() > 1;
    let mut host = Host {
        core,
        cfg,
        tx,
        inbound: BTreeMap::new(),
        outbound: BTreeMap::new(),
        next_conn: 0,
        next_outbound: 0,
        finished: false,
    };
    host.cfg.recorder.record(now(), &host.cfg.name, Event::NodeStarted);
    if restarted {
        let outputs = host.core.borrow_mut().restart(now());
        host.perform(now(), outputs).await;
    }
    // tokio's clock is turmoil's simulated one: the ticker fires every simulated tick.
    let mut ticker = tokio::time::interval(host.cfg.tick);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        if host.cfg.paused_until.get() > now() {
            host.finish_if_ending().await;
            ticker.tick().await;
            continue;
        }
        tokio::select! {
            biased;
            Some(item) = rx.recv() => host.on_inbox(item).await,
            _ = ticker.tick() => {
                host.on_tick().await;
            }
        }
    }
}

async fn accept_loop(listener: TcpListener, tx: mpsc::UnboundedSender<Inbox>) {
    while let Ok((stream, _)) = listener.accept().await {
        if tx.send(Inbox::Accepted(stream)).is_err() {
            return;
        }
    }
}

async fn read_loop(mut reader: turmoil::net::tcp::OwnedReadHalf, source: Source, tx: mpsc::UnboundedSender<Inbox>) {
    loop {
        let item = match read_message(&mut reader).await {
            Ok(message) => Inbox::Message { from: source.clone(), message },
            Err(ReadError::Closed) => Inbox::Closed(source.clone()),
            Err(ReadError::Bad(e)) => Inbox::BadFrame(source.clone(), e.to_string()),
        };
        let stop = !matches!(item, Inbox::Message { .. });
        if tx.send(item).is_err() || stop {
            return;
        }
    }
}

async fn connect(peer: NodeName, number: u64, tx: mpsc::UnboundedSender<Inbox>) {
    let attempt = tokio::time::timeout(CONNECT_TIMEOUT, TcpStream::connect((peer.as_str(), PORT))).await;
    let item = match attempt {
        Ok(Ok(stream)) => Inbox::Connected(peer, number, stream),
        _ => Inbox::ConnectFailed(peer, number),
    };
    let _ = tx.send(item);
}

impl<N: Node> Host<N> {
    async fn on_tick(&mut self) {
        self.finish_if_ending().await;
        self.step(now(), Input::Tick).await;
    }

    /// At the end of the run, let the core report its final state once.
    async fn finish_if_ending(&mut self) {
        if self.cfg.recorder.is_finishing() && !self.finished {
            self.finished = true;
            let t = now();
            let outputs = self.core.borrow_mut().finish(t);
            self.perform(t, outputs).await;
        }
    }

    async fn step(&mut self, t: SimTime, input: Input) {
        let outputs = self.core.borrow_mut().step(t, input);
        self.perform(t, outputs).await;
    }

    async fn on_inbox(&mut self, item: Inbox) {
        let t = now();
        match item {
            Inbox::Accepted(stream) => {
                self.next_conn += 1;
                let conn = ConnId(self.next_conn);
                let (reader, writer) = stream.into_split();
                self.inbound.insert(conn, writer);
                tokio::task::spawn_local(read_loop(reader, Source::Inbound(conn), self.tx.clone()));
            }
            Inbox::Connected(peer, number, stream) => self.on_connected(peer, number, stream).await,
            Inbox::ConnectFailed(peer, number) => self.lose_peer(t, peer, number, false).await,
            Inbox::Message { from, message } => self.on_message(t, from, message).await,
            Inbox::Closed(Source::Inbound(conn)) => {
                self.inbound.remove(&conn);
            }
            Inbox::Closed(Source::Outbound(peer, number)) => self.lose_peer(t, peer, number, true).await,
            Inbox::BadFrame(source, error) => {
                self.cfg.recorder.record(t, &self.cfg.name, Event::BadFrame { error });
                match source {
                    Source::Inbound(conn) => {
                        self.inbound.remove(&conn);
                    }
                    Source::Outbound(peer, number) => self.lose_peer(t, peer, number, true).await,
                }
            }
        }
    }

    fn is_current(&self, peer: &NodeName, number: u64) -> bool {
        self.outbound.get(peer).is_some_and(|(n, _)| *n == number)
    }

    async fn on_connected(&mut self, peer: NodeName, number: u64, stream: TcpStream) {
        if !self.is_current(&peer, number) {
            return; // the core dropped this connection while it was being set up
        }
        let (reader, mut writer) = stream.into_split();
        let reading =
            tokio::task::spawn_local(read_loop(reader, Source::Outbound(peer.clone(), number), self.tx.clone()))
                .abort_handle();
        let queued = match self.outbound.remove(&peer) {
            Some((_, Peer::Connecting(q))) => q,
            _ => Vec::new(),
        };
        self.outbound.insert(peer.clone(), (number, Peer::Connecting(Vec::new())));
        for msg in &queued {
            if write_message(&mut writer, msg).await.is_err() {
                self.lose_peer(now(), peer, number, true).await;
                return;
            }
        }
        self.outbound.insert(peer, (number, Peer::Connected(writer, reading)));
    }

    /// Forget the outbound connection `number` to `peer` and tell the core: `Disconnected`
    /// if it was set up (what was written may have arrived), `ConnectFailed` if it never was.
    async fn lose_peer(&mut self, t: SimTime, peer: NodeName, number: u64, was_connected: bool) {
        if self.is_current(&peer, number) {
            self.outbound.remove(&peer);
            let input = if was_connected { Input::Disconnected { peer } } else { Input::ConnectFailed { peer } };
            self.step(t, input).await;
        }
    }

    async fn on_message(&mut self, t: SimTime, from: Source, message: Message) {
        let input = match (from, message) {
            (Source::Inbound(conn), Message::Request(..)) if !self.inbound.contains_key(&conn) => {
                return; // a connection this node closed: what still arrives on it is dropped
            }
            (Source::Inbound(conn), Message::Request(correlation, request)) => {
                Input::Request { conn, correlation, request }
            }
            (Source::Outbound(peer, number), Message::Response(..)) if !self.is_current(&peer, number) => {
                return; // an answer on a connection the core dropped is never read
            }
            (Source::Outbound(peer, _), Message::Response(correlation, response)) => {
                Input::Response { from: peer, correlation, response }
            }
            (_, _) => {
                let error = "a request arrived on an outbound connection, or a response on an inbound one".to_string();
                self.cfg.recorder.record(t, &self.cfg.name, Event::BadFrame { error });
                return;
            }
        };
        self.step(t, input).await;
    }

    /// Carry out a core's outputs. A failed write drops that connection; the core hears of an
    /// outbound one through `Disconnected`.
    async fn perform(&mut self, t: SimTime, outputs: Vec<Output>) {
        let mut queue: std::collections::VecDeque<Output> = outputs.into();
        while let Some(output) = queue.pop_front() {
            match output {
                Output::Emit(event) => self.cfg.recorder.record(t, &self.cfg.name, event),
                Output::Reply { conn, correlation, response } => {
                    if let Some(w) = self.inbound.get_mut(&conn) {
                        if write_message(w, &Message::Response(correlation, response)).await.is_err() {
                            self.inbound.remove(&conn);
                        }
                    }
                }
                Output::CloseConnection { conn } => {
                    self.inbound.remove(&conn);
                }
                Output::Disconnect { peer } => {
                    if let Some((_, Peer::Connected(_, reading))) = self.outbound.remove(&peer) {
                        reading.abort();
                    }
                }
                Output::Send { to, correlation, request } => {
                    if let Some(more) = self.send(t, to, Message::Request(correlation, request)).await {
                        queue.extend(more);
                    }
                }
            }
        }
    }

    /// Send on an outbound connection, connecting first if needed. Returns the core's reaction
    /// if the connection turned out to be broken.
    async fn send(&mut self, t: SimTime, to: NodeName, msg: Message) -> Option<Vec<Output>> {
        match self.outbound.get_mut(&to).map(|(_, p)| p) {
            Some(Peer::Connected(w, _)) => {
                if write_message(w, &msg).await.is_ok() {
                    return None;
                }
                self.outbound.remove(&to);
                Some(self.core.borrow_mut().step(t, Input::Disconnected { peer: to }))
            }
            Some(Peer::Connecting(q)) => {
                q.push(msg);
                None
            }
            None => {
                self.next_outbound += 1;
                let number = self.next_outbound;
                self.outbound.insert(to.clone(), (number, Peer::Connecting(vec![msg])));
                tokio::task::spawn_local(connect(to, number, self.tx.clone()));
                None
            }
        }
    }
}
