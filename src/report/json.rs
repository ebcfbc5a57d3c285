//! The JSON report (`--report PATH`): the run record as it is — every trial with its
//! outcome, class, rules, structured violations (rule, expected, seen) and masked exchange,
//! the seed, the exception matrix and the users the run created. Holds no secrets: the
//! record's exchanges and messages are masked, and the target is described by its URL only.

use std::path::Path;

use super::record::RunRecord;
use super::ReportError;

/// The record as pretty JSON.
pub fn report_json(record: &RunRecord) -> Result<String, ReportError> {
    serde_json::to_string_pretty(record)
        .map(|text| text + "\n")
        .map_err(|e| ReportError::Serialise {
            what: "JSON report",
            source: Box::new(e),
        })
}

/// Writes the record as pretty JSON to `path`, atomically.
pub fn write_report(path: &Path, record: &RunRecord) -> Result<(), ReportError> {
    super::write_text(path, &report_json(record)?)
}
