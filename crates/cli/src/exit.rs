//! Exit codes (documented in `--help`): 0 ok; 1 runtime failure; 2 bad usage or bad input;
//! 3 a check failed (regression gate, failing healthcheck, missed target when gating).

use std::fmt;
use std::process::ExitCode;

/// Success.
pub const OK: u8 = 0;
/// A runtime failure (I/O error mid-run, a batch with failed files).
pub const FAILURE: u8 = 1;
/// Bad usage or bad input: the user must change the command or the file.
pub const BAD_INPUT: u8 = 2;
/// A check the user asked for failed (regression gate, healthcheck, target verdict).
pub const CHECK_FAILED: u8 = 3;

/// Marks an error as the user's input or usage being wrong (exit code 2).
#[derive(Debug)]
pub struct BadInput(pub String);

impl fmt::Display for BadInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for BadInput {}

/// Builds an exit-code-2 error from a message.
pub fn bad_input(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(BadInput(msg.into()))
}

/// The exit code an error maps to: 2 when any error in the chain is bad input, else 1.
pub fn code_for(err: &anyhow::Error) -> ExitCode {
    let bad = err.chain().any(|e| e.downcast_ref::<BadInput>().is_some());
    ExitCode::from(if bad { BAD_INPUT } else { FAILURE })
}

/// True when the failure is only stdout's reader having gone away (`| head`): a clean exit.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
