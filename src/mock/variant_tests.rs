//! Every [`Variant`] changes the wire response as it names: the same requests (a create, a
//! duplicate create, an injected 503) are sent to the plain mock and to the mock with the
//! variant, and each variant's check compares the two.

use std::time::SystemTime;

use serde_json::Value;

use crate::contract::{resolve_error_type, Exception, ERROR_TYPE_HEADER};
use crate::mock::{default_credentials, MockConfig, ReferenceMock, Variant, DEFAULT_ACCOUNT_ID};
use crate::sigv4::sign_request;

/// Index of each answer in [`play`]'s result.
const CREATED: usize = 0;
const CONFLICT: usize = 1;
const FAULT: usize = 2;

/// The headers [`Variant::ExtraHeaders`] adds.
const EXTRA_HEADERS: [&str; 4] = ["x-amz-cf-id", "x-amzn-trace-id", "cache-control", "server"];

#[derive(Debug)]
struct Answer {
    status: u16,
    headers: reqwest::header::HeaderMap,
    text: String,
    body: Value,
}

impl Answer {
    fn user(&self) -> &serde_json::Map<String, Value> {
        self.body
            .get("User")
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("no User object in {}", self.text))
    }
    fn user_str(&self, member: &str) -> &str {
        self.user()
            .get(member)
            .and_then(Value::as_str)
            .unwrap_or("")
    }
    fn body_str(&self, member: &str) -> Option<&str> {
        self.body.get(member).and_then(Value::as_str)
    }
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
    /// The resolved error type, by the restJson1 rules.
    fn error_type(&self) -> Option<String> {
        resolve_error_type(self.header(ERROR_TYPE_HEADER), Some(&self.body)).map(|t| t.name)
    }
}

/// The order in which `members` appear as `"Name":` in `text` (the mock writes compact
/// JSON, and the test's values never contain a member name).
fn wire_order<'a>(text: &str, members: impl IntoIterator<Item = &'a String>) -> Vec<&'a str> {
    let mut found: Vec<(usize, &str)> = members
        .into_iter()
        .filter_map(|m| text.find(&format!("\"{m}\":")).map(|at| (at, m.as_str())))
        .collect();
    found.sort();
    found.into_iter().map(|(_, m)| m).collect()
}

fn reversed(mut order: Vec<&str>) -> Vec<&str> {
    order.reverse();
    order
}

async fn send(
    client: &reqwest::Client,
    mock: &ReferenceMock,
    body: &str,
    fault: Option<&str>,
) -> Answer {
    let url = format!(
        "{}{}",
        mock.uri(),
        crate::contract::create_user_path(DEFAULT_ACCOUNT_ID)
    );
    let mut headers = vec![("content-type", "application/json")];
    if let Some(fault) = fault {
        headers.push(("x-chime-fault", fault));
    }
    let mut request = client.post(&url).body(body.to_string());
    let added = sign_request(
        "POST",
        &url,
        &headers,
        body.as_bytes(),
        &default_credentials(),
        "us-east-1",
        SystemTime::now(),
    )
    .expect("signing a test request");
    for (name, value) in added {
        request = request.header(name, value);
    }
    for (name, value) in headers {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("the mock answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("a body");
    Answer {
        status,
        headers,
        body: serde_json::from_str(&text).unwrap_or(Value::Null),
        text,
    }
}

/// A create, the same create again (a conflict) and an injected 503, in that order.
async fn play(variant: Option<Variant>) -> Vec<Answer> {
    let mock = ReferenceMock::start(MockConfig {
        variant,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts");
    let client = reqwest::Client::new();
    let valid = r#"{"Username":"Zoe","Email":"zoe@example.com","UserType":"PrivateUser"}"#;
    let answers = vec![
        send(&client, &mock, valid, None).await,
        send(&client, &mock, valid, None).await,
        send(
            &client,
            &mock,
            "{}",
            Some(Exception::ServiceUnavailable.shape_name()),
        )
        .await,
    ];
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [201, 409, 503], "{variant:?}: {answers:?}");
    answers
}

/// Plain answers, then the variant's; true when the variant changed them as it names.
type Changed = fn(&[Answer], &[Answer]) -> bool;

fn is_rfc3339_with_fraction_and_offset(value: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(value).is_ok()
        && value.contains('.')
        && !value.ends_with('Z')
        && value[value.len() - 6..].starts_with(['+', '-'])
}

/// The check of each variant; no catch-all, so a new variant must get a case.
fn case(variant: Variant) -> Changed {
    match variant {
        Variant::MinimalUser => |plain, varied| {
            plain[CREATED].user().len() > 1
                && varied[CREATED].user().keys().eq(["UserId"].iter())
                && !varied[CREATED].user_str("UserId").is_empty()
        },
        Variant::ReorderedMembers => |plain, varied| {
            let user = plain[CREATED].user().keys();
            let error = ["Code".to_string(), "Message".to_string()];
            let plain_user = wire_order(&plain[CREATED].text, user.clone());
            let plain_error = wire_order(&plain[CONFLICT].text, &error);
            plain_user.len() > 1
                && plain_error == ["Code", "Message"]
                && wire_order(&varied[CREATED].text, user) == reversed(plain_user)
                && wire_order(&varied[CONFLICT].text, &error) == reversed(plain_error)
                && varied[CONFLICT].body == plain[CONFLICT].body
        },
        Variant::ExtraHeaders => |plain, varied| {
            EXTRA_HEADERS.iter().all(|h| {
                plain.iter().all(|a| a.header(h).is_none())
                    && varied.iter().all(|a| a.header(h).is_some())
            })
        },
        Variant::FractionalOffsetTimestamps => |plain, varied| {
            let p = &plain[CREATED];
            let v = &varied[CREATED];
            p.user_str("InvitedOn").ends_with('Z')
                && !p.user_str("InvitedOn").contains('.')
                && is_rfc3339_with_fraction_and_offset(v.user_str("InvitedOn"))
                && is_rfc3339_with_fraction_and_offset(v.user_str("RegisteredOn"))
        },
        Variant::OpaqueUserIds => |plain, varied| {
            let id = varied[CREATED].user_str("UserId");
            uuid::Uuid::parse_str(plain[CREATED].user_str("UserId")).is_ok()
                && id.len() == 24
                && id.strip_prefix("usr-").is_some_and(|hex| {
                    hex.chars()
                        .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
                })
        },
        Variant::DecoratedErrorType => |plain, varied| {
            [CONFLICT, FAULT].iter().all(|&i| {
                let sent = varied[i].header(ERROR_TYPE_HEADER).unwrap_or("");
                sent != plain[i].header(ERROR_TYPE_HEADER).unwrap_or("")
                    && (sent.contains(':') || sent.contains('#'))
                    && varied[i].error_type() == plain[i].error_type()
                    && varied[i].body == plain[i].body
            }) && varied[CONFLICT]
                .header(ERROR_TYPE_HEADER)
                .is_some_and(|h| h.starts_with("ConflictException:http"))
                && varied[FAULT].header(ERROR_TYPE_HEADER)
                    == Some("com.amazonaws.chime#ServiceUnavailableException")
        },
        Variant::ErrorTypeInBody => |plain, varied| {
            let (p, v) = (&plain[CONFLICT], &varied[CONFLICT]);
            p.body_str("code").is_none()
                && p.body_str("__type").is_none()
                && v.header(ERROR_TYPE_HEADER) == p.header(ERROR_TYPE_HEADER)
                && v.body_str("Code") == p.body_str("Code")
                && v.body_str("Message").is_some()
                && v.body_str("message") == v.body_str("Message")
                && v.body_str("code") == Some("ConflictException")
                && v.body_str("__type") == Some("com.amazonaws.chime#ConflictException")
        },
        Variant::UnknownResponseMembers => |plain, varied| {
            let (p, v) = (&plain[CREATED], &varied[CREATED]);
            p.user().get("UserPreferences").is_none()
                && p.body.get("ResponseMetadata").is_none()
                && v.user()
                    .get("UserPreferences")
                    .is_some_and(Value::is_object)
                && v.body.get("ResponseMetadata").is_some_and(Value::is_object)
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_variant_changes_the_wire_response_as_named() {
    let plain = play(None).await;
    for variant in Variant::ALL {
        let changed = case(*variant);
        assert!(
            !changed(&plain, &plain),
            "{variant}: the plain mock already looks varied: {plain:?}"
        );
        let varied = play(Some(*variant)).await;
        assert!(
            changed(&plain, &varied),
            "{variant}: the wire response is not changed as named\nplain: {plain:?}\nvaried: {varied:?}"
        );
    }
}
