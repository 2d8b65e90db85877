//! The socket wrapper of an accepted HTTP connection: `ConnIo` (the write timeout, and the
//! read side telling the connection's driver when a new request starts arriving).

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::sync::OwnedSemaphorePermit;

use super::conn::ConnState;
use super::metrics::OpenGuard;
use crate::net::{WriteTimeout, is_write_stall};

/// An accepted HTTP connection's socket: the write timeout, the read side reporting the first
/// bytes of each new request to the driver, and the connection's slot (its permit and its
/// place in the open gauge), held for as long as the socket lives (past an upgrade too).
pub(super) struct ConnIo {
    inner: WriteTimeout<TcpStream>,
    state: Arc<ConnState>,
    _slot: (OwnedSemaphorePermit, OpenGuard),
}

impl ConnIo {
    pub(super) fn new(
        inner: WriteTimeout<TcpStream>,
        state: Arc<ConnState>,
        slot: (OwnedSemaphorePermit, OpenGuard),
    ) -> Self {
        ConnIo {
            inner,
            state,
            _slot: slot,
        }
    }

    /// Notes a write stall for the driver and resets the connection on close: the client
    /// reads nothing, so the unsent bytes need not linger in the kernel.
    fn on_write<R>(&self, polled: Poll<io::Result<R>>) -> Poll<io::Result<R>> {
        if let Poll::Ready(Err(e)) = &polled
            && is_write_stall(e)
        {
            self.state.write_stalled();
            let _ = socket2::SockRef::from(self.inner.get_ref()).set_linger(Some(Duration::ZERO));
        }
        polled
    }
}

impl AsyncRead for ConnIo {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.inner).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.state.bytes_read();
        }
        polled
    }
}

impl AsyncWrite for ConnIo {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.on_write(polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.on_write(polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.on_write(polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.on_write(polled)
    }
}
