//! `snapshot_pipeline`: turns a WebVTT meeting transcript into a customer solution snapshot.
//!
//! The crate is a pure transformation, laid out as the data flows (see `DESIGN.md`):
//! [`vtt`] (bytes -> cues) -> [`utterance`] (cues -> speaker turns) -> [`text`] (cleaning,
//! sentences) -> [`nlp`] (entities, topics, terms, action items) -> [`snapshot`] (the model) ->
//! [`render`] (Markdown, HTML, JSON). [`pipeline`] drives the stages and reports each one to an
//! [`pipeline::Observer`]. No CLI parsing, threads, network or printing lives here.
#![deny(missing_docs)]

pub mod ai_telemetry;
pub mod inspect;
pub mod nlp;
pub mod pipeline;
pub mod render;
pub mod snapshot;
pub mod text;
pub mod utterance;
pub mod vtt;
