//! The journal of recent requests to the CreateUser route, read back through the control
//! plane (`GET /_chime-mock/requests`). Bounded: it keeps the last `capacity` requests and
//! at most [`MAX_KEPT_BODY_BYTES`] of each body. What it keeps is shown only masked:
//! `Authorization` and session tokens lose their values, sensitive body members (emails,
//! names) are masked, and a body that is not JSON is withheld unless it is short text.
//! Each entry lists the forms its answer took under `--vary-responses` (`forms`).

use std::collections::VecDeque;
use std::sync::Mutex;

use serde_json::{json, Value};
use wiremock::Request;

use crate::vary::Forms;
use chime_contract::redact::{mask_header, redact_body};

/// Bodies longer than this are journaled by their length only.
pub const MAX_KEPT_BODY_BYTES: usize = 16 * 1024;
/// The longest path and query kept.
const MAX_KEPT_TARGET_CHARS: usize = 2048;

/// One journaled request and what it was answered.
#[derive(Debug)]
struct Entry {
    sequence: u64,
    /// Formatted only when shown: recording stays cheap.
    received_at: std::time::SystemTime,
    method: http::Method,
    target: String,
    headers: http::HeaderMap,
    body: Option<Vec<u8>>,
    body_bytes: usize,
    status: u16,
    error_type: Option<&'static str>,
    request_id: String,
    forms: Forms,
}

/// What a request was answered: status, error type (none for a success), request id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answered<'a> {
    pub status: u16,
    pub error_type: Option<&'static str>,
    pub request_id: &'a str,
    /// The forms the answer took (none unless responses are varied).
    pub forms: Forms,
}

/// The last `capacity` requests.
#[derive(Debug)]
pub(crate) struct Journal {
    capacity: usize,
    entries: Mutex<(u64, VecDeque<Entry>)>,
}

impl Journal {
    /// A journal keeping the last `capacity` requests (0 keeps none).
    pub(crate) fn new(capacity: usize) -> Journal {
        Journal {
            capacity,
            entries: Mutex::new((0, VecDeque::new())),
        }
    }

    /// Journals `request` (its body only when it is short) and its answer.
    pub(crate) fn record(&self, request: &Request, answered: Answered<'_>) {
        if self.capacity == 0 {
            return;
        }
        let target = &request.url[url::Position::BeforePath..url::Position::AfterQuery];
        let entry = Entry {
            sequence: 0,
            received_at: std::time::SystemTime::now(),
            method: request.method.clone(),
            target: target.chars().take(MAX_KEPT_TARGET_CHARS).collect(),
            headers: request.headers.clone(),
            body: (request.body.len() <= MAX_KEPT_BODY_BYTES).then(|| request.body.clone()),
            body_bytes: request.body.len(),
            status: answered.status,
            error_type: answered.error_type,
            request_id: answered.request_id.to_string(),
            forms: answered.forms,
        };
        let mut guard = chime_contract::util::lock(&self.entries);
        let (count, entries) = &mut *guard;
        *count += 1;
        if entries.len() == self.capacity {
            entries.pop_front();
        }
        entries.push_back(Entry {
            sequence: *count,
            ..entry
        });
    }

    /// Forgets every request.
    pub(crate) fn clear(&self) {
        chime_contract::util::lock(&self.entries).1.clear();
    }

    /// The last `limit` requests (all kept when `None`), oldest first, masked.
    pub(crate) fn recent(&self, limit: Option<usize>) -> Vec<Value> {
        let guard = chime_contract::util::lock(&self.entries);
        let entries = &guard.1;
        let skip = entries.len().saturating_sub(limit.unwrap_or(entries.len()));
        entries.iter().skip(skip).map(masked).collect()
    }

    /// How many requests the journal keeps at most.
    pub(crate) fn capacity(&self) -> usize {
        self.capacity
    }
}

/// An entry as shown: secrets and sensitive members masked.
fn masked(entry: &Entry) -> Value {
    let headers: serde_json::Map<String, Value> = entry
        .headers
        .iter()
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes());
            (name.to_string(), json!(mask_header(name.as_str(), &text)))
        })
        .collect();
    let body = match &entry.body {
        Some(body) => {
            let shown = redact_body(body);
            serde_json::from_str::<Value>(&shown).unwrap_or(Value::String(shown))
        }
        None => json!(format!(
            "({} bytes, over the journal's {MAX_KEPT_BODY_BYTES}-byte limit; not kept)",
            entry.body_bytes
        )),
    };
    json!({
        "sequence": entry.sequence,
        "received_at": chrono::DateTime::<chrono::Utc>::from(entry.received_at)
            .format("%Y-%m-%dT%H:%M:%S%.3fZ")
            .to_string(),
        "method": entry.method.as_str(),
        "path": entry.target,
        "headers": headers,
        "body": body,
        "body_bytes": entry.body_bytes,
        "status": entry.status,
        "error_type": entry.error_type,
        "request_id": entry.request_id,
        "forms": entry.forms.names(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(body: &str) -> Request {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "authorization",
            "AWS4-HMAC-SHA256 Credential=AKID/x, Signature=abcdef0123"
                .parse()
                .unwrap(),
        );
        headers.insert("x-amz-security-token", "token-secret".parse().unwrap());
        Request {
            url: "http://localhost/accounts/a/users?operation=create"
                .parse()
                .unwrap(),
            method: http::Method::POST,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn answered(status: u16) -> Answered<'static> {
        Answered {
            status,
            error_type: None,
            request_id: "r",
            forms: Forms::PLAIN,
        }
    }

    #[test]
    fn the_journal_keeps_the_last_requests_masked() {
        let journal = Journal::new(2);
        for status in [201, 409, 400] {
            journal.record(
                &request(r#"{"Email":"jane@example.com","UserType":"PrivateUser"}"#),
                answered(status),
            );
        }
        let shown = journal.recent(None);
        assert_eq!(shown.len(), 2);
        assert_eq!(shown[0]["status"], 409);
        assert_eq!(shown[1]["sequence"], 3);
        assert_eq!(journal.recent(Some(1))[0]["status"], 400);
        let text = Value::Array(shown).to_string();
        for secret in ["jane@example.com", "abcdef0123", "token-secret"] {
            assert!(!text.contains(secret), "{secret} shown in {text}");
        }
        assert!(text.contains("PrivateUser") && text.contains("AWS4-HMAC-SHA256"));
        journal.clear();
        assert!(journal.recent(None).is_empty());
    }

    #[test]
    fn long_bodies_are_kept_by_length_only() {
        let journal = Journal::new(1);
        let long = format!(r#"{{"Username":"{}"}}"#, "x".repeat(MAX_KEPT_BODY_BYTES));
        journal.record(&request(&long), answered(201));
        let shown = &journal.recent(None)[0];
        assert_eq!(shown["body_bytes"], long.len());
        assert!(shown["body"].as_str().unwrap().contains("not kept"));
    }
}
