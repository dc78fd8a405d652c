//! A notification request to a service outside Kafka (an SMS or e-mail gateway).
//!
//! The seed's first example: an order system must also send text messages and e-mails, which
//! are slow and not urgent. These types are how the order service (when it calls directly) and
//! a consumer (when the work comes through a topic) ask a gateway to send one. They are not part
//! of Kafka's protocol; they share its framing so that every node runs on the same driver.

use serde::{Deserialize, Serialize};

/// "Send this message": the gateway answers once it has sent it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotifyRequest {
    /// What to send; by convention the order it is about (`shop-sync#17`), so a delivery can
    /// be traced back to its order.
    pub message: String,
}
