//! `snapshot_ai`: the AI Customer Success Snapshot.
//!
//! Turns a transcript and its local NLP result ([`snapshot_pipeline::snapshot::Snapshot`]) into
//! the 11-section Customer Success Snapshot through Anthropic's Messages API. The crate owns
//! every network call of the project (the pipeline stays pure): [`client`] (blocking HTTP with
//! timeouts, retries, a concurrency limit), [`prompt`] (versioned templates embedded from
//! `prompts/`), [`chunk`] (map-reduce for long transcripts), [`generate`] (the run and its dry
//! run; the meeting material shared by the ten section calls goes through the API's prompt
//! cache), [`document`] (the 11-section model), [`render`] (Markdown, HTML, JSON), [`telemetry`]
//! (per-call latency, tokens, retries, error class) and [`loopback`] (a Messages API stand-in
//! on 127.0.0.1 for tests and benchmarks).
#![deny(missing_docs)]

pub mod chunk;
pub mod client;
pub mod config;
pub mod document;
pub mod error;
pub mod generate;
pub mod loopback;
pub mod prompt;
pub mod render;
pub mod telemetry;

pub use config::{AiConfig, ApiKey};
pub use error::{AiError, ErrorClass};
