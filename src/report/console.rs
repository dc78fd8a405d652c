//! The console output of a run: what the seed's scripts and Kafka's tools would print.

use crate::scenario::model::PrintFormat;
use crate::scenario::Scenario;
use crate::sim::build::{admin_node, consumer_node, producer_node};
use crate::trace::{py_bytes, py_key, Event, Trace};
use crate::types::NodeName;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

/// The console lines of a run, each prefixed with its simulated time and node.
pub fn render(scenario: &Scenario, trace: &Trace) -> String {
    let printing: BTreeMap<NodeName, PrintFormat> =
        scenario.consumers.iter().filter_map(|c| Some((consumer_node(&c.name), c.print?))).collect();
    let echoing: BTreeSet<NodeName> =
        scenario.producers.iter().filter(|p| p.print).map(|p| producer_node(&p.name)).collect();
    let admin = admin_node();
    let mut out = String::new();
    for e in trace.entries() {
        let prefix = format!("{} {}", e.time, e.node);
        match &e.event {
            Event::Consumed { tp, records } => {
                let Some(format) = printing.get(&e.node) else { continue };
                for r in records {
                    let _ = match format {
                        PrintFormat::KafkaPython => writeln!(
                            out,
                            "{prefix}: {}:{}:{}: key={} value={}",
                            tp.topic,
                            tp.partition,
                            r.offset,
                            py_key(&r.key),
                            py_bytes(&r.value)
                        ),
                        PrintFormat::Value => writeln!(out, "{prefix}: {}", String::from_utf8_lossy(&r.value)),
                    };
                }
            }
            Event::Sent { value, .. } if echoing.contains(&e.node) => {
                let _ = writeln!(out, "{prefix}: >{}", String::from_utf8_lossy(value));
            }
            Event::ActionStarted { action } if e.node == admin => {
                let _ = writeln!(out, "{prefix}$ {action}");
            }
            Event::AdminResult { result, .. } => match result {
                Ok(text) => {
                    for line in text.lines() {
                        let _ = writeln!(out, "{prefix}: {line}");
                    }
                }
                Err(err) => {
                    let _ = writeln!(out, "{prefix}: Error: {}: {}", err.code, err.message);
                }
            },
            Event::LogDumped { tp, dump } => dump_lines(&mut out, &prefix, tp, dump),
            Event::OffsetReset { tp, reason, offset } if reason.starts_with("OffsetOutOfRange") => {
                let _ = writeln!(out, "{prefix}: {tp}: {reason}: position reset to {offset}");
            }
            Event::ConsumerError { tp, error } => {
                let _ = writeln!(out, "{prefix}: {tp}: error {error}");
            }
            Event::ConsumerFailed { group, error } => {
                let _ = writeln!(out, "{prefix}: group {group}: fatal error {error}: the consumer stopped");
            }
            Event::SendFailed { ids, error } => {
                let _ = writeln!(out, "{prefix}: send failed for {} record(s): {error}", ids.len());
            }
            _ => {}
        }
    }
    out
}

fn dump_lines(
    out: &mut String,
    prefix: &str,
    tp: &crate::types::TopicPartition,
    dump: &Result<crate::protocol::admin::LogDump, crate::protocol::ErrorCode>,
) {
    let d = match dump {
        Ok(d) => d,
        Err(e) => {
            let _ = writeln!(out, "{prefix}: {tp}: error {e}");
            return;
        }
    };
    let _ = writeln!(
        out,
        "{prefix}: {tp}: log start offset {}, log end offset {}, {} segment(s)",
        d.log_start_offset,
        d.log_end_offset,
        d.segments.len()
    );
    for s in &d.segments {
        let index = s.file.replace(".log", ".index");
        let _ = writeln!(
            out,
            "{prefix}:   {} + {}  base offset {}, {} records, {} bytes, {} index entries",
            s.file, index, s.base_offset, s.records, s.size_bytes, s.index_entries
        );
    }
    match &d.lookup {
        Some(Ok(l)) => {
            let _ = writeln!(
                out,
                "{prefix}: lookup offset {}: segment {} (base {} is the greatest base <= {})",
                l.offset, l.segment_file, l.segment_base, l.offset
            );
            let index = l.segment_file.replace(".log", ".index");
            let _ = writeln!(out, "{prefix}:   its index: kafka-dump-log.sh --files /tmp/kafka-logs/{tp}/{index}");
            match l.index_entry {
                Some((o, pos)) => {
                    let _ = writeln!(out, "{prefix}:   sparse index entry: offset {o} at byte {pos}; scanned {} record(s) forward to byte {}", l.scanned_records, l.position);
                }
                None => {
                    let _ = writeln!(out, "{prefix}:   no index entry at or below it: scanned {} record(s) from the segment start to byte {}", l.scanned_records, l.position);
                }
            }
        }
        Some(Err(e)) => {
            let _ = writeln!(out, "{prefix}: lookup failed: {e}");
        }
        None => {}
    }
}
