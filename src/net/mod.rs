//! What the network front ends share and is not a protocol: socket options for streaming
//! audio, the process's file limit, a write timeout for peers that stop reading
//! ([`WriteTimeout`]), and a log line that says "this keeps happening" at most once in a
//! while instead of once per occurrence ([`LogLimiter`]).

mod write_timeout;

use std::sync::Mutex;
use std::time::{Duration, Instant};

use tokio::net::TcpStream;

pub use write_timeout::{WriteStalled, WriteTimeout, is_write_stall};

/// At most one log line per reason in this long.
pub const LOG_EVERY: Duration = Duration::from_secs(10);

/// Unsent bytes the kernel holds for a connection before a write blocks (Linux
/// `TCP_NOTSENT_LOWAT`). Without it a client that does not read lets the server write ~4 MiB
/// (the send buffer grows to `tcp_wmem`'s maximum) before the write timeout can start, all
/// of it synthesized for nobody. 16 KiB is a third of a second of 24 kHz PCM; bytes in
/// flight are not counted, so it costs no throughput (a bounded `SO_SNDBUF` would: it caps
/// them too). Measured on loopback for a client that never reads: the kernel took 3.9 MB
/// without it, 161 KB with (most of that the client's receive window); a streamed response
/// through [`serve`] yielded 3.9 MB without it, 192 KiB with, before the write timeout.
pub const NOTSENT_LOWAT: u32 = 16 * 1024;

/// Raises the soft limit on open files (`RLIMIT_NOFILE`) to the hard limit, where allowed, and
/// returns the (soft, hard) limits in force after. systemd starts services with a soft limit
/// of 1024 and a hard one of 524288: the soft one is meant to be raised by programs that
/// need it.
pub fn raise_fd_limit() -> std::io::Result<(u64, u64)> {
    #[cfg(unix)]
    {
        rlimit::increase_nofile_limit(u64::MAX)?;
    }
    Ok(fd_limit())
}

/// The (soft, hard) file limits; unlimited where there is no such limit.
pub fn fd_limit() -> (u64, u64) {
    #[cfg(unix)]
    {
        rlimit::getrlimit(rlimit::Resource::NOFILE).unwrap_or((1024, 1024))
    }
    #[cfg(not(unix))]
    {
        (u64::MAX, u64::MAX)
    }
}

/// Socket options for a connection that streams audio: `TCP_NODELAY` (each chunk leaves at
/// once) and, on Linux, `TCP_NOTSENT_LOWAT` (see [`NOTSENT_LOWAT`]). Failures are logged,
/// not fatal: the connection works without them. The Wyoming server wants the same.
pub fn tune_socket(stream: &TcpStream) {
    if let Err(e) = stream.set_nodelay(true) {
        tracing::debug!(error = %e, "cannot set TCP_NODELAY");
    }
    #[cfg(any(target_os = "linux", target_os = "android"))]
    if let Err(e) = socket2::SockRef::from(stream).set_tcp_notsent_lowat(NOTSENT_LOWAT) {
        tracing::debug!(error = %e, "cannot set TCP_NOTSENT_LOWAT");
    }
}

/// Lets a log line through at most once per interval; counts the ones it holds back, so the
/// next line can say how many there were.
///
/// A flood (a thousand idle sockets timing out together) must not turn into a thousand log
/// lines, but the first of them should be seen at once.
#[derive(Debug)]
pub struct LogLimiter {
    every: Duration,
    state: Mutex<LimiterState>,
}

#[derive(Debug, Default)]
struct LimiterState {
    last: Option<Instant>,
    suppressed: u64,
}

impl LogLimiter {
    pub fn new(every: Duration) -> Self {
        LogLimiter {
            every,
            state: Mutex::new(LimiterState::default()),
        }
    }

    /// `Some(n)` when a line may be written now, `n` being how many were held back since the
    /// last one written; `None` when this one is held back.
    pub fn check(&self) -> Option<u64> {
        self.check_at(Instant::now())
    }

    fn check_at(&self, now: Instant) -> Option<u64> {
        let mut state = self
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match state.last {
            Some(last) if now.saturating_duration_since(last) < self.every => {
                state.suppressed += 1;
                None
            }
            _ => {
                state.last = Some(now);
                Some(std::mem::take(&mut state.suppressed))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limiter_lets_one_line_through_per_interval_and_counts_the_rest() {
        let limiter = LogLimiter::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(limiter.check_at(t0), Some(0));
        assert_eq!(limiter.check_at(t0 + Duration::from_secs(1)), None);
        assert_eq!(limiter.check_at(t0 + Duration::from_secs(9)), None);
        assert_eq!(limiter.check_at(t0 + Duration::from_secs(10)), Some(2));
        assert_eq!(limiter.check_at(t0 + Duration::from_secs(11)), None);
        assert_eq!(limiter.check_at(t0 + Duration::from_secs(25)), Some(1));
    }
}
