//! State triggers: `when = "isr(orders-0) == 1"` on a fault action.
//!
//! A scripted fault at a fixed time hits the interesting moment only by luck: the ISR may or
//! may not have shrunk yet on this seed. A trigger fires the action the first time its
//! condition holds, so the anomaly happens on every run. The grammar is deliberately tiny:
//!
//! ```text
//! isr(TOPIC-P)         OP N      size of the partition's in-sync replica set
//! leo(TOPIC-P)         OP N      the partition's log end offset on its leader (records appended)
//! lag(GROUP, TOPIC-P)  OP N      log end offset minus the group's committed offset
//! leader(TOPIC-P) changed        the leader differs from the one seen when watching started
//! ```
//! where `OP` is one of `==`, `!=`, `<`, `<=`, `>`, `>=`. This module only parses; the
//! simulation driver evaluates conditions against the live cluster (`sim::triggers`).

use crate::types::{GroupId, PartitionId, TopicName, TopicPartition};

/// A comparison operator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cmp {
    /// `==`
    Eq,
    /// `!=`
    Ne,
    /// `<`
    Lt,
    /// `<=`
    Le,
    /// `>`
    Gt,
    /// `>=`
    Ge,
}

impl Cmp {
    /// Whether `left OP right` holds.
    pub fn holds(self, left: u64, right: u64) -> bool {
        match self {
            Cmp::Eq => left == right,
            Cmp::Ne => left != right,
            Cmp::Lt => left < right,
            Cmp::Le => left <= right,
            Cmp::Gt => left > right,
            Cmp::Ge => left >= right,
        }
    }

    fn symbol(self) -> &'static str {
        match self {
            Cmp::Eq => "==",
            Cmp::Ne => "!=",
            Cmp::Lt => "<",
            Cmp::Le => "<=",
            Cmp::Gt => ">",
            Cmp::Ge => ">=",
        }
    }
}

/// A quantity a condition compares.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// ISR size of a partition.
    Isr(TopicPartition),
    /// Log end offset of a partition's leader.
    Leo(TopicPartition),
    /// A group's lag on a partition.
    Lag(GroupId, TopicPartition),
}

/// A parsed `when` condition.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// `QUANTITY OP N`.
    Compare {
        /// What is measured.
        quantity: Quantity,
        /// How it is compared.
        op: Cmp,
        /// With what.
        value: u64,
    },
    /// `leader(TP) changed`.
    LeaderChanged(TopicPartition),
}

impl std::fmt::Display for Condition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Condition::Compare { quantity, op, value } => {
                let q = match quantity {
                    Quantity::Isr(tp) => format!("isr({tp})"),
                    Quantity::Leo(tp) => format!("leo({tp})"),
                    Quantity::Lag(g, tp) => format!("lag({g}, {tp})"),
                };
                write!(f, "{q} {} {value}", op.symbol())
            }
            Condition::LeaderChanged(tp) => write!(f, "leader({tp}) changed"),
        }
    }
}

/// Why a condition does not parse: a message and the byte offset in the condition text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConditionError {
    /// Byte offset of the problem within the condition.
    pub at: usize,
    /// What is wrong and what to write instead.
    pub message: String,
}

const GRAMMAR: &str =
    "write `isr(TOPIC-P) OP N`, `leo(TOPIC-P) OP N`, `lag(GROUP, TOPIC-P) OP N` or `leader(TOPIC-P) changed`, with OP one of == != < <= > >=";

/// Parse a condition.
pub fn parse(text: &str) -> Result<Condition, ConditionError> {
    let start = text.len() - text.trim_start().len();
    let t = text.trim();
    let bad = |at: usize, m: String| Err(ConditionError { at, message: m });
    let Some(open) = t.find('(') else { return bad(start, format!("`{t}` has no `(`: {GRAMMAR}")) };
    let Some(close) = t.find(')') else { return bad(start + t.len(), format!("missing `)`: {GRAMMAR}")) };
    if close < open {
        return bad(start + close, format!("`)` before `(`: {GRAMMAR}"));
    }
    let func = t[..open].trim();
    let args: Vec<&str> = t[open + 1..close].split(',').map(str::trim).collect();
    let rest = t[close + 1..].trim();
    let rest_at = start + close + 1 + (t[close + 1..].len() - t[close + 1..].trim_start().len());
    let arg_at = start + open + 1;
    let quantity = match (func, args.as_slice()) {
        ("leader", [p]) => {
            let tp = partition(p).map_err(|m| ConditionError { at: arg_at, message: m })?;
            return if rest == "changed" {
                Ok(Condition::LeaderChanged(tp))
            } else {
                bad(rest_at, format!("after `leader({tp})` write `changed`, not `{rest}`"))
            };
        }
        ("isr", [p]) => Quantity::Isr(partition(p).map_err(|m| ConditionError { at: arg_at, message: m })?),
        ("leo", [p]) => Quantity::Leo(partition(p).map_err(|m| ConditionError { at: arg_at, message: m })?),
        ("lag", [g, p]) if !g.is_empty() => {
            Quantity::Lag(GroupId(g.to_string()), partition(p).map_err(|m| ConditionError { at: arg_at, message: m })?)
        }
        ("isr" | "leo" | "leader", _) => {
            return bad(arg_at, format!("`{func}(...)` takes one partition, e.g. {func}(orders-0)"))
        }
        ("lag", _) => {
            return bad(arg_at, "`lag(...)` takes a group and a partition, e.g. lag(billing, orders-0)".into())
        }
        _ => return bad(start, format!("unknown function `{func}`: {GRAMMAR}")),
    };
    let (op, number) = comparison(rest).map_err(|m| ConditionError { at: rest_at, message: m })?;
    let value = number
        .trim()
        .parse::<u64>()
        .map_err(|_| ConditionError { at: rest_at, message: format!("`{}` is not a whole number", number.trim()) })?;
    Ok(Condition::Compare { quantity, op, value })
}

/// `orders-0` → the partition.
fn partition(text: &str) -> Result<TopicPartition, String> {
    let parsed = text.rsplit_once('-').and_then(|(t, p)| Some((t, p.parse::<u32>().ok()?)));
    match parsed {
        Some((t, p)) if !t.is_empty() => Ok(TopicPartition { topic: TopicName::new(t), partition: PartitionId(p) }),
        _ => Err(format!("`{text}` is not a partition: write TOPIC-P, e.g. orders-0")),
    }
}

/// `== 1` → (Eq, "1"). Two-character operators are tried first.
fn comparison(rest: &str) -> Result<(Cmp, &str), String> {
    let ops = [("==", Cmp::Eq), ("!=", Cmp::Ne), ("<=", Cmp::Le), (">=", Cmp::Ge), ("<", Cmp::Lt), (">", Cmp::Gt)];
    for (sym, op) in ops {
        if let Some(number) = rest.strip_prefix(sym) {
            return Ok((op, number));
        }
    }
    Err(format!("expected a comparison (== != < <= > >=) and a number, found `{rest}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_every_form() {
        assert_eq!(parse("isr(orders-0) == 1").unwrap().to_string(), "isr(orders-0) == 1");
        assert_eq!(parse(" leader(my-topic-12) changed").unwrap().to_string(), "leader(my-topic-12) changed");
        assert_eq!(parse("lag(billing, orders-2) > 1000").unwrap().to_string(), "lag(billing, orders-2) > 1000");
        assert_eq!(parse("leo(orders-0)>=500").unwrap().to_string(), "leo(orders-0) >= 500");
    }

    #[test]
    fn errors_point_at_the_problem() {
        let e = parse("isr(orders-0) = 1").unwrap_err();
        assert_eq!(e.at, 14, "{e:?}");
        assert!(e.message.contains("expected a comparison"), "{e:?}");
        let e = parse("isr(orders) == 1").unwrap_err();
        assert_eq!(e.at, 4);
        assert!(e.message.contains("not a partition"));
        let e = parse("size(orders-0) == 1").unwrap_err();
        assert!(e.message.contains("unknown function `size`"));
        let e = parse("leader(orders-0) moved").unwrap_err();
        assert!(e.message.contains("write `changed`"));
        let e = parse("isr(orders-0) == many").unwrap_err();
        assert!(e.message.contains("not a whole number"));
        assert!(parse("lag(orders-0) > 1").unwrap_err().message.contains("a group and a partition"));
    }

    #[test]
    fn comparisons_hold_as_written() {
        assert!(Cmp::Le.holds(1, 1) && !Cmp::Lt.holds(1, 1) && Cmp::Ne.holds(1, 2) && Cmp::Ge.holds(3, 2));
    }
}
