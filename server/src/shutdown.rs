//! Graceful shutdown in the order clients need: first the listening socket closes
//! (new connections are refused, so a load balancer or client moves on), then open
//! connections finish their requests and close. axum tells both at once, so a
//! keep-alive connection could be closed while the port still took new ones.

use std::future::Future;
use std::time::Duration;

use axum::serve::Listener;
use tokio::sync::{oneshot, watch};

/// How long open connections get to finish after the listener closed; a stream or a
/// stuck client does not keep the process from exiting (orchestrators kill at 10 s+).
pub const GRACE: Duration = Duration::from_secs(8);

/// A listener that drops its socket when told, and says when it has.
pub struct ClosingListener<L: Listener> {
    inner: Option<L>,
    addr: L::Addr,
    close: watch::Receiver<bool>,
    closed: Option<oneshot::Sender<()>>,
}

/// Wraps `listener`; `signal` ends serving. Returns the listener for `axum::serve`,
/// the future for `with_graceful_shutdown` (it resolves once the socket is closed),
/// and one that resolves `GRACE` after that, to bound the wait for connections.
pub fn ordered<L>(
    listener: L,
    signal: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<(
    ClosingListener<L>,
    impl Future<Output = ()> + Send + 'static,
    impl Future<Output = ()> + Send + 'static,
)>
where
    L: Listener,
    L::Addr: Clone + Sync,
{
    let (close_tx, close_rx) = watch::channel(false);
    let (closed_tx, closed_rx) = oneshot::channel();
    let (began_tx, began_rx) = oneshot::channel::<()>();
    let addr = listener.local_addr()?;
    let listener = ClosingListener {
        inner: Some(listener),
        addr,
        close: close_rx,
        closed: Some(closed_tx),
    };
    let graceful = async move {
        signal.await;
        let _ = close_tx.send(true);
        // Err: the server already stopped.
        let _ = closed_rx.await;
        let _ = began_tx.send(());
    };
    let deadline = async move {
        match began_rx.await {
            Ok(()) => tokio::time::sleep(GRACE).await,
            Err(_) => std::future::pending().await,
        }
    };
    Ok((listener, graceful, deadline))
}

impl<L> Listener for ClosingListener<L>
where
    L: Listener,
    L::Addr: Clone + Sync,
{
    type Io = L::Io;
    type Addr = L::Addr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        if let Some(inner) = self.inner.as_mut() {
            tokio::select! {
                conn = inner.accept() => return conn,
                _ = self.close.wait_for(|close| *close) => {}
            }
            self.inner = None;
            if let Some(closed) = self.closed.take() {
                let _ = closed.send(());
            }
        }
        // Closed: axum stops calling accept once its shutdown future resolves.
        std::future::pending().await
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        match &self.inner {
            Some(inner) => inner.local_addr(),
            None => Ok(self.addr.clone()),
        }
    }
}
