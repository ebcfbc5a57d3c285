//! The record of a run and its consumers. The runner leaves a [`record::RunRecord`] (and
//! emits [`event::Event`]s while it runs); each writer — the console table, JSON, JUnit,
//! Markdown, live progress — reads only those (and the shared parts of the record: the
//! exception [`matrix`], the input [`coverage`] table, the [`drift`] report), never the runner nor another writer.

pub mod aggregate;
pub mod cassette;
pub mod choices;
pub mod console;
pub mod coverage;
pub mod drift;
pub mod event;
pub mod failure_text;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod matrix;
pub mod record;
pub mod trial;

use std::path::Path;

/// Why a report could not be made or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The file could not be written (a missing permission, a full disk).
    #[error("failed to write the report {path}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// The report could not be serialised (a bug: every record serialises).
    #[error("failed to serialise the {what}")]
    Serialise {
        what: &'static str,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ReportError {
    /// Whether the report could not be written (an I/O failure) rather than made.
    pub fn is_io(&self) -> bool {
        matches!(self, ReportError::Write { .. })
    }
}

/// Writes a report's text to `path` atomically, creating its parent directories.
pub(crate) fn write_text(path: &Path, text: &str) -> Result<(), ReportError> {
    crate::util::write_atomic(path, text.as_bytes()).map_err(|source| ReportError::Write {
        path: path.display().to_string(),
        source,
    })
}
