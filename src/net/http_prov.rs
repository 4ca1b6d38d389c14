//! HTTP provisioning on port 6970: the names TFTP serves, with the same bytes.
//!
//! Newer phones try `http://<tftp server>:6970/<name>` before TFTP and do not fall back to
//! TFTP after a 404 (provisioning reference §1.5), so every name goes through the same
//! [`Provision`] lookup as TFTP: generated files, then the static root. The path is
//! percent-decoded before that lookup, so an encoded `..` is refused like a plain one.
//! Static files are streamed from disk, never read whole.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use tokio::net::TcpListener;

use super::provision::{Content, Provision, Served, Via};
use crate::files::name::percent_decode;
use crate::net::stats::Counters;

/// Serves HTTP provisioning on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, provision: Arc<Provision>) {
    let app = axum::Router::new().fallback(get_file).with_state(provision);
    super::http_serve::serve(listener, app, Default::default(), "HTTP provisioning").await;
}

async fn get_file(
    State(p): State<Arc<Provision>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    method: Method,
    uri: Uri,
) -> Response {
    if method != Method::GET && method != Method::HEAD {
        Counters::bump(&p.stats.http.refused);
        return (
            StatusCode::METHOD_NOT_ALLOWED,
            [(header::ALLOW, "GET, HEAD")],
            "read-only\n",
        )
            .into_response();
    }
    let raw = percent_decode(uri.path());
    match p.open(&raw, peer, Via::Http) {
        Served::NotFound => (StatusCode::NOT_FOUND, "File not found\n").into_response(),
        Served::Refused => (StatusCode::FORBIDDEN, "Access violation\n").into_response(),
        Served::Content(content) => {
            let len = match content.size() {
                Ok(n) => n,
                Err(e) => {
                    Counters::bump(&p.stats.http.errors);
                    tracing::warn!(%peer, error = %e, "HTTP provisioning: cannot stat file");
                    return StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
            };
            let lower = String::from_utf8_lossy(&raw).to_ascii_lowercase();
            let kind = if lower.ends_with(".xml") {
                "text/xml; charset=utf-8"
            } else {
                "application/octet-stream"
            };
            p.stats
                .http
                .bytes
                .fetch_add(len, std::sync::atomic::Ordering::Relaxed);
            let body = match content {
                Content::Bytes(c) => Body::from(c.into_inner()),
                Content::File(f) => Body::from_stream(tokio_util::io::ReaderStream::new(
                    tokio::fs::File::from_std(f),
                )),
            };
            let mut r = Response::new(body);
            let h = r.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(kind));
            h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
            r
        }
    }
}
