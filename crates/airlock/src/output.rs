//! Bounded capture of a guest's stdout/stderr, with optional live forwarding.

use std::io::Write;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};

use bytes::Bytes;
use wasmtime_wasi::cli::{IsTerminal, StdoutStream};
use wasmtime_wasi::p2::{OutputStream, Pollable, StreamError};

use crate::outcome::{Captured, Stream};

/// A host-side writer that receives a guest stream as it is written.
pub type Sink = Box<dyn Write + Send>;

/// Raised (as a trap) when a guest writes past the output limit.
#[derive(Debug, thiserror::Error)]
#[error("{stream} exceeded the output limit of {limit} bytes")]
pub(crate) struct OutputLimitExceeded {
    pub stream: Stream,
    pub limit: u64,
}

struct State {
    captured: Vec<u8>,
    truncated: bool,
    sink: Option<Sink>,
}

/// One captured stream. Clones share the same buffer.
#[derive(Clone)]
pub(crate) struct CapturePipe {
    stream: Stream,
    limit: u64,
    state: Arc<Mutex<State>>,
}

impl CapturePipe {
    pub fn new(stream: Stream, limit: u64, sink: Option<Sink>) -> Self {
        CapturePipe {
            stream,
            limit,
            state: Arc::new(Mutex::new(State {
                captured: Vec::new(),
                truncated: false,
                sink,
            })),
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // A poisoned lock only means a sink panicked mid-write; the bytes are still valid.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Appends what fits; returns false if some bytes did not fit.
    fn append(&self, bytes: &[u8]) -> bool {
        let mut st = self.lock();
        let room = usize::try_from(self.limit)
            .unwrap_or(usize::MAX)
            .saturating_sub(st.captured.len());
        let take = room.min(bytes.len());
        st.captured.extend_from_slice(&bytes[..take]);
        if let Some(sink) = st.sink.as_mut() {
            // Forwarding is best effort: a closed host pipe must not kill the guest.
            let _ = sink.write_all(&bytes[..take]).and_then(|()| sink.flush());
        }
        if take < bytes.len() {
            st.truncated = true;
            false
        } else {
            true
        }
    }

    pub fn overflowed(&self) -> bool {
        self.lock().truncated
    }

    /// Takes what was captured so far and starts afresh (a session's next call has the whole
    /// limit again).
    pub fn take(&self) -> Captured {
        let mut st = self.lock();
        Captured {
            bytes: std::mem::take(&mut st.captured),
            truncated: std::mem::replace(&mut st.truncated, false),
        }
    }

    fn limit_error(&self) -> StreamError {
        StreamError::Trap(wasmtime::Error::new(OutputLimitExceeded {
            stream: self.stream,
            limit: self.limit,
        }))
    }
}

impl IsTerminal for CapturePipe {
    fn is_terminal(&self) -> bool {
        false
    }
}

impl StdoutStream for CapturePipe {
    fn p2_stream(&self) -> Box<dyn OutputStream> {
        Box::new(self.clone())
    }

    fn async_stream(&self) -> Box<dyn tokio::io::AsyncWrite + Send + Sync> {
        Box::new(self.clone())
    }
}

#[wasmtime_wasi::async_trait]
impl Pollable for CapturePipe {
    async fn ready(&mut self) {}
}

impl OutputStream for CapturePipe {
    fn write(&mut self, bytes: Bytes) -> Result<(), StreamError> {
        if self.append(&bytes) {
            Ok(())
        } else {
            Err(self.limit_error())
        }
    }

    fn flush(&mut self) -> Result<(), StreamError> {
        Ok(())
    }

    fn check_write(&mut self) -> Result<usize, StreamError> {
        if self.overflowed() {
            return Err(self.limit_error());
        }
        // Accept any amount: `write` keeps what fits and stops the guest on overflow, so that
        // the limit is reported instead of silently blocking.
        Ok(64 * 1024)
    }
}

impl tokio::io::AsyncWrite for CapturePipe {
    fn poll_write(
        self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.append(buf) {
            Poll::Ready(Ok(buf.len()))
        } else {
            Poll::Ready(Err(std::io::Error::other(self.limit_error().to_string())))
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_what_fits_and_flags_the_rest() {
        let mut p = CapturePipe::new(Stream::Stdout, 5, None);
        assert!(OutputStream::write(&mut p, Bytes::from_static(b"abc")).is_ok());
        assert!(OutputStream::write(&mut p, Bytes::from_static(b"defg")).is_err());
        let c = p.take();
        assert_eq!(c.bytes, b"abcde");
        assert!(c.truncated);
    }
}
