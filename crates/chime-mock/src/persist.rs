//! The state file (`--state-file PATH`): the mock's accounts and users as JSON, loaded at
//! start and written atomically (a temporary file renamed over the old one) at shutdown,
//! so a restart keeps what the tests set up. It holds users as CreateUser returned them,
//! emails and PINs included: it is test data, to be kept like the tests' own fixtures.

use std::path::{Path, PathBuf};

use crate::state::SavedAccount;

/// The format version written and understood.
pub(crate) const STATE_VERSION: u32 = 1;

/// What a state file holds.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct SavedState {
    /// The file format's version.
    pub version: u32,
    /// Every account with its kind and users.
    pub accounts: Vec<SavedAccount>,
}

/// Why a state file could not be read or written.
#[non_exhaustive]
#[derive(Debug, thiserror::Error)]
pub enum StateFileError {
    /// The file exists but could not be read.
    #[error("failed to read the state file {path}")]
    Read {
        /// The state file.
        path: PathBuf,
        /// Why it could not be read.
        #[source]
        source: std::io::Error,
    },
    /// The file is not a state file of this version.
    #[error("failed to parse the state file {path} (expected version {STATE_VERSION}): {reason}")]
    Parse {
        /// The state file.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The file could not be written.
    #[error("failed to write the state file {path}")]
    Write {
        /// The state file.
        path: PathBuf,
        /// Why it could not be written.
        #[source]
        source: std::io::Error,
    },
}

impl SavedState {
    /// A state of these accounts.
    pub fn new(accounts: Vec<SavedAccount>) -> SavedState {
        SavedState {
            version: STATE_VERSION,
            accounts,
        }
    }

    /// Reads a state file; a file that does not exist yet is `Ok(None)`.
    pub fn load(path: &Path) -> Result<Option<SavedState>, StateFileError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(StateFileError::Read {
                    path: path.to_path_buf(),
                    source,
                })
            }
        };
        let parse_error = |reason: String| StateFileError::Parse {
            path: path.to_path_buf(),
            reason,
        };
        let state: SavedState = serde_json::from_str(&text).map_err(|e| {
            // serde_json's message names a line and column, never the value.
            parse_error(e.to_string())
        })?;
        if state.version != STATE_VERSION {
            return Err(parse_error(format!("found version {}", state.version)));
        }
        Ok(Some(state))
    }

    /// Writes the state atomically: a reader sees the old file or the new one.
    pub fn save(&self, path: &Path) -> Result<(), StateFileError> {
        let text = serde_json::to_vec_pretty(self).map_err(|e| StateFileError::Write {
            path: path.to_path_buf(),
            source: std::io::Error::other(e),
        })?;
        chime_contract::util::write_atomic(path, &text).map_err(|source| StateFileError::Write {
            path: path.to_path_buf(),
            source,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::AccountKind;

    #[test]
    fn a_state_survives_a_round_trip_and_a_missing_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(SavedState::load(&path).unwrap().is_none());
        let state = SavedState::new(vec![SavedAccount {
            id: "a".into(),
            kind: AccountKind::Throttled,
            users: vec![serde_json::json!({"UserId": "u1"})],
        }]);
        state.save(&path).unwrap();
        assert_eq!(SavedState::load(&path).unwrap(), Some(state));
    }

    #[test]
    fn a_broken_or_foreign_file_is_an_error_naming_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        for text in ["{", r#"{"version": 9, "accounts": []}"#] {
            std::fs::write(&path, text).unwrap();
            let message = SavedState::load(&path).unwrap_err().to_string();
            assert!(message.contains("state.json"), "{message}");
        }
    }
}
