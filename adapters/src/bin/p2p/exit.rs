//! Failures and their exit codes.

use std::process::ExitCode;

/// Why a command failed; each kind has its own exit code.
#[derive(Debug)]
pub enum Failure {
    /// A bug or an impossible situation (exit 1).
    Internal(String),
    /// Bad arguments that clap could not catch (exit 2).
    Usage(String),
    /// No answer in time (exit 3).
    Timeout(String),
    /// Socket or address trouble (exit 4).
    Network(String),
    /// The server said no (exit 5).
    Refused(String),
}

impl Failure {
    /// The message, without the exit code.
    pub fn message(&self) -> &str {
        match self {
            Failure::Internal(m)
            | Failure::Usage(m)
            | Failure::Timeout(m)
            | Failure::Network(m)
            | Failure::Refused(m) => m,
        }
    }

    /// Print the one-line error and give the exit code.
    pub fn report(self) -> ExitCode {
        let (code, msg) = match self {
            Failure::Internal(m) => (1, m),
            Failure::Usage(m) => (2, m),
            Failure::Timeout(m) => (3, m),
            Failure::Network(m) => (4, m),
            Failure::Refused(m) => (5, m),
        };
        eprintln!("p2p: error: {msg}");
        ExitCode::from(code)
    }
}

/// Shorthand for command results.
pub type Outcome = Result<(), Failure>;
