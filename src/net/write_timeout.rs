//! [`WriteTimeout`]: a stream whose writes fail once the peer stops reading, so a client
//! that never reads cannot hold a connection (and the work behind it) forever. Shared by the
//! HTTP listener and the Wyoming server.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// The error a [`WriteTimeout`] returns (kind `TimedOut`; [`is_write_stall`] tells it from
/// other timeouts).
#[derive(Debug)]
pub struct WriteStalled(pub Duration);

impl std::fmt::Display for WriteStalled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the peer accepted no byte for {:?}", self.0)
    }
}

impl std::error::Error for WriteStalled {}

/// Whether `e` is the error of a [`WriteTimeout`].
pub fn is_write_stall(e: &io::Error) -> bool {
    e.get_ref().is_some_and(|inner| inner.is::<WriteStalled>())
}

/// An IO stream whose writes fail (`io::ErrorKind::TimedOut`, [`WriteStalled`]) once the peer
/// has accepted no byte for `timeout` while we had bytes to send.
///
/// The clock runs only while a write (or flush, or shutdown) is pending, and any progress
/// stops it: a client that reads slowly but steadily is never cut, one that stopped reading
/// is, however long its response. Reads pass through untouched.
pub struct WriteTimeout<T> {
    inner: T,
    timeout: Duration,
    /// Armed when a write first returns `Pending`; `None` while writes make progress.
    stall: Option<Pin<Box<Sleep>>>,
    armed: bool,
}

impl<T> WriteTimeout<T> {
    pub fn new(inner: T, timeout: Duration) -> Self {
        WriteTimeout {
            inner,
            timeout,
            stall: None,
            armed: false,
        }
    }

    pub fn get_ref(&self) -> &T {
        &self.inner
    }

    pub fn get_mut(&mut self) -> &mut T {
        &mut self.inner
    }

    pub fn into_inner(self) -> T {
        self.inner
    }

    /// Passes a poll's result through, running the stall clock while it is pending.
    fn watch<R>(
        &mut self,
        cx: &mut Context<'_>,
        polled: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if polled.is_ready() {
            self.armed = false;
            return polled;
        }
        // One Sleep per stream, reset at each stall: no allocation per write.
        let timeout = self.timeout;
        let sleep = self
            .stall
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        if !self.armed {
            sleep.as_mut().reset(Instant::now() + timeout);
            self.armed = true;
        }
        ready!(sleep.as_mut().poll(cx));
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            WriteStalled(self.timeout),
        )))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for WriteTimeout<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for WriteTimeout<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, polled)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, polled)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, polled)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let polled = Pin::new(&mut self.inner).poll_shutdown(cx);
        self.watch(cx, polled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;

    /// A peer that never reads: writes fill the pipe, then the next one fails after the
    /// timeout (and not before: the pipe accepted bytes until then).
    #[tokio::test]
    async fn a_write_to_a_peer_that_never_reads_fails_after_the_timeout() {
        let (ours, _theirs) = tokio::io::duplex(1024);
        let mut io = WriteTimeout::new(ours, Duration::from_millis(200));
        let started = std::time::Instant::now();
        let mut sent = 0usize;
        let write = async {
            loop {
                match io.write(&[0u8; 256]).await {
                    Ok(n) => sent += n,
                    Err(e) => return e,
                }
            }
        };
        let err = tokio::time::timeout(Duration::from_secs(5), write)
            .await
            .unwrap_or_else(|_| panic!("the stalled write never failed"));
        assert_eq!(sent, 1024);
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert!(is_write_stall(&err));
        assert!(started.elapsed() >= Duration::from_millis(200));
    }

    /// A peer that reads slowly but steadily is never cut, though the whole transfer takes
    /// many times the timeout.
    #[tokio::test]
    async fn a_slow_steady_reader_is_not_cut() {
        use tokio::io::AsyncReadExt;
        let (ours, mut theirs) = tokio::io::duplex(64);
        let mut io = WriteTimeout::new(ours, Duration::from_millis(100));
        let reader = tokio::spawn(async move {
            let mut got = 0usize;
            let mut buf = [0u8; 64];
            loop {
                tokio::time::sleep(Duration::from_millis(30)).await;
                match theirs.read(&mut buf).await {
                    Ok(0) | Err(_) => return got,
                    Ok(n) => got += n,
                }
            }
        });
        let data = vec![1u8; 64 * 20];
        io.write_all(&data).await.unwrap_or_else(|e| panic!("{e}"));
        io.shutdown().await.unwrap_or_else(|e| panic!("{e}"));
        drop(io);
        assert_eq!(reader.await.unwrap_or(0), data.len());
    }
}
