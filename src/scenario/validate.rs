//! Turning a raw scenario file into a checked [`Scenario`], with an error at the exact span of
//! anything that does not make sense.

use super::apps;
use super::condition::{self, Condition, Quantity};
use super::config::{self, Config, KeySpec};
use super::duration::parse_duration;
use super::error::ScenarioError;
use super::file::*;
use super::model::*;
use super::overrides::Scope;
use crate::types::{BrokerId, Offset, SimDuration, TopicName};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use toml::Spanned;

/// The file being validated, for error messages.
pub(super) struct Ctx<'a> {
    name: &'a str,
    text: &'a str,
}

pub(super) type Res<T> = Result<T, ScenarioError>;

impl Ctx<'_> {
    pub(super) fn err<T>(&self, span: std::ops::Range<usize>, message: impl Into<String>) -> Res<T> {
        Err(ScenarioError::at(self.name, self.text, Some(span), message.into()))
    }

    pub(super) fn duration(&self, s: &Spanned<String>) -> Res<SimDuration> {
        parse_duration(s.get_ref()).or_else(|m| self.err(s.span(), m))
    }

    pub(super) fn opt_duration(&self, s: &Option<Spanned<String>>, default: SimDuration) -> Res<SimDuration> {
        s.as_ref().map_or(Ok(default), |s| self.duration(s))
    }

    pub(super) fn count(&self, v: &Spanned<i64>, what: &str, min: i64, max: i64) -> Res<u64> {
        let n = *v.get_ref();
        if n < min || n > max {
            return self.err(v.span(), format!("{what} must be between {min} and {max}, not {n}"));
        }
        Ok(n as u64)
    }

    pub(super) fn config(
        &self,
        keys: &[KeySpec],
        scope: &str,
        set: &BTreeMap<String, Spanned<toml::Value>>,
    ) -> Res<Config> {
        Ok(Config::with_defaults(keys, self.checked_keys(keys, scope, set)?))
    }

    /// Each key the scenario set, checked against its scope's table, as canonical text.
    fn checked_keys(
        &self,
        keys: &[KeySpec],
        scope: &str,
        set: &BTreeMap<String, Spanned<toml::Value>>,
    ) -> Res<BTreeMap<String, String>> {
        let mut out = BTreeMap::new();
        for (k, v) in set {
            match config::validate(keys, scope, k, v.get_ref()) {
                Ok(text) => {
                    out.insert(k.clone(), text);
                }
                Err(m) => return self.err(v.span(), m),
            }
        }
        Ok(out)
    }

    /// `client = "kafka-python-2.0"`: the profile, or an error at the value (absent: Java 4.0).
    fn client(&self, raw: Option<&Spanned<String>>) -> Res<ClientProfile> {
        let Some(raw) = raw else { return Ok(ClientProfile::default()) };
        ClientProfile::parse(raw.get_ref()).or_else(|m| self.err(raw.span(), m))
    }

    /// A producer's or consumer's config: the keys it set over its client profile's defaults
    /// over Kafka's. A key that client has no option for is an error at the key.
    fn client_config(
        &self,
        scope: Scope,
        client: ClientProfile,
        set: &BTreeMap<String, Spanned<toml::Value>>,
    ) -> Res<Config> {
        assert!(matches!(scope, Scope::Producer | Scope::Consumer), "{scope:?} has no client profile");
        let producer = scope == Scope::Producer;
        let (keys, table) = if producer {
            (config::PRODUCER_KEYS, client.producer_defaults())
        } else {
            (config::CONSUMER_KEYS, client.consumer_defaults())
        };
        let checked = self.checked_keys(keys, scope.as_str(), set)?;
        for (k, v) in &checked {
            let missing = if producer {
                client.producer_key_missing(k).map(str::to_string)
            } else {
                client.consumer_value_missing(k, v)
            };
            if let Some(why) = missing {
                let span = set.get(k).map_or(0..0, |v| v.span());
                return self.err(span, format!("`{k}` cannot be set for client = \"{client}\": {why}"));
            }
        }
        let defaults = client.resolve(keys, table, &checked);
        Ok(Config::with_profile(keys, defaults, checked))
    }

    /// A producer's config, with Kafka's idempotence rules: an explicit
    /// `enable.idempotence = true` that another setting contradicts is an error at that
    /// setting (`ProducerConfig.postProcessAndValidateIdempotenceConfigs` throws a
    /// `ConfigException`); a defaulted one is silently turned off later
    /// ([`config::idempotence_enabled`]).
    pub(super) fn producer_config(
        &self,
        client: ClientProfile,
        set: &BTreeMap<String, Spanned<toml::Value>>,
    ) -> Res<Config> {
        let c = self.client_config(Scope::Producer, client, set)?;
        if let (true, Some((key, why))) = (c.is_set("enable.idempotence"), config::idempotence_conflict(&c)) {
            let span = set.get(key).or_else(|| set.get("enable.idempotence")).map(|v| v.span()).unwrap_or(0..0);
            return self.err(span, format!("{why} (enable.idempotence = true is set explicitly)"));
        }
        Ok(c)
    }

    pub(super) fn topic_name(&self, s: &Spanned<String>) -> Res<TopicName> {
        let name = s.get_ref();
        let legal = !name.is_empty()
            && name.len() <= 249
            && name != "."
            && name != ".."
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '_' || c == '-');
        if !legal {
            return self.err(s.span(), format!("`{name}` is not a legal topic name (InvalidTopic): use letters, digits, '.', '_' and '-', at most 249 characters"));
        }
        Ok(TopicName::new(name))
    }
}

/// Validate a parsed file. `name` is how the file is shown in errors.
pub fn validate(raw: ScenarioFile, name: &str, text: &str, path: &Path) -> Res<Scenario> {
    let cx = Ctx { name, text };
    let duration = cx.duration(&raw.duration)?;
    if duration == SimDuration::ZERO {
        return cx.err(raw.duration.span(), "duration must be longer than zero");
    }
    let tick = cx.opt_duration(&raw.tick, SimDuration::from_millis(1))?;
    if tick == SimDuration::ZERO {
        return cx.err(raw.tick.as_ref().map(|t| t.span()).unwrap_or(0..0), "tick must be at least 1ms");
    }
    let cluster = cluster(&cx, raw.cluster.as_ref())?;
    let broker = broker_config(&cx, raw.server_properties.as_ref(), &raw.broker)?;
    let mut topics = Vec::new();
    for t in &raw.topics {
        topics.push(topic(&cx, t.get_ref(), &cluster)?);
    }
    let actions = actions(&cx, &raw.actions, &cluster, duration)?;
    let known = known_topics(&topics, &actions);
    let auto_create = broker.bool("auto.create.topics.enable");
    let mut producers = Vec::new();
    for p in &raw.producers {
        producers.push(producer(&cx, p, &known, auto_create)?);
    }
    let services = apps::services(&cx, &raw.services)?;
    let mut consumers = Vec::new();
    for c in &raw.consumers {
        let mut spec = consumer(&cx, c, &known, auto_create)?;
        spec.call = apps::consumer_call(&cx, c.get_ref(), &services)?;
        consumers.push(spec);
    }
    let order_services = apps::order_services(&cx, &raw.order_services, &services, &known, auto_create)?;
    offsets_topic_fits(&cx, &raw, &broker, &cluster)?;
    unique_names(&cx, &raw)?;
    let mut hosts = host_names(&cluster, &producers, &consumers);
    hosts.extend(services.iter().map(|s| format!("service-{}", s.name)));
    hosts.extend(order_services.iter().map(|o| format!("app-{}", o.name)));
    check_fault_nodes(&cx, &raw.actions, &actions, &hosts)?;
    check_triggers(&cx, &raw.actions, &known, &consumers)?;
    let random_faults = random_faults(&cx, raw.faults.as_ref(), &hosts, &cluster, duration)?;
    let expect = expect(&cx, raw.expect.as_ref(), &known)?;
    if let Some(e) = &raw.expect {
        let keys = [
            ("orders_failed", &expect.orders_failed),
            ("orders_failed_min", &expect.orders_failed_min),
            ("order_latency_p99_ms_max", &expect.order_latency_p99_ms_max),
        ];
        apps::check_order_expectations(&cx, e.span(), keys, &order_services)?;
    }
    Ok(Scenario {
        name: raw.name.into_inner(),
        description: raw.description,
        seed: raw.seed.unwrap_or(1),
        duration,
        tick,
        cluster,
        broker,
        topics,
        producers,
        consumers,
        services,
        order_services,
        actions,
        random_faults,
        expect,
        path: path.to_path_buf(),
        rules: Rules::default(),
    })
}

fn cluster(cx: &Ctx, raw: Option<&Spanned<ClusterFile>>) -> Res<ClusterSpec> {
    let mut spec = ClusterSpec {
        brokers: 1,
        controllers: 1,
        latency_min: SimDuration::from_millis(1),
        latency_max: SimDuration::from_millis(1),
    };
    let Some(raw) = raw else { return Ok(spec) };
    let raw = raw.get_ref();
    if let Some(b) = &raw.brokers {
        spec.brokers = cx.count(b, "brokers", 1, 64)? as u32;
    }
    if let Some(c) = &raw.controllers {
        let n = cx.count(c, "controllers", 1, 7)? as u32;
        if n.is_multiple_of(2) {
            return cx.err(
                c.span(),
                format!(
                    "controllers = {n}: a Raft quorum needs an odd number (1, 3, 5 or 7) so a majority always exists"
                ),
            );
        }
        spec.controllers = n;
    }
    if let Some(n) = &raw.network {
        let n = n.get_ref();
        let lo = cx.count(&n.latency_ms_min, "latency_ms_min", 0, 60_000)?;
        let hi = cx.count(&n.latency_ms_max, "latency_ms_max", 0, 60_000)?;
        if hi < lo {
            return cx.err(n.latency_ms_max.span(), format!("latency_ms_max ({hi}) is below latency_ms_min ({lo})"));
        }
        spec.latency_min = SimDuration::from_millis(lo);
        spec.latency_max = SimDuration::from_millis(hi);
    }
    Ok(spec)
}

fn topic(cx: &Ctx, raw: &TopicFile, cluster: &ClusterSpec) -> Res<TopicSpec> {
    let name = cx.topic_name(&raw.name)?;
    let partitions = raw.partitions.as_ref().map(|p| cx.count(p, "partitions", 1, 10_000)).transpose()?;
    let replication_factor =
        raw.replication_factor.as_ref().map(|r| cx.count(r, "replication_factor", 1, 100)).transpose()?;
    let assignment = match &raw.replica_assignment {
        Some(a) => Some(assignment(cx, a, cluster)?),
        None => None,
    };
    let config = cx.config(config::TOPIC_KEYS, "topic", &raw.config)?;
    Ok(TopicSpec {
        name,
        partitions: partitions.map(|p| p as u32),
        replication_factor: replication_factor.map(|r| r as u32),
        assignment,
        config: config.explicit().clone(),
    })
}

fn assignment(cx: &Ctx, raw: &Spanned<Vec<Vec<i64>>>, cluster: &ClusterSpec) -> Res<Vec<Vec<BrokerId>>> {
    let mut out = Vec::new();
    for replicas in raw.get_ref() {
        let mut ids = Vec::new();
        for &b in replicas {
            if b < 1 || b > cluster.brokers as i64 {
                return cx.err(raw.span(), format!("replica_assignment names broker {b}, but the cluster has brokers 1..={} (InvalidReplicaAssignment)", cluster.brokers));
            }
            ids.push(BrokerId(b as u32));
        }
        if ids.is_empty() {
            return cx
                .err(raw.span(), "replica_assignment has a partition with no replicas (InvalidReplicaAssignment)");
        }
        out.push(ids);
    }
    if out.is_empty() {
        return cx.err(raw.span(), "replica_assignment is empty (InvalidReplicaAssignment)");
    }
    Ok(out)
}

/// The brokers' settings: `server_properties` (a pasted `server.properties` file) and
/// `[broker]` together. A key set in both is an error, not a silent override: the reader of the
/// file could not tell which one wins.
fn broker_config(
    cx: &Ctx,
    properties: Option<&Spanned<String>>,
    table: &BTreeMap<String, Spanned<toml::Value>>,
) -> Res<Config> {
    let mut merged = table.clone();
    let Some(props) = properties else { return cx.config(config::BROKER_KEYS, "broker", &merged) };
    let mut seen = BTreeSet::new();
    let mut cursor = props.span().start;
    for p in super::properties::parse(props.get_ref()) {
        let span = match property_span(cx, props, &p, cursor) {
            Some(span) => {
                cursor = span.end;
                span
            }
            None => props.span(),
        };
        if !seen.insert(p.key.clone()) {
            return cx.err(span, format!("`{}` is set twice in server_properties", p.key));
        }
        if let Some(other) = table.get(&p.key) {
            return cx
                .err(other.span(), format!("`{}` is set both in server_properties and in [broker]: keep one", p.key));
        }
        // `168` reads as a number and `true` as a boolean, as `--diff` reads values.
        let value = super::overrides::toml_value(p.value.trim());
        if let Err(m) = config::validate(config::BROKER_KEYS, "broker", &p.key, &value) {
            return cx.err(span, format!("in server_properties: {m}"));
        }
        merged.insert(p.key.clone(), Spanned::new(span, value));
    }
    cx.config(config::BROKER_KEYS, "broker", &merged)
}

/// Where a property's line sits in the file: its text inside the string's span, after the
/// previous property, at the start of a line (so a comment mentioning the key is not blamed).
/// `None` when the file does not hold it verbatim (a `"""` string with escapes): then the
/// caller blames the whole string.
fn property_span(
    cx: &Ctx,
    props: &Spanned<String>,
    p: &super::properties::Property,
    from: usize,
) -> Option<std::ops::Range<usize>> {
    let whole = props.span();
    let start = from.max(whole.start);
    let line = props.get_ref()[p.at..].lines().next().unwrap_or("").trim_end();
    let hay = cx.text.get(start..whole.end)?;
    if line.is_empty() {
        return None;
    }
    let mut pos = 0;
    while let Some(i) = hay[pos..].find(line) {
        let at = pos + i;
        let before = hay[..at].trim_end_matches([' ', '\t']);
        if before.is_empty() || before.ends_with('\n') || before.ends_with("'''") || before.ends_with("\"\"\"") {
            return Some(start + at..start + at + line.len());
        }
        pos = at + line.len();
    }
    None
}

/// The `[[actions]]`, sorted by time. An action timed after the run ends is an error, not a
/// silent no-op: a student lengthening a fault schedule past `duration` should hear why nothing
/// happened.
fn actions(
    cx: &Ctx,
    raw: &[Spanned<ActionFile>],
    cluster: &ClusterSpec,
    duration: SimDuration,
) -> Res<Vec<ActionSpec>> {
    let mut out = Vec::new();
    for a in raw {
        let r = a.get_ref();
        let at = match (&r.at, &r.when) {
            (Some(at), _) => {
                let t = cx.duration(at)?;
                if t >= duration {
                    return cx.err(
                        at.span(),
                        format!("this action at {t} would never run: the run ends at {duration} (`duration`)"),
                    );
                }
                t
            }
            (None, Some(_)) => SimDuration::ZERO,
            (None, None) => return cx.err(a.span(), "an action needs `at = \"5s\"` or `when = \"...\"`"),
        };
        let action = action(cx, r, cluster)?;
        let trigger = r.when.as_ref().map(|w| condition(cx, w, &action)).transpose()?;
        let delay = match (&r.delay, &trigger) {
            (None, _) => SimDuration::ZERO,
            (Some(d), Some(_)) => cx.duration(d)?,
            (Some(d), None) => return cx.err(d.span(), "`delay` only goes with `when = \"...\"`"),
        };
        out.push(ActionSpec { at, action, trigger, delay });
    }
    out.sort_by_key(|a| a.at);
    Ok(out)
}

/// `when = "isr(orders-0) == 1"`: parsed, with errors pointing inside the string.
fn condition(cx: &Ctx, w: &Spanned<String>, action: &Action) -> Res<Condition> {
    if !action.is_fault() {
        return cx.err(
            w.span(),
            format!(
                "`when` triggers only fault actions (crash, restart, partition, heal, slow, pause), not `{}`",
                action.describe()
            ),
        );
    }
    condition::parse(w.get_ref()).or_else(|e| {
        // The span covers the quotes: the text starts one byte in.
        let at = (w.span().start + 1 + e.at).min(w.span().end.saturating_sub(1));
        cx.err(at..at + 1, format!("bad `when` condition: {}", e.message))
    })
}

/// Every topic and group a trigger names must exist, or it could never fire.
fn check_triggers(
    cx: &Ctx,
    raw: &[Spanned<ActionFile>],
    known: &BTreeSet<TopicName>,
    consumers: &[ConsumerSpec],
) -> Res<()> {
    for a in raw {
        let Some(w) = &a.get_ref().when else { continue };
        let Ok(c) = condition::parse(w.get_ref()) else { continue };
        let (tp, group) = match &c {
            Condition::LeaderChanged(tp) => (tp, None),
            Condition::Compare { quantity: Quantity::Isr(tp) | Quantity::Leo(tp), .. } => (tp, None),
            Condition::Compare { quantity: Quantity::Lag(g, tp), .. } => (tp, Some(g)),
        };
        if !known.contains(&tp.topic) {
            return cx.err(
                w.span(),
                format!("`when` names topic `{}`, which no [[topics]] entry or create-topic action creates", tp.topic),
            );
        }
        if let Some(g) = group {
            if !consumers.iter().any(|c| c.group.as_deref() == Some(g.0.as_str())) {
                return cx.err(w.span(), format!("`when` names group `{g}`, which no consumer joins"));
            }
        }
    }
    Ok(())
}

/// `[faults.random]`, checked, with defaults filled in.
fn random_faults(
    cx: &Ctx,
    raw: Option<&FaultsFile>,
    hosts: &BTreeSet<String>,
    cluster: &ClusterSpec,
    duration: SimDuration,
) -> Res<Option<RandomFaults>> {
    let Some(r) = raw.and_then(|f| f.random.as_ref()) else { return Ok(None) };
    let f = r.get_ref();
    let kinds = match &f.kinds {
        None => vec![FaultKind::Crash],
        Some(k) => fault_kinds(cx, k)?,
    };
    let nodes = match &f.nodes {
        None => cluster.broker_ids().into_iter().map(crate::types::NodeName::broker).collect(),
        Some(n) => random_nodes(cx, n, hosts)?,
    };
    let s = |a: u64, b: u64| (SimDuration::from_millis(a), SimDuration::from_millis(b));
    let window = range(cx, f.window.as_ref(), (SimDuration::ZERO, duration), "window")?;
    if window.1 > duration {
        let span = f.window.as_ref().map_or(r.span(), |w| w.span());
        return cx.err(span, format!("`window` ends at {}, after the run ends at {duration} (`duration`)", window.1));
    }
    let gap = range(cx, f.gap.as_ref(), s(5_000, 15_000), "gap")?;
    let length = range(cx, f.length.as_ref(), s(2_000, 10_000), "length")?;
    if length.0 == SimDuration::ZERO {
        return cx.err(f.length.as_ref().map_or(r.span(), |l| l.span()), "a fault must last at least 1ms");
    }
    let latency = match &f.latency_ms {
        None => SimDuration::from_millis(200),
        Some(l) => SimDuration::from_millis(cx.count(l, "latency_ms", 0, 600_000)?),
    };
    Ok(Some(RandomFaults { kinds, nodes, window, gap, length, latency }))
}

fn fault_kinds(cx: &Ctx, k: &Spanned<Vec<String>>) -> Res<Vec<FaultKind>> {
    if k.get_ref().is_empty() {
        return cx.err(k.span(), "`kinds` needs at least one of crash, partition, pause, slow");
    }
    let mut kinds = Vec::new();
    for name in k.get_ref() {
        match FaultKind::ALL.iter().find(|f| f.name() == name) {
            Some(f) if !kinds.contains(f) => kinds.push(*f),
            Some(_) => {}
            None => {
                return cx.err(k.span(), format!("unknown fault kind `{name}`; known: crash, partition, pause, slow"))
            }
        }
    }
    Ok(kinds)
}

fn random_nodes(cx: &Ctx, n: &Spanned<Vec<String>>, hosts: &BTreeSet<String>) -> Res<Vec<crate::types::NodeName>> {
    if n.get_ref().is_empty() {
        return cx.err(n.span(), "`nodes` needs at least one host name, e.g. [\"broker-1\"]");
    }
    let mut out = Vec::new();
    for name in n.get_ref() {
        if !hosts.contains(name) {
            let known: Vec<&str> = hosts.iter().map(|h| h.as_str()).collect();
            return cx.err(n.span(), format!("no node named `{name}`; nodes: {}", known.join(", ")));
        }
        out.push(crate::types::NodeName(name.clone()));
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// `["2s", "10s"]` → (2s, 10s), smallest first.
fn range(
    cx: &Ctx,
    raw: Option<&Spanned<Vec<String>>>,
    default: (SimDuration, SimDuration),
    what: &str,
) -> Res<(SimDuration, SimDuration)> {
    let Some(r) = raw else { return Ok(default) };
    let [lo, hi] = r.get_ref().as_slice() else {
        return cx.err(r.span(), format!("`{what}` takes two durations, e.g. [\"2s\", \"10s\"]"));
    };
    let parse = |t: &str| parse_duration(t).or_else(|m| cx.err(r.span(), m));
    let (lo, hi) = (parse(lo)?, parse(hi)?);
    if lo > hi {
        return cx.err(r.span(), format!("`{what}`: the first duration must not exceed the second"));
    }
    Ok((lo, hi))
}

/// The broker keys a `set-config` action may change: the ones the controller applies at run
/// time. (All three are read-only in Kafka: an edit of server.properties and a restart.)
const SET_CONFIG_KEYS: [&str; 3] = ["delete.topic.enable", "num.partitions", "default.replication.factor"];

fn action(cx: &Ctx, r: &ActionFile, cluster: &ClusterSpec) -> Res<Action> {
    let need_topic = || -> Res<TopicName> {
        match &r.topic {
            Some(t) => cx.topic_name(t),
            None => cx.err(r.action.span(), format!("`{}` needs `topic = \"...\"`", r.action.get_ref())),
        }
    };
    match r.action.get_ref().as_str() {
        "create-topic" => {
            let name = r
                .topic
                .clone()
                .ok_or(())
                .or_else(|_| cx.err(r.action.span(), "`create-topic` needs `topic = \"...\"`"))?;
            let file = TopicFile {
                name,
                partitions: r.partitions.clone(),
                replication_factor: r.replication_factor.clone(),
                replica_assignment: r.replica_assignment.clone(),
                config: r.config.clone(),
            };
            Ok(Action::CreateTopic(topic(cx, &file, cluster)?))
        }
        "delete-topic" => Ok(Action::DeleteTopic(need_topic()?)),
        "list-topics" => Ok(Action::ListTopics),
        "set-config" => {
            let (Some(key), Some(value)) = (&r.key, &r.value) else {
                return cx.err(r.action.span(), "`set-config` needs `key` and `value`");
            };
            if !SET_CONFIG_KEYS.contains(&key.get_ref().as_str()) {
                let known = SET_CONFIG_KEYS.join(", ");
                return cx.err(key.span(), format!("`set-config` changes only {known} (the keys the controller reads)"));
            }
            let text = config::validate(config::BROKER_KEYS, "broker", key.get_ref(), value.get_ref())
                .or_else(|m| cx.err(value.span(), m))?;
            Ok(Action::SetConfig { key: key.get_ref().clone(), value: text })
        }
        "dump-log" => {
            let topic = need_topic()?;
            let p = r.partition.as_ref().map(|p| cx.count(p, "partition", 0, 9_999)).transpose()?.unwrap_or(0);
            let lookup = r.offset.as_ref().map(|o| cx.count(o, "offset", 0, i64::MAX)).transpose()?;
            Ok(Action::DumpLog { tp: tp(&topic, p as u32), lookup: lookup.map(Offset) })
        }
        "crash" => Ok(Action::Crash(need_node(cx, r)?)),
        "restart" => Ok(Action::Restart(need_node(cx, r)?)),
        "pause" => {
            let node = need_node(cx, r)?;
            let Some(d) = &r.duration else { return cx.err(r.action.span(), "`pause` needs `duration = \"...\"`") };
            Ok(Action::Pause { node, duration: cx.duration(d)? })
        }
        "slow" => {
            let node = need_node(cx, r)?;
            let Some(l) = &r.latency_ms else { return cx.err(r.action.span(), "`slow` needs `latency_ms = N`") };
            let latency = SimDuration::from_millis(cx.count(l, "latency_ms", 0, 600_000)?);
            Ok(Action::Slow { node, to: node_list(cx, r.to.as_ref())?, latency })
        }
        "partition" => {
            let from = node_list(cx, r.from.as_ref())?;
            if from.is_empty() {
                return cx.err(r.action.span(), "`partition` needs `from = [\"broker-1\", ...]` (and optionally `to`)");
            }
            Ok(Action::Partition { from, to: node_list(cx, r.to.as_ref())?, oneway: r.oneway })
        }
        "heal" => Ok(Action::Heal),
        other => cx.err(
            r.action.span(),
            format!("unknown action `{other}`; known: create-topic, delete-topic, list-topics, set-config, dump-log, crash, restart, partition, heal, slow, pause"),
        ),
    }
}

/// `node = "broker-2"` or `node = "leader(orders-0)"`.
fn need_node(cx: &Ctx, r: &ActionFile) -> Res<NodeRef> {
    match &r.node {
        Some(n) => parse_node(cx, n.get_ref(), n.span()),
        None => cx.err(
            r.action.span(),
            format!("`{}` needs `node = \"broker-1\"` or `node = \"leader(topic-0)\"`", r.action.get_ref()),
        ),
    }
}

fn node_list(cx: &Ctx, v: Option<&Spanned<Vec<String>>>) -> Res<Vec<NodeRef>> {
    let Some(v) = v else { return Ok(Vec::new()) };
    v.get_ref().iter().map(|n| parse_node(cx, n, v.span())).collect()
}

fn parse_node(cx: &Ctx, text: &str, span: std::ops::Range<usize>) -> Res<NodeRef> {
    if text == "active-controller" {
        return Ok(NodeRef::ActiveController);
    }
    if let Some(inner) = text.strip_prefix("leader(").and_then(|t| t.strip_suffix(')')) {
        let parsed = inner.rsplit_once('-').and_then(|(t, p)| Some((t, p.parse::<u32>().ok()?)));
        return match parsed {
            Some((t, p)) if !t.is_empty() => Ok(NodeRef::LeaderOf(tp(&TopicName::new(t), p))),
            _ => cx.err(span, format!("`{text}`: write leader(TOPIC-PARTITION), e.g. leader(orders-0)")),
        };
    }
    Ok(NodeRef::Name(crate::types::NodeName(text.to_string())))
}

/// Every host name a fault action names must exist in the scenario.
fn check_fault_nodes(
    cx: &Ctx,
    raw: &[Spanned<ActionFile>],
    actions: &[ActionSpec],
    hosts: &BTreeSet<String>,
) -> Res<()> {
    let _ = actions;
    for a in raw {
        let r = a.get_ref();
        let mut named: Vec<(String, std::ops::Range<usize>)> = Vec::new();
        if let Some(n) = &r.node {
            named.push((n.get_ref().clone(), n.span()));
        }
        for list in [&r.from, &r.to].into_iter().flatten() {
            named.extend(list.get_ref().iter().map(|n| (n.clone(), list.span())));
        }
        for (name, span) in named {
            if !name.starts_with("leader(") && name != "active-controller" && !hosts.contains(&name) {
                let known: Vec<&str> = hosts.iter().map(|h| h.as_str()).collect();
                return cx.err(span, format!("no node named `{name}`; nodes: {}", known.join(", ")));
            }
        }
    }
    Ok(())
}

/// The host names a scenario's nodes get (see `sim::build`).
fn host_names(cluster: &ClusterSpec, producers: &[ProducerSpec], consumers: &[ConsumerSpec]) -> BTreeSet<String> {
    let mut hosts: BTreeSet<String> = (1..=cluster.controllers).map(|c| format!("controller-{c}")).collect();
    hosts.extend(cluster.broker_ids().iter().map(|b| format!("broker-{b}")));
    hosts.extend(producers.iter().map(|p| format!("producer-{}", p.name)));
    hosts.extend(consumers.iter().map(|c| format!("consumer-{}", c.name)));
    hosts
}

fn known_topics(topics: &[TopicSpec], actions: &[ActionSpec]) -> BTreeSet<TopicName> {
    let mut known: BTreeSet<TopicName> = topics.iter().map(|t| t.name.clone()).collect();
    for a in actions {
        if let Action::CreateTopic(t) = &a.action {
            known.insert(t.name.clone());
        }
    }
    known
}

pub(super) fn check_topic_known(
    cx: &Ctx,
    t: &Spanned<String>,
    known: &BTreeSet<TopicName>,
    auto: bool,
) -> Res<TopicName> {
    let name = cx.topic_name(t)?;
    if !known.contains(&name) && !auto {
        return cx.err(t.span(), format!("topic `{name}` is neither in [[topics]] nor created by an action, and auto.create.topics.enable is false"));
    }
    Ok(name)
}

fn producer(cx: &Ctx, p: &Spanned<ProducerFile>, known: &BTreeSet<TopicName>, auto: bool) -> Res<ProducerSpec> {
    let r = p.get_ref();
    let topic = check_topic_known(cx, &r.topic, known, auto)?;
    let interval_us = match (&r.rate_per_s, &r.interval) {
        (Some(_), Some(i)) => return cx.err(i.span(), "give either `rate_per_s` or `interval`, not both"),
        (Some(rate), None) => rate_interval_us(cx, rate)?,
        (None, Some(i)) => {
            let d = cx.duration(i)?;
            if d == SimDuration::ZERO {
                return cx.err(i.span(), "interval must be at least 1ms");
            }
            d.0
        }
        (None, None) => 1_000_000,
    };
    let values = match (&r.values, &r.value) {
        (Some(_), Some(_)) => return cx.err(p.span(), "give either `values` or `value`, not both"),
        (Some(list), None) => ValueSource::List(list.clone()),
        (None, Some(t)) => ValueSource::Template(t.clone()),
        (None, None) => ValueSource::Template("{n}".to_string()),
    };
    let count = r.count.as_ref().map(|c| cx.count(c, "count", 0, i64::MAX)).transpose()?;
    let count = match (&values, count) {
        (ValueSource::List(l), None) => Some(l.len() as u64),
        (_, c) => c,
    };
    let keys = match &r.keys {
        None => KeySource::None,
        Some(k) => key_source(cx, k)?,
    };
    let value_bytes = r.value_bytes.as_ref().map(|v| cx.count(v, "value_bytes", 0, 1_000_000)).transpose()?;
    let client = cx.client(r.client.as_ref())?;
    Ok(ProducerSpec {
        name: r.name.get_ref().clone(),
        topic,
        start: cx.opt_duration(&r.start, SimDuration::ZERO)?,
        interval_us,
        count,
        values,
        value_bytes,
        keys,
        print: r.print,
        client,
        config: cx.producer_config(client, &r.config)?,
    })
}

/// `rate_per_s = 400` as microseconds between records.
pub(super) fn rate_interval_us(cx: &Ctx, rate: &Spanned<f64>) -> Res<u64> {
    let v = *rate.get_ref();
    if !(v.is_finite() && v > 0.0 && v <= 10_000_000.0) {
        return cx
            .err(rate.span(), format!("rate_per_s must be a positive number per second (at most 10000000), not {v}"));
    }
    Ok(((1_000_000.0 / v).round() as u64).max(1))
}

fn key_source(cx: &Ctx, k: &Spanned<String>) -> Res<KeySource> {
    let text = k.get_ref();
    let (Some(open), Some(close)) = (text.find('{'), text.find('}')) else {
        return Ok(KeySource::Fixed(text.clone()));
    };
    let inner = &text[open + 1..close];
    let parsed = inner.split_once("..").and_then(|(a, b)| Some((a.parse::<u64>().ok()?, b.parse::<u64>().ok()?)));
    match parsed {
        Some((lo, hi)) if hi > lo => {
            Ok(KeySource::Range { prefix: text[..open].to_string(), lo, hi, suffix: text[close + 1..].to_string() })
        }
        _ => cx.err(
            k.span(),
            format!("keys `{text}`: write a range as `prefix{{LO..HI}}` with LO < HI, e.g. \"user-{{0..100}}\""),
        ),
    }
}

/// A consumer's `print`: `true`/`"kafka-python"` (the seed's consumer.py), `"value"`
/// (`kafka-console-consumer.sh`), `false` or absent (silent).
fn print_format(cx: &Ctx, print: Option<&Spanned<toml::Value>>) -> Res<Option<PrintFormat>> {
    let Some(p) = print else { return Ok(None) };
    match p.get_ref() {
        toml::Value::Boolean(false) => Ok(None),
        toml::Value::Boolean(true) => Ok(Some(PrintFormat::KafkaPython)),
        toml::Value::String(s) if s == "kafka-python" => Ok(Some(PrintFormat::KafkaPython)),
        toml::Value::String(s) if s == "value" => Ok(Some(PrintFormat::Value)),
        other => cx.err(
            p.span(),
            format!(
                "`print = {other}`: use true or \"kafka-python\" (consumer.py's lines), \"value\" \
                 (kafka-console-consumer.sh: the value alone) or false"
            ),
        ),
    }
}

fn consumer(cx: &Ctx, c: &Spanned<ConsumerFile>, known: &BTreeSet<TopicName>, auto: bool) -> Res<ConsumerSpec> {
    let r = c.get_ref();
    if r.topics.get_ref().is_empty() {
        return cx.err(r.topics.span(), "a consumer needs at least one topic");
    }
    let mut topics = Vec::new();
    for t in r.topics.get_ref() {
        let spanned = Spanned::new(r.topics.span(), t.clone());
        topics.push(check_topic_known(cx, &spanned, known, auto)?);
    }
    let client = cx.client(r.client.as_ref())?;
    Ok(ConsumerSpec {
        name: r.name.get_ref().clone(),
        group: r.group.clone(),
        topics,
        start: cx.opt_duration(&r.start, SimDuration::ZERO)?,
        stop: r.stop.as_ref().map(|s| cx.duration(s)).transpose()?,
        from_beginning: r.from_beginning,
        seek: r.seek.as_ref().map(|s| cx.count(s, "seek", 0, i64::MAX)).transpose()?.map(Offset),
        print: print_format(cx, r.print.as_ref())?,
        call: None,
        client,
        config: consumer_config(cx, c, client, &r.config)?,
    })
}

/// A consumer's config, refusing group timings the Java client refuses
/// ([`config::heartbeat_conflict`]), at the consumer's heartbeat or session key.
fn consumer_config(
    cx: &Ctx,
    c: &Spanned<ConsumerFile>,
    client: ClientProfile,
    set: &BTreeMap<String, Spanned<toml::Value>>,
) -> Res<Config> {
    let config = cx.client_config(Scope::Consumer, client, set)?;
    let in_group = c.get_ref().group.is_some();
    if let Some(why) = config::heartbeat_conflict(&config).filter(|_| in_group) {
        let at = set.get("heartbeat.interval.ms").or_else(|| set.get("session.timeout.ms"));
        let name = c.get_ref().name.get_ref();
        return cx.err(at.map(|v| v.span()).unwrap_or(c.span()), format!("consumer `{name}`: {why}"));
    }
    Ok(config)
}

/// A group needs `__consumer_offsets`, which needs `offsets.topic.replication.factor` brokers:
/// Kafka would answer `COORDINATOR_NOT_AVAILABLE` forever. Say so up front.
fn offsets_topic_fits(cx: &Ctx, raw: &ScenarioFile, broker: &Config, cluster: &ClusterSpec) -> Res<()> {
    let Some(c) = raw.consumers.iter().find(|c| c.get_ref().group.is_some()) else { return Ok(()) };
    let rf = broker.uint("offsets.topic.replication.factor");
    if rf <= cluster.brokers as u64 {
        return Ok(());
    }
    let span = raw.broker.get("offsets.topic.replication.factor").map(|v| v.span()).unwrap_or(c.span());
    cx.err(
        span,
        format!(
            "consumer groups need __consumer_offsets, whose offsets.topic.replication.factor is {rf} (Kafka's default is 3) \
             but the cluster has {} broker(s): Kafka would answer COORDINATOR_NOT_AVAILABLE forever. \
             Set \"offsets.topic.replication.factor\" = {} under [broker], as Kafka's sample server.properties does",
            cluster.brokers, cluster.brokers
        ),
    )
}

fn unique_names(cx: &Ctx, raw: &ScenarioFile) -> Res<()> {
    let mut seen = BTreeSet::new();
    for n in raw.producers.iter().map(|p| &p.get_ref().name).chain(raw.consumers.iter().map(|c| &c.get_ref().name)) {
        let legal =
            !n.get_ref().is_empty() && n.get_ref().chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c));
        if !legal {
            return cx.err(
                n.span(),
                format!("client name `{}` must be non-empty letters, digits, '.', '_' or '-'", n.get_ref()),
            );
        }
        if !seen.insert(n.get_ref().clone()) {
            return cx.err(n.span(), format!("client name `{}` is used twice", n.get_ref()));
        }
    }
    Ok(())
}

fn expect(cx: &Ctx, raw: Option<&Spanned<ExpectFile>>, known: &BTreeSet<TopicName>) -> Res<Expectations> {
    let Some(raw) = raw else { return Ok(Expectations::default()) };
    let span = raw.span();
    let r = raw.get_ref();
    let throughput_ratio = match &r.throughput_ratio {
        Some(t) => {
            for name in [&t.numerator, &t.denominator] {
                if !known.contains(&TopicName::new(name)) {
                    return cx.err(
                        span,
                        format!("throughput_ratio names topic `{name}`, which the scenario does not create"),
                    );
                }
            }
            Some(ThroughputRatio {
                numerator: TopicName::new(&t.numerator),
                denominator: TopicName::new(&t.denominator),
                min: t.min,
            })
        }
        None => None,
    };
    Ok(Expectations {
        lost_acked: r.lost_acked,
        order_violations: r.order_violations,
        duplicates: r.duplicates,
        acked_min: r.acked_min,
        consumed_min: r.consumed_min,
        send_failures: r.send_failures,
        out_of_range_resets_min: r.out_of_range_resets_min,
        cross_partition_inversions_min: r.cross_partition_inversions_min,
        lost_acked_min: r.lost_acked_min,
        divergent_offsets: r.divergent_offsets,
        divergent_offsets_min: r.divergent_offsets_min,
        offline_partitions_min: r.offline_partitions_min,
        offline_partitions: r.offline_partitions,
        unclean_elections_min: r.unclean_elections_min,
        not_enough_replicas_min: r.not_enough_replicas_min,
        failovers_min: r.failovers_min,
        segments_deleted_min: r.segments_deleted_min,
        segments_rolled_min: r.segments_rolled_min,
        group_duplicates: r.group_duplicates,
        group_duplicates_min: r.group_duplicates_min,
        unseen: r.unseen,
        unseen_min: r.unseen_min,
        generations_min: r.generations_min,
        commit_failures_min: r.commit_failures_min,
        exclusivity_violations: r.exclusivity_violations,
        buffer_exhausted_min: r.buffer_exhausted_min,
        idle_members_min: r.idle_members_min,
        zombie_overlaps_min: r.zombie_overlaps_min,
        admin_errors: r.admin_errors.clone(),
        throughput_ratio,
        orders_failed: r.orders_failed.clone(),
        orders_failed_min: r.orders_failed_min.clone(),
        order_latency_p99_ms_max: r.order_latency_p99_ms_max.clone(),
        unresolved_records: r.unresolved_records,
        produce_stalls: r.produce_stalls,
        unrecovered_partitions: r.unrecovered_partitions,
        unsettled_groups: r.unsettled_groups,
    })
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    fn parse(body: &str) -> Result<super::Scenario, super::ScenarioError> {
        let text = format!("name = \"t\"\ndescription = \"d\"\nduration = \"1s\"\n[[topics]]\nname = \"t\"\n{body}");
        super::super::parse(&text, "test.toml", Path::new("test.toml"))
    }

    /// `ProducerConfig.postProcessAndValidateIdempotenceConfigs`: explicit idempotence with
    /// acks=1 is a ConfigException, at the conflicting key's line; defaulted, it is dropped.
    #[test]
    fn explicit_idempotence_with_acks_1_is_an_error_at_its_line() {
        let p = "[[producers]]\nname = \"p\"\ntopic = \"t\"\n";
        let err = parse(&format!("{p}config = {{ \"acks\" = \"1\", \"enable.idempotence\" = true }}\n"))
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("test.toml:9:"), "{err}");
        assert!(err.contains("Must set acks to all"), "{err}");
        let s = parse(&format!("{p}config = {{ \"acks\" = \"1\" }}\n")).expect("a defaulted conflict is not an error");
        assert!(!crate::scenario::config::idempotence_enabled(&s.producers[0].config));
        let err = parse(&format!(
            "{p}config = {{ \"max.in.flight.requests.per.connection\" = 6, \"enable.idempotence\" = true }}\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("at most 5"), "{err}");
    }

    /// The Java client's `Heartbeat`: heartbeat.interval.ms must be below session.timeout.ms.
    #[test]
    fn heartbeat_at_or_above_the_session_timeout_is_an_error_naming_the_consumer() {
        let c = "[[consumers]]\nname = \"c\"\ngroup = \"g\"\ntopics = [\"t\"]\n";
        let err =
            parse(&format!("{c}config = {{ \"session.timeout.ms\" = 6000, \"heartbeat.interval.ms\" = 6000 }}\n"))
                .unwrap_err()
                .to_string();
        assert!(err.starts_with("test.toml:10:"), "{err}");
        assert!(err.contains("consumer `c`") && err.contains("heartbeat.interval.ms (6000)"), "{err}");
    }
}
