//! The accept loop both HTTP servers (phone service pages, HTTP provisioning) share, with
//! the limits a server facing a LAN needs: at most [`Limits::per_source`] connections open
//! from one address (more are closed at once), request headers read within
//! [`Limits::header_timeout`] and no larger than [`Limits::max_header`] (hyper answers 431),
//! bodies no larger than [`Limits::max_body`] (413). A connection held open and idle costs
//! its socket and one parked task, nothing more.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use axum::extract::ConnectInfo;
use tokio::net::TcpListener;

/// The limits of one server.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Connections open at once from one address.
    pub per_source: usize,
    /// Time to send a request's headers.
    pub header_timeout: Duration,
    /// Bytes of request headers.
    pub max_header: usize,
    /// Bytes of a request body.
    pub max_body: usize,
}

impl Default for Limits {
    /// A phone opens one or two connections and sends a few hundred bytes of headers; an EM
    /// API request is a few kilobytes of XML.
    fn default() -> Limits {
        Limits {
            per_source: 16,
            header_timeout: Duration::from_secs(5),
            max_header: 16 * 1024,
            max_body: 64 * 1024,
        }
    }
}

/// Open connections by source address.
type Open = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// Gives a connection's place back when it ends.
struct Slot {
    open: Open,
    ip: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = open.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                open.remove(&self.ip);
            }
        }
    }
}

/// Serves `app` on `listener` until the task is dropped; `what` names the server in logs.
pub async fn serve(listener: TcpListener, app: axum::Router, limits: Limits, what: &'static str) {
    let app = app.layer(axum::extract::DefaultBodyLimit::max(limits.max_body));
    let open: Open = Arc::default();
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(x) => x,
            Err(e) => {
                tracing::warn!(server = what, error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Some(slot) = admit(&open, peer, limits.per_source) else {
            tracing::debug!(server = what, %peer, "connection refused: too many from this address");
            continue;
        };
        let svc = app.clone().layer(axum::Extension(ConnectInfo(peer)));
        tokio::spawn(async move {
            let _slot = slot;
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(limits.header_timeout)
                .max_buf_size(limits.max_header)
                .serve_connection(
                    hyper_util::rt::TokioIo::new(stream),
                    hyper_util::service::TowerToHyperService::new(svc),
                );
            if let Err(e) = conn.await {
                tracing::debug!(server = what, %peer, error = %e, "HTTP connection ended");
            }
        });
    }
}

/// A place for a connection from `peer`, unless `cap` are open from its address already.
fn admit(open: &Open, peer: SocketAddr, cap: usize) -> Option<Slot> {
    let mut map = open.lock().unwrap_or_else(PoisonError::into_inner);
    let n = map.entry(peer.ip()).or_default();
    if *n >= cap {
        return None;
    }
    *n += 1;
    Some(Slot {
        open: open.clone(),
        ip: peer.ip(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_address_gets_its_cap_of_connections_and_its_places_back_as_they_end() {
        let open: Open = Arc::default();
        let a: SocketAddr = "192.0.2.1:1000".parse().unwrap();
        let b: SocketAddr = "192.0.2.2:1000".parse().unwrap();
        let held: Vec<Slot> = (0..3).map(|_| admit(&open, a, 3).unwrap()).collect();
        assert!(admit(&open, a, 3).is_none());
        assert!(
            admit(&open, b, 3).is_some(),
            "another address is not counted with it"
        );
        drop(held);
        assert!(admit(&open, a, 3).is_some());
    }
}
