//! Reading and writing length-prefixed frames on simulated TCP streams.

use crate::protocol::frame::{self, FrameError};
use crate::protocol::Message;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

/// Why a stream stopped yielding messages.
#[derive(Debug)]
pub enum ReadError {
    /// The peer closed the connection or it broke.
    Closed,
    /// The peer sent bytes that are not a frame (the connection is dropped).
    Bad(FrameError),
}

/// Read one message.
pub async fn read_message<R: AsyncRead + Unpin>(r: &mut R) -> Result<Message, ReadError> {
    let mut prefix = [0u8; 4];
    r.read_exact(&mut prefix).await.map_err(|_| ReadError::Closed)?;
    let len = frame::check_length(prefix).map_err(ReadError::Bad)?;
    let mut body = vec![0u8; len];
    r.read_exact(&mut body).await.map_err(|_| ReadError::Closed)?;
    frame::decode(&body).map_err(ReadError::Bad)
}

/// Write one message.
pub async fn write_message<W: AsyncWrite + Unpin>(w: &mut W, msg: &Message) -> std::io::Result<()> {
    w.write_all(&frame::encode(msg)).await
}
