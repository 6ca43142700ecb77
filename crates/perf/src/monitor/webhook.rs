//! Alert webhooks: each alert event is POSTed as JSON to a user-given `http://` URL with a
//! small hand-written HTTP/1.1 client over `TcpStream`. `https://` is not supported: alert
//! receivers on the same host or network (Alertmanager-style relays) speak plain HTTP, and a
//! TLS stack would cost more than the whole monitor. Every step has a timeout, posting happens
//! on a worker thread, and a failure is a warning, never a crash.

use std::io::{Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::mpsc::{self, Receiver, Sender};
use std::time::Duration;

use super::alert::AlertEvent;
use super::sample::Sample;
use super::sink::{Sink, SinkError};

/// Bound on connecting, writing and reading the answer.
pub const TIMEOUT: Duration = Duration::from_secs(3);

/// A parsed `http://host[:port][/path]` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookUrl {
    host: String,
    port: u16,
    path: String,
}

/// The URL is not one we can POST to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid webhook URL '{url}': {reason}")]
pub struct UrlError {
    /// The URL as given.
    pub url: String,
    /// What is wrong.
    pub reason: &'static str,
}

impl WebhookUrl {
    /// Parses `http://host[:port][/path]`.
    pub fn parse(url: &str) -> Result<Self, UrlError> {
        let err = |reason| UrlError {
            url: url.to_owned(),
            reason,
        };
        if url.starts_with("https://") {
            return Err(err("https is not supported; use an http:// receiver"));
        }
        let rest = url
            .strip_prefix("http://")
            .ok_or_else(|| err("it must start with http://"))?;
        let (authority, path) = match rest.find('/') {
            Some(i) => (&rest[..i], &rest[i..]),
            None => (rest, "/"),
        };
        // `[v6]:port` keeps its colons inside the brackets.
        let split = match authority.rfind(':') {
            Some(i) if !authority[i..].contains(']') => Some(i),
            _ => None,
        };
        let (host, port) = match split {
            Some(i) => (
                &authority[..i],
                authority[i + 1..]
                    .parse()
                    .map_err(|_| err("the port is not a number"))?,
            ),
            None => (authority, 80),
        };
        if host.is_empty() {
            return Err(err("the host is missing"));
        }
        Ok(Self {
            host: host.to_owned(),
            port,
            path: path.to_owned(),
        })
    }

    /// POSTs `body` as JSON; Ok with the status code when the server answered 2xx.
    pub fn post_json(&self, body: &str) -> Result<u16, String> {
        let addr = (
            self.host.trim_start_matches('[').trim_end_matches(']'),
            self.port,
        )
            .to_socket_addrs()
            .map_err(|e| format!("cannot resolve {}: {e}", self.host))?
            .next()
            .ok_or_else(|| format!("{} has no address", self.host))?;
        let mut stream = TcpStream::connect_timeout(&addr, TIMEOUT)
            .map_err(|e| format!("connect {addr}: {e}"))?;
        stream
            .set_read_timeout(Some(TIMEOUT))
            .and_then(|()| stream.set_write_timeout(Some(TIMEOUT)))
            .map_err(|e| e.to_string())?;
        let request = format!(
            "POST {} HTTP/1.1\r\nHost: {}:{}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\nUser-Agent: customer-snapshot-monitor\r\n\r\n{body}",
            self.path,
            self.host,
            self.port,
            body.len()
        );
        stream
            .write_all(request.as_bytes())
            .map_err(|e| format!("send to {addr}: {e}"))?;
        // The status line is all we need; read a bounded prefix.
        let mut head = [0u8; 64];
        let mut got = 0;
        while got < 12 {
            match stream.read(&mut head[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(e) => return Err(format!("no answer from {addr}: {e}")),
            }
        }
        let status = std::str::from_utf8(&head[..got])
            .ok()
            .and_then(|l| l.split_whitespace().nth(1))
            .and_then(|c| c.parse::<u16>().ok())
            .ok_or_else(|| format!("{addr} did not answer with HTTP"))?;
        if (200..300).contains(&status) {
            Ok(status)
        } else {
            Err(format!("{addr} answered HTTP {status}"))
        }
    }
}

/// How long [`Sink::finish`] waits for queued webhooks before giving up on them, so that
/// stopping the monitor stays prompt even when the receiver hangs.
pub const FINISH_WAIT: Duration = Duration::from_secs(2);

/// Sends each alert event to the webhook from a worker thread, so a slow receiver never delays
/// sampling or stopping. Failures come back as warnings on the next event.
pub struct WebhookSink {
    queue: Option<Sender<String>>,
    failures: Receiver<String>,
    done: Receiver<()>,
}

impl WebhookSink {
    /// A sink posting to `url`; starts its worker thread.
    pub fn new(url: WebhookUrl) -> std::io::Result<Self> {
        let (queue, jobs) = mpsc::channel::<String>();
        let (fail_tx, failures) = mpsc::channel();
        let (done_tx, done) = mpsc::channel();
        std::thread::Builder::new()
            .name("monitor-webhook".into())
            .spawn(move || {
                for body in jobs {
                    if let Err(e) = url.post_json(&body) {
                        let _ = fail_tx.send(e);
                    }
                }
                let _ = done_tx.send(());
            })?;
        Ok(Self {
            queue: Some(queue),
            failures,
            done,
        })
    }

    fn drain_failures(&self) -> Result<(), SinkError> {
        let failed: Vec<String> = self.failures.try_iter().collect();
        if failed.is_empty() {
            Ok(())
        } else {
            Err(SinkError::Warning(format!(
                "webhook: {}",
                failed.join("; ")
            )))
        }
    }
}

impl Sink for WebhookSink {
    fn sample(&mut self, _sample: &Sample) -> Result<(), SinkError> {
        self.drain_failures()
    }

    fn alert(&mut self, event: &AlertEvent) -> Result<(), SinkError> {
        let body = serde_json::json!({ "type": "alert", "alert": event }).to_string();
        if let Some(q) = &self.queue {
            // The worker only stops when the queue is dropped, so sending cannot fail.
            let _ = q.send(body);
        }
        self.drain_failures()
    }

    fn finish(&mut self) -> Result<(), SinkError> {
        self.queue = None;
        if self.done.recv_timeout(FINISH_WAIT).is_err() {
            return Err(SinkError::Warning(format!(
                "webhook: gave up on unsent alerts after {} s",
                FINISH_WAIT.as_secs()
            )));
        }
        self.drain_failures()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    #[test]
    fn parses_http_urls_and_refuses_the_rest() {
        let u = WebhookUrl::parse("http://127.0.0.1:9000/hook").expect("valid");
        assert_eq!(
            (u.host.as_str(), u.port, u.path.as_str()),
            ("127.0.0.1", 9000, "/hook")
        );
        let u = WebhookUrl::parse("http://localhost").expect("valid");
        assert_eq!((u.port, u.path.as_str()), (80, "/"));
        assert!(
            WebhookUrl::parse("https://x/")
                .expect_err("tls")
                .reason
                .contains("https")
        );
        assert!(WebhookUrl::parse("ftp://x/").is_err());
        assert!(WebhookUrl::parse("http://:80/").is_err());
        assert!(WebhookUrl::parse("http://h:port/").is_err());
    }

    #[test]
    fn posts_json_and_reports_failures_as_errors() {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server = std::thread::spawn(move || {
            let (mut conn, _) = listener.accept().expect("accept");
            let mut buf = vec![0u8; 4096];
            let mut got = 0;
            // Read until the whole body (the JSON ends with "}") has arrived.
            while !buf[..got].ends_with(b"}") {
                let n = conn.read(&mut buf[got..]).expect("read");
                if n == 0 {
                    break;
                }
                got += n;
            }
            conn.write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                .expect("write");
            String::from_utf8_lossy(&buf[..got]).into_owned()
        });
        let url = WebhookUrl::parse(&format!("http://127.0.0.1:{port}/alerts")).expect("url");
        assert_eq!(url.post_json(r#"{"a":1}"#), Ok(204));
        let request = server.join().expect("server");
        assert!(
            request.starts_with("POST /alerts HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(request.contains("Content-Type: application/json"));
        assert!(request.ends_with("\r\n\r\n{\"a\":1}"));

        // Nobody listening: an error message, not a panic or a hang.
        let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
        let dead_port = closed.local_addr().expect("addr").port();
        drop(closed);
        let dead = WebhookUrl::parse(&format!("http://127.0.0.1:{dead_port}/")).expect("url");
        assert!(dead.post_json("{}").is_err());
    }

    #[test]
    fn a_failing_receiver_becomes_a_warning_after_the_fact() {
        use crate::monitor::alert::{AlertKind, Change, Level};
        let closed = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = closed.local_addr().expect("addr").port();
        drop(closed);
        let url = WebhookUrl::parse(&format!("http://127.0.0.1:{port}/")).expect("url");
        let mut sink = WebhookSink::new(url).expect("worker");
        let event = AlertEvent {
            unix_time_seconds: 1.0,
            kind: AlertKind::Cpu,
            subject: "system".into(),
            change: Change::Fired,
            level: Level::Warning,
            value: 90.0,
            threshold: 80.0,
            message: "m".into(),
        };
        // Queued without waiting for the network.
        let _ = sink.alert(&event);
        match sink.finish() {
            Err(SinkError::Warning(w)) => assert!(w.starts_with("webhook: connect"), "{w}"),
            other => panic!("expected a warning, got {other:?}"),
        }
    }
}
