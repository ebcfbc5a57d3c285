//! Masking of sensitive values (emails, PINs, display names, secrets) before anything is
//! printed, logged or written to a report. The one place that decides what a masked value
//! looks like.

use serde_json::Value;

use crate::contract::{SENSITIVE_REQUEST_MEMBERS, SENSITIVE_USER_MEMBERS};

/// What every masked value is replaced with.
pub const MASK: &str = "***";

/// Masks an email address, keeping only its shape: `***@***` (empty stays empty so that
/// "missing" and "empty" remain distinguishable).
pub(crate) fn mask_email(email: &str) -> String {
    if email.is_empty() {
        String::new()
    } else if email.contains('@') {
        format!("{MASK}@{MASK}")
    } else {
        MASK.to_string()
    }
}

/// True when a JSON member of this name holds a sensitive value.
pub fn is_sensitive_member(name: &str) -> bool {
    SENSITIVE_USER_MEMBERS.contains(&name) || SENSITIVE_REQUEST_MEMBERS.contains(&name)
}

/// A copy of `value` with every sensitive member's value masked, at any depth. Non-string
/// values of sensitive members are masked too (their type is kept visible in the mask).
pub(crate) fn redact_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_sensitive_member(k) {
                        mask_value(v)
                    } else {
                        redact_json(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        other => other.clone(),
    }
}

fn mask_value(value: &Value) -> Value {
    match value {
        Value::String(s) => Value::String(mask_email(s)),
        Value::Null => Value::Null,
        Value::Bool(_) => Value::String(format!("{MASK} (boolean)")),
        Value::Number(_) => Value::String(format!("{MASK} (number)")),
        Value::Array(_) => Value::String(format!("{MASK} (array)")),
        Value::Object(_) => Value::String(format!("{MASK} (object)")),
    }
}

/// The longest string value shown whole in a body; a longer one shows its start and length.
const MAX_SHOWN_STRING: usize = 256;

/// `value` with every string longer than [`MAX_SHOWN_STRING`] characters cut to its start
/// and its length, so a megabyte-long member does not flood a report.
fn shorten_strings(value: Value) -> Value {
    match value {
        Value::String(s) if s.chars().count() > MAX_SHOWN_STRING => {
            let start: String = s.chars().take(64).collect();
            Value::String(format!("{start}… ({} characters)", s.chars().count()))
        }
        Value::Array(items) => Value::Array(items.into_iter().map(shorten_strings).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, shorten_strings(v)))
                .collect(),
        ),
        other => other,
    }
}

/// Headers whose values are never shown.
pub const SECRET_HEADERS: [&str; 2] = ["authorization", "x-amz-security-token"];

/// A header value as it may be shown: secrets masked (an `Authorization` keeps its scheme).
pub fn mask_header(name: &str, value: &str) -> String {
    if !SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s)) {
        return value.to_string();
    }
    match value.split_once(' ') {
        Some((scheme, _)) if name.eq_ignore_ascii_case("authorization") => {
            format!("{scheme} {MASK} (masked)")
        }
        _ => format!("{MASK} (masked)"),
    }
}

/// The longest non-JSON body shown as text.
const MAX_SHOWN_TEXT: usize = 200;

/// Masks a raw body for display: JSON bodies have their sensitive members masked. A body
/// that is not JSON may carry anything, so it is shown only when it is short UTF-8 text
/// without an `@` (no email can hide in it); otherwise only its length is.
pub fn redact_body(body: &[u8]) -> String {
    match serde_json::from_slice::<Value>(body) {
        Ok(v) => shorten_strings(redact_json(&v)).to_string(),
        Err(_) if body.is_empty() => "(empty)".to_string(),
        Err(_) => match std::str::from_utf8(body) {
            Ok(text) if text.len() <= MAX_SHOWN_TEXT && !text.contains('@') => text.to_string(),
            _ => format!("({} bytes, not JSON; content withheld)", body.len()),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn sensitive_members_are_masked_at_any_depth() {
        let v = json!({"User": {"UserId": "u1", "PrimaryEmail": "a@b.c", "PersonalPIN": "1234",
            "AlexaForBusinessMetadata": {"AlexaForBusinessRoomArn": "arn:x", "IsAlexaForBusinessEnabled": true}},
            "Email": 7});
        let s = redact_json(&v).to_string();
        for secret in ["a@b.c", "1234", "arn:x"] {
            assert!(!s.contains(secret), "{secret} leaked in {s}");
        }
        assert!(s.contains("u1"));
        assert!(s.contains("(number)"));
    }

    #[test]
    fn long_strings_show_their_start_and_length() {
        let body = format!(r#"{{"Username":"{}"}}"#, "x".repeat(5000));
        let shown = redact_body(body.as_bytes());
        assert!(shown.len() < 200, "{shown}");
        assert!(shown.contains("(5000 characters)"), "{shown}");
    }

    #[test]
    fn non_json_bodies_are_withheld() {
        assert_eq!(
            redact_body(b"a@b.c oops"),
            "(10 bytes, not JSON; content withheld)"
        );
        assert_eq!(redact_body(b"{\"Email\": "), "{\"Email\": ");
        assert_eq!(
            redact_body(&[0xff, 0xfe]),
            "(2 bytes, not JSON; content withheld)"
        );
        assert_eq!(redact_body(b""), "(empty)");
    }
}
