//! The blocking Messages API client: one `POST {base}/v1/messages` per call, with timeouts,
//! retries (exponential backoff with full jitter, `retry-after` honoured) and a counting
//! semaphore that bounds the calls in flight across every thread sharing the client.
//!
//! Wire types are kept apart from the document model: [`MessagesRequest`] is exactly the JSON
//! body sent, so `--dry-run` prints the same bytes a real run would send.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::config::{ANTHROPIC_VERSION, AiConfig, ApiKey};
use crate::error::{AiError, ErrorClass};
use crate::telemetry::{CallPhase, CallRecord, Telemetry};

/// Largest reply body read, bytes; a Messages reply is a few KB.
const MAX_REPLY_BYTES: u64 = 8 * 1024 * 1024;

/// One message of the conversation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// `user` or `assistant`.
    pub role: String,
    /// Plain text content.
    pub content: String,
}

/// `cache_control` of a system block: `{"type": "ephemeral"}` marks the end of a prefix the
/// API may cache and reuse across calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CacheControl {
    /// Always `ephemeral`.
    #[serde(rename = "type")]
    pub kind: String,
}

/// One text block of the system prompt.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SystemBlock {
    /// Always `text`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The text.
    pub text: String,
    /// Present on the last block of a cacheable prefix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cache_control: Option<CacheControl>,
}

impl SystemBlock {
    /// A text block, cacheable up to its end when `cache` is set.
    pub fn text(text: String, cache: bool) -> Self {
        SystemBlock {
            kind: "text".into(),
            text,
            cache_control: cache.then(|| CacheControl {
                kind: "ephemeral".into(),
            }),
        }
    }
}

/// The JSON body of `POST /v1/messages`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MessagesRequest {
    /// Model name.
    pub model: String,
    /// Reply limit in tokens.
    pub max_tokens: u32,
    /// Sampling temperature.
    pub temperature: f32,
    /// System prompt: the rules, then (for section calls) the meeting material shared by every
    /// section, so the API can cache it.
    pub system: Vec<SystemBlock>,
    /// The conversation (here always one user message).
    pub messages: Vec<Message>,
}

impl MessagesRequest {
    /// A one-turn request with the model, limits and temperature of `config`.
    pub fn new(config: &AiConfig, system: String, user: String) -> Self {
        MessagesRequest {
            model: config.model.clone(),
            max_tokens: config.max_tokens,
            temperature: config.temperature,
            system: vec![SystemBlock::text(system, false)],
            messages: vec![Message {
                role: "user".into(),
                content: user,
            }],
        }
    }

    /// Appends a system block with text shared by several calls, marked cacheable when `cache`.
    pub fn with_shared_context(mut self, text: String, cache: bool) -> Self {
        self.system.push(SystemBlock::text(text, cache));
        self
    }

    /// The system blocks joined by blank lines.
    pub fn system_text(&self) -> String {
        self.system
            .iter()
            .map(|b| b.text.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    }

    /// Estimated input tokens (system and messages).
    pub fn estimate_input_tokens(&self, config: &AiConfig) -> usize {
        self.system
            .iter()
            .map(|b| config.estimate_tokens(&b.text))
            .sum::<usize>()
            + self
                .messages
                .iter()
                .map(|m| config.estimate_tokens(&m.content))
                .sum::<usize>()
    }
}

/// A content block of a reply; only text blocks carry text.
#[derive(Debug, Clone, Deserialize)]
struct ContentBlock {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    text: Option<String>,
}

/// `usage` of a reply. `input_tokens` excludes the tokens written to or read from the cache.
#[derive(Debug, Clone, Copy, Deserialize, Default)]
struct Usage {
    input_tokens: u64,
    output_tokens: u64,
    #[serde(default)]
    cache_creation_input_tokens: Option<u64>,
    #[serde(default)]
    cache_read_input_tokens: Option<u64>,
}

/// The parts of a Messages API reply this client reads.
#[derive(Debug, Clone, Deserialize)]
struct WireReply {
    content: Vec<ContentBlock>,
    usage: Usage,
    #[serde(default)]
    stop_reason: Option<String>,
}

/// The API's error body: `{"type":"error","error":{"type":..., "message":...}}`.
#[derive(Debug, Deserialize)]
struct WireError {
    error: WireErrorDetail,
}

#[derive(Debug, Deserialize)]
struct WireErrorDetail {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    message: String,
}

/// A successful reply.
#[derive(Debug, Clone, PartialEq)]
pub struct Reply {
    /// The text blocks joined.
    pub text: String,
    /// `usage.input_tokens`.
    pub input_tokens: u64,
    /// `usage.output_tokens`.
    pub output_tokens: u64,
    /// `usage.cache_creation_input_tokens`: input written to the prompt cache.
    pub cache_write_tokens: u64,
    /// `usage.cache_read_input_tokens`: input read from the prompt cache.
    pub cache_read_tokens: u64,
    /// `stop_reason` (`end_turn`, `max_tokens`, …).
    pub stop_reason: Option<String>,
}

/// A counting semaphore: at most `permits` holders at once.
#[derive(Debug)]
pub struct Semaphore {
    free: Mutex<usize>,
    released: Condvar,
}

impl Semaphore {
    /// A semaphore with `permits` permits (at least one).
    pub fn new(permits: usize) -> Self {
        Semaphore {
            free: Mutex::new(permits.max(1)),
            released: Condvar::new(),
        }
    }

    /// Blocks until a permit is free; the permit returns when the guard drops.
    pub fn acquire(&self) -> Permit<'_> {
        let mut free = self.free.lock().unwrap_or_else(|p| p.into_inner());
        while *free == 0 {
            free = self.released.wait(free).unwrap_or_else(|p| p.into_inner());
        }
        *free -= 1;
        Permit { sem: self }
    }
}

/// A held semaphore permit.
#[derive(Debug)]
pub struct Permit<'a> {
    sem: &'a Semaphore,
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        let mut free = self.sem.free.lock().unwrap_or_else(|p| p.into_inner());
        *free += 1;
        self.sem.released.notify_one();
    }
}

/// How long to wait before retry number `retry` (0-based): `retry-after` when the server sent
/// one, else a uniform draw from `[0, min(max, base · 2^retry)]` ("full jitter", which spreads
/// clients that failed together better than equal or decorrelated jitter).
pub fn backoff_delay(
    config: &AiConfig,
    retry: u32,
    retry_after: Option<Duration>,
    unit_random: f64,
) -> Duration {
    if let Some(wait) = retry_after {
        return wait;
    }
    let ceiling = config
        .backoff_base
        .saturating_mul(1u32.checked_shl(retry.min(20)).unwrap_or(u32::MAX))
        .min(config.backoff_max);
    ceiling.mul_f64(unit_random.clamp(0.0, 1.0))
}

/// Parses `retry-after` given in seconds (the form the Anthropic API sends).
fn parse_retry_after(value: &str) -> Option<Duration> {
    let secs: f64 = value.trim().parse().ok()?;
    (secs.is_finite() && secs >= 0.0).then(|| Duration::from_secs_f64(secs))
}

/// One failed attempt.
struct AttemptFailure {
    class: ErrorClass,
    status: Option<u16>,
    message: String,
    retry_after: Option<Duration>,
}

/// The Messages API client. Cheap to share by reference across threads.
///
/// One client serves one document: after a call fails for good it refuses further calls, so
/// sections still queued are not sent in vain. Runs over several files each make a client and
/// share one concurrency limit through [`Client::with_permits`].
#[derive(Debug)]
pub struct Client {
    config: AiConfig,
    key: ApiKey,
    agent: ureq::Agent,
    permits: Arc<Semaphore>,
    telemetry: Arc<Telemetry>,
    /// Set by the first call that fails for good, so queued calls are not sent in vain.
    abort: AtomicBool,
}

impl Client {
    /// A client for `config`; fails at once without a key or with invalid settings.
    pub fn new(config: AiConfig, telemetry: Arc<Telemetry>) -> Result<Self, AiError> {
        let permits = Arc::new(Semaphore::new(config.concurrency));
        Client::with_permits(config, telemetry, permits)
    }

    /// A client whose calls in flight count against `permits`, shared with other clients.
    pub fn with_permits(
        config: AiConfig,
        telemetry: Arc<Telemetry>,
        permits: Arc<Semaphore>,
    ) -> Result<Self, AiError> {
        config.validate()?;
        let key = config.api_key.clone().ok_or(AiError::MissingApiKey)?;
        let mut builder = ureq::Agent::config_builder();
        if config.is_loopback() {
            // HTTP(S)_PROXY applies to the real API; a loopback server is never behind one.
            builder = builder.proxy(None);
        }
        let agent: ureq::Agent = builder
            .http_status_as_error(false)
            .timeout_connect(Some(config.connect_timeout))
            .timeout_global(Some(config.request_timeout))
            .max_redirects(0)
            .user_agent(concat!("customer-snapshot/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Ok(Client {
            config,
            key,
            agent,
            permits,
            telemetry,
            abort: AtomicBool::new(false),
        })
    }

    /// The settings in use.
    pub fn config(&self) -> &AiConfig {
        &self.config
    }

    /// The telemetry collector.
    pub fn telemetry(&self) -> &Arc<Telemetry> {
        &self.telemetry
    }

    /// Sends `request`, retrying as configured, and records one [`CallRecord`].
    pub fn send(
        &self,
        label: &str,
        phase: CallPhase,
        request: &MessagesRequest,
    ) -> Result<Reply, AiError> {
        if self.abort.load(Ordering::Relaxed) {
            return Err(AiError::Cancelled {
                label: label.to_string(),
            });
        }
        let body = serde_json::to_vec(request).map_err(|e| AiError::Malformed {
            label: label.to_string(),
            reason: format!("cannot encode the request: {e}"),
        })?;
        let started = Instant::now();
        let mut record = CallRecord {
            label: label.to_string(),
            phase,
            latency_seconds: 0.0,
            last_attempt_seconds: 0.0,
            backoff_seconds: 0.0,
            attempts: 0,
            retries: 0,
            input_tokens: 0,
            output_tokens: 0,
            cache_write_tokens: 0,
            cache_read_tokens: 0,
            stop_reason: None,
            status: None,
            attempt_errors: Vec::new(),
            error_class: None,
        };
        let outcome = self.attempts(label, &body, &mut record);
        record.latency_seconds = started.elapsed().as_secs_f64();
        record.retries = record.attempts.saturating_sub(1);
        match &outcome {
            Ok(reply) => {
                record.input_tokens = reply.input_tokens;
                record.output_tokens = reply.output_tokens;
                record.cache_write_tokens = reply.cache_write_tokens;
                record.cache_read_tokens = reply.cache_read_tokens;
                record.stop_reason = reply.stop_reason.clone();
            }
            Err(AiError::Cancelled { .. }) => {
                // Stopped between attempts: the call failed the way its last attempt did.
                record.error_class = record.attempt_errors.last().copied();
            }
            Err(e) => {
                record.error_class = e.class();
                self.abort.store(true, Ordering::Relaxed);
            }
        }
        self.telemetry.record(record);
        outcome
    }

    /// The bounded retry loop.
    fn attempts(
        &self,
        label: &str,
        body: &[u8],
        record: &mut CallRecord,
    ) -> Result<Reply, AiError> {
        let max_attempts = self.config.max_retries.saturating_add(1);
        loop {
            if record.attempts > 0 && self.abort.load(Ordering::Relaxed) {
                return Err(AiError::Cancelled {
                    label: label.to_string(),
                });
            }
            record.attempts += 1;
            let attempt_start = Instant::now();
            let result = {
                let _permit = self.permits.acquire();
                self.attempt(label, body, record)
            };
            record.last_attempt_seconds = attempt_start.elapsed().as_secs_f64();
            let failure = match result {
                Ok(reply) => return Ok(reply),
                Err(Ok(failure)) => failure,
                Err(Err(fatal)) => {
                    record.attempt_errors.extend(fatal.class());
                    return Err(fatal);
                }
            };
            record.attempt_errors.push(failure.class);
            if !failure.class.is_retryable() {
                return Err(self.final_error(label, failure));
            }
            if record.attempts >= max_attempts {
                return Err(AiError::RetriesExhausted {
                    label: label.to_string(),
                    attempts: record.attempts,
                    class: failure.class,
                    last: failure.message,
                });
            }
            if let Some(wait) = failure.retry_after
                && wait > self.config.max_retry_after
            {
                return Err(AiError::RetryAfterTooLong {
                    label: label.to_string(),
                    retry_after: wait,
                    limit: self.config.max_retry_after,
                });
            }
            let delay = backoff_delay(
                &self.config,
                record.attempts - 1,
                failure.retry_after,
                fastrand::f64(),
            );
            record.backoff_seconds += delay.as_secs_f64();
            std::thread::sleep(delay);
        }
    }

    /// One HTTP exchange. `Err(Ok(_))` is a failed attempt to classify; `Err(Err(_))` ends
    /// the call at once.
    fn attempt(
        &self,
        label: &str,
        body: &[u8],
        record: &mut CallRecord,
    ) -> Result<Reply, Result<AttemptFailure, AiError>> {
        let sent = self
            .agent
            .post(&self.config.messages_url())
            .header("x-api-key", self.key.expose())
            .header("anthropic-version", ANTHROPIC_VERSION)
            .header("content-type", "application/json")
            .send(body);
        let mut response = match sent {
            Ok(r) => r,
            Err(e) => return Err(Ok(self.transport_failure(e))),
        };
        let status = response.status().as_u16();
        record.status = Some(status);
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(parse_retry_after);
        let text = match response
            .body_mut()
            .with_config()
            .limit(MAX_REPLY_BYTES)
            .read_to_string()
        {
            Ok(t) => t,
            Err(e) => return Err(Ok(self.transport_failure(e))),
        };
        if status == 200 {
            return parse_reply(label, &text).map_err(Err);
        }
        let message = self.scrub(&api_error_message(&text));
        Err(Ok(AttemptFailure {
            class: ErrorClass::from_status(status),
            status: Some(status),
            message: format!("HTTP {status}: {message}"),
            retry_after,
        }))
    }

    /// Classifies a transport error (no usable response).
    fn transport_failure(&self, e: ureq::Error) -> AttemptFailure {
        let class = match &e {
            ureq::Error::Timeout(_) => ErrorClass::Timeout,
            ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => ErrorClass::Timeout,
            ureq::Error::Io(_)
            | ureq::Error::HostNotFound
            | ureq::Error::ConnectionFailed
            | ureq::Error::Tls(_)
            | ureq::Error::Rustls(_) => ErrorClass::Connect,
            _ => ErrorClass::Malformed,
        };
        let message = match class {
            ErrorClass::Timeout => format!(
                "timed out ({e}; connect limit {} s, attempt limit {} s)",
                self.config.connect_timeout.as_secs_f64(),
                self.config.request_timeout.as_secs_f64()
            ),
            _ => format!("{e} ({})", self.config.messages_url()),
        };
        AttemptFailure {
            class,
            status: None,
            message: self.scrub(&message),
            retry_after: None,
        }
    }

    /// The error a non-retryable failure ends the call with.
    fn final_error(&self, label: &str, failure: AttemptFailure) -> AiError {
        let status = failure.status.unwrap_or_default();
        match failure.class {
            ErrorClass::Auth => AiError::Unauthorized {
                status,
                message: failure.message,
                masked_key: self.key.masked(),
            },
            ErrorClass::Malformed => AiError::Malformed {
                label: label.to_string(),
                reason: failure.message,
            },
            _ => AiError::Rejected {
                label: label.to_string(),
                status,
                message: failure.message,
            },
        }
    }

    /// Removes the key from text that came from elsewhere (an echoing proxy, an error body).
    fn scrub(&self, text: &str) -> String {
        let key = self.key.expose();
        if key.is_empty() {
            text.to_string()
        } else {
            text.replace(key, &self.key.masked())
        }
    }
}

/// The API's error message from an error body, or a short excerpt of the body.
fn api_error_message(body: &str) -> String {
    match serde_json::from_str::<WireError>(body) {
        Ok(e) if !e.error.kind.is_empty() => format!("{}: {}", e.error.kind, e.error.message),
        Ok(e) => e.error.message,
        Err(_) => excerpt(body),
    }
}

/// At most 200 characters of `text`, on one line.
fn excerpt(text: &str) -> String {
    let one_line: String = text
        .chars()
        .take(200)
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    if one_line.trim().is_empty() {
        "(empty body)".to_string()
    } else {
        one_line
    }
}

/// Reads a 200 reply.
fn parse_reply(label: &str, body: &str) -> Result<Reply, AiError> {
    let wire: WireReply = serde_json::from_str(body).map_err(|e| AiError::Malformed {
        label: label.to_string(),
        reason: format!("{e}; body starts: {}", excerpt(body)),
    })?;
    let mut text = String::new();
    for block in wire.content.iter().filter(|b| b.kind == "text") {
        text.push_str(block.text.as_deref().unwrap_or_default());
    }
    Ok(Reply {
        text,
        input_tokens: wire.usage.input_tokens,
        output_tokens: wire.usage.output_tokens,
        cache_write_tokens: wire.usage.cache_creation_input_tokens.unwrap_or(0),
        cache_read_tokens: wire.usage.cache_read_input_tokens.unwrap_or(0),
        stop_reason: wire.stop_reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_jitter_stays_under_the_doubling_ceiling() {
        let cfg = AiConfig {
            backoff_base: Duration::from_millis(100),
            backoff_max: Duration::from_millis(500),
            ..AiConfig::default()
        };
        assert_eq!(
            backoff_delay(&cfg, 0, None, 1.0),
            Duration::from_millis(100)
        );
        assert_eq!(
            backoff_delay(&cfg, 2, None, 1.0),
            Duration::from_millis(400)
        );
        assert_eq!(
            backoff_delay(&cfg, 3, None, 1.0),
            Duration::from_millis(500)
        );
        assert_eq!(
            backoff_delay(&cfg, 40, None, 1.0),
            Duration::from_millis(500)
        );
        assert_eq!(backoff_delay(&cfg, 2, None, 0.0), Duration::ZERO);
        assert_eq!(
            backoff_delay(&cfg, 2, None, 0.5),
            Duration::from_millis(200)
        );
        assert_eq!(
            backoff_delay(&cfg, 0, Some(Duration::from_secs(2)), 0.1),
            Duration::from_secs(2)
        );
    }

    #[test]
    fn retry_after_in_seconds() {
        assert_eq!(parse_retry_after("3"), Some(Duration::from_secs(3)));
        assert_eq!(parse_retry_after(" 0.5 "), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-1"), None);
        assert_eq!(parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT"), None);
    }

    #[test]
    fn replies_join_text_blocks_and_read_usage() {
        let body = r#"{"id":"msg_1","type":"message","role":"assistant","model":"m",
            "content":[{"type":"text","text":"{\"a\":"},{"type":"tool_use","id":"t"},{"type":"text","text":"1}"}],
            "stop_reason":"end_turn","usage":{"input_tokens":12,"output_tokens":3,"cache_read_input_tokens":40}}"#;
        let reply = parse_reply("x", body).expect("valid");
        assert_eq!(reply.text, "{\"a\":1}");
        assert_eq!((reply.input_tokens, reply.output_tokens), (12, 3));
        assert_eq!((reply.cache_write_tokens, reply.cache_read_tokens), (0, 40));
        assert_eq!(reply.stop_reason.as_deref(), Some("end_turn"));
        let err = parse_reply("x", "{\"content\": 3}").expect_err("bad shape");
        assert!(matches!(err, AiError::Malformed { .. }));
    }

    #[test]
    fn error_bodies_give_the_api_message() {
        let body = r#"{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}"#;
        assert_eq!(api_error_message(body), "overloaded_error: Overloaded");
        assert_eq!(api_error_message(""), "(empty body)");
    }

    #[test]
    fn semaphore_bounds_holders() {
        use std::sync::atomic::AtomicUsize;
        let sem = Semaphore::new(2);
        let inside = AtomicUsize::new(0);
        let peak = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    let _p = sem.acquire();
                    let now = inside.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    std::thread::sleep(Duration::from_millis(20));
                    inside.fetch_sub(1, Ordering::SeqCst);
                });
            }
        });
        assert_eq!(peak.load(Ordering::SeqCst), 2);
    }
}
