//! `--vary-responses`: over a seeded run of creates, conflicts, throttles and 503s every
//! [`Form`] is used, the same seed gives the same forms, and every varied answer still
//! decodes: a 201 as a `User` with its `UserId`, an error by restJson1's error-type
//! resolution (`resolve_error_type`) to the exception the plain mock answers.

use serde_json::Value;

use crate::test_support::{http_client, send, Answer};
use crate::{Form, MockConfig, ReferenceMock, DEFAULT_ACCOUNT_ID};
use chime_contract::{resolve_error_type, ErrorKind, Exception, ERROR_TYPE_HEADER};

/// Requests in one run: each kind of answer this many times over.
const ROUNDS: usize = 24;

/// Plays the run against a mock varying its answers with `seed`; returns each answer with
/// the exception it must decode to (`None` for a 201), and the forms journaled for each.
async fn play(seed: u64) -> (Vec<(Answer, Option<Exception>)>, Vec<Vec<String>>) {
    let mock = ReferenceMock::start(MockConfig {
        vary_responses: true,
        seed: Some(seed),
        ..MockConfig::default()
    })
    .await
    .expect("mock starts");
    let client = http_client();
    let mut answers = Vec::new();
    for round in 0..ROUNDS {
        let body = format!(r#"{{"Username":"u{round}","Email":"v{round}@example.com"}}"#);
        let account = DEFAULT_ACCOUNT_ID;
        let created = send(&client, &mock, account, &body, true, None).await;
        answers.push((created, None));
        let conflict = send(&client, &mock, account, &body, true, None).await;
        answers.push((conflict, Some(Exception::Conflict)));
        for exception in [Exception::Throttled, Exception::ServiceUnavailable] {
            let fault = Some(exception.shape_name());
            let answer = send(&client, &mock, account, &body, true, fault).await;
            answers.push((answer, Some(exception)));
        }
    }
    let text = client
        .get(format!("{}/_chime-mock/requests", mock.uri()))
        .send()
        .await
        .expect("the control plane answers")
        .text()
        .await
        .expect("a body");
    let journal: Value = serde_json::from_str(&text).expect("JSON");
    let forms = journal["requests"]
        .as_array()
        .expect("requests")
        .iter()
        .map(|entry| {
            entry["forms"]
                .as_array()
                .expect("forms")
                .iter()
                .filter_map(|f| f.as_str().map(str::to_string))
                .collect()
        })
        .collect();
    (answers, forms)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn varied_answers_use_every_form_repeat_with_the_seed_and_still_decode() {
    let (answers, forms) = play(42).await;
    assert_eq!(forms.len(), answers.len(), "every answer is journaled");
    for form in Form::ALL {
        assert!(
            forms
                .iter()
                .any(|chosen| chosen.iter().any(|f| f == form.name())),
            "form {} never used over {} answers",
            form.name(),
            answers.len()
        );
    }
    for (i, ((answer, expected), chosen)) in answers.iter().zip(&forms).enumerate() {
        let has = |form: Form| chosen.iter().any(|f| f == form.name());
        let content_type = answer.header("content-type").unwrap_or("");
        assert!(
            content_type.starts_with("application/json"),
            "answer {i}: {content_type}"
        );
        assert_eq!(
            has(Form::Charset),
            content_type.contains("charset=utf-8"),
            "answer {i}"
        );
        assert_eq!(
            has(Form::Chunked),
            answer.header("content-length").is_none(),
            "answer {i}: {:?}",
            answer.headers
        );
        assert_eq!(
            has(Form::ConnectionClose),
            answer.header("connection") == Some("close"),
            "answer {i}: {:?}",
            answer.headers
        );
        match expected {
            None => {
                assert_eq!(answer.status, 201, "answer {i}: {}", answer.text);
                assert!(
                    !answer.user_str("UserId").is_empty(),
                    "answer {i}: {}",
                    answer.text
                );
                if let Some(invited) = answer.user_member("InvitedOn").and_then(Value::as_str) {
                    assert!(
                        chrono::DateTime::parse_from_rfc3339(invited).is_ok(),
                        "answer {i}: InvitedOn {invited}"
                    );
                }
            }
            Some(exception) => {
                assert_eq!(answer.status, exception.http_status(), "answer {i}");
                let resolved =
                    resolve_error_type(answer.header(ERROR_TYPE_HEADER), Some(&answer.body))
                        .unwrap_or_else(|| panic!("answer {i} names no error type: {answer:?}"));
                assert_eq!(
                    resolved.kind(),
                    ErrorKind::Documented(*exception),
                    "answer {i}: {answer:?}"
                );
                assert_eq!(
                    answer.body_str("Code"),
                    Some(exception.error_code()),
                    "answer {i}"
                );
                if *exception == Exception::Throttled {
                    let retry_after = answer.header("retry-after").unwrap_or("");
                    let is_date =
                        chrono::DateTime::parse_from_rfc2822(&retry_after.replace("GMT", "+0000"))
                            .is_ok();
                    assert_eq!(
                        has(Form::RetryAfterHttpDate),
                        is_date,
                        "answer {i}: {retry_after}"
                    );
                    assert!(is_date || retry_after.parse::<u64>().is_ok(), "answer {i}");
                }
            }
        }
    }
    let (_, again) = play(42).await;
    assert_eq!(forms, again, "the same seed must give the same forms");
    let (_, other) = play(43).await;
    assert_ne!(forms, other, "another seed gives other forms");
}
