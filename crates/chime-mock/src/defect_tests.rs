//! Every [`Defect`] changes the behaviour it names: each is run against a live mock beside
//! the correct mock, on the scenario that shows the rule, and the rule must hold on the
//! correct mock and break on the defective one.

use serde_json::Value;

use crate::test_support::{
    send, send_method, send_or_status_0, send_signed_at, send_tampered, Answer,
};
use crate::{
    Defect, MockConfig, ReferenceMock, DEFAULT_ACCOUNT_ID, DEFAULT_FORBIDDEN_ACCOUNT_ID,
    DEFAULT_THROTTLED_ACCOUNT_ID,
};
use chime_contract::sigv4::SignatureMode;
use chime_contract::{
    Exception, ERROR_TYPE_HEADER, INVITE_STATUSES, LICENSE_TYPES, REGISTRATION_STATUSES, USER_TYPES,
};

const EMAIL: &str = "zoe@example.com";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scenario {
    /// A valid create with a non-ASCII Username and `PrivateUser`.
    Create,
    /// A valid create with `SharedDevice`.
    CreateSharedDevice,
    /// Two creates with one email; the second is looked at.
    Duplicate,
    /// Two creates with distinct emails; both are looked at.
    TwoUsers,
    BadEmail,
    BadUserType,
    /// Six creates on the throttled account (burst 5).
    Burst,
    Forbidden,
    Unknown,
    Unsigned,
    /// A valid create signed 20 minutes ago.
    StaleSignature,
    /// A valid create whose signature does not bind it, as the mode says.
    Tampered(SignatureMode),
    /// Four creates of one email at once; all are looked at.
    SimultaneousDuplicates,
    /// A valid JSON object followed by trailing text.
    TrailingData,
    /// `x-chime-fault: ServiceUnavailableException`.
    Fault,
    /// A valid create with a 256-character Username.
    LongUsername,
    /// A valid create with an astral-plane character in its Email.
    AstralEmail,
    /// A valid create whose body is 2 MiB, over the size limit.
    Oversized,
    /// A signed request with this method (no body) on the CreateUser route.
    Method(&'static str),
    /// A create refused as the kind says, then a valid create of the same Email (in the
    /// ordinary account, or the throttled one a second later); the last is looked at.
    AfterRefusal(Refused),
}

/// A kind of refused create, for [`Scenario::AfterRefusal`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Refused {
    InvalidInput,
    Forbidden,
    Throttled,
    Fault,
    Unsigned,
}

/// Plays a scenario against a mock with `defect`: a table with one arm per scenario, longer
/// than a function should be, read as a table.
async fn play(defect: Option<Defect>, scenario: Scenario) -> Vec<Answer> {
    let mock = ReferenceMock::start(MockConfig {
        defect,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts");
    let client = super::test_support::http_client();
    let c = &client;
    let m = &mock;
    let valid = format!(r#"{{"Username":"Zoë","Email":"{EMAIL}","UserType":"PrivateUser"}}"#);
    let account = DEFAULT_ACCOUNT_ID;
    match scenario {
        Scenario::Create => vec![send(c, m, account, &valid, true, None).await],
        Scenario::CreateSharedDevice => {
            let shared = r#"{"Email":"shared@example.com","UserType":"SharedDevice"}"#;
            vec![send(c, m, account, shared, true, None).await]
        }
        Scenario::Duplicate => {
            send(c, m, account, &valid, true, None).await;
            vec![send(c, m, account, &valid, true, None).await]
        }
        Scenario::TwoUsers => vec![
            send(c, m, account, r#"{"Email":"a@example.com"}"#, true, None).await,
            send(c, m, account, r#"{"Email":"b@example.com"}"#, true, None).await,
        ],
        Scenario::BadEmail => vec![send(c, m, account, r#"{"Email":"nope"}"#, true, None).await],
        Scenario::BadUserType => {
            vec![send(c, m, account, r#"{"UserType":"Admin"}"#, true, None).await]
        }
        Scenario::Burst => {
            let mut answers = Vec::new();
            for _ in 0..6 {
                answers.push(send(c, m, DEFAULT_THROTTLED_ACCOUNT_ID, "{}", true, None).await);
            }
            answers
        }
        Scenario::Forbidden => {
            vec![send(c, m, DEFAULT_FORBIDDEN_ACCOUNT_ID, "{}", true, None).await]
        }
        Scenario::Unknown => vec![send(c, m, "no-such-account", "{}", true, None).await],
        Scenario::Unsigned => vec![send(c, m, account, "{}", false, None).await],
        Scenario::TrailingData => {
            vec![
                send(
                    c,
                    m,
                    account,
                    r#"{"Email":"t@example.com"} trailing"#,
                    true,
                    None,
                )
                .await,
            ]
        }
        Scenario::SimultaneousDuplicates => {
            let sends = (0..4).map(|_| send(c, m, account, &valid, true, None));
            futures::future::join_all(sends).await
        }
        Scenario::StaleSignature => {
            let stale = std::time::SystemTime::now() - std::time::Duration::from_secs(20 * 60);
            vec![send_signed_at(c, m, account, "{}", Some(stale), None).await]
        }
        Scenario::Tampered(mode) => {
            vec![send_tampered(c, m, account, r#"{"Email":"t@example.com"}"#, mode).await]
        }
        Scenario::LongUsername => {
            let body = format!(r#"{{"Username":"{}"}}"#, "é".repeat(256));
            vec![send(c, m, account, &body, true, None).await]
        }
        Scenario::AstralEmail => {
            let body = r#"{"Email":"zoe😀@example.com"}"#;
            vec![send(c, m, account, body, true, None).await]
        }
        Scenario::Oversized => {
            let body = format!(r#"{{"Username":"{}"}}"#, "x".repeat(2 * 1024 * 1024));
            vec![send_or_status_0(c, m, account, &body).await]
        }
        Scenario::Method(method) => vec![send_method(c, m, method, account).await],
        Scenario::AfterRefusal(kind) => {
            let email = r#"{"Email":"trace@example.com"}"#;
            let first = match kind {
                Refused::InvalidInput => {
                    let invalid = r#"{"Email":"trace@example.com","UserType":"Admin"}"#;
                    send(c, m, account, invalid, true, None).await
                }
                Refused::Forbidden => {
                    send(c, m, DEFAULT_FORBIDDEN_ACCOUNT_ID, email, true, None).await
                }
                Refused::Throttled => {
                    for i in 0..5 {
                        let other = format!(r#"{{"Email":"t{i}@example.com"}}"#);
                        send(c, m, DEFAULT_THROTTLED_ACCOUNT_ID, &other, true, None).await;
                    }
                    send(c, m, DEFAULT_THROTTLED_ACCOUNT_ID, email, true, None).await
                }
                Refused::Fault => {
                    let fault = Some(Exception::ServiceFailure.shape_name());
                    send(c, m, account, email, true, fault).await
                }
                Refused::Unsigned => send(c, m, account, email, false, None).await,
            };
            assert!(first.status >= 400, "{kind:?} is refused: {first:?}");
            let again_in = if kind == Refused::Throttled {
                tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
                DEFAULT_THROTTLED_ACCOUNT_ID
            } else {
                account
            };
            vec![first, send(c, m, again_in, email, true, None).await]
        }
        Scenario::Fault => vec![
            send(
                c,
                m,
                account,
                "{}",
                true,
                Some(Exception::ServiceUnavailable.shape_name()),
            )
            .await,
        ],
    }
}

type Broken = fn(&[Answer]) -> bool;

/// The scenario that shows the rule a defect breaks, and a check that the rule is broken.
/// A table with one arm per value, longer than a function should be: it is read as a table.
fn case(defect: Defect) -> (Scenario, Broken) {
    fn last(answers: &[Answer]) -> &Answer {
        answers.last().expect("at least one answer")
    }
    match defect {
        Defect::SuccessStatus200 => (Scenario::Create, |a| last(a).status != 201),
        Defect::OmitUserId => (Scenario::Create, |a| {
            last(a).user_member("UserId").is_none()
        }),
        Defect::NumericUserId => (Scenario::Create, |a| {
            last(a).user_member("UserId").is_some_and(Value::is_number)
        }),
        Defect::LicenseTypeOutsideEnum => (Scenario::Create, |a| {
            !LICENSE_TYPES.contains(&last(a).user_str("LicenseType"))
        }),
        Defect::UserTypeOutsideEnum => (Scenario::Create, |a| {
            !USER_TYPES.contains(&last(a).user_str("UserType"))
        }),
        Defect::RegistrationStatusOutsideEnum => (Scenario::Create, |a| {
            !REGISTRATION_STATUSES.contains(&last(a).user_str("UserRegistrationStatus"))
        }),
        Defect::InvitationStatusOutsideEnum => (Scenario::Create, |a| {
            !INVITE_STATUSES.contains(&last(a).user_str("UserInvitationStatus"))
        }),
        Defect::MalformedInvitedOn => (Scenario::Create, |a| {
            chrono::DateTime::parse_from_rfc3339(last(a).user_str("InvitedOn")).is_err()
        }),
        Defect::InvitedOnIn1970 => (Scenario::Create, |a| {
            last(a).user_str("InvitedOn").starts_with("1970-")
        }),
        Defect::WrongAccountIdEcho => (Scenario::Create, |a| {
            last(a).user_str("AccountId") != DEFAULT_ACCOUNT_ID
        }),
        Defect::WrongPrimaryEmailEcho => (Scenario::Create, |a| {
            last(a).user_str("PrimaryEmail") != EMAIL
        }),
        Defect::WrongUserTypeEcho => (Scenario::Create, |a| {
            last(a).user_str("UserType") != "PrivateUser"
        }),
        Defect::RepeatedUserId => (Scenario::TwoUsers, |a| {
            a[0].user_str("UserId") == a[1].user_str("UserId")
        }),
        Defect::WrongErrorStatus => (Scenario::Duplicate, |a| last(a).status != 409),
        Defect::MissingErrorTypeHeader => (Scenario::Duplicate, |a| {
            last(a).header(ERROR_TYPE_HEADER).is_none()
        }),
        Defect::UndocumentedErrorType => (Scenario::Duplicate, |a| {
            last(a).header(ERROR_TYPE_HEADER) != Some("ConflictException")
        }),
        Defect::ErrorBodyMismatch => (Scenario::Duplicate, |a| {
            last(a).body.get("Code").and_then(Value::as_str) != Some("Conflict")
                || !last(a).body.get("Message").is_some_and(Value::is_string)
        }),
        Defect::AcceptInvalidEmail => (Scenario::BadEmail, |a| last(a).status != 400),
        Defect::AcceptInvalidUserType => (Scenario::BadUserType, |a| last(a).status != 400),
        Defect::NeverConflict => (Scenario::Duplicate, |a| last(a).status == 201),
        Defect::NeverThrottle => (Scenario::Burst, |a| a.iter().all(|x| x.status != 429)),
        Defect::NeverForbidden => (Scenario::Forbidden, |a| last(a).status != 403),
        Defect::NeverNotFound => (Scenario::Unknown, |a| last(a).status != 404),
        Defect::NeverUnauthorized => (Scenario::Unsigned, |a| last(a).status != 401),
        Defect::IgnoreFaultHeader => (Scenario::Fault, |a| last(a).status != 503),
        Defect::ServerErrorOnValidInput => (Scenario::Create, |a| last(a).status == 500),
        Defect::WrongContentType => (Scenario::Create, |a| {
            last(a).header("content-type") != Some("application/json")
        }),
        Defect::NonJsonSuccessBody => (Scenario::Create, |a| last(a).body.is_null()),
        Defect::AwsCommonErrorOnSharedDevice => (Scenario::CreateSharedDevice, |a| {
            last(a).header(ERROR_TYPE_HEADER) == Some("RequestExpired")
        }),
        Defect::AcceptStaleSignatures => (Scenario::StaleSignature, |a| last(a).status == 201),
        Defect::CredentialScopeServiceNotChecked => {
            (Scenario::Tampered(SignatureMode::OtherService), |a| {
                last(a).status == 201
            })
        }
        Defect::CredentialScopeRegionNotChecked => {
            (Scenario::Tampered(SignatureMode::OtherRegion), |a| {
                last(a).status == 201
            })
        }
        Defect::BodyWhitespaceNotBound => (Scenario::Tampered(SignatureMode::BodyChanged), |a| {
            last(a).status == 201
        }),
        Defect::ContentTypeParametersNotBound => {
            (Scenario::Tampered(SignatureMode::HeaderAltered), |a| {
                last(a).status == 201
            })
        }
        Defect::SignedHeaderPresenceNotChecked => {
            (Scenario::Tampered(SignatureMode::HeaderDropped), |a| {
                last(a).status == 201
            })
        }
        Defect::DateNotRequired => (Scenario::Tampered(SignatureMode::DateMissing), |a| {
            last(a).status == 201
        }),
        Defect::SessionTokenNotRequired => (Scenario::Tampered(SignatureMode::TokenMissing), |a| {
            last(a).status == 201
        }),
        Defect::SessionTokenTakenOnTrust => {
            (Scenario::Tampered(SignatureMode::TokenAltered), |a| {
                last(a).status == 201
            })
        }
        Defect::RacyConflictCheck => (Scenario::SimultaneousDuplicates, |a| {
            a.iter().filter(|a| a.status == 201).count() > 1
        }),
        Defect::ThrottleSomeAsBadRequest => {
            (Scenario::Burst, |a| a.iter().any(|a| a.status == 400))
        }
        Defect::AcceptTrailingData => (Scenario::TrailingData, |a| last(a).status == 201),
        Defect::RejectLongUsername => (Scenario::LongUsername, |a| last(a).status != 201),
        Defect::MangleAstralEmailEcho => (Scenario::AstralEmail, |a| {
            last(a).user_str("PrimaryEmail") != "zoe😀@example.com"
        }),
        Defect::ResetOnOversizedBody => (Scenario::Oversized, |a| last(a).status == 0),
        Defect::InvalidInputTakesEmail => (Scenario::AfterRefusal(Refused::InvalidInput), |a| {
            last(a).status == 409
        }),
        Defect::ForbiddenTakesEmail => (Scenario::AfterRefusal(Refused::Forbidden), |a| {
            last(a).status == 409
        }),
        Defect::ThrottledTakesEmail => (Scenario::AfterRefusal(Refused::Throttled), |a| {
            last(a).status == 409
        }),
        Defect::InjectedFaultTakesEmail => (Scenario::AfterRefusal(Refused::Fault), |a| {
            last(a).status == 409
        }),
        Defect::UnverifiedSignatureTakesEmail => (Scenario::AfterRefusal(Refused::Unsigned), |a| {
            last(a).status == 409
        }),
        Defect::ServerErrorOnUnknownMethod => (Scenario::Method("CHIMECONFORMANCE"), |a| {
            last(a).status == 500
        }),
        Defect::RouteIgnoresMethod => (Scenario::Method("GET"), |a| last(a).status == 201),
        Defect::QueryNotBound => (Scenario::Tampered(SignatureMode::QueryAdded), |a| {
            last(a).status == 201
        }),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_defect_breaks_its_rule_and_the_correct_mock_keeps_it() {
    for defect in Defect::ALL {
        let (scenario, broken) = case(*defect);
        let correct = play(None, scenario).await;
        assert!(
            !broken(&correct),
            "{defect}: the correct mock breaks the rule: {correct:?}"
        );
        let defective = play(Some(*defect), scenario).await;
        assert!(
            broken(&defective),
            "{defect}: the defective mock keeps the rule: {defective:?}"
        );
    }
}

/// Which tampered signatures each signature-binding defect lets through: those it names,
/// no other; together every one but a changed path and a removed query parameter (see
/// [`Defect`]).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_signature_defect_lets_through_only_the_tampering_it_forgets() {
    use SignatureMode::*;
    let table: [(Option<Defect>, &[SignatureMode]); 11] = [
        (None, &[]),
        (Some(Defect::AcceptStaleSignatures), &[Stale, Future]),
        (
            Some(Defect::CredentialScopeServiceNotChecked),
            &[OtherService],
        ),
        (
            Some(Defect::CredentialScopeRegionNotChecked),
            &[OtherRegion],
        ),
        (Some(Defect::BodyWhitespaceNotBound), &[BodyChanged]),
        (
            Some(Defect::ContentTypeParametersNotBound),
            &[HeaderAltered],
        ),
        (
            Some(Defect::SignedHeaderPresenceNotChecked),
            &[HeaderDropped],
        ),
        (Some(Defect::DateNotRequired), &[DateMissing]),
        (Some(Defect::SessionTokenNotRequired), &[TokenMissing]),
        (Some(Defect::SessionTokenTakenOnTrust), &[TokenAltered]),
        (Some(Defect::QueryNotBound), &[QueryAdded]),
    ];
    let client = super::test_support::http_client();
    for (defect, lets_through) in table {
        let mock = ReferenceMock::start(MockConfig {
            defect,
            ..MockConfig::default()
        })
        .await
        .expect("mock starts");
        for (i, mode) in SignatureMode::TAMPERED.into_iter().enumerate() {
            let body = format!(r#"{{"Email":"t{i}@example.com"}}"#);
            let answer = send_tampered(&client, &mock, DEFAULT_ACCOUNT_ID, &body, mode).await;
            let created = answer.status == 201;
            assert_eq!(
                created,
                lets_through.contains(&mode),
                "{defect:?} and {mode:?}: {answer:?}"
            );
            if !created {
                assert_eq!(answer.status, 401, "{defect:?} and {mode:?}: {answer:?}");
            }
        }
    }
    let covered: Vec<SignatureMode> = table.iter().flat_map(|(_, m)| m.iter().copied()).collect();
    let uncovered: Vec<_> = SignatureMode::TAMPERED
        .into_iter()
        .filter(|m| !covered.contains(m))
        .collect();
    assert_eq!(uncovered, [PathChanged, QueryRemoved]);
}
