//! The cassette recorder: a [`Reporter`] that keeps every exchange of a run as an entry of
//! a HAR 1.2 file (the types are `input::cassette`'s, which also reads cassettes back),
//! annotated for replay and stored without a secret: the signing headers are dropped (a
//! replay re-signs), each email of a request body becomes a placeholder `{email:<id>}`
//! numbered across the whole cassette, and response bodies are masked as every report
//! masks them.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Mutex;

use serde_json::{Map, Value};

use super::event::{Event, ExchangeEvent, ExchangeRole, Reporter};
use super::{write_text, ReportError};
use crate::contract::redact::{is_sensitive_member, redact_body, redact_json, SECRET_HEADERS};
use crate::contract::{is_valid_email, SENSITIVE_REQUEST_MEMBERS};
use crate::http::{ReceivedResponse, SentRequest};
use crate::input::cassette::{
    base64_text, email_placeholder, Annotation, BodyEncoding, Cache, Content, Creator, EmailToken,
    Entry, Har, Log, NameValue, PostData, Request, Response, Role, Timings, Verdict, HAR_VERSION,
    HTTP_VERSION,
};
use crate::util::lock;

/// Request headers a cassette leaves out besides [`SECRET_HEADERS`]: they belong to the
/// signature, which a replay makes anew (and the payload hash would betray the body).
const SIGNING_HEADERS: [&str; 2] = ["x-amz-date", "x-amz-content-sha256"];

/// What the `_error` of an unanswered request says (the transport error itself is in the
/// run's report, not in the event).
const NO_ANSWER: &str = "no complete answer";

/// Records a run's exchanges; [`CassetteRecorder::write`] saves them as a HAR file.
#[derive(Default)]
pub struct CassetteRecorder {
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: Vec<Entry>,
    /// Email ids by address in lower case, in order of first appearance.
    emails: HashMap<String, u32>,
}

impl CassetteRecorder {
    pub fn new() -> CassetteRecorder {
        CassetteRecorder::default()
    }

    /// The cassette so far.
    pub fn to_har(&self) -> Har {
        Har {
            log: Log {
                version: HAR_VERSION.to_string(),
                creator: Creator {
                    name: "chime-conformance".to_string(),
                    version: env!("CARGO_PKG_VERSION").to_string(),
                },
                entries: lock(&self.state).entries.clone(),
            },
        }
    }

    /// How many exchanges are recorded.
    pub fn entries(&self) -> usize {
        lock(&self.state).entries.len()
    }

    /// Writes the cassette to `path` as pretty JSON, atomically.
    pub fn write(&self, path: &Path) -> Result<(), ReportError> {
        let mut text =
            serde_json::to_string_pretty(&self.to_har()).map_err(|e| ReportError::Serialise {
                what: "cassette",
                source: Box::new(e),
            })?;
        text.push('\n');
        write_text(path, &text)
    }

    fn record(&self, event: &ExchangeEvent<'_>) {
        let now = chrono::Utc::now();
        let mut state = lock(&self.state);
        let entry = entry(event, now, &mut state.emails);
        state.entries.push(entry);
    }
}

impl Reporter for CassetteRecorder {
    fn report(&self, event: &Event<'_>) {
        if let Event::Exchange(exchange) = event {
            self.record(exchange);
        }
    }
}

impl From<ExchangeRole> for Role {
    fn from(role: ExchangeRole) -> Role {
        Role {
            account: role.account,
            step: role.step,
        }
    }
}

/// The entry of an exchange that ended at `now`; new emails get their ids in `emails`.
fn entry(
    event: &ExchangeEvent<'_>,
    now: chrono::DateTime<chrono::Utc>,
    emails: &mut HashMap<String, u32>,
) -> Entry {
    let request = event.request;
    let elapsed = event.response.map(|r| r.elapsed).unwrap_or_default();
    let elapsed_ms = elapsed.as_secs_f64() * 1000.0;
    let started = chrono::TimeDelta::from_std(elapsed)
        .ok()
        .and_then(|d| now.checked_sub_signed(d))
        .unwrap_or(now);
    let body = store_request_body(&request.body, emails);
    let verdict = match event.response {
        None => Verdict::Unanswered,
        Some(_) if !event.rules.is_empty() => Verdict::Failed,
        Some(_) => Verdict::Passed,
    };
    Entry {
        started_date_time: started.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        time: elapsed_ms,
        request: stored_request(request, body.text.clone(), body.verbatim),
        response: event
            .response
            .map_or_else(unanswered_response, stored_response),
        cache: Cache {},
        timings: Timings {
            send: 0.0,
            wait: elapsed_ms,
            receive: 0.0,
        },
        chime: Annotation {
            trial: event.trial.to_string(),
            role: event.role.into(),
            signature: request.signature,
            fault: request.injected_fault.map(|e| e.shape_name().to_string()),
            rules: event.rules.iter().map(|r| r.name().to_string()).collect(),
            verdict,
            emails: body.emails,
            body_withheld: body.withheld,
            body_encoding: body.encoding,
        },
    }
}

/// The request as stored: signing headers dropped, the body as [`store_request_body`]
/// keeps it.
fn stored_request(request: &SentRequest, text: Option<String>, verbatim: bool) -> Request {
    Request {
        method: request.method.clone(),
        url: without_userinfo(&request.url),
        http_version: HTTP_VERSION.to_string(),
        cookies: Vec::new(),
        headers: request
            .headers
            .iter()
            .filter(|(name, _)| !is_signing_header(name))
            .map(|(name, value)| NameValue::new(name, value))
            .collect(),
        query_string: query_string(&request.url),
        post_data: text.map(|text| PostData {
            mime_type: header(&request.headers, "content-type").to_string(),
            text,
        }),
        headers_size: -1,
        body_size: if verbatim {
            byte_count(request.body.len())
        } else {
            -1
        },
    }
}

/// A response as stored: its body masked.
fn stored_response(response: &ReceivedResponse) -> Response {
    let content = stored_response_body(&response.body);
    Response {
        status: response.status,
        status_text: http::StatusCode::from_u16(response.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or_default()
            .to_string(),
        http_version: HTTP_VERSION.to_string(),
        cookies: Vec::new(),
        headers: response
            .headers
            .iter()
            .map(|(name, value)| NameValue::new(name, value))
            .collect(),
        content: Content {
            size: content.size,
            mime_type: header(&response.headers, "content-type").to_string(),
            text: content.text,
        },
        redirect_url: String::new(),
        headers_size: -1,
        body_size: content.body_size,
        error: None,
    }
}

/// The response of a request that got no complete answer, as HAR tools expect it.
fn unanswered_response() -> Response {
    Response {
        status: 0,
        status_text: String::new(),
        http_version: String::new(),
        cookies: Vec::new(),
        headers: Vec::new(),
        content: Content {
            size: 0,
            mime_type: String::new(),
            text: None,
        },
        redirect_url: String::new(),
        headers_size: -1,
        body_size: -1,
        error: Some(NO_ANSWER.to_string()),
    }
}

fn is_signing_header(name: &str) -> bool {
    SECRET_HEADERS
        .iter()
        .chain(SIGNING_HEADERS.iter())
        .any(|h| name.eq_ignore_ascii_case(h))
}

/// The first value of a header (name matched ignoring case), or empty.
fn header<'a>(headers: &'a [(String, String)], name: &str) -> &'a str {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map_or("", |(_, v)| v.as_str())
}

fn byte_count(len: usize) -> i64 {
    i64::try_from(len).unwrap_or(i64::MAX)
}

/// The URL without any user name or password it might carry.
fn without_userinfo(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if !parsed.username().is_empty() || parsed.password().is_some() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.to_string()
        }
        _ => url.to_string(),
    }
}

fn query_string(url: &str) -> Vec<NameValue> {
    url::Url::parse(url)
        .map(|u| u.query_pairs().map(|(n, v)| NameValue::new(n, v)).collect())
        .unwrap_or_default()
}

/// A request body as a cassette stores it.
struct StoredBody {
    /// `None` for an empty body.
    text: Option<String>,
    emails: Vec<EmailToken>,
    /// Something other than the emails was masked or withheld.
    withheld: bool,
    /// The stored bytes are the body as sent (no placeholder, nothing withheld).
    verbatim: bool,
    /// The text is the stored bytes in base64 (they are not UTF-8).
    encoding: Option<BodyEncoding>,
}

impl StoredBody {
    /// A body stored as these bytes (placeholders in): as text when UTF-8, else in base64.
    fn of_bytes(bytes: Vec<u8>, emails: Vec<EmailToken>) -> StoredBody {
        let verbatim = emails.is_empty();
        let (text, encoding) = match String::from_utf8(bytes) {
            Ok(text) => (text, None),
            Err(e) => (base64_text(e.as_bytes()), Some(BodyEncoding::Base64)),
        };
        StoredBody {
            text: Some(text),
            emails,
            withheld: false,
            verbatim,
            encoding,
        }
    }

    /// A body that could not be stored byte for byte: `text` shows it masked.
    fn withheld(text: String, emails: Vec<EmailToken>) -> StoredBody {
        StoredBody {
            text: Some(text),
            emails,
            withheld: true,
            verbatim: false,
            encoding: None,
        }
    }
}

/// A request body as stored, byte for byte but for its secrets, so that a replay sends
/// what was sent. A JSON object whose only sensitive members are top-level: each non-empty
/// string of an email member (see [`SENSITIVE_REQUEST_MEMBERS`]) becomes its placeholder
/// in the text as sent (key order, spacing, escapes, duplicate keys kept). Any other body
/// (not JSON, not an object, a sensitive member deeper in): each string of a sensitive
/// member, at any depth and in double or single quotes, becomes its placeholder, every
/// other byte kept ([`with_placeholders_in_bytes`]). Only a body where that leaves
/// something that may be an address, or a sensitive member holding something else than a
/// string, is stored masked and marked withheld.
fn store_request_body(body: &[u8], ids: &mut HashMap<String, u32>) -> StoredBody {
    if body.is_empty() {
        return StoredBody {
            text: None,
            emails: Vec::new(),
            withheld: false,
            verbatim: true,
            encoding: None,
        };
    }
    if let Some(stored) = plain_object_body(body, ids) {
        return stored;
    }
    if let Some(stored) = with_placeholders_in_bytes(body, ids) {
        return stored;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => masked_object_body(&map, ids),
        Ok(other) => StoredBody::withheld(redact_json(&other).to_string(), Vec::new()),
        // It holds something sensitive or an `@`: only its length is stored.
        Err(_) => StoredBody::withheld(
            format!("({} bytes, not JSON; content withheld)", body.len()),
            Vec::new(),
        ),
    }
}

/// A JSON object body whose only sensitive members are top-level email members: its text
/// with those as placeholders; `None` for any other body.
fn plain_object_body(body: &[u8], ids: &mut HashMap<String, u32>) -> Option<StoredBody> {
    let original = std::str::from_utf8(body).ok()?;
    let Ok(Value::Object(map)) = serde_json::from_str::<Value>(original) else {
        return None;
    };
    let rest: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| !is_email_member(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let rest = Value::Object(rest);
    if redact_json(&rest) != rest {
        return None;
    }
    with_placeholders_in_text(original, ids)
}

/// A JSON object body stored masked, as JSON: its email members as placeholders, the rest
/// masked as every report masks it; withheld.
fn masked_object_body(map: &Map<String, Value>, ids: &mut HashMap<String, u32>) -> StoredBody {
    let rest: Map<String, Value> = map
        .iter()
        .filter(|(k, _)| !is_email_member(k))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut emails = Vec::new();
    let mut stored = match redact_json(&Value::Object(rest)) {
        Value::Object(m) => m,
        _ => Map::new(),
    };
    for (key, value) in map.iter().filter(|(k, _)| is_email_member(k)) {
        let value = match value {
            Value::String(email) if !email.is_empty() => {
                let token = email_token(key, email, ids);
                let placeholder = email_placeholder(token.id);
                emails.push(token);
                Value::String(placeholder)
            }
            other => other.clone(),
        };
        stored.insert(key.clone(), value);
    }
    StoredBody::withheld(Value::Object(stored).to_string(), emails)
}

/// One string of a sensitive member found in a body: where its content lies (between its
/// quotes), the member's name and the string's value.
struct Secret {
    start: usize,
    end: usize,
    key: String,
    value: String,
}

/// Any body, JSON or not: each non-empty string (in double or single quotes) that is the
/// value of a sensitive member (`"Email": "..."`, `'Email':'...'`, at any depth) replaced
/// by its placeholder, every other byte kept. `None` when a sensitive member holds
/// something else than a string or `null`, or when, in a body that is not JSON, an `@` is
/// left outside the replaced strings (something that may be an address).
fn with_placeholders_in_bytes(body: &[u8], ids: &mut HashMap<String, u32>) -> Option<StoredBody> {
    let secrets = sensitive_strings(body)?;
    // In JSON the members are exact, and only the sensitive ones are secret (as in every
    // report); in text that is not JSON an address may hide anywhere.
    if serde_json::from_slice::<Value>(body).is_err() {
        let mut kept = 0;
        for secret in &secrets {
            if body[kept..secret.start].contains(&b'@') {
                return None;
            }
            kept = secret.end;
        }
        if body[kept..].contains(&b'@') {
            return None;
        }
    }
    let mut out = Vec::with_capacity(body.len());
    let mut emails = Vec::new();
    let mut copied = 0;
    for secret in secrets {
        let token = email_token(&secret.key, &secret.value, ids);
        out.extend_from_slice(&body[copied..secret.start]);
        out.extend_from_slice(email_placeholder(token.id).as_bytes());
        copied = secret.end;
        emails.push(token);
    }
    out.extend_from_slice(&body[copied..]);
    Some(StoredBody::of_bytes(out, emails))
}

/// The non-empty strings of sensitive members in `body`, in order; `None` when a sensitive
/// member holds something else than a string or `null`.
fn sensitive_strings(body: &[u8]) -> Option<Vec<Secret>> {
    let mut secrets = Vec::new();
    let mut i = 0;
    while i < body.len() {
        if !matches!(body[i], b'"' | b'\'') {
            i += 1;
            continue;
        }
        let Some(end) = quoted_end(body, i) else {
            break;
        };
        let colon = skip_space(body, end);
        if body.get(colon) != Some(&b':') || !is_sensitive_member(&unquote(&body[i..end])) {
            i = end;
            continue;
        }
        let key = unquote(&body[i..end]);
        let value = skip_space(body, colon + 1);
        match body.get(value) {
            Some(b'"' | b'\'') => {
                let value_end = quoted_end(body, value)?;
                if value_end - value > 2 {
                    secrets.push(Secret {
                        start: value + 1,
                        end: value_end - 1,
                        key,
                        value: unquote(&body[value..value_end]),
                    });
                }
                i = value_end;
            }
            Some(b'n') if body[value..].starts_with(b"null") => i = value + 4,
            None => i = value,
            Some(_) => return None,
        }
    }
    Some(secrets)
}

/// The text of a quoted string: JSON-decoded for double quotes, as it is for single ones.
fn unquote(literal: &[u8]) -> String {
    let inner = literal
        .get(1..literal.len().saturating_sub(1))
        .unwrap_or(b"");
    if literal.first() == Some(&b'"') {
        if let Ok(text) = serde_json::from_slice::<String>(literal) {
            return text;
        }
    }
    String::from_utf8_lossy(inner).into_owned()
}

fn is_email_member(name: &str) -> bool {
    SENSITIVE_REQUEST_MEMBERS.contains(&name)
}

/// The body's text with each email member's string replaced in place by its placeholder;
/// `None` if the text cannot be scanned as a JSON object.
fn with_placeholders_in_text(text: &str, ids: &mut HashMap<String, u32>) -> Option<StoredBody> {
    let members = top_level_members(text)?;
    let mut out = String::with_capacity(text.len());
    let mut emails = Vec::new();
    let mut copied = 0;
    for (key, start, end) in members {
        if !is_email_member(&key) {
            continue;
        }
        let Ok(email) = serde_json::from_str::<String>(text.get(start..end)?) else {
            continue;
        };
        if email.is_empty() {
            continue;
        }
        let token = email_token(&key, &email, ids);
        out.push_str(text.get(copied..start)?);
        out.push('"');
        out.push_str(&email_placeholder(token.id));
        out.push('"');
        copied = end;
        emails.push(token);
    }
    out.push_str(text.get(copied..)?);
    Some(StoredBody {
        text: Some(out),
        verbatim: emails.is_empty(),
        emails,
        withheld: false,
        encoding: None,
    })
}

/// The token of an email found in member `key`; a new address (ignoring case) gets the
/// next id.
fn email_token(key: &str, email: &str, ids: &mut HashMap<String, u32>) -> EmailToken {
    let next = u32::try_from(ids.len() + 1).unwrap_or(u32::MAX);
    let id = *ids.entry(email.to_lowercase()).or_insert(next);
    EmailToken {
        pointer: format!("/{}", key.replace('~', "~0").replace('/', "~1")),
        id,
        valid: is_valid_email(email),
        uppercase: email.to_uppercase() == email && email.to_lowercase() != email,
    }
}

/// The members of the JSON object `text` as (key, start, end) of each value's text, in
/// order, duplicates included; `None` unless `text` is one object (it is expected to be
/// valid JSON already).
fn top_level_members(text: &str) -> Option<Vec<(String, usize, usize)>> {
    let b = text.as_bytes();
    let mut i = skip_space(b, 0);
    if b.get(i) != Some(&b'{') {
        return None;
    }
    i = skip_space(b, i + 1);
    let mut members = Vec::new();
    if b.get(i) == Some(&b'}') {
        return (skip_space(b, i + 1) == b.len()).then_some(members);
    }
    loop {
        let key_end = string_end(b, i)?;
        let key: String = serde_json::from_str(text.get(i..key_end)?).ok()?;
        i = skip_space(b, key_end);
        if b.get(i) != Some(&b':') {
            return None;
        }
        let start = skip_space(b, i + 1);
        let end = value_end(b, start)?;
        members.push((key, start, end));
        i = skip_space(b, end);
        match b.get(i)? {
            b',' => i = skip_space(b, i + 1),
            b'}' => break,
            _ => return None,
        }
    }
    (skip_space(b, i + 1) == b.len()).then_some(members)
}

fn skip_space(b: &[u8], mut i: usize) -> usize {
    while b
        .get(i)
        .is_some_and(|c| matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
    {
        i += 1;
    }
    i
}

/// The end (exclusive) of the string starting at `i`.
fn string_end(b: &[u8], i: usize) -> Option<usize> {
    if b.get(i) != Some(&b'"') {
        return None;
    }
    quoted_end(b, i)
}

/// The end (exclusive) of the string starting at `i` with the quote there (double or
/// single), a backslash escaping the byte after it.
fn quoted_end(b: &[u8], i: usize) -> Option<usize> {
    let quote = *b.get(i)?;
    let mut j = i + 1;
    loop {
        match *b.get(j)? {
            b'\\' => j += 2,
            c if c == quote => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// The end (exclusive) of the JSON value starting at `i`.
fn value_end(b: &[u8], i: usize) -> Option<usize> {
    match b.get(i)? {
        b'"' => string_end(b, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match b.get(j)? {
                    b'"' => {
                        j = string_end(b, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth = depth.checked_sub(1)?;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            let mut j = i;
            while b
                .get(j)
                .is_some_and(|c| !matches!(c, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
            {
                j += 1;
            }
            (j > i).then_some(j)
        }
    }
}

/// A response body as stored.
struct StoredContent {
    text: Option<String>,
    size: i64,
    body_size: i64,
}

/// A response body through [`redact_body`]; its sizes are those of the body as received
/// only when the stored text is that body.
fn stored_response_body(body: &[u8]) -> StoredContent {
    if body.is_empty() {
        return StoredContent {
            text: None,
            size: 0,
            body_size: 0,
        };
    }
    let text = redact_body(body);
    let (size, body_size) = if text.as_bytes() == body {
        (byte_count(body.len()), byte_count(body.len()))
    } else {
        (byte_count(text.len()), -1)
    };
    StoredContent {
        text: Some(text),
        size,
        body_size,
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::check::Rule;
    use crate::contract::sigv4::SignatureMode;
    use crate::contract::Exception;
    use crate::http::{ReceivedResponse, SentRequest};
    use crate::input::cases::AccountRef;
    use crate::input::cassette::{fill_emails, Cassette};

    fn created() -> ReceivedResponse {
        ReceivedResponse {
            status: 201,
            headers: vec![("content-type".into(), "application/json".into())],
            body: br#"{"User":{"UserId":"u1","PrimaryEmail":"alice@example.com","DisplayName":"Alice Liddell","PersonalPIN":"8675309"}}"#.to_vec(),
            elapsed: Duration::from_millis(12),
            received_at: std::time::SystemTime::now(),
        }
    }

    fn with_body(body: &str) -> SentRequest {
        SentRequest {
            body: body.as_bytes().to_vec(),
            ..SentRequest::sample_with_secrets()
        }
    }

    fn record(
        recorder: &CassetteRecorder,
        step: Option<usize>,
        request: &SentRequest,
        response: Option<&ReceivedResponse>,
        rules: &[Rule],
    ) {
        recorder.report(&Event::Exchange(&ExchangeEvent {
            trial: "exception::conflict::duplicate_email_other_case",
            role: ExchangeRole {
                account: AccountRef::Ordinary,
                step,
            },
            request,
            response,
            rules,
        }));
    }

    fn only_entry(recorder: &CassetteRecorder) -> Entry {
        let har = recorder.to_har();
        assert_eq!(har.log.entries.len(), 1);
        har.log.entries[0].clone()
    }

    #[test]
    fn a_recorded_signed_exchange_keeps_no_secret() {
        let recorder = CassetteRecorder::new();
        let response = created();
        record(
            &recorder,
            None,
            &SentRequest::sample_with_secrets(),
            Some(&response),
            &[],
        );
        let text = serde_json::to_string_pretty(&recorder.to_har()).unwrap();
        for secret in [
            "deadbeef",
            "AKID",
            "tok3n",
            "20260101T000000Z",
            "alice",
            "@example.com",
            "8675309",
            "Liddell",
        ] {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
        let lower = text.to_lowercase();
        for header in ["authorization", "x-amz-date", "x-amz-security-token"] {
            assert!(!lower.contains(header), "{header} kept:\n{text}");
        }
        let entry = only_entry(&recorder);
        let body = entry.request.post_data.as_ref().unwrap();
        assert_eq!(body.text, r#"{"Email":"{email:1}"}"#);
        assert_eq!(body.mime_type, "application/json");
        assert_eq!(entry.request.body_size, -1, "not even the length is kept");
        assert_eq!(
            entry.request.headers,
            [NameValue::new("content-type", "application/json")]
        );
        assert_eq!(
            entry.request.query_string,
            [NameValue::new("operation", "create")]
        );
        assert_eq!(entry.response.status, 201);
        assert_eq!(entry.response.status_text, "Created");
        assert!(entry
            .response
            .content
            .text
            .as_deref()
            .unwrap()
            .contains("u1"));
        assert_eq!(entry.time, 12.0);
        assert_eq!(entry.timings.wait, 12.0);
        assert!(chrono::DateTime::parse_from_rfc3339(&entry.started_date_time).is_ok());
        assert_eq!(
            entry.chime,
            Annotation {
                trial: "exception::conflict::duplicate_email_other_case".into(),
                role: Role {
                    account: AccountRef::Ordinary,
                    step: None
                },
                signature: SignatureMode::AsTarget,
                fault: None,
                rules: vec![],
                verdict: Verdict::Passed,
                emails: vec![EmailToken {
                    pointer: "/Email".into(),
                    id: 1,
                    valid: true,
                    uppercase: false
                }],
                body_withheld: false,
                body_encoding: None,
            }
        );
    }

    #[test]
    fn the_same_email_in_another_case_shares_its_id_and_marks_upper_case() {
        let recorder = CassetteRecorder::new();
        let response = created();
        let first = with_body(r#"{"Email":"alice@example.com","Username":"first"}"#);
        let second = with_body(r#"{ "Username" : "second", "Email" : "ALICE@EXAMPLE.COM" }"#);
        let other = with_body(r#"{"Email":"bob@example.com"}"#);
        record(&recorder, Some(1), &first, Some(&response), &[]);
        record(&recorder, Some(2), &second, Some(&response), &[]);
        record(&recorder, Some(3), &other, Some(&response), &[]);
        let har = recorder.to_har();
        let tokens: Vec<(u32, bool)> = har
            .log
            .entries
            .iter()
            .map(|e| (e.chime.emails[0].id, e.chime.emails[0].uppercase))
            .collect();
        assert_eq!(tokens, [(1, false), (1, true), (2, false)]);
        // The rest of the text is kept as sent.
        assert_eq!(
            har.log.entries[1].request.post_data.as_ref().unwrap().text,
            r#"{ "Username" : "second", "Email" : "{email:1}" }"#
        );
        assert_eq!(har.log.entries[1].chime.role.step, Some(2));
        let text = serde_json::to_string(&har).unwrap().to_lowercase();
        assert!(!text.contains("alice") && !text.contains("bob"), "{text}");
    }

    #[test]
    fn an_invalid_email_is_marked_invalid_and_an_empty_one_is_kept() {
        let recorder = CassetteRecorder::new();
        for body in [
            r#"{"Email":"not-an-email"}"#,
            r#"{"Email":"a\n@b.c"}"#,
            r#"{"Email":""}"#,
        ] {
            record(&recorder, Some(1), &with_body(body), None, &[]);
        }
        let har = recorder.to_har();
        let e = &har.log.entries;
        assert_eq!(e[0].chime.emails[0].id, 1);
        assert!(!e[0].chime.emails[0].valid);
        assert!(!e[1].chime.emails[0].valid);
        assert!(e[2].chime.emails.is_empty());
        assert_eq!(
            e[2].request.post_data.as_ref().unwrap().text,
            r#"{"Email":""}"#
        );
        let text = serde_json::to_string(&har).unwrap();
        assert!(!text.contains("not-an-email"), "{text}");
    }

    #[test]
    fn verdicts_rules_faults_and_the_unanswered_response() {
        let recorder = CassetteRecorder::new();
        let response = created();
        let mut faulty = SentRequest::sample_with_secrets();
        faulty.injected_fault = Some(Exception::ServiceFailure);
        faulty.signature = SignatureMode::WrongSecret;
        record(
            &recorder,
            Some(1),
            &faulty,
            Some(&response),
            &[Rule::SuccessStatus],
        );
        record(&recorder, Some(2), &faulty, None, &[]);
        let har = recorder.to_har();
        let failed = &har.log.entries[0].chime;
        assert_eq!(failed.verdict, Verdict::Failed);
        assert_eq!(failed.rules, ["success.status"]);
        assert_eq!(failed.fault.as_deref(), Some("ServiceFailureException"));
        assert_eq!(failed.signature, SignatureMode::WrongSecret);
        let unanswered = &har.log.entries[1];
        assert_eq!(unanswered.chime.verdict, Verdict::Unanswered);
        assert_eq!(unanswered.response.status, 0);
        assert_eq!(unanswered.response.status_text, "");
        assert_eq!(unanswered.response.error.as_deref(), Some(NO_ANSWER));
        let text = serde_json::to_string(&har).unwrap();
        assert!(text.contains(r#""_error":"no complete answer""#), "{text}");
        assert!(text.contains(r#""redirectURL":"""#), "{text}");
        assert!(text.contains(r#""_chime":{"#), "{text}");
        assert_eq!(recorder.entries(), 2);
    }

    #[test]
    fn other_events_are_ignored() {
        let recorder = CassetteRecorder::new();
        recorder.report(&Event::RunStarted { trials: 1 });
        recorder.report(&Event::RequestFinished {
            trial: "t",
            failed: false,
        });
        recorder.report(&Event::RunFinished);
        assert_eq!(recorder.entries(), 0);
    }

    #[test]
    fn bodies_that_are_not_plain_objects_are_kept_byte_for_byte_but_their_emails() {
        let recorder = CassetteRecorder::new();
        let bodies: [&[u8]; 12] = [
            // Not JSON, with an address: kept, the address a placeholder.
            b"{\"Email\": \"carol@example.com\"",
            // Not JSON, short and harmless: kept.
            b"{\"Email\": ",
            // JSON but not an object: kept.
            b"[1, 2]",
            // An Email of the wrong type: kept, so that a replay sends the same breakage.
            br#"{"Email": 7}"#,
            // Something sensitive besides the top-level Email: both placeholders.
            br#"{"Email":"dave@example.com","User":{"PrimaryEmail":"erin@example.com"}}"#,
            // An empty body: no postData.
            b"",
            // The malformed classes' bodies: trailing data, single quotes, an array.
            br#"{"Email":"frank@example.com"} trailing"#,
            b"{'Email':'grace@example.com'}",
            br#"[{"Email":"heidi@example.com"}]"#,
            // Not UTF-8: kept in base64.
            b"{\"Username\":\"\xff\xfe\"}",
            // An address outside any sensitive member: withheld.
            br#"{"Username":"ivan@example.com"} trailing"#,
            // A sensitive member holding a number (a PIN, say): withheld.
            br#"{"PersonalPIN": 8675309} x"#,
        ];
        for body in bodies {
            let request = SentRequest {
                body: body.to_vec(),
                ..SentRequest::sample_with_secrets()
            };
            record(&recorder, None, &request, None, &[]);
        }
        let har = recorder.to_har();
        let e = &har.log.entries;
        let stored: Vec<(Option<String>, bool)> = e
            .iter()
            .map(|e| {
                (
                    e.request.post_data.as_ref().map(|p| p.text.clone()),
                    e.chime.body_withheld,
                )
            })
            .collect();
        let kept = |text: &str| (Some(text.to_string()), false);
        assert_eq!(stored[0], kept("{\"Email\": \"{email:1}\""));
        assert_eq!(stored[1], kept("{\"Email\": "));
        assert_eq!(stored[2], kept("[1, 2]"));
        assert_eq!(stored[3], kept(r#"{"Email": 7}"#));
        assert_eq!(
            stored[4],
            kept(r#"{"Email":"{email:2}","User":{"PrimaryEmail":"{email:3}"}}"#)
        );
        assert_eq!(stored[5], (None, false));
        assert_eq!(stored[6], kept(r#"{"Email":"{email:4}"} trailing"#));
        assert_eq!(stored[7], kept("{'Email':'{email:5}'}"));
        assert_eq!(stored[8], kept(r#"[{"Email":"{email:6}"}]"#));
        assert_eq!(e[9].chime.body_encoding, Some(BodyEncoding::Base64));
        assert_eq!(e[9].stored_body().unwrap(), bodies[9]);
        assert_eq!(e[9].request.body_size, byte_count(bodies[9].len()));
        assert!(stored[10].1 && stored[11].1, "{stored:?}");
        assert_eq!(
            stored[10].0.as_deref(),
            Some("(40 bytes, not JSON; content withheld)")
        );
        assert_eq!(e[0].chime.emails[0].pointer, "/Email");
        assert_eq!(e[4].chime.emails[1].pointer, "/PrimaryEmail");
        assert_eq!(e[5].request.body_size, 0);
        assert_eq!(e[2].request.body_size, 6);
        assert_eq!(e[6].request.body_size, -1, "not even an address's length");
        let text = serde_json::to_string(&har).unwrap();
        for secret in [
            "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "8675309",
        ] {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
        // Replayed, each body is the one recorded, byte for byte, but for its addresses.
        for (i, body) in bodies.iter().enumerate().filter(|(i, _)| *i < 10) {
            let replayed = e[i].replay_body("t").unwrap();
            let fresh = |n: u32| format!("chime-conformance+t-e{n}@example.com");
            let mut expected = String::from_utf8_lossy(body).into_owned();
            for (name, n) in [
                ("carol", 1),
                ("dave", 2),
                ("erin", 3),
                ("frank", 4),
                ("grace", 5),
                ("heidi", 6),
            ] {
                expected = expected.replace(&format!("{name}@example.com"), &fresh(n));
            }
            if i == 9 {
                assert_eq!(replayed, *body);
            } else {
                assert_eq!(String::from_utf8(replayed).unwrap(), expected, "body {i}");
            }
        }
        assert!(e[10].replay_body("t").is_err());
    }

    #[test]
    fn a_json_body_is_masked_by_its_members_as_every_report_masks_it() {
        let recorder = CassetteRecorder::new();
        for body in [
            r#"["a@b.c"]"#,
            r#"{"X":[{"Email":"judy@example.com"}],"Y":"k@l.m"}"#,
        ] {
            record(&recorder, None, &with_body(body), None, &[]);
        }
        let har = recorder.to_har();
        let stored: Vec<(&str, bool)> = har
            .log
            .entries
            .iter()
            .map(|e| {
                let text = e.request.post_data.as_ref().map_or("", |p| p.text.as_str());
                (text, e.chime.body_withheld)
            })
            .collect();
        assert_eq!(
            stored,
            [
                (r#"["a@b.c"]"#, false),
                (r#"{"X":[{"Email":"{email:1}"}],"Y":"k@l.m"}"#, false),
            ]
        );
    }

    #[test]
    fn the_written_cassette_loads_back_the_same_and_replays() {
        let recorder = CassetteRecorder::new();
        let response = created();
        record(
            &recorder,
            Some(1),
            &with_body(r#"{"Email":"alice@example.com"}"#),
            Some(&response),
            &[],
        );
        record(
            &recorder,
            Some(2),
            &with_body(r#"{"Email":"ALICE@EXAMPLE.COM"}"#),
            None,
            &[Rule::SuccessStatus],
        );
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("cassettes/run.har");
        recorder.write(&path).unwrap();
        let loaded = Cassette::load(&path).unwrap();
        assert_eq!(loaded, recorder.to_har());
        assert_eq!(loaded.log.version, "1.2");
        assert_eq!(loaded.log.creator.name, "chime-conformance");
        assert_eq!(loaded.log.creator.version, env!("CARGO_PKG_VERSION"));
        let replayed: Vec<String> = loaded
            .log
            .entries
            .iter()
            .map(|e| {
                let body = e.request.post_data.as_ref().unwrap();
                fill_emails(&body.text, &e.chime.emails, "r1")
            })
            .collect();
        assert_eq!(
            replayed,
            [
                r#"{"Email":"chime-conformance+r1-e1@example.com"}"#,
                r#"{"Email":"CHIME-CONFORMANCE+R1-E1@EXAMPLE.COM"}"#,
            ]
        );
    }

    #[test]
    fn the_scan_finds_top_level_members_only_and_refuses_what_is_not_one_object() {
        let text = r#" { "a" : [1, {"Email": "x"}], "Email":"e\"q", "n": -1.5e3 , "o":{} } "#;
        let members = top_level_members(text).unwrap();
        let keys: Vec<&str> = members.iter().map(|(k, _, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "Email", "n", "o"]);
        let values: Vec<&str> = members.iter().map(|(_, s, e)| &text[*s..*e]).collect();
        assert_eq!(
            values,
            [r#"[1, {"Email": "x"}]"#, r#""e\"q""#, "-1.5e3", "{}"]
        );
        assert_eq!(top_level_members("{}").unwrap(), []);
        for bad in [
            "",
            "[]",
            "{",
            r#"{"a":1"#,
            r#"{"a":1} x"#,
            r#"{"a"}"#,
            r#"{"a":"#,
        ] {
            assert!(top_level_members(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_url_loses_its_user_name_and_password() {
        assert_eq!(
            without_userinfo("https://user:pw@example.com/accounts/a/users?operation=create"),
            "https://example.com/accounts/a/users?operation=create"
        );
        let plain = "http://127.0.0.1:9/accounts/a%20b/users?operation=create";
        assert_eq!(without_userinfo(plain), plain);
    }
}
