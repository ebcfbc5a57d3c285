//! The reference mock under concurrency: simultaneous creates of one email have exactly
//! one winner, and many distinct creates all succeed with distinct UserIds.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use chime_conformance::mock::default_credentials;
use serde_json::json;

use crate::util::{create_user, start_default_mock};

/// Bounds every test here: a hang is a failure, not a stuck CI run.
const DEADLINE: Duration = Duration::from_secs(120);

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn mock_concurrency_one_of_64_simultaneous_creates_of_one_email_wins() {
    let mock = start_default_mock().await;
    let uri = mock.uri();
    let account = mock.fixtures().account_id;
    let client = chime_conformance::http::default_reqwest_client();
    let barrier = Arc::new(tokio::sync::Barrier::new(64));
    let tasks: Vec<_> = (0..64)
        .map(|_| {
            let (client, uri, account, barrier) = (
                client.clone(),
                uri.clone(),
                account.clone(),
                barrier.clone(),
            );
            tokio::spawn(async move {
                barrier.wait().await;
                let body = json!({"Email": "same@example.com"});
                create_user(&client, &uri, &account, &body, &default_credentials()).await
            })
        })
        .collect();
    let answers = tokio::time::timeout(DEADLINE, futures::future::join_all(tasks))
        .await
        .expect("all 64 creates finish in time");
    let mut created = 0;
    let mut conflicts = 0;
    for answer in answers {
        let answer = answer.expect("task ran").expect("the mock answered");
        match answer.status {
            201 => created += 1,
            409 => {
                assert_eq!(answer.header("x-amzn-errortype"), Some("ConflictException"));
                assert_eq!(answer.json()["Code"], "Conflict");
                conflicts += 1;
            }
            other => panic!("unexpected status {other}: {answer:?}"),
        }
    }
    assert_eq!((created, conflicts), (1, 63));
    assert_eq!(mock.users_stored(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn mock_concurrency_10000_distinct_creates_get_10000_distinct_user_ids() {
    const TASKS: usize = 16;
    const TOTAL: usize = 10_000;
    let mock = start_default_mock().await;
    let uri = mock.uri();
    let account = mock.fixtures().account_id;
    let client = chime_conformance::http::default_reqwest_client();
    let tasks: Vec<_> = (0..TASKS)
        .map(|task| {
            let (client, uri, account) = (client.clone(), uri.clone(), account.clone());
            tokio::spawn(async move {
                let credentials = default_credentials();
                let mut ids = Vec::new();
                for n in (task..TOTAL).step_by(TASKS) {
                    let body = json!({"Email": format!("user{n}@example.com")});
                    let answer = create_user(&client, &uri, &account, &body, &credentials)
                        .await
                        .expect("the mock answered");
                    assert_eq!(answer.status, 201, "create {n}: {answer:?}");
                    let id = answer.json()["User"]["UserId"]
                        .as_str()
                        .expect("a UserId")
                        .to_string();
                    ids.push(id);
                }
                ids
            })
        })
        .collect();
    let results = tokio::time::timeout(DEADLINE, futures::future::join_all(tasks))
        .await
        .expect("all creates finish in time");
    let mut ids = HashSet::new();
    for result in results {
        ids.extend(result.expect("a task ran to the end"));
    }
    assert_eq!(ids.len(), TOTAL);
    assert_eq!(mock.users_stored(), TOTAL);
}

/// The patched wiremock (vendor/wiremock) keeps no request once recording is off, so the
/// mock's memory does not grow with the number of requests. Upstream 0.6.5 keeps every
/// matched request in the mounted mock; this test fails against it.
#[tokio::test]
async fn with_recording_off_no_request_is_kept() {
    let server = wiremock::MockServer::builder()
        .disable_request_recording()
        .start()
        .await;
    let guard = server
        .register_as_scoped(
            wiremock::Mock::given(wiremock::matchers::any())
                .respond_with(wiremock::ResponseTemplate::new(200)),
        )
        .await;
    let client = chime_conformance::http::default_reqwest_client();
    for _ in 0..50 {
        let status = client.get(server.uri()).send().await.unwrap().status();
        assert_eq!(status, 200);
    }
    assert!(guard.received_requests().await.is_empty());
    assert!(server.received_requests().await.is_none());
}
