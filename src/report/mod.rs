//! The record of a run and its consumers. The runner leaves a [`record::RunRecord`] (and
//! emits [`event::Event`]s while it runs); each writer — the console table, JSON, JUnit,
//! Markdown, live progress — reads only those (and the shared parts of the record: the
//! exception [`matrix`], the input [`coverage`] table, the [`drift`] report), never the runner nor another writer.

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
pub mod progress;
pub mod record;

use std::path::Path;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
#[error("failed to write the report {path}: {reason}")]
pub struct ReportError {
    pub path: String,
    pub reason: String,
}

impl ReportError {
    pub fn new(path: impl Into<String>, reason: impl Into<String>) -> ReportError {
        ReportError {
            path: path.into(),
            reason: reason.into(),
        }
    }
}

/// Writes a report's text to `path` atomically, creating its parent directories.
pub(crate) fn write_text(path: &Path, text: &str) -> Result<(), ReportError> {
    crate::util::write_atomic(path, text.as_bytes())
        .map_err(|e| ReportError::new(path.display().to_string(), e.to_string()))
}
