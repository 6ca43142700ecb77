//! Diagnostics on stderr through `tracing`: level from `[log]`/`LOG_LEVEL`/`--log-level`, text for
//! people or JSON lines for collectors. Results go to stdout, never here. Secrets stay out because
//! the only type that holds one ([`crate::settings::Secret`]) formats itself masked.

use std::io::IsTerminal;

use tracing_subscriber::filter::LevelFilter;

use crate::settings::{LogFormat, LogLevel, LogSettings};

/// Installs the global subscriber once; later calls keep the first.
pub fn init(log: &LogSettings) {
    let level = match log.effective_level() {
        LogLevel::Error => LevelFilter::ERROR,
        LogLevel::Warn => LevelFilter::WARN,
        LogLevel::Info => LevelFilter::INFO,
        LogLevel::Debug => LevelFilter::DEBUG,
        LogLevel::Trace => LevelFilter::TRACE,
    };
    let builder = tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr);
    // Failing means a subscriber is already installed; the first one wins, which is what we want.
    let _already_set = match log.format {
        LogFormat::Text => builder
            .with_ansi(std::io::stderr().is_terminal())
            .try_init(),
        LogFormat::Json => builder.json().with_current_span(false).try_init(),
    };
}
