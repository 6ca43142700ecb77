//! The SQLite history (rusqlite, bundled): runs, samples, alerts and profiles.
//!
//! Placeholder until the monitor's `history/mod.rs` lands: it only declares the profile table's
//! module, whose functions take a `&rusqlite::Connection` so they fit any opener.

pub mod profile;
