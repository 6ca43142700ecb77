//! A stand-in for the Messages API on 127.0.0.1, for tests, the benchmark and the docs example.
//!
//! It binds only to the loopback interface, answers `POST /v1/messages` in the API's shape and
//! follows a [`Script`]: a queue of [`Behaviour`]s for the next requests (429 with
//! `retry-after`, 529, 500, malformed JSON, a reply slower than the client's timeout, 401),
//! then a default, with an optional artificial latency so the benchmark can show what
//! concurrency buys. Successful answers come from a responder; the default one
//! ([`evidence_answer`]) fills a few fields straight from the local analysis in the prompt and
//! leaves the rest out, so the document shows the "Not discussed" path too. It is a stand-in,
//! not a model: its answers say so.

use std::collections::{HashSet, VecDeque};
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::client::MessagesRequest;
use crate::document::{EXECUTIVE_SUMMARY, section_spec};
use crate::prompt::LocalContext;

/// What the server does with one request.
#[derive(Debug, Clone, PartialEq)]
pub enum Behaviour {
    /// 200 with an answer from the responder.
    Ok,
    /// 429 with `retry-after: <seconds>`.
    RateLimited {
        /// Seconds sent in `retry-after`.
        retry_after_seconds: f64,
    },
    /// 529 overloaded.
    Overloaded,
    /// 500.
    ServerError,
    /// 200 whose body is not valid JSON.
    Malformed,
    /// Waits this long, then answers 200 (beyond the client's timeout, the client gives up).
    Slow(Duration),
    /// 401 authentication error.
    Unauthorized,
}

/// Produces the model's text for a request.
pub type Responder = Arc<dyn Fn(&MessagesRequest) -> String + Send + Sync>;

/// How the server answers successive requests.
#[derive(Clone)]
pub struct Script {
    /// Behaviours for the next requests, in arrival order.
    pub queue: VecDeque<Behaviour>,
    /// Behaviour once the queue is empty.
    pub fallback: Behaviour,
    /// Delay added before every answer (simulated API latency).
    pub latency: Duration,
    /// Text of successful answers.
    pub responder: Responder,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            queue: VecDeque::new(),
            fallback: Behaviour::Ok,
            latency: Duration::ZERO,
            responder: Arc::new(evidence_answer),
        }
    }
}

impl Script {
    /// Every request answered successfully.
    pub fn ok() -> Self {
        Script::default()
    }

    /// These behaviours first, then successful answers.
    pub fn then_ok(behaviours: impl IntoIterator<Item = Behaviour>) -> Self {
        Script {
            queue: behaviours.into_iter().collect(),
            ..Script::default()
        }
    }

    /// Every request answered with `behaviour`.
    pub fn always(behaviour: Behaviour) -> Self {
        Script {
            fallback: behaviour,
            ..Script::default()
        }
    }

    /// The same script with `latency` before every answer.
    pub fn with_latency(mut self, latency: Duration) -> Self {
        self.latency = latency;
        self
    }

    /// The same script with another responder.
    pub fn with_responder(mut self, responder: Responder) -> Self {
        self.responder = responder;
        self
    }
}

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub struct SeenRequest {
    /// Request path.
    pub path: String,
    /// `x-api-key` header.
    pub api_key: Option<String>,
    /// `anthropic-version` header.
    pub anthropic_version: Option<String>,
    /// `content-type` header.
    pub content_type: Option<String>,
    /// The body, when it parsed as a Messages request.
    pub body: Option<MessagesRequest>,
    /// Arrival, from the server's start.
    pub arrived: Duration,
    /// The behaviour it was given.
    pub behaviour: Behaviour,
}

struct Shared {
    script: Mutex<Script>,
    /// Cacheable system prefixes answered so far, like the API's prompt cache.
    cache: Mutex<HashSet<String>>,
    seen: Mutex<Vec<SeenRequest>>,
    stop: AtomicBool,
    started: Instant,
    in_flight: AtomicU64,
    peak_in_flight: AtomicU64,
}

/// The running server; stops when dropped.
pub struct LoopbackServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl LoopbackServer {
    /// Starts a server on `127.0.0.1` at a free port.
    pub fn start(script: Script) -> io::Result<Self> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            script: Mutex::new(script),
            cache: Mutex::new(HashSet::new()),
            seen: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
            started: Instant::now(),
            in_flight: AtomicU64::new(0),
            peak_in_flight: AtomicU64::new(0),
        });
        let for_thread = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("loopback-api".into())
            .spawn(move || serve(&listener, &for_thread))?;
        Ok(LoopbackServer {
            addr,
            shared,
            thread: Some(thread),
        })
    }

    /// `http://127.0.0.1:PORT`, the value for `ANTHROPIC_BASE_URL`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Requests seen so far, in arrival order.
    pub fn requests(&self) -> Vec<SeenRequest> {
        lock(&self.shared.seen).clone()
    }

    /// Most requests the server was answering at once.
    pub fn peak_in_flight(&self) -> u64 {
        self.shared.peak_in_flight.load(Ordering::SeqCst)
    }
}

impl Drop for LoopbackServer {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        // Wake the blocking accept so the thread sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn serve(listener: &TcpListener, shared: &Arc<Shared>) {
    for stream in listener.incoming() {
        if shared.stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let shared = Arc::clone(shared);
        // One thread per connection, so simulated latency overlaps as a real API's does; the
        // client's own concurrency limit bounds how many there are.
        let spawned = std::thread::Builder::new()
            .name("loopback-req".into())
            .spawn(move || {
                let _ = answer(stream, &shared);
            });
        if spawned.is_err() {
            break;
        }
    }
}

/// Largest request head and body the stand-in reads.
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 64 * 1024 * 1024;

/// A parsed HTTP/1.1 request: path, lower-cased headers, body.
struct RawRequest {
    path: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawRequest {
    fn header(&self, name: &str) -> Option<String> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    }
}

/// Reads one request (Content-Length bodies only: what ureq sends for a byte body).
fn read_request(stream: &mut TcpStream) -> io::Result<RawRequest> {
    let mut buf = Vec::with_capacity(8 * 1024);
    let mut chunk = [0u8; 8 * 1024];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        if buf.len() > MAX_HEAD {
            return Err(io::Error::other("request head too large"));
        }
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::other("connection closed mid-request"));
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let request_line = lines.next().unwrap_or_default();
    let path = request_line
        .split(' ')
        .nth(1)
        .unwrap_or_default()
        .to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        return Err(io::Error::other("request body too large"));
    }
    let mut body = buf[head_end..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk)?;
        if n == 0 {
            return Err(io::Error::other("connection closed mid-body"));
        }
        body.extend_from_slice(&chunk[..n]);
    }
    body.truncate(length);
    Ok(RawRequest {
        path,
        headers,
        body,
    })
}

fn answer(mut stream: TcpStream, shared: &Shared) -> io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let request = read_request(&mut stream)?;
    let now = shared.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
    shared.peak_in_flight.fetch_max(now, Ordering::SeqCst);
    let response = respond(&request, shared);
    // Out of flight before the client can see the answer: a client that sends its next request
    // as soon as it has read this one must not find this one still counted.
    shared.in_flight.fetch_sub(1, Ordering::SeqCst);
    stream.write_all(&response)?;
    stream.flush()
}

/// The whole HTTP response to `request`, after the script's latency.
fn respond(request: &RawRequest, shared: &Shared) -> Vec<u8> {
    let body: Option<MessagesRequest> = serde_json::from_slice(&request.body).ok();
    let (behaviour, latency, responder) = {
        let mut script = lock(&shared.script);
        let b = script
            .queue
            .pop_front()
            .unwrap_or_else(|| script.fallback.clone());
        (b, script.latency, Arc::clone(&script.responder))
    };
    lock(&shared.seen).push(SeenRequest {
        path: request.path.clone(),
        api_key: request.header("x-api-key"),
        anthropic_version: request.header("anthropic-version"),
        content_type: request.header("content-type"),
        body: body.clone(),
        arrived: shared.started.elapsed(),
        behaviour: behaviour.clone(),
    });
    sleep_unless_stopped(latency, shared);
    let size = request.body.len();
    let (status, text, retry_after) = match (&behaviour, &body) {
        _ if request.path != "/v1/messages" => {
            (404, error_body("not_found_error", "no such path"), None)
        }
        (Behaviour::Ok, Some(req)) => (200, reply_body(req, &responder(req), size, shared), None),
        (Behaviour::Slow(d), Some(req)) => {
            sleep_unless_stopped(*d, shared);
            (200, reply_body(req, &responder(req), size, shared), None)
        }
        (Behaviour::Ok | Behaviour::Slow(_), None) => (
            400,
            error_body("invalid_request_error", "body is not a Messages request"),
            None,
        ),
        (
            Behaviour::RateLimited {
                retry_after_seconds,
            },
            _,
        ) => (
            429,
            error_body(
                "rate_limit_error",
                "Number of requests has exceeded your rate limit",
            ),
            Some(*retry_after_seconds),
        ),
        (Behaviour::Overloaded, _) => (529, error_body("overloaded_error", "Overloaded"), None),
        (Behaviour::ServerError, _) => {
            (500, error_body("api_error", "Internal server error"), None)
        }
        (Behaviour::Malformed, _) => (200, "{\"id\": \"msg_x\", \"content\": [".to_string(), None),
        (Behaviour::Unauthorized, _) => (
            401,
            error_body("authentication_error", "invalid x-api-key"),
            None,
        ),
    };
    let mut head = format!(
        "HTTP/1.1 {status} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n",
        reason(status),
        text.len()
    );
    if let Some(secs) = retry_after {
        head.push_str(&format!("retry-after: {secs}\r\n"));
    }
    head.push_str("\r\n");
    let mut response = head.into_bytes();
    response.extend_from_slice(text.as_bytes());
    response
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        529 => "Overloaded",
        _ => "Status",
    }
}

/// Sleeps `d` in short steps so a dropped server does not wait out a long simulated delay.
fn sleep_unless_stopped(d: Duration, shared: &Shared) {
    let end = Instant::now() + d;
    while !shared.stop.load(Ordering::SeqCst) {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            break;
        }
        std::thread::sleep(left.min(Duration::from_millis(20)));
    }
}

fn error_body(kind: &str, message: &str) -> String {
    serde_json::json!({"type": "error", "error": {"type": kind, "message": message}}).to_string()
}

/// A 200 body. Usage is estimated at 4 bytes a token; a system prefix marked with
/// `cache_control` is "written" the first time it is answered and "read" after that, with
/// `input_tokens` counting only the rest, as the API reports it.
fn reply_body(req: &MessagesRequest, text: &str, request_bytes: usize, shared: &Shared) -> String {
    let (mut cache_write, mut cache_read) = (0, 0);
    if let Some(last) = req.system.iter().rposition(|b| b.cache_control.is_some()) {
        let prefix: String = req.system[..=last]
            .iter()
            .map(|b| b.text.as_str())
            .collect();
        let tokens = prefix.len().div_ceil(4);
        if lock(&shared.cache).insert(prefix) {
            cache_write = tokens;
        } else {
            cache_read = tokens;
        }
    }
    let input = request_bytes
        .div_ceil(4)
        .saturating_sub(cache_write + cache_read);
    serde_json::json!({
        "id": "msg_loopback",
        "type": "message",
        "role": "assistant",
        "model": req.model,
        "content": [{"type": "text", "text": text}],
        "stop_reason": "end_turn",
        "stop_sequence": null,
        "usage": {
            "input_tokens": input,
            "output_tokens": text.len().div_ceil(4),
            "cache_creation_input_tokens": cache_write,
            "cache_read_input_tokens": cache_read,
        }
    })
    .to_string()
}

/// The text between `open` and `close` in `text`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let len = text[start..].find(close)?;
    Some(&text[start..start + len])
}

/// The default responder: a deterministic answer built only from what the prompt carries.
/// Section prompts get a JSON object with the fields the local analysis can back (company,
/// place, products, dates, team, plans, open questions) and nothing else; map prompts get the
/// first lines of their part as "notes"; the executive summary counts the filled fields.
pub fn evidence_answer(req: &MessagesRequest) -> String {
    let mut user = req.system_text();
    for m in &req.messages {
        user.push('\n');
        user.push_str(&m.content);
    }
    let context: LocalContext = between(&user, "<local_analysis>", "</local_analysis>")
        .and_then(|c| serde_json::from_str(c.trim()).ok())
        .unwrap_or_default();
    if let Some(task) = between(&user, "<task>", "</task>") {
        let material = between(&user, "<material>", "</material>").unwrap_or_default();
        let head: Vec<&str> = material.trim().lines().take(3).collect();
        return format!(
            "Loopback stand-in notes for {task}: {} lines; it opens with: {}",
            material.trim().lines().count(),
            head.join(" / ")
        );
    }
    let Some(key) = between(&user, "<section key=\"", "\">") else {
        return "{}".to_string();
    };
    let join = |items: &[String]| (!items.is_empty()).then(|| items.join("; "));
    let first = |items: &[String]| items.first().cloned();
    let speakers: Vec<String> = context.speakers.iter().map(|s| s.name.clone()).collect();
    let plans: Vec<String> = context
        .action_items
        .iter()
        .take(3)
        .map(|a| match &a.speaker {
            Some(s) => format!("{s}: {} ({})", a.text, a.at),
            None => format!("{} ({})", a.text, a.at),
        })
        .collect();
    let questions: Vec<String> = context
        .open_questions
        .iter()
        .take(3)
        .map(|q| q.text.clone())
        .collect();
    let fields: Vec<(&str, Option<String>)> = match key {
        "customer_information" => vec![
            ("company_name", first(&context.organizations)),
            ("location", first(&context.places)),
        ],
        "solution" => vec![("product_service", join(&context.products))],
        "engagement" => vec![
            (
                "start_date",
                context
                    .meeting_date
                    .clone()
                    .or_else(|| first(&context.dates)),
            ),
            ("key_milestones", join(&context.dates)),
            ("engagement_team", join(&speakers)),
        ],
        "long_term_impact" => vec![("future_plans", join(&plans))],
        "visuals" => vec![("logo", first(&context.organizations))],
        "additional_commentary" => vec![("commentary", join(&questions))],
        EXECUTIVE_SUMMARY => {
            let sections = between(&user, "<sections>", "</sections>").unwrap_or_default();
            let filled = sections.matches("\"discussed\": true").count();
            vec![(
                "summary",
                Some(format!(
                    "Loopback stand-in summary of \"{}\": {filled} fields of the ten sections are backed by the local analysis; the rest were not discussed.",
                    context.title
                )),
            )]
        }
        _ => Vec::new(),
    };
    let spec_fields: Vec<&str> = section_spec(key)
        .map(|s| s.fields.iter().map(|f| f.key).collect())
        .unwrap_or_default();
    let mut object = serde_json::Map::new();
    for (field, value) in fields {
        if let Some(v) = value
            && spec_fields.contains(&field)
        {
            object.insert(field.to_string(), serde_json::Value::String(v));
        }
    }
    serde_json::Value::Object(object).to_string()
}

/// Runs the whole AI stage for `snapshot` against a fresh loopback server that waits
/// `latency` before each answer, with `config`'s limits (its URL and key are replaced). For
/// the benchmark: the returned telemetry's `wall_seconds` shows what concurrency buys when the
/// API, not the machine, is the bottleneck.
pub fn timed_run(
    snapshot: &snapshot_pipeline::snapshot::Snapshot,
    config: &crate::config::AiConfig,
    latency: Duration,
) -> Result<crate::generate::Outcome, crate::error::AiError> {
    let server = LoopbackServer::start(Script::ok().with_latency(latency)).map_err(|e| {
        crate::error::AiError::InvalidConfig {
            field: "loopback",
            reason: format!("cannot start the loopback API on 127.0.0.1: {e}"),
        }
    })?;
    let config = crate::config::AiConfig {
        base_url: server.base_url(),
        api_key: Some(crate::config::ApiKey::new("sk-loopback-not-a-real-key")),
        ..config.clone()
    };
    let telemetry = Arc::new(crate::telemetry::Telemetry::new());
    let client = crate::client::Client::new(config, telemetry)?;
    crate::generate::generate(&client, snapshot)
}
