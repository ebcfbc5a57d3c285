//! Masking of sensitive values (emails, PINs, display names, secrets) before anything is
//! printed, logged or written to a report. The one place that decides what a masked value
//! looks like. Besides the model's sensitive members, an email-like word inside free text
//! (an error's `Message`, any other string) is masked too.

use std::borrow::Cow;

use serde_json::Value;

use crate::{SENSITIVE_REQUEST_MEMBERS, SENSITIVE_USER_MEMBERS};

/// What every masked value is replaced with.
pub const MASK: &str = "***";

/// Masks an email address, keeping only its shape: `***@***` (empty stays empty so that
/// "missing" and "empty" remain distinguishable).
pub fn mask_email(email: &str) -> String {
    if email.is_empty() {
        String::new()
    } else if email.contains('@') {
        format!("{MASK}@{MASK}")
    } else {
        MASK.to_string()
    }
}

/// `text` with every email-like word (`local@domain.tld`) replaced by `***@***`, in one
/// pass (each character is looked at a bounded number of times). A word counts as an
/// email when it has an `@` with a letter, digit or non-ASCII character on each side and a
/// `.` inside its domain; so the model's pattern `.+@.+\..+` and `***@***` stay as they
/// are. Text without `@` is borrowed as it is.
pub fn mask_emails_in_text(text: &str) -> Cow<'_, str> {
    if !text.contains('@') {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    // Text before `copied` is in `out` already; the next `@` is looked for from `search`.
    let (mut copied, mut search) = (0, 0);
    while let Some(found) = text[search..].find('@') {
        let at = search + found;
        // The walk left stops at the previous `@` (not a word character) or at `copied`.
        let local_start = text[copied..at]
            .char_indices()
            .rev()
            .take_while(|&(_, c)| is_email_char(c))
            .last()
            .map_or(at, |(i, _)| copied + i);
        let domain_len = text[at + 1..]
            .char_indices()
            .find(|&(_, c)| !is_email_char(c))
            .map_or(text.len() - at - 1, |(i, _)| i);
        let domain = text[at + 1..at + 1 + domain_len].trim_end_matches('.');
        let local = &text[local_start..at];
        if looks_like_email(local, domain) {
            out.push_str(&text[copied..local_start]);
            out.push_str(MASK);
            out.push('@');
            out.push_str(MASK);
            copied = at + 1 + domain.len();
            search = copied;
        } else {
            search = at + 1;
        }
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// A character that may be part of an email-like word: anything but whitespace, `@`,
/// quotes, brackets and the separators text puts around an address.
fn is_email_char(c: char) -> bool {
    !c.is_whitespace()
        && !matches!(
            c,
            '@' | '"'
                | '\''
                | '`'
                | '<'
                | '>'
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | ','
                | ';'
                | ':'
                | '\\'
        )
}

/// Whether `local@domain` is email-like: a letter, digit or non-ASCII character on each
/// side, and a `.` with something before and after it in the domain.
fn looks_like_email(local: &str, domain: &str) -> bool {
    let wordy = |s: &str| s.chars().any(|c| c.is_alphanumeric() || !c.is_ascii());
    let dotted = domain
        .split_once('.')
        .is_some_and(|(first, rest)| !first.is_empty() && !rest.is_empty());
    wordy(local) && wordy(domain) && dotted
}

/// True when a JSON member of this name holds a sensitive value.
pub fn is_sensitive_member(name: &str) -> bool {
    SENSITIVE_USER_MEMBERS.contains(&name) || SENSITIVE_REQUEST_MEMBERS.contains(&name)
}

/// A copy of `value` with every sensitive member's value masked, at any depth. Non-string
/// values of sensitive members are masked too (their type is kept visible in the mask).
/// Every other string (and member name) has its email-like words masked.
pub fn redact_json(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| {
                    let v = if is_sensitive_member(k) {
                        mask_value(v)
                    } else {
                        redact_json(v)
                    };
                    (mask_emails_in_text(k).into_owned(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redact_json).collect()),
        Value::String(s) => Value::String(mask_emails_in_text(s).into_owned()),
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
    fn emails_inside_free_text_are_masked() {
        let body = br#"{"Code":"Conflict","Message":"user Bob.O+x@Example.co.uk already exists; ask zoe\u00eb@b\u00fccher.de.","Details":["see a@b.c"]}"#;
        let shown = redact_body(body);
        for leaked in ["Bob.O+x", "Example.co.uk", "zoe", "cher.de", "a@b.c"] {
            assert!(!shown.contains(leaked), "{leaked} leaked in {shown}");
        }
        assert!(
            shown.contains("user ***@*** already exists; ask ***@***."),
            "{shown}"
        );
        assert!(shown.contains("see ***@***"), "{shown}");
        for (text, masked) in [
            ("no at sign", "no at sign"),
            (
                "pattern .+@.+\\..+ and ***@*** stay",
                "pattern .+@.+\\..+ and ***@*** stay",
            ),
            ("(mail: a@b.c)", "(mail: ***@***)"),
            ("<a@b.c>, \"x@y.z\"", "<***@***>, \"***@***\""),
            (
                "user@host and @handle and a@b.",
                "user@host and @handle and a@b.",
            ),
            ("a@b@c.d", "a@***@***"),
            ("😀@😀.😀 x", "***@*** x"),
            ("@", "@"),
            ("a@.", "a@."),
        ] {
            assert_eq!(mask_emails_in_text(text), masked, "{text:?}");
        }
    }

    #[test]
    fn masking_free_text_takes_linear_time() {
        // Long runs that an eager walk back from each `@` would read again and again.
        let many_ats = "a".repeat(200_000) + &"@".repeat(200_000);
        let alternating = "a@".repeat(200_000);
        let dotted = "x.".repeat(100_000) + "@" + &"y.".repeat(100_000);
        let started = std::time::Instant::now();
        assert_eq!(mask_emails_in_text(&many_ats).len(), many_ats.len());
        assert_eq!(mask_emails_in_text(&alternating), alternating);
        assert_eq!(mask_emails_in_text(&dotted), "***@***.");
        assert!(
            started.elapsed() < std::time::Duration::from_secs(2),
            "{:?}",
            started.elapsed()
        );
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
