//! Errors and exit codes: the one place that says which failures are the user's (exit
//! code 1) and which are the tool's (exit code 2), and how an error is printed.
//!
//! Invariant: every stage reports bad input as [`Invalid`] (a message naming the file, or
//! findings with their places), so that the command layer maps it to exit code 1 without
//! knowing the stage; anything else is a tool failure.

use crate::diag::{self, Finding, Sources};

/// Exit code: everything went well.
pub const EXIT_OK: u8 = 0;
/// Exit code: the input is invalid, or checks found denied problems.
pub const EXIT_INVALID: u8 = 1;
/// Exit code: the tool itself failed (I/O, template, Typst).
pub const EXIT_FAILURE: u8 = 2;

/// An error caused by the user's input (exit code 1), as opposed to a tool failure.
#[derive(Debug, thiserror::Error)]
pub enum Invalid {
    /// A message naming the file and the problem.
    #[error("{0}")]
    Input(String),
    /// Findings, already rendered with their source snippets.
    #[error("{rendered}{summary}")]
    Findings {
        /// The findings.
        findings: Vec<Finding>,
        /// Their human rendering.
        rendered: String,
        /// The summary line.
        summary: String,
    },
}

impl Invalid {
    /// An invalid-input error with a message.
    pub fn input(message: impl Into<String>) -> anyhow::Error {
        anyhow::Error::new(Invalid::Input(message.into()))
    }

    /// An invalid-input error carrying findings.
    pub fn findings(findings: Vec<Finding>, sources: Sources) -> anyhow::Error {
        let rendered = sources.render(&findings, false);
        let summary = format!("input is invalid: {}", diag::summary(&findings));
        anyhow::Error::new(Invalid::Findings {
            findings,
            rendered,
            summary,
        })
    }
}

/// The exit code for an error: 1 if the input is at fault, 2 otherwise.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    if err.chain().any(|e| e.is::<Invalid>()) {
        EXIT_INVALID
    } else {
        EXIT_FAILURE
    }
}

/// The text printed for an error: findings as rendered diagnostics, anything else as
/// `error: …` followed by its whole cause chain.
pub fn report(err: &anyhow::Error) -> String {
    if let Some(Invalid::Findings {
        rendered, summary, ..
    }) = err.downcast_ref::<Invalid>()
    {
        return format!("{rendered}{summary}\n");
    }
    let mut text = format!("error: {err}\n");
    for cause in err.chain().skip(1) {
        text.push_str(&format!("  caused by: {cause}\n"));
    }
    text
}
