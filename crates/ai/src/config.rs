//! Settings of the AI stage: endpoint, model, limits, retry policy and the context budget.
//!
//! A plain struct with `Default`, so the library never reads the environment itself; the CLI
//! (and later the settings module) fills it. [`AiConfig::from_lookup`] maps the documented
//! environment variable names onto the fields for callers that have them.

use std::fmt;
use std::time::Duration;

use crate::error::AiError;

/// Default API endpoint.
pub const DEFAULT_BASE_URL: &str = "https://api.anthropic.com";
/// Default model when `DEFAULT_MODEL` is not set.
pub const DEFAULT_MODEL: &str = "claude-sonnet-4-5";
/// The `anthropic-version` header value this client speaks.
pub const ANTHROPIC_VERSION: &str = "2023-06-01";

/// An API key that never shows itself in `Debug` or `Display`.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// Wraps a key; surrounding whitespace (a pasted newline) is dropped.
    pub fn new(key: impl Into<String>) -> Self {
        ApiKey(key.into().trim().to_string())
    }

    /// The key itself, for the request header only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The key as `sk-…abcd`: the first three and last four characters, or `…` when short.
    pub fn masked(&self) -> String {
        let chars: Vec<char> = self.0.chars().collect();
        if chars.len() < 12 {
            return "…".to_string();
        }
        let head: String = chars[..3].iter().collect();
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{head}…{tail}")
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ApiKey({})", self.masked())
    }
}

impl fmt::Display for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

/// Everything the AI stage needs to know; see the field docs for the environment names.
#[derive(Debug, Clone)]
pub struct AiConfig {
    /// `ANTHROPIC_API_KEY`; `None` makes every real call fail with [`AiError::MissingApiKey`].
    pub api_key: Option<ApiKey>,
    /// `ANTHROPIC_BASE_URL`, without the `/v1/messages` path. Plain `http://` is accepted only
    /// for loopback hosts, so a key never crosses a network unencrypted.
    pub base_url: String,
    /// `DEFAULT_MODEL`.
    pub model: String,
    /// `MAX_TOKENS`: the reply limit of each call.
    pub max_tokens: u32,
    /// `TEMPERATURE`, 0–1.
    pub temperature: f32,
    /// Time allowed to open the connection.
    pub connect_timeout: Duration,
    /// Time allowed for one whole attempt (send, wait, read the reply).
    pub request_timeout: Duration,
    /// Retries after the first attempt on 429, 5xx, 529 and timeouts.
    pub max_retries: u32,
    /// First backoff ceiling; doubles each retry (full jitter below it).
    pub backoff_base: Duration,
    /// Largest backoff ceiling.
    pub backoff_max: Duration,
    /// Longest `retry-after` the client waits; a longer one ends the call with an error.
    pub max_retry_after: Duration,
    /// Calls in flight at once, across every thread using one client.
    pub concurrency: usize,
    /// Largest estimated input of one request, in tokens; longer transcripts are map-reduced.
    pub context_budget_tokens: usize,
    /// Characters per token used for estimates (Anthropic's rule of thumb: about 4).
    pub chars_per_token: usize,
    /// Mark the meeting material cacheable and write one section before the other nine, so
    /// those nine read the material from the API's prompt cache (billed at a tenth, and not
    /// counted against the input-tokens-per-minute limit) instead of sending it again. Applies
    /// only when the shared prefix reaches the API's caching minimum (1024 tokens).
    pub prompt_cache: bool,
}

impl Default for AiConfig {
    fn default() -> Self {
        AiConfig {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_string(),
            model: DEFAULT_MODEL.to_string(),
            max_tokens: 4096,
            temperature: 0.2,
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(120),
            max_retries: 4,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(60),
            concurrency: 4,
            context_budget_tokens: 100_000,
            chars_per_token: 4,
            prompt_cache: true,
        }
    }
}

impl AiConfig {
    /// Fills the fields named by `ANTHROPIC_API_KEY`, `ANTHROPIC_BASE_URL`, `DEFAULT_MODEL`,
    /// `MAX_TOKENS` and `TEMPERATURE` from `lookup` (for example `std::env::var(..).ok()`);
    /// the rest keep their defaults. Empty values count as unset.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, AiError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut cfg = AiConfig {
            api_key: get("ANTHROPIC_API_KEY").map(ApiKey::new),
            ..AiConfig::default()
        };
        if let Some(url) = get("ANTHROPIC_BASE_URL") {
            cfg.base_url = url.trim().to_string();
        }
        if let Some(model) = get("DEFAULT_MODEL") {
            cfg.model = model.trim().to_string();
        }
        if let Some(v) = get("MAX_TOKENS") {
            cfg.max_tokens = v.trim().parse().map_err(|_| AiError::InvalidConfig {
                field: "MAX_TOKENS",
                reason: format!("'{v}' is not a whole number of tokens"),
            })?;
        }
        if let Some(v) = get("TEMPERATURE") {
            cfg.temperature = v.trim().parse().map_err(|_| AiError::InvalidConfig {
                field: "TEMPERATURE",
                reason: format!("'{v}' is not a number between 0 and 1"),
            })?;
        }
        cfg.validate()?;
        Ok(cfg)
    }

    /// Checks the invariants the client relies on.
    pub fn validate(&self) -> Result<(), AiError> {
        let bad = |field, reason: String| Err(AiError::InvalidConfig { field, reason });
        let url = self.base_url.trim_end_matches('/');
        let Some((scheme, rest)) = url.split_once("://") else {
            return bad(
                "ANTHROPIC_BASE_URL",
                format!("'{url}' is not an http(s) URL"),
            );
        };
        let host = host_of(rest);
        match scheme {
            "https" => {}
            "http" if is_loopback_host(host) => {}
            "http" => {
                return bad(
                    "ANTHROPIC_BASE_URL",
                    format!("'{url}': plain http is only allowed to a loopback host; use https"),
                );
            }
            _ => {
                return bad(
                    "ANTHROPIC_BASE_URL",
                    format!("'{url}' is not an http(s) URL"),
                );
            }
        }
        if host.is_empty() {
            return bad("ANTHROPIC_BASE_URL", format!("'{url}' names no host"));
        }
        if self.model.trim().is_empty() {
            return bad("DEFAULT_MODEL", "the model name is empty".into());
        }
        if self.max_tokens == 0 {
            return bad("MAX_TOKENS", "must be at least 1".into());
        }
        if !(0.0..=1.0).contains(&self.temperature) {
            return bad(
                "TEMPERATURE",
                format!("{} is outside 0–1", self.temperature),
            );
        }
        if self.concurrency == 0 {
            return bad("concurrency", "must be at least 1".into());
        }
        if self.chars_per_token == 0 {
            return bad("chars_per_token", "must be at least 1".into());
        }
        if self.context_budget_tokens < 2_000 {
            return bad(
                "context_budget_tokens",
                format!(
                    "{} is too small for the prompt itself; use at least 2000",
                    self.context_budget_tokens
                ),
            );
        }
        Ok(())
    }

    /// True when the base URL names a loopback host (no proxy is used for it).
    pub fn is_loopback(&self) -> bool {
        self.base_url
            .split_once("://")
            .is_some_and(|(_, rest)| is_loopback_host(host_of(rest)))
    }

    /// `{base}/v1/messages`.
    pub fn messages_url(&self) -> String {
        format!("{}/v1/messages", self.base_url.trim_end_matches('/'))
    }

    /// Estimated tokens of a text (characters / [`AiConfig::chars_per_token`], rounded up).
    pub fn estimate_tokens(&self, text: &str) -> usize {
        text.chars().count().div_ceil(self.chars_per_token.max(1))
    }
}

/// The host part of `host[:port][/path]` (brackets kept off IPv6 literals).
fn host_of(rest: &str) -> &str {
    let authority = rest.split('/').next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split(']').next().unwrap_or_default();
    }
    authority.split(':').next().unwrap_or_default()
}

/// True for `localhost`, `127.x.y.z` and `::1`.
pub fn is_loopback_host(host: &str) -> bool {
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_masked_everywhere() {
        let key = ApiKey::new("sk-ant-api03-secretsecret-abcd\n");
        assert_eq!(key.masked(), "sk-…abcd");
        assert_eq!(format!("{key}"), "sk-…abcd");
        assert!(!format!("{key:?}").contains("secret"));
        assert_eq!(ApiKey::new("short").masked(), "…");
    }

    #[test]
    fn environment_names_fill_the_config() {
        let env = |name: &str| match name {
            "ANTHROPIC_API_KEY" => Some("sk-test-000000000000wxyz".to_string()),
            "ANTHROPIC_BASE_URL" => Some("http://127.0.0.1:9999/".to_string()),
            "DEFAULT_MODEL" => Some("claude-test".to_string()),
            "MAX_TOKENS" => Some("2048".to_string()),
            "TEMPERATURE" => Some("0.5".to_string()),
            _ => None,
        };
        let cfg = AiConfig::from_lookup(env).expect("valid");
        assert_eq!(cfg.messages_url(), "http://127.0.0.1:9999/v1/messages");
        assert_eq!(cfg.model, "claude-test");
        assert_eq!(cfg.max_tokens, 2048);
        assert!((cfg.temperature - 0.5).abs() < f32::EPSILON);
        assert_eq!(cfg.api_key.map(|k| k.masked()).as_deref(), Some("sk-…wxyz"));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = AiConfig::from_lookup(|n| (n == "MAX_TOKENS").then(|| "lots".into()))
            .expect_err("not a number");
        assert!(err.to_string().contains("MAX_TOKENS"), "{err}");
        let err = AiConfig::from_lookup(|n| (n == "TEMPERATURE").then(|| "3".into()))
            .expect_err("out of range");
        assert!(err.to_string().contains("TEMPERATURE"), "{err}");
    }

    #[test]
    fn plain_http_only_to_loopback() {
        for ok in [
            "https://api.anthropic.com",
            "http://127.0.0.1:8080",
            "http://localhost:1/",
            "http://[::1]:80",
        ] {
            let cfg = AiConfig {
                base_url: ok.into(),
                ..AiConfig::default()
            };
            assert!(cfg.validate().is_ok(), "{ok}");
            assert_eq!(cfg.is_loopback(), ok.starts_with("http://"), "{ok}");
        }
        for bad in ["http://example.com", "ftp://127.0.0.1", "api.anthropic.com"] {
            let cfg = AiConfig {
                base_url: bad.into(),
                ..AiConfig::default()
            };
            assert!(cfg.validate().is_err(), "{bad}");
        }
    }

    #[test]
    fn token_estimates_round_up() {
        let cfg = AiConfig::default();
        assert_eq!(cfg.estimate_tokens(""), 0);
        assert_eq!(cfg.estimate_tokens("abcde"), 2);
        assert_eq!(cfg.estimate_tokens("éééé"), 1);
    }
}
