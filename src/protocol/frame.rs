//! Framing: a message on the wire is a 4-byte big-endian length, then the message encoded with
//! postcard (a compact serde format). Like Kafka's own framing, the length comes first so a
//! reader knows how much to wait for.
//!
//! Only encoding and decoding of bytes live here; reading and writing sockets is `sim/`'s job.

use super::Message;
use thiserror::Error;

/// The largest frame accepted (Kafka's `socket.request.max.bytes` default, 100 MiB).
pub const MAX_FRAME_BYTES: u32 = 104_857_600;

/// Why bytes could not be turned into a message.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum FrameError {
    /// The length prefix is larger than `MAX_FRAME_BYTES`.
    #[error("frame of {0} bytes exceeds socket.request.max.bytes ({MAX_FRAME_BYTES})")]
    TooLarge(u32),
    /// The body is not a valid message.
    #[error("malformed frame body: {0}")]
    Malformed(String),
}

/// Encode a message with its length prefix.
pub fn encode(msg: &Message) -> Vec<u8> {
    let body = postcard::to_stdvec(msg).expect("encoding plain data into a Vec cannot fail");
    assert!(body.len() as u64 <= MAX_FRAME_BYTES as u64, "frame too large to send: {} bytes", body.len());
    let mut out = Vec::with_capacity(4 + body.len());
    out.extend_from_slice(&(body.len() as u32).to_be_bytes());
    out.extend_from_slice(&body);
    out
}

/// Check a length prefix before reading the body it announces.
pub fn check_length(prefix: [u8; 4]) -> Result<usize, FrameError> {
    let len = u32::from_be_bytes(prefix);
    if len > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge(len));
    }
    Ok(len as usize)
}

/// Decode a frame body (without its length prefix).
pub fn decode(body: &[u8]) -> Result<Message, FrameError> {
    postcard::from_bytes(body).map_err(|e| FrameError::Malformed(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocol::{CorrelationId, Request};

    #[test]
    fn round_trips() {
        let msg = Message::Request(CorrelationId(7), Request::Metadata { topics: None, allow_auto_create: true });
        let bytes = encode(&msg);
        let len = check_length(bytes[..4].try_into().unwrap()).unwrap();
        assert_eq!(len, bytes.len() - 4);
        assert_eq!(decode(&bytes[4..]).unwrap(), msg);
    }

    #[test]
    fn rejects_garbage_and_huge_frames() {
        assert!(matches!(decode(&[0xff, 0xff, 0xff]), Err(FrameError::Malformed(_))));
        assert_eq!(check_length([0xff; 4]), Err(FrameError::TooLarge(u32::MAX)));
    }
}
