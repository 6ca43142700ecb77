//! The `/metrics` and `/healthz` endpoint: tiny_http on one thread.
//!
//! Why not tokio/axum: the server answers a scrape every few seconds with a string rendered
//! from atomics. A blocking server on one thread does that with a fraction of the code, the
//! binary size and the memory of an async runtime, and the monitor's overhead budget (20 MB RSS)
//! is better spent elsewhere.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;

use prometheus_client::registry::Registry;
use tiny_http::{Header, Method, Response, Server};

use crate::export::prometheus;

/// The server could not start.
#[derive(Debug, thiserror::Error)]
#[error("cannot listen on {addr}: {source}")]
pub struct ServeError {
    /// The address asked for.
    pub addr: String,
    /// Why.
    pub source: Box<dyn std::error::Error + Send + Sync>,
}

/// A running metrics server; stops when [`stop`](Self::stop)ped or dropped.
pub struct MetricsServer {
    server: Option<Arc<Server>>,
    addr: SocketAddr,
    thread: Option<JoinHandle<()>>,
}

impl MetricsServer {
    /// Binds `addr` and serves `registry` from a background thread.
    pub fn start(addr: &str, registry: Arc<Registry>) -> Result<Self, ServeError> {
        let err = |source| ServeError {
            addr: addr.to_owned(),
            source,
        };
        let server = Arc::new(Server::http(addr).map_err(err)?);
        let bound = server
            .server_addr()
            .to_ip()
            .ok_or_else(|| err("not an IP address".into()))?;
        let serving = Arc::clone(&server);
        let thread = std::thread::Builder::new()
            .name("metrics-server".into())
            .spawn(move || serve(&serving, &registry))
            .map_err(|e| err(Box::new(e)))?;
        Ok(Self {
            server: Some(server),
            addr: bound,
            thread: Some(thread),
        })
    }

    /// The address actually bound (port 0 resolved).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, waits for the thread and closes the listening socket.
    pub fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.unblock();
            if let Some(t) = self.thread.take() {
                // A panic in the server thread has already been printed; nothing to add.
                let _ = t.join();
            }
            // The last reference: dropping it closes the listener.
            drop(server);
        }
    }
}

impl Drop for MetricsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(server: &Server, registry: &Registry) {
    // `incoming_requests` ends when `unblock` is called.
    for request in server.incoming_requests() {
        let path = request.url().split('?').next().unwrap_or("");
        let response = match (request.method(), path) {
            (Method::Get, "/metrics") => Response::from_string(prometheus::render(registry))
                .with_header(header(prometheus::CONTENT_TYPE)),
            (Method::Get, "/healthz") => {
                Response::from_string("ok\n").with_header(header("text/plain; charset=utf-8"))
            }
            (Method::Get, _) => {
                Response::from_string("not found: try /metrics or /healthz\n").with_status_code(404)
            }
            _ => Response::from_string("method not allowed\n").with_status_code(405),
        };
        // The client hanging up mid-response is its problem, not the monitor's.
        let _ = request.respond(response);
    }
}

fn header(content_type: &str) -> Header {
    Header::from_bytes("Content-Type", content_type).unwrap_or_else(|()| {
        Header::from_bytes("Content-Type", "text/plain").expect("a constant, valid header")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn get(addr: SocketAddr, path: &str) -> String {
        let mut s = std::net::TcpStream::connect(addr).expect("connect");
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
        )
        .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out
    }

    #[test]
    fn serves_metrics_and_healthz_on_loopback_and_stops() {
        let exporter = prometheus::PrometheusExporter::new();
        let mut server = MetricsServer::start("127.0.0.1:0", exporter.registry()).expect("start");
        let addr = server.local_addr();
        assert!(addr.ip().is_loopback());
        let metrics = get(addr, "/metrics");
        assert!(metrics.starts_with("HTTP/1.1 200"), "{metrics}");
        assert!(metrics.contains("text/plain; version=0.0.4"), "{metrics}");
        assert!(
            metrics.contains("# TYPE system_memory_total_bytes gauge"),
            "{metrics}"
        );
        assert!(get(addr, "/healthz").ends_with("ok\n"));
        assert!(get(addr, "/nope").starts_with("HTTP/1.1 404"));
        server.stop();
        // tiny_http's accept thread lets go of the socket just after `stop` returns.
        let closed = (0..100).any(|_| {
            std::thread::sleep(std::time::Duration::from_millis(20));
            std::net::TcpStream::connect(addr).is_err()
        });
        assert!(closed, "still listening after stop");
    }
}
