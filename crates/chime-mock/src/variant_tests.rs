//! Every [`Variant`] changes the wire response as it names: the same requests (a create, a
//! duplicate create, an injected 503, and one or two probes of each open choice) are sent
//! to the plain mock and to the mock with the variant, and each variant's check compares
//! the two.

use serde_json::Value;

use crate::test_support::{send, send_method, send_signed_at, send_with_content_type, Answer};
use crate::{MockConfig, ReferenceMock, Variant, DEFAULT_ACCOUNT_ID};
use chime_contract::{Exception, ERROR_TYPE_HEADER};

/// Index of each answer in [`play`]'s result.
const CREATED: usize = 0;
const CONFLICT: usize = 1;
const FAULT: usize = 2;
const NULL_EMAIL: usize = 3;
/// A create whose body is 2 MiB (its Username).
const LARGE: usize = 4;
/// An Email with U+2028 (LINE SEPARATOR) before its last dot: ECMA-262 and Java refuse it.
const LINE_SEPARATOR_EMAIL: usize = 5;
/// An Email with U+0085 (NEXT LINE) before its last dot: only Java refuses it.
const NEXT_LINE_EMAIL: usize = 6;
/// A create in the account U+FEFF: blank to ECMA-262 only.
const BOM_ACCOUNT: usize = 7;
/// The first create's Email in upper case.
const UPPER_CASE_EMAIL: usize = 8;
/// `Jose` + U+0301 (combining acute) `@Example.COM`: not in NFC.
const DECOMPOSED_EMAIL: usize = 9;
/// The same address as [`DECOMPOSED_EMAIL`] in NFC, lower case.
const COMPOSED_EMAIL: usize = 10;
const UNSIGNED: usize = 11;
/// Signed 20 minutes ago.
const STALE: usize = 12;
/// `{}` without a `Content-Type`.
const NO_CONTENT_TYPE: usize = 13;
/// `{}` as `text/plain`.
const TEXT_CONTENT_TYPE: usize = 14;
const NOT_JSON: usize = 15;
const WRONG_MEMBER_TYPE: usize = 16;
/// An Email that breaks the pattern in every dialect.
const BAD_EMAIL: usize = 17;
/// A valid Username not of the common form.
const UNUSUAL_USERNAME: usize = 18;
/// A valid Email not of the common form.
const UNUSUAL_EMAIL: usize = 19;
/// [`BURST_SIZE`] distinct creates, then each of them again.
const BURST: usize = 20;
const BURST_SIZE: usize = 7;
/// A DELETE on the CreateUser route, after the burst.
const OTHER_METHOD: usize = BURST + 2 * BURST_SIZE;

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
/// JSON `null`, a create whose body is 2 MiB, then the probes of each open choice, in the
/// order of the indices above.
async fn play(variant: Option<Variant>) -> Vec<Answer> {
    let mock = ReferenceMock::start(MockConfig {
        variant,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts");
    let client = super::test_support::http_client();
    let valid = r#"{"Username":"Zoe","Email":"zoe@example.com","UserType":"PrivateUser"}"#;
    let mut answers = vec![
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
    let signed = |body| send(&client, &mock, DEFAULT_ACCOUNT_ID, body, true, None);
    answers.push(signed(r#"{"Email":"ls@b\u2028.c"}"#).await);
    answers.push(signed(r#"{"Email":"nl@b\u0085.c"}"#).await);
    answers.push(send(&client, &mock, "\u{feff}", "{}", true, None).await);
    answers.push(signed(r#"{"Email":"ZOE@example.com"}"#).await);
    answers.push(signed(r#"{"Email":"Jose\u0301@Example.COM"}"#).await);
    answers.push(signed(r#"{"Email":"jos\u00e9@example.com"}"#).await);
    answers.push(send(&client, &mock, DEFAULT_ACCOUNT_ID, "{}", false, None).await);
    let stale = std::time::SystemTime::now() - std::time::Duration::from_secs(20 * 60);
    answers.push(send_signed_at(&client, &mock, DEFAULT_ACCOUNT_ID, "{}", Some(stale), None).await);
    for content_type in [None, Some("text/plain")] {
        let answer =
            send_with_content_type(&client, &mock, DEFAULT_ACCOUNT_ID, "{}", content_type).await;
        answers.push(answer);
    }
    answers.push(signed("{[").await);
    answers.push(signed(r#"{"Email":7}"#).await);
    answers.push(signed(r#"{"Email":"nope"}"#).await);
    answers.push(signed(r#"{"Username":"Zo\u00eb"}"#).await);
    answers.push(signed(r#"{"Email":"Zoe <zoe2@example.com>"}"#).await);
    let burst: Vec<String> = (0..BURST_SIZE)
        .map(|i| format!(r#"{{"Email":"burst{i}@example.com"}}"#))
        .collect();
    for body in burst.iter().chain(&burst) {
        answers.push(signed(body).await);
    }
    answers.push(send_method(&client, &mock, "DELETE", DEFAULT_ACCOUNT_ID).await);
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

/// Whether an answer is an error of type `name` (by the restJson1 rules) with status
/// `status`.
fn is_error(answer: &Answer, status: u16, name: &str) -> bool {
    answer.status == status && answer.error_type().as_deref() == Some(name)
}

/// Whether an answer is a `BadRequestException` in the contract's error form.
fn is_bad_request(answer: &Answer) -> bool {
    is_error(answer, 400, "BadRequestException") && answer.body_str("Code") == Some("BadRequest")
}

/// Whether an answer names `name` in `X-Amzn-ErrorType` with a front door's
/// `{"message"}` body as JSON, and status `status`.
fn is_front_door_error(answer: &Answer, status: u16, name: &str) -> bool {
    answer.status == status
        && answer.header(ERROR_TYPE_HEADER) == Some(name)
        && answer.header("content-type") == Some("application/json")
        && answer.body_str("message").is_some_and(|m| !m.is_empty())
        && answer.body_str("Code").is_none()
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
        Variant::MethodNotAllowed => |plain, varied| {
            let (p, v) = (&plain[OTHER_METHOD], &varied[OTHER_METHOD]);
            is_error(p, 404, "UnknownOperationException")
                && v.status == 405
                && v.header("allow") == Some("POST")
                && v.body_str("message").is_some()
        },
        Variant::NoDateHeader => |plain, varied| {
            plain.iter().all(|a| a.header("date").is_some())
                && varied.iter().all(|a| a.header("date").is_none())
                && varied[CREATED].status == 201
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
        Variant::RustRegexPatterns => |plain, varied| {
            is_bad_request(&plain[LINE_SEPARATOR_EMAIL])
                && varied[LINE_SEPARATOR_EMAIL].status == 201
                && varied[LINE_SEPARATOR_EMAIL].user_str("PrimaryEmail") == "ls@b\u{2028}.c"
                && varied[NEXT_LINE_EMAIL].status == 201
                && is_bad_request(&plain[BOM_ACCOUNT])
                && is_error(&varied[BOM_ACCOUNT], 404, "NotFoundException")
        },
        Variant::JavaRegexPatterns => |plain, varied| {
            plain[NEXT_LINE_EMAIL].status == 201
                && is_bad_request(&varied[NEXT_LINE_EMAIL])
                && is_bad_request(&varied[LINE_SEPARATOR_EMAIL])
                && is_bad_request(&plain[BOM_ACCOUNT])
                && is_error(&varied[BOM_ACCOUNT], 404, "NotFoundException")
        },
        Variant::CaseSensitiveEmails => |plain, varied| {
            is_error(&plain[UPPER_CASE_EMAIL], 409, "ConflictException")
                && varied[UPPER_CASE_EMAIL].status == 201
                && varied[UPPER_CASE_EMAIL].user_str("PrimaryEmail") == "ZOE@example.com"
                && is_error(&varied[CONFLICT], 409, "ConflictException")
        },
        Variant::NormalisedEmails => |plain, varied| {
            let sent = "Jose\u{301}@Example.COM";
            plain[DECOMPOSED_EMAIL].user_str("PrimaryEmail") == sent
                && plain[COMPOSED_EMAIL].status == 201
                && varied[DECOMPOSED_EMAIL].user_str("PrimaryEmail") == "Jos\u{e9}@example.com"
                && is_error(&varied[COMPOSED_EMAIL], 409, "ConflictException")
                && is_error(&varied[UPPER_CASE_EMAIL], 409, "ConflictException")
        },
        Variant::FrontDoorAuthErrors => |plain, varied| {
            [UNSIGNED, STALE]
                .iter()
                .all(|&i| is_error(&plain[i], 401, "UnauthorizedClientException"))
                && is_front_door_error(
                    &varied[UNSIGNED],
                    403,
                    "MissingAuthenticationTokenException",
                )
                && is_front_door_error(&varied[STALE], 403, "InvalidSignatureException")
        },
        Variant::ErrorTypeOnlyInBody => |plain, varied| {
            [
                (CONFLICT, "ConflictException"),
                (FAULT, "ServiceUnavailableException"),
            ]
            .iter()
            .all(|&(i, shape)| {
                let (p, v) = (&plain[i], &varied[i]);
                p.header(ERROR_TYPE_HEADER) == Some(shape)
                    && v.header(ERROR_TYPE_HEADER).is_none()
                    && v.body_str("__type") == Some(&format!("com.amazonaws.chime#{shape}"))
                    && v.body_str("Code") == p.body_str("Code")
                    && v.body_str("Message") == p.body_str("Message")
                    && v.error_type() == p.error_type()
            })
        },
        Variant::UnsupportedMediaType => |plain, varied| {
            plain[NO_CONTENT_TYPE].status == 201
                && is_bad_request(&plain[TEXT_CONTENT_TYPE])
                && [NO_CONTENT_TYPE, TEXT_CONTENT_TYPE]
                    .iter()
                    .all(|&i| is_front_door_error(&varied[i], 415, "UnsupportedMediaTypeException"))
        },
        Variant::SerializationErrors => |plain, varied| {
            [NOT_JSON, WRONG_MEMBER_TYPE].iter().all(|&i| {
                is_bad_request(&plain[i])
                    && is_front_door_error(&varied[i], 400, "SerializationException")
            }) && is_bad_request(&varied[BAD_EMAIL])
        },
        Variant::RestrictUnusualInput => |plain, varied| {
            [UNUSUAL_USERNAME, UNUSUAL_EMAIL].iter().all(|&i| {
                plain[i].status == 201
                    && is_bad_request(&varied[i])
                    && varied[i].body_str("Message")
                        == Some("the input parameters don't match the service's restrictions")
            })
        },
        Variant::TransientUnavailable => |plain, varied| {
            let first = BURST..BURST + BURST_SIZE;
            let again = BURST + BURST_SIZE..BURST + 2 * BURST_SIZE;
            let statuses = |answers: &[Answer], range: std::ops::Range<usize>| -> Vec<u16> {
                answers[range].iter().map(|a| a.status).collect()
            };
            let refused: Vec<usize> = first.clone().filter(|&i| varied[i].status == 503).collect();
            let [at] = refused[..] else {
                return false;
            };
            statuses(plain, first.clone()).iter().all(|&s| s == 201)
                && statuses(plain, again.clone()).iter().all(|&s| s == 409)
                && is_error(&varied[at], 503, "ServiceUnavailableException")
                && varied[at].body_str("Code") == Some("ServiceUnavailable")
                && first.zip(again).all(|(i, j)| {
                    let (once, twice) = if i == at { (503, 201) } else { (201, 409) };
                    varied[i].status == once && varied[j].status == twice
                })
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
