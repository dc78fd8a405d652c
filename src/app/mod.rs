//! Applications around Kafka: the systems a message queue sits between.
//!
//! The seed's first chapter argues for a queue with an order system (订单系统) that must also
//! send text messages and e-mails. To show that argument rather than state it, kafkasim models
//! both ends as sans-IO nodes like every other:
//! - [`gateway`]: an SMS or e-mail provider, slow and of limited capacity;
//! - [`order_service`]: the order system, which notifies customers either by calling the
//!   gateways itself or by producing to a topic that consumers (with `call = "..."`) drain.

pub mod gateway;
pub mod order_service;
