//! Typed errors of the AI stage, and the coarse class each one is counted under in telemetry.
//!
//! Messages say what to change. None of them ever contains the API key: the key only exists in
//! [`crate::config::ApiKey`], and text that comes back from the server is scrubbed of it.

use std::time::Duration;

pub use snapshot_pipeline::ai_telemetry::ErrorClass;

/// Why the AI stage failed.
#[derive(Debug, thiserror::Error)]
pub enum AiError {
    /// No key was configured.
    #[error(
        "no Anthropic API key: set ANTHROPIC_API_KEY (for example `export ANTHROPIC_API_KEY=sk-ant-...` or a line in .env); only the AI snapshot needs it"
    )]
    MissingApiKey,
    /// A setting is out of range.
    #[error("invalid AI setting {field}: {reason}")]
    InvalidConfig {
        /// The setting (environment name where there is one).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// 401/403 from the API.
    #[error(
        "the Anthropic API refused the key (HTTP {status}: {message}); check ANTHROPIC_API_KEY (key in use: {masked_key})"
    )]
    Unauthorized {
        /// 401 or 403.
        status: u16,
        /// The API's own explanation, scrubbed of the key.
        message: String,
        /// The key as `sk-…abcd`.
        masked_key: String,
    },
    /// A 4xx other than 401/403/429: retrying would not help.
    #[error("the Anthropic API rejected the request for {label} (HTTP {status}: {message})")]
    Rejected {
        /// Which call.
        label: String,
        /// The status.
        status: u16,
        /// The API's explanation.
        message: String,
    },
    /// Retryable failures continued past the retry limit.
    #[error(
        "{label}: gave up after {attempts} attempts; last failure: {last} (raise the retry limit or try later)"
    )]
    RetriesExhausted {
        /// Which call.
        label: String,
        /// Attempts made.
        attempts: u32,
        /// Class of the last failure.
        class: ErrorClass,
        /// Description of the last failure.
        last: String,
    },
    /// The server asked to wait longer than the client is configured to.
    #[error(
        "{label}: the API asked to retry after {} s, longer than the {} s this run waits; try again later",
        retry_after.as_secs(),
        limit.as_secs()
    )]
    RetryAfterTooLong {
        /// Which call.
        label: String,
        /// What the server asked for.
        retry_after: Duration,
        /// The configured limit.
        limit: Duration,
    },
    /// The reply body was not the Messages API shape.
    #[error("{label}: the API reply is not a Messages API response: {reason}")]
    Malformed {
        /// Which call.
        label: String,
        /// What was wrong, with a short excerpt of the body.
        reason: String,
    },
    /// The model's answer could not be read as the section's JSON object.
    #[error("{label}: the model's answer is not the JSON object asked for: {reason}")]
    ModelOutput {
        /// Which call.
        label: String,
        /// What was wrong.
        reason: String,
    },
    /// Another call failed first, so this one was not sent.
    #[error("{label}: not sent because an earlier call failed")]
    Cancelled {
        /// Which call.
        label: String,
    },
}

impl AiError {
    /// The telemetry class of this error, if it came from a call.
    pub fn class(&self) -> Option<ErrorClass> {
        match self {
            AiError::MissingApiKey | AiError::InvalidConfig { .. } | AiError::Cancelled { .. } => {
                None
            }
            AiError::Unauthorized { .. } => Some(ErrorClass::Auth),
            AiError::Rejected { status, .. } => Some(ErrorClass::from_status(*status)),
            AiError::RetriesExhausted { class, .. } => Some(*class),
            AiError::RetryAfterTooLong { .. } => Some(ErrorClass::RateLimited),
            AiError::Malformed { .. } => Some(ErrorClass::Malformed),
            AiError::ModelOutput { .. } => Some(ErrorClass::ModelOutput),
        }
    }

    /// True when the user must change a setting (key, URL, limits) rather than retry later.
    pub fn is_configuration(&self) -> bool {
        matches!(
            self,
            AiError::MissingApiKey | AiError::InvalidConfig { .. } | AiError::Unauthorized { .. }
        )
    }
}
