//! The mock's control plane (`/_chime-mock/...`), route by route, as a client implementer
//! uses it from a test: health, reset, accounts, users, the request journal and fault
//! rules, each with the bad requests it must refuse (a 400 naming the problem, 404 for an
//! unknown path or account, 405 for a wrong method). Also: the control plane needs no
//! SigV4, can be turned off, and is never confused with CreateUser; and a request off the
//! CreateUser route gets a Smithy restJson1 server's 404 `UnknownOperationException`.

use std::time::{Duration, Instant};

use chime_conformance::mock::{
    default_credentials, MockConfig, ReferenceMock, DEFAULT_ACCOUNT_ID, UNKNOWN_OPERATION,
};
use serde_json::json;

use crate::util::{create_user, send, start_default_mock, RawAnswer};

/// Sends a control request (unsigned) with an optional JSON body.
async fn control(mock: &ReferenceMock, method: &str, path: &str, body: Option<&str>) -> RawAnswer {
    let client = chime_conformance::http::default_reqwest_client();
    let headers: &[(&str, &str)] = &[("content-type", "application/json")];
    let body = body.unwrap_or("").as_bytes().to_vec();
    send(&client, &mock.uri(), method, path, headers, body, None)
        .await
        .expect("the control plane answers")
}

/// A signed create of `email` in `account`.
async fn create(mock: &ReferenceMock, account: &str, email: &str) -> RawAnswer {
    let client = chime_conformance::http::default_reqwest_client();
    let body = json!({ "Email": email, "Username": "control" });
    create_user(&client, &mock.uri(), account, &body, &default_credentials())
        .await
        .expect("the mock answers")
}

/// Asserts a refusal: its status, a JSON `error` naming `named`.
fn assert_refused(answer: &RawAnswer, status: u16, named: &str) {
    assert_eq!(answer.status, status, "{answer:?}");
    assert!(answer
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json")));
    let error = answer.json()["error"].as_str().unwrap_or("").to_string();
    assert!(error.contains(named), "{error:?} does not name {named:?}");
}

#[tokio::test]
async fn mock_control_health_answers_200_without_signing() {
    let mock = start_default_mock().await;
    let answer = control(&mock, "GET", "/_chime-mock/health", None).await;
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.json()["status"], "ready");
    assert_refused(
        &control(&mock, "POST", "/_chime-mock/health", None).await,
        405,
        "routes",
    );
    assert_refused(
        &control(&mock, "GET", "/_chime-mock/nope", None).await,
        404,
        "routes",
    );
    assert_eq!(
        mock.requests_served(),
        0,
        "control requests are not CreateUser requests"
    );
}

#[tokio::test]
async fn mock_control_accounts_are_added_changed_and_deleted() {
    let mock = start_default_mock().await;
    assert_eq!(create(&mock, "acct-new", "a@example.com").await.status, 404);
    let added = control(
        &mock,
        "POST",
        "/_chime-mock/accounts",
        Some(r#"{"id":"acct-new","kind":"ordinary"}"#),
    )
    .await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_eq!(added.json()["kind"], "ordinary");
    assert_eq!(create(&mock, "acct-new", "a@example.com").await.status, 201);
    let changed = control(
        &mock,
        "POST",
        "/_chime-mock/accounts",
        Some(r#"{"id":"acct-new","kind":"forbidden"}"#),
    )
    .await;
    assert_eq!(changed.status, 200, "{changed:?}");
    assert_eq!(create(&mock, "acct-new", "b@example.com").await.status, 403);
    control(
        &mock,
        "POST",
        "/_chime-mock/accounts",
        Some(r#"{"id":"acct-slow","kind":"throttled"}"#),
    )
    .await;
    let mut statuses = Vec::new();
    for i in 0..8 {
        statuses.push(
            create(&mock, "acct-slow", &format!("t{i}@example.com"))
                .await
                .status,
        );
    }
    assert!(
        statuses.contains(&429),
        "a throttled account throttles: {statuses:?}"
    );

    let deleted = control(&mock, "DELETE", "/_chime-mock/accounts/acct-new", None).await;
    assert_eq!(deleted.status, 200, "{deleted:?}");
    assert_eq!(create(&mock, "acct-new", "c@example.com").await.status, 404);
    assert_refused(
        &control(&mock, "DELETE", "/_chime-mock/accounts/acct-new", None).await,
        404,
        "no such account",
    );
    assert_refused(
        &control(&mock, "DELETE", "/_chime-mock/accounts/%FF", None).await,
        400,
        "UTF-8",
    );
    assert_refused(
        &control(&mock, "GET", "/_chime-mock/accounts/x", None).await,
        405,
        "routes",
    );
}

#[tokio::test]
async fn mock_control_bad_account_requests_are_refused_naming_the_problem() {
    let mock = start_default_mock().await;
    let bad = [
        ("", "id"),
        ("[1]", "JSON object"),
        ("{", "JSON object"),
        (r#"{"kind":"ordinary"}"#, "id"),
        (r#"{"id":"  "}"#, "blank"),
        (r#"{"id":7}"#, "id"),
        (r#"{"id":"x","kind":"admin"}"#, "kind"),
        (r#"{"id":"x","kind":1}"#, "kind"),
        (r#"{"id":"x","knid":"ordinary"}"#, "knid"),
    ];
    for (body, named) in bad {
        let answer = control(&mock, "POST", "/_chime-mock/accounts", Some(body)).await;
        assert_refused(&answer, 400, named);
    }
}

#[tokio::test]
async fn mock_control_users_are_listed_as_create_user_returned_them() {
    let mock = start_default_mock().await;
    let created = create(&mock, DEFAULT_ACCOUNT_ID, "listed@example.com").await;
    assert_eq!(created.status, 201);
    let path = format!("/_chime-mock/users?account={DEFAULT_ACCOUNT_ID}");
    let listed = control(&mock, "GET", &path, None).await;
    assert_eq!(listed.status, 200, "{listed:?}");
    assert_eq!(listed.json()["users"], json!([created.json()["User"]]));
    let all = control(&mock, "GET", "/_chime-mock/users", None).await;
    assert_eq!(all.json()["users"].as_array().map(Vec::len), Some(1));
    assert_refused(
        &control(&mock, "GET", "/_chime-mock/users?account=nope", None).await,
        404,
        "no such account",
    );
    assert_refused(
        &control(&mock, "GET", "/_chime-mock/users?acount=x", None).await,
        400,
        "acount",
    );
    assert_refused(
        &control(&mock, "GET", "/_chime-mock/users?account=a&account=b", None).await,
        400,
        "twice",
    );
}

#[tokio::test]
async fn mock_control_reset_forgets_users_journal_faults_and_buckets_but_keeps_accounts() {
    let mock = start_default_mock().await;
    control(
        &mock,
        "POST",
        "/_chime-mock/accounts",
        Some(r#"{"id":"kept"}"#),
    )
    .await;
    assert_eq!(create(&mock, "kept", "same@example.com").await.status, 201);
    control(
        &mock,
        "POST",
        "/_chime-mock/faults",
        Some(r#"{"exception":"ServiceFailureException","count":5}"#),
    )
    .await;
    let reset = control(&mock, "POST", "/_chime-mock/reset", None).await;
    assert_eq!(reset.status, 200, "{reset:?}");
    assert_eq!(reset.json()["faults_removed"], 1);
    assert_eq!(mock.users_stored(), 0);
    let journal = control(&mock, "GET", "/_chime-mock/requests", None).await;
    assert_eq!(journal.json()["requests"], json!([]));
    assert_eq!(
        create(&mock, "kept", "same@example.com").await.status,
        201,
        "the account stayed, its user and the fault rule went"
    );
    assert_refused(
        &control(&mock, "POST", "/_chime-mock/reset", Some(r#"{"all":true}"#)).await,
        400,
        "all",
    );
    assert_refused(
        &control(&mock, "GET", "/_chime-mock/reset", None).await,
        405,
        "routes",
    );
}

#[tokio::test]
async fn mock_control_requests_journal_shows_what_was_sent_masked_and_bounded() {
    let mock = ReferenceMock::start(MockConfig {
        limits: chime_conformance::mock::MockLimits {
            journal_size: 3,
            ..Default::default()
        },
        ..MockConfig::default()
    })
    .await
    .expect("the mock starts");
    for i in 0..5 {
        create(&mock, DEFAULT_ACCOUNT_ID, &format!("secret{i}@example.com")).await;
    }
    create(&mock, DEFAULT_ACCOUNT_ID, "secret0@example.com").await;
    let journal = control(&mock, "GET", "/_chime-mock/requests?limit=2", None).await;
    assert_eq!(journal.status, 200, "{journal:?}");
    let requests = journal.json()["requests"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(requests.len(), 2);
    let last = &requests[1];
    assert_eq!(last["method"], "POST");
    assert_eq!(last["status"], 409);
    assert_eq!(last["error_type"], "ConflictException");
    assert_eq!(last["body"]["Username"], "control");
    assert!(last["request_id"].as_str().is_some_and(|id| !id.is_empty()));
    let all = control(&mock, "GET", "/_chime-mock/requests", None).await;
    assert_eq!(
        all.json()["requests"].as_array().map(Vec::len),
        Some(3),
        "bounded to 3"
    );
    let text = String::from_utf8_lossy(&all.body).to_string();
    assert!(
        !text.contains("secret"),
        "an email is shown in clear: {text}"
    );
    assert!(!text.contains("Signature="), "a signature is shown: {text}");
    assert!(text.contains("AWS4-HMAC-SHA256"));
    assert_refused(
        &control(&mock, "GET", "/_chime-mock/requests?limit=many", None).await,
        400,
        "limit",
    );
    assert_refused(
        &control(&mock, "GET", "/_chime-mock/requests?since=1", None).await,
        400,
        "since",
    );
}

#[tokio::test]
async fn mock_control_fault_rules_inject_exceptions_and_latency_then_go() {
    let mock = start_default_mock().await;
    let rule = r#"{"exception":"ServiceUnavailableException","count":2,"account":"a1b2c3d4-0000-4000-8000-000000000001"}"#;
    let added = control(&mock, "POST", "/_chime-mock/faults", Some(rule)).await;
    assert_eq!(added.status, 201, "{added:?}");
    assert_eq!(added.json()["count"], 2);
    let listed = control(&mock, "GET", "/_chime-mock/faults", None).await;
    assert_eq!(listed.json()["faults"].as_array().map(Vec::len), Some(1));
    for i in 0..2 {
        let answer = create(&mock, DEFAULT_ACCOUNT_ID, &format!("f{i}@example.com")).await;
        assert_eq!(answer.status, 503, "{answer:?}");
        assert_eq!(
            answer.header("x-amzn-errortype"),
            Some("ServiceUnavailableException")
        );
    }
    assert_eq!(
        create(&mock, DEFAULT_ACCOUNT_ID, "f2@example.com")
            .await
            .status,
        201
    );

    control(
        &mock,
        "POST",
        "/_chime-mock/faults",
        Some(r#"{"latency_ms":400,"probability":1}"#),
    )
    .await;
    let started = Instant::now();
    assert_eq!(
        create(&mock, DEFAULT_ACCOUNT_ID, "slow@example.com")
            .await
            .status,
        201
    );
    assert!(
        started.elapsed() >= Duration::from_millis(400),
        "{:?}",
        started.elapsed()
    );
    let cleared = control(&mock, "DELETE", "/_chime-mock/faults", None).await;
    assert_eq!(cleared.json()["deleted"], 1);
    let started = Instant::now();
    assert_eq!(
        create(&mock, DEFAULT_ACCOUNT_ID, "fast@example.com")
            .await
            .status,
        201
    );
    assert!(started.elapsed() < Duration::from_millis(400));
}

#[tokio::test]
async fn mock_control_bad_fault_rules_are_refused_naming_the_member() {
    let mock = start_default_mock().await;
    let bad = [
        ("{", "JSON object"),
        (r#"{"exception":"NoSuchException","count":1}"#, "exception"),
        (r#"{"exception":"ConflictException"}"#, "count"),
        (
            r#"{"exception":"ConflictException","count":1,"probability":1}"#,
            "not both",
        ),
        (r#"{"count":1}"#, "latency_ms"),
        (r#"{"count":1,"latency_ms":600000}"#, "latency_ms"),
        (
            r#"{"count":1,"exception":"ConflictException","colour":"red"}"#,
            "colour",
        ),
    ];
    for (body, named) in bad {
        let answer = control(&mock, "POST", "/_chime-mock/faults", Some(body)).await;
        assert_refused(&answer, 400, named);
    }
    assert_refused(
        &control(&mock, "PUT", "/_chime-mock/faults", None).await,
        405,
        "routes",
    );
}

#[tokio::test]
async fn mock_control_plane_off_is_answered_like_any_path_that_is_no_operation() {
    let mock = ReferenceMock::start(MockConfig {
        control_plane: false,
        ..MockConfig::default()
    })
    .await
    .expect("the mock starts");
    let answer = control(&mock, "POST", "/_chime-mock/reset", None).await;
    assert_eq!(answer.status, 404, "{answer:?}");
    assert_eq!(answer.header("x-amzn-errortype"), Some(UNKNOWN_OPERATION));
}

#[tokio::test]
async fn mock_off_route_requests_get_unknown_operation_like_a_smithy_server() {
    let mock = start_default_mock().await;
    let client = chime_conformance::http::default_reqwest_client();
    let credentials = default_credentials();
    let path = chime_conformance::contract::create_user_path(DEFAULT_ACCOUNT_ID);
    let off_route = [
        ("TRACE", path.as_str()),
        ("GET", path.as_str()),
        ("DELETE", path.as_str()),
        ("POST", "/accounts/x/users?operation=suspend"),
        ("POST", "/"),
        ("GET", "/health"),
    ];
    for (method, path) in off_route {
        for signed in [Some(&credentials), None] {
            let answer = send(&client, &mock.uri(), method, path, &[], Vec::new(), signed)
                .await
                .expect("the mock answers");
            assert_eq!(answer.status, 404, "{method} {path}: {answer:?}");
            assert_eq!(answer.header("x-amzn-errortype"), Some(UNKNOWN_OPERATION));
            assert!(answer.header("x-amzn-requestid").is_some());
            let message = answer.json()["Message"].as_str().unwrap_or("").to_string();
            assert!(message.contains("CreateUser is POST"), "{message}");
        }
    }
    assert_eq!(mock.users_stored(), 0);
}

/// A web page on another site can POST to the mock only as `text/plain`, a form or
/// multipart without a preflight: such a write is refused 415 and changes nothing, and a
/// preflight (OPTIONS) is never granted.
#[tokio::test]
async fn mock_control_refuses_cross_site_writes_and_grants_no_preflight() {
    let mock = start_default_mock().await;
    let client = chime_conformance::http::default_reqwest_client();
    let created = create(&mock, DEFAULT_ACCOUNT_ID, "kept@example.com").await;
    assert_eq!(created.status, 201, "{created:?}");
    for content_type in [
        None,
        Some("text/plain"),
        Some("application/x-www-form-urlencoded"),
        Some("multipart/form-data; boundary=x"),
    ] {
        let headers: Vec<(&str, &str)> = content_type
            .map(|c| vec![("content-type", c)])
            .unwrap_or_default();
        for (path, body) in [
            ("/_chime-mock/reset", "{}"),
            (
                "/_chime-mock/faults",
                r#"{"exception":"ConflictException","count":1}"#,
            ),
        ] {
            let answer = send(
                &client,
                &mock.uri(),
                "POST",
                path,
                &headers,
                body.as_bytes().to_vec(),
                None,
            )
            .await
            .expect("the control plane answers");
            assert_refused(&answer, 415, "Content-Type: application/json");
        }
    }
    let users = control(&mock, "GET", "/_chime-mock/users", None).await;
    assert_eq!(
        users.json()["users"].as_array().map(Vec::len),
        Some(1),
        "nothing was reset"
    );
    let faults = control(&mock, "GET", "/_chime-mock/faults", None).await;
    assert_eq!(faults.json()["faults"], json!([]), "no fault was added");
    let preflight = send(
        &client,
        &mock.uri(),
        "OPTIONS",
        "/_chime-mock/reset",
        &[
            ("origin", "https://evil.example"),
            ("access-control-request-method", "POST"),
            ("access-control-request-headers", "content-type"),
        ],
        Vec::new(),
        None,
    )
    .await
    .expect("the control plane answers");
    assert_eq!(preflight.status, 405, "{preflight:?}");
    assert!(
        preflight.header("access-control-allow-origin").is_none()
            && preflight.header("access-control-allow-methods").is_none(),
        "{preflight:?}"
    );
    let json_post = control(&mock, "POST", "/_chime-mock/reset", None).await;
    assert_eq!(
        json_post.status, 200,
        "a JSON POST still works: {json_post:?}"
    );
}

#[test]
fn the_readme_lists_every_client_rule_and_every_response_form() {
    let readme = include_str!("../../README.md");
    let table = readme
        .split("<!-- client-rules:start -->")
        .nth(1)
        .and_then(|rest| rest.split("<!-- client-rules:end -->").next())
        .expect("README has the client rules table");
    let listed: Vec<&str> = table
        .lines()
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|line| line.split('`').next())
        .collect();
    let rules: Vec<&str> = chime_conformance::mock::ClientRule::ALL
        .iter()
        .map(|r| r.name())
        .collect();
    assert_eq!(
        listed, rules,
        "README's client rules table and ClientRule::ALL differ"
    );
    for form in chime_conformance::mock::Form::ALL {
        assert!(
            readme.contains(&format!("| `{}` |", form.name())),
            "README does not list the response form {}",
            form.name()
        );
    }
}
