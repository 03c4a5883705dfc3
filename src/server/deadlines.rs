//! The deadlines hyper does not keep itself (it keeps the request head's):
//! silence while no request is under way, and a body that arrives slower
//! than a minimum rate. Both end the connection, so that a slow client
//! cannot hold a slot.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body::{Body, Frame, SizeHint};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::{Instant, Sleep};

/// What the request side tells the connection side of one connection.
#[derive(Debug, Default)]
pub(crate) struct ConnectionState {
    /// Requests being answered: while any is, silence is not idleness.
    in_flight: AtomicUsize,
    /// Set when a deadline ended a request: the connection reads no more.
    cut: AtomicBool,
}

impl ConnectionState {
    /// Marks a request under way until the guard is dropped.
    pub(crate) fn request(self: &Arc<Self>) -> InFlight {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        InFlight(self.clone())
    }
}

/// A request under way (see [`ConnectionState::request`]).
pub(crate) struct InFlight(Arc<ConnectionState>);

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A connection's stream that fails its reads once it has been silent for
/// `idle` with no request under way, or once a deadline cut it. Bytes
/// written count as activity: hyper reads while it writes an answer (to
/// see a client hang up), and a long answer that is still going out is
/// not idleness.
pub(crate) struct IdleDeadline<I> {
    inner: I,
    idle: Duration,
    state: Arc<ConnectionState>,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<I> IdleDeadline<I> {
    pub(crate) fn new(inner: I, idle: Duration, state: Arc<ConnectionState>) -> Self {
        IdleDeadline {
            inner,
            idle,
            state,
            timer: None,
        }
    }
}

impl<I> IdleDeadline<I> {
    /// Moves an armed idle deadline to `idle` from now; the reader waiting
    /// on it stays registered, so it still wakes at the new deadline.
    fn push_back(&mut self) {
        let next = Instant::now() + self.idle;
        if let Some(timer) = self.timer.as_mut() {
            timer.as_mut().reset(next);
        }
    }
}

impl<I: AsyncRead + Unpin> AsyncRead for IdleDeadline<I> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = &mut *self;
        if this.state.cut.load(Ordering::Acquire) {
            return Poll::Ready(Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "a deadline ended the request",
            )));
        }
        let before = buf.filled().len();
        match Pin::new(&mut this.inner).poll_read(cx, buf) {
            Poll::Ready(result) => {
                if buf.filled().len() > before {
                    this.timer = None;
                }
                Poll::Ready(result)
            }
            Poll::Pending => {
                if this.state.in_flight.load(Ordering::Acquire) > 0 {
                    this.timer = None;
                    return Poll::Pending;
                }
                let idle = this.idle;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep(idle)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Err(io::Error::new(
                        io::ErrorKind::TimedOut,
                        "the connection was idle past its deadline",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }
}

impl<I: AsyncWrite + Unpin> AsyncWrite for IdleDeadline<I> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write(cx, buf);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.push_back();
        }
        written
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let written = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        if matches!(written, Poll::Ready(Ok(n)) if n > 0) {
            self.push_back();
        }
        written
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }
}

/// The error a body too slow ends with.
#[derive(Debug)]
pub struct BodyTooSlow(u64);

impl std::fmt::Display for BodyTooSlow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "the request body arrived slower than {} bytes a second",
            self.0
        )
    }
}

impl std::error::Error for BodyTooSlow {}

/// A request body that must have arrived, by any moment, at `rate` bytes
/// a second on average after `grace`: by `grace + received / rate` after
/// its first poll, the next bytes are due.
pub(crate) struct MinRateBody<B> {
    inner: B,
    rate: u64,
    grace: Duration,
    started: Option<Instant>,
    received: u64,
    timer: Option<Pin<Box<Sleep>>>,
    state: Arc<ConnectionState>,
}

impl<B> MinRateBody<B> {
    pub(crate) fn new(inner: B, rate: u64, grace: Duration, state: Arc<ConnectionState>) -> Self {
        MinRateBody {
            inner,
            rate: rate.max(1),
            grace,
            started: None,
            received: 0,
            timer: None,
            state,
        }
    }

    fn deadline(&self, started: Instant) -> Instant {
        let allowed = self.grace + Duration::from_secs_f64(self.received as f64 / self.rate as f64);
        started.checked_add(allowed).unwrap_or(started + self.grace)
    }
}

impl<B> Body for MinRateBody<B>
where
    B: Body<Data = Bytes> + Unpin,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    type Data = Bytes;
    type Error = Box<dyn std::error::Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = &mut *self;
        let started = *this.started.get_or_insert_with(Instant::now);
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    this.received += data.len() as u64;
                }
                Poll::Ready(Some(Ok(frame)))
            }
            Poll::Ready(Some(Err(e))) => Poll::Ready(Some(Err(e.into()))),
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => {
                let deadline = this.deadline(started);
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                if timer.deadline() != deadline {
                    timer.as_mut().reset(deadline);
                }
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => {
                        this.state.cut.store(true, Ordering::Release);
                        Poll::Ready(Some(Err(Box::new(BodyTooSlow(this.rate)))))
                    }
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;
    use tokio::io::AsyncReadExt;

    #[tokio::test(start_paused = true)]
    async fn a_silent_connection_is_cut_when_no_request_is_under_way() {
        let (client, server) = tokio::io::duplex(64);
        let state = Arc::new(ConnectionState::default());
        let mut io = IdleDeadline::new(server, Duration::from_secs(5), state.clone());
        let busy = state.request();
        let mut buf = [0u8; 8];
        assert!(
            tokio::time::timeout(Duration::from_secs(60), io.read(&mut buf))
                .await
                .is_err(),
            "a request under way may be silent"
        );
        drop(busy);
        let err = io.read(&mut buf).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        drop(client);
    }

    #[tokio::test(start_paused = true)]
    async fn an_answer_still_going_out_is_not_idleness() {
        use tokio::io::AsyncWriteExt;
        let (mut client, server) = tokio::io::duplex(16);
        let state = Arc::new(ConnectionState::default());
        let io = IdleDeadline::new(server, Duration::from_secs(5), state);
        let (mut reading, mut writing) = tokio::io::split(io);
        // The client takes 16 bytes every 2 s: 30 s for the whole answer.
        let slow_reader = tokio::spawn(async move {
            let mut buf = [0u8; 16];
            let mut got = 0;
            while got < 240 {
                tokio::time::sleep(Duration::from_secs(2)).await;
                got += client.read(&mut buf).await.unwrap();
            }
            client
        });
        let watching = tokio::spawn(async move {
            let mut buf = [0u8; 1];
            reading.read(&mut buf).await
        });
        writing.write_all(&[b'x'; 240]).await.unwrap();
        let _client = slow_reader.await.unwrap();
        assert!(!watching.is_finished(), "not cut while the answer went out");
        let ended = watching.await.unwrap();
        assert_eq!(
            ended.unwrap_err().kind(),
            io::ErrorKind::TimedOut,
            "idle after it"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_slower_than_the_rate_fails_and_cuts_the_connection() {
        let (mut sender, body) =
            http_body_util::channel::Channel::<Bytes, std::convert::Infallible>::new(4);
        let state = Arc::new(ConnectionState::default());
        let mut body = MinRateBody::new(body, 100, Duration::from_secs(1), state.clone());
        tokio::spawn(async move {
            for _ in 0..10 {
                // 10 bytes a second against a minimum of 100.
                let _ = sender.send_data(Bytes::from_static(b"0123456789")).await;
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        let mut got = 0;
        let failed = loop {
            match body.frame().await {
                Some(Ok(frame)) => got += frame.into_data().map(|d| d.len()).unwrap_or(0),
                Some(Err(e)) => break e,
                None => panic!("the slow body was taken whole"),
            }
        };
        assert!(failed.is::<BodyTooSlow>());
        assert!(got < 100, "cut off early: {got} bytes");
        assert!(state.cut.load(Ordering::Acquire));
    }
}
