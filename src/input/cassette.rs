//! Cassettes: every exchange of a run as a HAR 1.2 file (the format browsers and HTTP tools
//! open), each entry annotated for replay under the custom field `_chime`, and no secret
//! stored. This file holds the HAR data types, the reader ([`Cassette::load`],
//! [`Har::parse`]) and what a replay needs to put emails back ([`fill_emails`]); the
//! recorder that writes cassettes is `report::cassette`.
//!
//! What a cassette leaves out: the `Authorization`, `X-Amz-Security-Token`, `X-Amz-Date`
//! and `X-Amz-Content-Sha256` request headers (a replay re-signs), every email of a request
//! body (each non-empty string of an `Email` member, or of another sensitive member, is the
//! placeholder `{email:<id>}`, the ids numbering distinct addresses, compared ignoring
//! case, across the whole cassette), and the sensitive members of response bodies (masked
//! as every report masks them). Everything else of a request body is kept byte for byte,
//! malformed bodies included (in base64 when they are not UTF-8), so that a replay sends
//! what was sent; a body that could not be kept so is marked withheld and not replayed.

use std::collections::HashMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::contract::sigv4::SignatureMode;
use crate::input::cases::AccountRef;

/// The HAR version a cassette is written in and the only one read.
pub const HAR_VERSION: &str = "1.2";

/// The HTTP version written for requests (and for answered responses).
pub const HTTP_VERSION: &str = "HTTP/1.1";

/// What starts an email placeholder in a stored request body: `{email:<id>}`.
const PLACEHOLDER_PREFIX: &str = "{email:";

/// A cassette is a HAR file recorded by chime-conformance.
pub type Cassette = Har;

/// A HAR 1.2 file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Har {
    pub log: Log,
}

/// The HAR file's one log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Log {
    /// Always [`HAR_VERSION`].
    pub version: String,
    pub creator: Creator,
    pub entries: Vec<Entry>,
}

/// The tool that wrote the file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Creator {
    pub name: String,
    pub version: String,
}

/// One exchange.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Entry {
    /// When the request started, RFC 3339 with milliseconds.
    pub started_date_time: String,
    /// Total milliseconds the exchange took (the sum of `timings`).
    pub time: f64,
    pub request: Request,
    pub response: Response,
    pub cache: Cache,
    pub timings: Timings,
    /// What a replay needs to know of the exchange.
    #[serde(rename = "_chime")]
    pub chime: Annotation,
}

/// A HAR name/value pair (headers, query parameters, cookies).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameValue {
    pub name: String,
    pub value: String,
}

impl NameValue {
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> NameValue {
        NameValue {
            name: name.into(),
            value: value.into(),
        }
    }
}

/// A request as stored: signing headers dropped, emails replaced by placeholders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Request {
    pub method: String,
    pub url: String,
    pub http_version: String,
    pub cookies: Vec<NameValue>,
    pub headers: Vec<NameValue>,
    pub query_string: Vec<NameValue>,
    /// Absent when the request had no body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_data: Option<PostData>,
    /// Always -1 (not known).
    pub headers_size: i64,
    /// The body's length in bytes as sent, or -1 when the stored text is not the body as
    /// sent (emails replaced, content withheld), so that not even an address's length is
    /// stored.
    pub body_size: i64,
}

/// A request body as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PostData {
    /// The request's Content-Type, or empty when it sent none.
    pub mime_type: String,
    pub text: String,
}

/// A response as stored: sensitive body members masked, headers as they came. A request
/// that got no answer has status 0, an empty status text and `_error`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub status: u16,
    pub status_text: String,
    pub http_version: String,
    pub cookies: Vec<NameValue>,
    pub headers: Vec<NameValue>,
    pub content: Content,
    #[serde(rename = "redirectURL")]
    pub redirect_url: String,
    /// Always -1 (not known).
    pub headers_size: i64,
    /// As for [`Request::body_size`].
    pub body_size: i64,
    /// Why no answer came (as Chrome writes it), for an unanswered request.
    #[serde(rename = "_error", default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

/// A response body as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Content {
    /// The length in bytes of the body as received, or of the stored text when that is
    /// not the body as received.
    pub size: i64,
    /// The response's Content-Type, or empty.
    pub mime_type: String,
    /// Absent when the body was empty.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// HAR's cache information: always empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cache {}

/// Where the time of an exchange went, in milliseconds: everything is `wait` (the time from
/// sending to the complete answer).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    pub send: f64,
    pub wait: f64,
    pub receive: f64,
}

/// The `_chime` annotation of an entry: what a replay needs to map the exchange onto
/// another target, and what came of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotation {
    /// The trial the exchange belonged to.
    pub trial: String,
    pub role: Role,
    /// How the request was signed, relative to the target's credentials.
    pub signature: SignatureMode,
    /// The exception the request asked the target to inject (its shape name).
    #[serde(default)]
    pub fault: Option<String>,
    /// The stable names of the rules the exchange broke.
    #[serde(default)]
    pub rules: Vec<String>,
    pub verdict: Verdict,
    /// The emails of the request body, one per placeholder, in the order of the text.
    #[serde(default)]
    pub emails: Vec<EmailToken>,
    /// True when something of the request body other than its emails was masked or
    /// withheld, so that a replay cannot send the body as it was (and does not send it).
    #[serde(default)]
    pub body_withheld: bool,
    /// How `postData.text` holds the request body: absent, as text; `base64`, its bytes
    /// (which are not UTF-8) in base64, placeholders included.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_encoding: Option<BodyEncoding>,
}

/// How a stored request body is encoded in `postData.text`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum BodyEncoding {
    /// Standard base64 with padding.
    Base64,
}

/// What role a request played in its trial (the report's `ExchangeRole`, as stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    /// Which of the target's accounts it addressed.
    pub account: AccountRef,
    /// For a case, the step (from 1); `None` for a property's generated input.
    pub step: Option<usize>,
}

/// What came of an exchange.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Answered, and no rule broken.
    Passed,
    /// Answered, and some rule broken.
    Failed,
    /// No complete answer came.
    Unanswered,
}

/// One email of a stored request body, by what a replay needs of it and nothing more.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EmailToken {
    /// The JSON pointer of the member that held it, e.g. `/Email` (in a body that is not
    /// one plain JSON object, the member's name alone, wherever it was).
    pub pointer: String,
    /// The placeholder's id: the same for the same address (ignoring case) anywhere in
    /// the cassette.
    pub id: u32,
    /// The original matched the model's pattern `.+@.+\..+`.
    pub valid: bool,
    /// The original had letters and all of them were upper case.
    pub uppercase: bool,
}

/// Why a cassette could not be read.
#[derive(Debug, thiserror::Error)]
pub enum CassetteError {
    #[error("failed to read the cassette {path}: {reason}")]
    Read { path: String, reason: String },
    #[error("failed to parse the cassette {path} as a HAR file: {reason}")]
    Parse { path: String, reason: String },
    #[error("failed to load the cassette {path}: its HAR version is {found}, not 1.2")]
    Version { path: String, found: String },
    #[error("failed to load log.entries[{index}] of the cassette {path}: {reason}")]
    Entry {
        path: String,
        index: usize,
        reason: String,
    },
}

impl Har {
    /// Reads a cassette: a HAR 1.2 file whose every entry has its `_chime` annotation.
    pub fn load(path: &Path) -> Result<Har, CassetteError> {
        let source = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|e| CassetteError::Read {
            path: source.clone(),
            reason: e.to_string(),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| CassetteError::Parse {
            path: source.clone(),
            reason: format!("it is not UTF-8 text ({e})"),
        })?;
        Har::parse(&text, &source)
    }

    /// Parses a cassette's text; `source` names it in errors.
    pub fn parse(text: &str, source: &str) -> Result<Har, CassetteError> {
        let parse_error = |reason: String| CassetteError::Parse {
            path: source.to_string(),
            reason,
        };
        let mut value: Value =
            serde_json::from_str(text).map_err(|e| parse_error(format!("it is not JSON: {e}")))?;
        let log = value
            .get_mut("log")
            .and_then(Value::as_object_mut)
            .ok_or_else(|| parse_error("it has no log object".into()))?;
        match log.get("version") {
            Some(Value::String(v)) if v == HAR_VERSION => {}
            found => {
                return Err(CassetteError::Version {
                    path: source.to_string(),
                    found: found.map_or_else(|| "missing".to_string(), Value::to_string),
                })
            }
        }
        let creator: Creator = serde_json::from_value(log.remove("creator").unwrap_or(Value::Null))
            .map_err(|e| parse_error(format!("log.creator: {e}")))?;
        let Some(Value::Array(raw_entries)) = log.remove("entries") else {
            return Err(parse_error("log.entries is not an array".into()));
        };
        let entries = raw_entries
            .into_iter()
            .enumerate()
            .map(|(index, raw)| {
                parse_entry(raw).map_err(|reason| CassetteError::Entry {
                    path: source.to_string(),
                    index,
                    reason,
                })
            })
            .collect::<Result<Vec<Entry>, CassetteError>>()?;
        Ok(Har {
            log: Log {
                version: HAR_VERSION.to_string(),
                creator,
                entries,
            },
        })
    }
}

/// One entry, checked: annotated, dated, and with every email token's placeholder in its
/// request body.
fn parse_entry(raw: Value) -> Result<Entry, String> {
    if raw.get("_chime").is_none() {
        return Err(
            "it has no _chime annotation (it was not recorded by chime-conformance)".into(),
        );
    }
    let entry: Entry = serde_json::from_value(raw).map_err(|e| e.to_string())?;
    chrono::DateTime::parse_from_rfc3339(&entry.started_date_time).map_err(|e| {
        format!(
            "startedDateTime {:?} is not an RFC 3339 date: {e}",
            entry.started_date_time
        )
    })?;
    let body = entry.stored_body()?;
    if let Some(token) = entry.chime.emails.iter().find(|t| {
        let placeholder = email_placeholder(t.id);
        !body
            .windows(placeholder.len())
            .any(|w| w == placeholder.as_bytes())
    }) {
        return Err(format!(
            "its request body has no placeholder {} for the email at {}",
            email_placeholder(token.id),
            token.pointer
        ));
    }
    Ok(entry)
}

impl Entry {
    /// The request body as stored (placeholders in), decoded from base64 when it was
    /// stored so; empty when there was none.
    pub fn stored_body(&self) -> Result<Vec<u8>, String> {
        let text = self
            .request
            .post_data
            .as_ref()
            .map_or("", |p| p.text.as_str());
        match self.chime.body_encoding {
            None => Ok(text.as_bytes().to_vec()),
            Some(BodyEncoding::Base64) => {
                use base64::Engine as _;
                base64::engine::general_purpose::STANDARD
                    .decode(text)
                    .map_err(|e| format!("its request body is not valid base64: {e}"))
            }
        }
    }

    /// The request body to send again, byte for byte as recorded but for its emails, each
    /// placeholder filled as [`fill_emails`] fills it; an error when the cassette withheld
    /// it.
    pub fn replay_body(&self, tag: &str) -> Result<Vec<u8>, String> {
        if self.chime.body_withheld {
            return Err("the cassette withheld its request body (masked, or recorded before cassettes kept every body), so it is not sent".into());
        }
        Ok(fill_email_bytes(
            &self.stored_body()?,
            &self.chime.emails,
            tag,
        ))
    }
}

/// Standard base64 (with padding) of `bytes`, as a cassette stores a body that is not UTF-8.
pub fn base64_text(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The placeholder an email with this id is stored as: `{email:<id>}`.
pub fn email_placeholder(id: u32) -> String {
    format!("{PLACEHOLDER_PREFIX}{id}}}")
}

/// A stored request body with every placeholder `{email:<id>}` replaced by a fresh value
/// derived from `tag` and the id, so that a replay sends new addresses that relate to each
/// other as the originals did: a valid one becomes `chime-conformance+<tag>-e<id>@example.com`
/// (upper-cased when the original was), an invalid one `chime-conformance-<tag>-e<id>` (no
/// `@`, so it stays invalid). The n-th placeholder of an id takes the n-th token of that
/// id; a placeholder without a token is taken as a valid lower-case email. Characters of
/// `tag` other than ASCII letters, digits, `-` and `_` become `-`, so the values stay
/// valid (or invalid) and need no escaping in JSON.
pub fn fill_emails(body_text: &str, tokens: &[EmailToken], tag: &str) -> String {
    String::from_utf8_lossy(&fill_email_bytes(body_text.as_bytes(), tokens, tag)).into_owned()
}

/// [`fill_emails`] over bytes, for a body that need not be UTF-8: every byte but the
/// placeholders' is kept.
pub fn fill_email_bytes(body: &[u8], tokens: &[EmailToken], tag: &str) -> Vec<u8> {
    let tag: String = tag
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let prefix = PLACEHOLDER_PREFIX.as_bytes();
    let mut used: HashMap<u32, usize> = HashMap::new();
    let mut out = Vec::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.windows(prefix.len()).position(|w| w == prefix) {
        out.extend_from_slice(&rest[..start]);
        let after = &rest[start + prefix.len()..];
        let digits = after.iter().take_while(|b| b.is_ascii_digit()).count();
        let id = match after.get(digits..) {
            Some(tail) if tail.starts_with(b"}") => std::str::from_utf8(&after[..digits])
                .ok()
                .and_then(|d| d.parse::<u32>().ok()),
            _ => None,
        };
        let Some(id) = id else {
            out.extend_from_slice(prefix);
            rest = after;
            continue;
        };
        let nth = used.entry(id).or_default();
        let token = tokens
            .iter()
            .filter(|t| t.id == id)
            .nth(*nth)
            .or_else(|| tokens.iter().find(|t| t.id == id));
        *nth += 1;
        out.extend_from_slice(fresh_email(id, token, &tag).as_bytes());
        rest = &after[digits + 1..];
    }
    out.extend_from_slice(rest);
    out
}

fn fresh_email(id: u32, token: Option<&EmailToken>, tag: &str) -> String {
    if token.is_some_and(|t| !t.valid) {
        return format!("chime-conformance-{tag}-e{id}");
    }
    let email = format!("chime-conformance+{tag}-e{id}@example.com");
    if token.is_some_and(|t| t.uppercase) {
        email.to_uppercase()
    } else {
        email
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::is_valid_email;

    fn token(id: u32, valid: bool, uppercase: bool) -> EmailToken {
        EmailToken {
            pointer: "/Email".into(),
            id,
            valid,
            uppercase,
        }
    }

    fn entry_json(chime: bool) -> Value {
        let mut entry = serde_json::json!({
            "startedDateTime": "2026-01-01T00:00:00.000Z",
            "time": 3.0,
            "request": {
                "method": "POST",
                "url": "http://127.0.0.1:9/accounts/acct/users?operation=create",
                "httpVersion": "HTTP/1.1",
                "cookies": [],
                "headers": [{"name": "content-type", "value": "application/json"}],
                "queryString": [{"name": "operation", "value": "create"}],
                "postData": {"mimeType": "application/json", "text": "{\"Email\":\"{email:1}\"}"},
                "headersSize": -1,
                "bodySize": -1
            },
            "response": {
                "status": 201, "statusText": "Created", "httpVersion": "HTTP/1.1",
                "cookies": [], "headers": [],
                "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
                "redirectURL": "", "headersSize": -1, "bodySize": 2
            },
            "cache": {},
            "timings": {"send": 0.0, "wait": 3.0, "receive": 0.0}
        });
        if chime {
            entry["_chime"] = serde_json::json!({
                "trial": "exception::conflict::duplicate_email",
                "role": {"account": "ordinary", "step": 1},
                "signature": "target",
                "fault": null,
                "rules": [],
                "verdict": "passed",
                "emails": [{"pointer": "/Email", "id": 1, "valid": true, "uppercase": false}],
                "body_withheld": false
            });
        }
        entry
    }

    fn har_json(version: &str, entries: Vec<Value>) -> String {
        serde_json::json!({"log": {
            "version": version,
            "creator": {"name": "chime-conformance", "version": "0.1.0"},
            "entries": entries
        }})
        .to_string()
    }

    #[test]
    fn a_cassette_parses_and_serialises_back_to_the_same() {
        let text = har_json("1.2", vec![entry_json(true), entry_json(true)]);
        let har = Har::parse(&text, "c.har").unwrap();
        assert_eq!(har.log.entries.len(), 2);
        let entry = &har.log.entries[0];
        assert_eq!(entry.chime.role.account, AccountRef::Ordinary);
        assert_eq!(entry.chime.role.step, Some(1));
        assert_eq!(entry.chime.signature, SignatureMode::AsTarget);
        assert_eq!(entry.chime.verdict, Verdict::Passed);
        let again = Har::parse(&serde_json::to_string(&har).unwrap(), "c.har").unwrap();
        assert_eq!(again, har);
    }

    #[test]
    fn load_names_the_path_for_a_wrong_version_and_for_non_json() {
        let dir = tempfile::tempdir().unwrap();
        let old = dir.path().join("old.har");
        std::fs::write(&old, har_json("1.1", vec![entry_json(true)])).unwrap();
        let error = Cassette::load(&old).unwrap_err().to_string();
        assert!(error.starts_with("failed to "), "{error}");
        assert!(error.contains(&old.display().to_string()), "{error}");
        assert!(error.contains("\"1.1\""), "{error}");

        let junk = dir.path().join("junk.har");
        std::fs::write(&junk, "not json {").unwrap();
        let error = Cassette::load(&junk).unwrap_err().to_string();
        assert!(error.starts_with("failed to parse"), "{error}");
        assert!(error.contains(&junk.display().to_string()), "{error}");

        let binary = dir.path().join("binary.har");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        let error = Cassette::load(&binary).unwrap_err().to_string();
        assert!(error.contains(&binary.display().to_string()), "{error}");

        let missing = dir.path().join("missing.har");
        let error = Cassette::load(&missing).unwrap_err().to_string();
        assert!(error.starts_with("failed to read"), "{error}");
        assert!(error.contains(&missing.display().to_string()), "{error}");
    }

    #[test]
    fn load_names_the_path_and_the_entry_without_an_annotation() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("foreign.har");
        std::fs::write(
            &path,
            har_json("1.2", vec![entry_json(true), entry_json(false)]),
        )
        .unwrap();
        let error = Cassette::load(&path).unwrap_err();
        assert!(
            matches!(error, CassetteError::Entry { index: 1, .. }),
            "{error:?}"
        );
        let text = error.to_string();
        assert!(text.starts_with("failed to load log.entries[1]"), "{text}");
        assert!(text.contains(&path.display().to_string()), "{text}");
        assert!(text.contains("_chime"), "{text}");
    }

    #[test]
    fn parse_refuses_bad_entries_and_shapes_without_panicking() {
        let mut undated = entry_json(true);
        undated["startedDateTime"] = "yesterday".into();
        let mut orphan_token = entry_json(true);
        orphan_token["request"]["postData"]["text"] = "{}".into();
        let mut wrong_type = entry_json(true);
        wrong_type["time"] = "slow".into();
        for entry in [undated, orphan_token, wrong_type] {
            let error = Har::parse(&har_json("1.2", vec![entry]), "x.har").unwrap_err();
            assert!(
                matches!(error, CassetteError::Entry { index: 0, .. }),
                "{error:?}"
            );
            assert!(error.to_string().contains("x.har"), "{error}");
        }
        for text in [
            "[]",
            "{}",
            r#"{"log": 3}"#,
            r#"{"log": {"creator": {"name": "a", "version": "b"}, "entries": []}}"#,
            r#"{"log": {"version": "1.2", "entries": []}}"#,
            r#"{"log": {"version": "1.2", "creator": {"name": "a", "version": "b"}}}"#,
            r#"{"log": {"version": "1.2", "creator": {"name": "a", "version": "b"}, "entries": [7]}}"#,
        ] {
            let error = Har::parse(text, "y.har").unwrap_err().to_string();
            assert!(error.starts_with("failed to "), "{error}");
            assert!(error.contains("y.har"), "{text}: {error}");
        }
    }

    #[test]
    fn fill_emails_makes_valid_invalid_and_upper_case_values() {
        let tokens = [token(1, true, false), token(2, false, false)];
        let text = r#"{"Email":"{email:1}","Other":"{email:2}"}"#;
        let filled = fill_emails(text, &tokens, "run7");
        assert_eq!(
            filled,
            r#"{"Email":"chime-conformance+run7-e1@example.com","Other":"chime-conformance-run7-e2"}"#
        );
        let upper = fill_emails(r#"{"Email":"{email:3}"}"#, &[token(3, true, true)], "t");
        assert_eq!(upper, r#"{"Email":"CHIME-CONFORMANCE+T-E3@EXAMPLE.COM"}"#);
        let value: Value = serde_json::from_str(&filled).unwrap();
        assert!(is_valid_email(value["Email"].as_str().unwrap()));
        assert!(!is_valid_email(value["Other"].as_str().unwrap()));
    }

    #[test]
    fn fill_emails_replaces_every_placeholder_in_order_of_its_tokens() {
        // The same address twice in one body, lower then upper case; and an id without a
        // token, taken as a valid email.
        let tokens = [token(4, true, false), token(4, true, true)];
        let text = r#"{"Email":"{email:4}","Email":"{email:4}","X":"{email:9}"}"#;
        let filled = fill_emails(text, &tokens, "tag");
        assert!(!filled.contains("{email:"), "{filled}");
        assert_eq!(
            filled,
            r#"{"Email":"chime-conformance+tag-e4@example.com","Email":"CHIME-CONFORMANCE+TAG-E4@EXAMPLE.COM","X":"chime-conformance+tag-e9@example.com"}"#
        );
    }

    #[test]
    fn fill_emails_leaves_what_is_not_a_placeholder_and_tames_the_tag() {
        let text = "{email:} {email:x} {email:99999999999} {email:5";
        assert_eq!(fill_emails(text, &[], "t"), text);
        let filled = fill_emails(r#""{email:1}""#, &[token(1, false, false)], "a@b.c\"");
        assert_eq!(filled, r#""chime-conformance-a-b-c--e1""#);
        assert!(!is_valid_email(&filled));
        let filled = fill_emails("{email:1}", &[token(1, true, false)], "a\nb");
        assert!(is_valid_email(&filled), "{filled}");
    }
}
