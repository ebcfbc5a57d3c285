//! Every [`Variant`] changes the wire response as it names: the same requests (a create, a
//! duplicate create, an injected 503) are sent to the plain mock and to the mock with the
//! variant, and each variant's check compares the two.

use serde_json::Value;

use crate::contract::{Exception, ERROR_TYPE_HEADER};
use crate::mock::test_support::{send, Answer};
use crate::mock::{MockConfig, ReferenceMock, Variant, DEFAULT_ACCOUNT_ID};

/// Index of each answer in [`play`]'s result.
const CREATED: usize = 0;
const CONFLICT: usize = 1;
const FAULT: usize = 2;
const NULL_EMAIL: usize = 3;
const LARGE: usize = 4;

/// The headers [`Variant::ExtraHeaders`] adds.
const EXTRA_HEADERS: [&str; 4] = ["x-amz-cf-id", "x-amzn-trace-id", "cache-control", "server"];

impl Answer {
    /// The created `User` object; the variant checks need one.
    fn user(&self) -> &serde_json::Map<String, Value> {
        self.body
            .get("User")
            .and_then(Value::as_object)
            .unwrap_or_else(|| panic!("no User object in {}", self.text))
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

/// A create, the same create again (a conflict), an injected 503, a create whose Email is
/// JSON `null`, and a create whose body is 2 MiB, in that order.
async fn play(variant: Option<Variant>) -> Vec<Answer> {
    let mock = ReferenceMock::start(MockConfig {
        variant,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts");
    let client = super::test_support::http_client();
    let valid = r#"{"Username":"Zoe","Email":"zoe@example.com","UserType":"PrivateUser"}"#;
    let answers = vec![
        send(&client, &mock, DEFAULT_ACCOUNT_ID, valid, true, None).await,
        send(&client, &mock, DEFAULT_ACCOUNT_ID, valid, true, None).await,
        send(
            &client,
            &mock,
            DEFAULT_ACCOUNT_ID,
            "{}",
            true,
            Some(Exception::ServiceUnavailable.shape_name()),
        )
        .await,
        send(
            &client,
            &mock,
            DEFAULT_ACCOUNT_ID,
            r#"{"Email":null}"#,
            true,
            None,
        )
        .await,
        send(
            &client,
            &mock,
            DEFAULT_ACCOUNT_ID,
            &format!(r#"{{"Username":"{}"}}"#, "x".repeat(2 * 1024 * 1024)),
            true,
            None,
        )
        .await,
    ];
    let statuses: Vec<u16> = answers.iter().map(|a| a.status).collect();
    assert_eq!(statuses[..3], [201, 409, 503], "{variant:?}: {answers:?}");
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
/// A table with one arm per value, longer than a function should be: it is read as a table.
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
        Variant::RefuseNullMembers => |plain, varied| {
            let (p, v) = (&plain[NULL_EMAIL], &varied[NULL_EMAIL]);
            p.status == 201
                && v.status == 400
                && v.header(ERROR_TYPE_HEADER) == Some("BadRequestException")
        },
        Variant::AcceptLargeBodies => |plain, varied| {
            let (p, v) = (&plain[LARGE], &varied[LARGE]);
            p.status == 400 && v.status == 201 && v.user_str("DisplayName").len() == 2 * 1024 * 1024
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
