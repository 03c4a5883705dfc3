//! The sandbox's connections, each of which a fault can cut after a number
//! of bytes: at 0, the answer never starts; a few bytes in, it breaks inside
//! the head. A handler cannot do either (the server writes the head whole),
//! so the listener hands out connections that can, and each request finds
//! its connection's [`Wire`] among its extensions.

use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::IncomingStream;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};

/// Nothing is cut.
const WHOLE: usize = usize::MAX;

/// A loopback listener whose connections can be cut.
pub(crate) struct Listener(pub(crate) TcpListener);

/// The handle a request holds on its connection.
#[derive(Clone, Debug)]
pub(crate) struct Wire {
    left: Arc<AtomicUsize>,
}

impl Wire {
    /// Lets only `bytes` more bytes out, then breaks the connection.
    pub(crate) fn cut_after(&self, bytes: usize) {
        self.left.store(bytes, Ordering::SeqCst);
    }
}

/// A connection that breaks once its [`Wire`]'s bytes are spent.
pub(crate) struct Conn {
    stream: TcpStream,
    left: Arc<AtomicUsize>,
}

impl axum::serve::Listener for Listener {
    type Io = Conn;
    type Addr = Wire;

    async fn accept(&mut self) -> (Conn, Wire) {
        loop {
            match self.0.accept().await {
                Ok((stream, _)) => {
                    let left = Arc::new(AtomicUsize::new(WHOLE));
                    let wire = Wire { left: left.clone() };
                    return (Conn { stream, left }, wire);
                }
                // Out of descriptors and the like: wait, as axum's own listener does.
                Err(_) => tokio::time::sleep(std::time::Duration::from_millis(50)).await,
            }
        }
    }

    fn local_addr(&self) -> io::Result<Wire> {
        Ok(Wire {
            left: Arc::new(AtomicUsize::new(WHOLE)),
        })
    }
}

impl Connected<IncomingStream<'_, Listener>> for Wire {
    fn connect_info(stream: IncomingStream<'_, Listener>) -> Wire {
        stream.remote_addr().clone()
    }
}

fn broken() -> io::Error {
    io::Error::new(io::ErrorKind::ConnectionReset, "injected fault: cut")
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.left.load(Ordering::SeqCst) == 0 {
            return Poll::Ready(Err(broken()));
        }
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let left = self.left.load(Ordering::SeqCst);
        if left == 0 {
            return Poll::Ready(Err(broken()));
        }
        let room = buf.len().min(left);
        let written = std::task::ready!(Pin::new(&mut self.stream).poll_write(cx, &buf[..room]))?;
        if left != WHOLE {
            self.left.fetch_sub(written, Ordering::SeqCst);
        }
        Poll::Ready(Ok(written))
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}
