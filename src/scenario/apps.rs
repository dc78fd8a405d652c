//! Validating the applications around Kafka: `[[services]]`, `[[order_services]]`, a
//! consumer's `call`, and the `[expect]` keys about orders.
//!
//! Kept apart from `validate.rs` because these tables describe the systems a queue sits
//! between, not Kafka itself; the checks are the same kind (every name resolves, every
//! duration parses, errors point at the span).

use super::file::{ConsumerFile, OrderServiceFile, ServiceFile};
use super::model::{CallSpec, NotifySpec, OrderServiceSpec, ServiceSpec};
use super::validate::{check_topic_known, rate_interval_us, Ctx, Res};
use crate::types::{SimDuration, TopicName};
use std::collections::{BTreeMap, BTreeSet};
use toml::Spanned;

/// Default wait for a call's answer.
const DEFAULT_CALL_TIMEOUT: SimDuration = SimDuration(5_000_000);

fn legal_name(cx: &Ctx, n: &Spanned<String>, what: &str, seen: &mut BTreeSet<String>) -> Res<String> {
    let name = n.get_ref();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "._-".contains(c)) {
        return cx.err(n.span(), format!("{what} name `{name}` must be non-empty letters, digits, '.', '_' or '-'"));
    }
    if !seen.insert(name.clone()) {
        return cx.err(n.span(), format!("{what} name `{name}` is used twice"));
    }
    Ok(name.clone())
}

/// `[[services]]`, checked.
pub(super) fn services(cx: &Ctx, raw: &[Spanned<ServiceFile>]) -> Res<Vec<ServiceSpec>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for s in raw {
        let r = s.get_ref();
        let name = legal_name(cx, &r.name, "service", &mut seen)?;
        let concurrency = r.concurrency.as_ref().map(|c| cx.count(c, "concurrency", 1, 10_000)).transpose()?;
        out.push(ServiceSpec {
            name,
            service_time: cx.duration(&r.service_time)?,
            concurrency: concurrency.unwrap_or(1) as u32,
        });
    }
    Ok(out)
}

fn service_known(cx: &Ctx, name: &Spanned<String>, services: &[ServiceSpec]) -> Res<String> {
    if services.iter().any(|s| s.name == *name.get_ref()) {
        return Ok(name.get_ref().clone());
    }
    let known: Vec<&str> = services.iter().map(|s| s.name.as_str()).collect();
    cx.err(
        name.span(),
        format!("`{}` is not a service: declare it under [[services]] (known: {known:?})", name.get_ref()),
    )
}

/// A consumer's `call = "..."`, checked.
pub(super) fn consumer_call(cx: &Ctx, r: &ConsumerFile, services: &[ServiceSpec]) -> Res<Option<CallSpec>> {
    let Some(name) = &r.call else {
        if let Some(t) = &r.call_timeout {
            return cx.err(t.span(), "`call_timeout` only goes with `call = \"SERVICE\"`");
        }
        return Ok(None);
    };
    let service = service_known(cx, name, services)?;
    let timeout = cx.opt_duration(&r.call_timeout, DEFAULT_CALL_TIMEOUT)?;
    if timeout == SimDuration::ZERO {
        return cx.err(r.call_timeout.as_ref().map_or(name.span(), |t| t.span()), "call_timeout must be above zero");
    }
    Ok(Some(CallSpec { service, timeout }))
}

/// `[[order_services]]`, checked.
pub(super) fn order_services(
    cx: &Ctx,
    raw: &[Spanned<OrderServiceFile>],
    services: &[ServiceSpec],
    known: &BTreeSet<TopicName>,
    auto_create: bool,
) -> Res<Vec<OrderServiceSpec>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    for o in raw {
        let r = o.get_ref();
        let name = legal_name(cx, &r.name, "order service", &mut seen)?;
        let workers = r.workers.as_ref().map(|w| cx.count(w, "workers", 1, 100_000)).transpose()?;
        out.push(OrderServiceSpec {
            name,
            start: cx.opt_duration(&r.start, SimDuration::ZERO)?,
            interval_us: rate_interval_us(cx, &r.rate_per_s)?,
            count: r.count.as_ref().map(|c| cx.count(c, "count", 0, i64::MAX)).transpose()?,
            workers: workers.unwrap_or(8) as u32,
            work: cx.opt_duration(&r.work, SimDuration::ZERO)?,
            notify: notify(cx, o, services, known, auto_create)?,
        });
    }
    Ok(out)
}

fn notify(
    cx: &Ctx,
    o: &Spanned<OrderServiceFile>,
    services: &[ServiceSpec],
    known: &BTreeSet<TopicName>,
    auto_create: bool,
) -> Res<NotifySpec> {
    let r = o.get_ref();
    match (&r.call, &r.topic) {
        (Some(_), Some(t)) => cx.err(t.span(), "give either `call = [...]` or `topic = \"...\"`, not both"),
        (None, None) => cx.err(o.span(), "an order service notifies by `call = [\"sms\", ...]` or `topic = \"...\"`"),
        (Some(call), None) => {
            if let Some((k, v)) = r.config.iter().next() {
                return cx.err(v.span(), format!("`{k}`: producer configs only apply with `topic = \"...\"`"));
            }
            let mut names = Vec::new();
            for n in call.get_ref() {
                names.push(service_known(cx, &Spanned::new(call.span(), n.clone()), services)?);
            }
            let timeout = cx.opt_duration(&r.call_timeout, DEFAULT_CALL_TIMEOUT)?;
            Ok(NotifySpec::Call { services: names, timeout })
        }
        (None, Some(topic)) => {
            if let Some(t) = &r.call_timeout {
                return cx.err(t.span(), "`call_timeout` only goes with `call = [...]`");
            }
            Ok(NotifySpec::Topic {
                topic: check_topic_known(cx, topic, known, auto_create)?,
                config: cx.producer_config(super::profile::ClientProfile::default(), &r.config)?,
            })
        }
    }
}

/// Every order service an `[expect]` key names must exist.
pub(super) fn check_order_expectations(
    cx: &Ctx,
    span: std::ops::Range<usize>,
    keys: [(&str, &BTreeMap<String, u64>); 3],
    order_services: &[OrderServiceSpec],
) -> Res<()> {
    for (key, map) in keys {
        for name in map.keys() {
            if !order_services.iter().any(|o| o.name == *name) {
                let known: Vec<&str> = order_services.iter().map(|o| o.name.as_str()).collect();
                return cx.err(span, format!("{key} names `{name}`, which is not an order service (known: {known:?})"));
            }
        }
    }
    Ok(())
}
