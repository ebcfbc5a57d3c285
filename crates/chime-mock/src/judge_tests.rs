//! `--judge-clients` against deliberately naive clients: for each [`ClientRule`] one
//! scenario breaks that rule once (and no other), and `GET /_chime-mock/verdicts` must list
//! exactly that rule; a correct client (signed, valid bodies, waiting out `Retry-After`)
//! must leave no verdict.

use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::test_support::http_client;
use crate::{
    default_credentials, ClientRule, MockConfig, ReferenceMock, DEFAULT_ACCOUNT_ID,
    DEFAULT_FORBIDDEN_ACCOUNT_ID,
};
use chime_contract::create_user_path;
use chime_contract::sigv4::{sign_request_in, Scope, SigningCredentials};

/// One request a test client sends: its route, body, headers and how it is signed.
#[derive(Clone)]
struct Probe {
    method: &'static str,
    path_and_query: String,
    content_type: Option<&'static str>,
    body: String,
    /// Signed with these credentials in this region and service, at this time; unsigned
    /// when `None`.
    signing: Option<(SigningCredentials, &'static str, &'static str, SystemTime)>,
    /// Headers added after signing (not signed).
    unsigned_headers: Vec<(String, String)>,
    /// Applied to the headers after signing (e.g. to alter the Authorization header).
    edit: fn(&mut Vec<(String, String)>),
}

impl Probe {
    /// A correct CreateUser: signed now with the test credentials, `body` as JSON.
    fn create(account: &str, body: &str) -> Probe {
        Probe {
            method: "POST",
            path_and_query: create_user_path(account),
            content_type: Some("application/json"),
            body: body.to_string(),
            signing: Some((
                default_credentials(),
                "us-east-1",
                "chime",
                SystemTime::now(),
            )),
            unsigned_headers: Vec::new(),
            edit: |_| {},
        }
    }

    fn header(mut self, name: &str, value: &str) -> Probe {
        self.unsigned_headers
            .push((name.to_string(), value.to_string()));
        self
    }

    /// Sends the probe (signed at the moment it is sent when signed "now") and returns
    /// the status.
    async fn send(&self, client: &reqwest::Client, mock: &ReferenceMock) -> u16 {
        let url = format!("{}{}", mock.uri(), self.path_and_query);
        let content_type: Vec<(&str, &str)> = self
            .content_type
            .map(|value| ("content-type", value))
            .into_iter()
            .collect();
        let mut headers: Vec<(String, String)> = content_type
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect();
        if let Some((credentials, region, service, time)) = &self.signing {
            let scope = Scope {
                region,
                service,
                time: *time,
            };
            let added = sign_request_in(
                self.method,
                &url,
                &content_type,
                self.body.as_bytes(),
                credentials,
                &scope,
            )
            .expect("signing a test request");
            headers.extend(added);
        }
        headers.extend(self.unsigned_headers.iter().cloned());
        (self.edit)(&mut headers);
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).expect("a method");
        let mut request = client.request(method, &url).body(self.body.clone());
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request.send().await.expect("the mock answers");
        let status = response.status().as_u16();
        let _ = response.bytes().await;
        status
    }
}

/// The same probe, signed again now (a retry is signed anew, as an SDK does).
fn resigned(probe: &Probe) -> Probe {
    let mut again = probe.clone();
    if let Some(signing) = &mut again.signing {
        signing.3 = SystemTime::now();
    }
    again
}

async fn start(judge_clients: bool) -> ReferenceMock {
    ReferenceMock::start(MockConfig {
        judge_clients,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts")
}

/// `GET /_chime-mock/verdicts`: its status and body.
async fn verdicts(client: &reqwest::Client, mock: &ReferenceMock) -> (u16, Value) {
    let response = client
        .get(format!("{}/_chime-mock/verdicts", mock.uri()))
        .send()
        .await
        .expect("the control plane answers");
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    let body = serde_json::from_str::<Value>(&text).unwrap_or(Value::Null);
    (status, body)
}

/// The distinct rules of the verdicts listed.
fn rules_of(body: &Value) -> Vec<String> {
    let mut rules: Vec<String> = body["verdicts"]
        .as_array()
        .map(|all| {
            all.iter()
                .filter_map(|v| v["rule"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    rules.sort();
    rules.dedup();
    rules
}

/// Breaks `rule` once against `mock`, and nothing else.
async fn break_rule(rule: ClientRule, client: &reqwest::Client, mock: &ReferenceMock) {
    let valid = |n: u32| format!(r#"{{"Username":"u{n}","Email":"user{n}@example.com"}}"#);
    let create = |body: &str| Probe::create(DEFAULT_ACCOUNT_ID, body);
    match rule {
        ClientRule::Route => {
            let mut probe = create(&valid(1));
            probe.path_and_query = format!("/accounts/{DEFAULT_ACCOUNT_ID}/users");
            assert_eq!(probe.send(client, mock).await, 404);
        }
        ClientRule::ContentType => {
            let mut probe = create(&valid(1));
            probe.content_type = Some("text/plain");
            assert_eq!(probe.send(client, mock).await, 400);
        }
        ClientRule::Body => {
            assert_eq!(create(r#"{"Email":7}"#).send(client, mock).await, 400);
        }
        ClientRule::EmailPattern => {
            let body = r#"{"Email":"no-at-sign.example.com"}"#;
            assert_eq!(create(body).send(client, mock).await, 400);
        }
        ClientRule::UserType => {
            let body = r#"{"Email":"a@example.com","UserType":"Admin"}"#;
            assert_eq!(create(body).send(client, mock).await, 400);
        }
        ClientRule::AccountId => {
            let probe = Probe::create(" ", &valid(1));
            assert_eq!(probe.send(client, mock).await, 400);
        }
        ClientRule::Unsigned => {
            let mut probe = create(&valid(1));
            probe.signing = None;
            assert_eq!(probe.send(client, mock).await, 401);
        }
        ClientRule::ScopeService => {
            let mut probe = create(&valid(1));
            if let Some(signing) = &mut probe.signing {
                signing.2 = "s3";
            }
            assert_eq!(probe.send(client, mock).await, 401);
        }
        ClientRule::ScopeRegion => {
            let mut probe = create(&valid(1));
            if let Some(signing) = &mut probe.signing {
                signing.1 = "eu-west-1";
            }
            assert_eq!(probe.send(client, mock).await, 401);
        }
        ClientRule::ScopeDate => {
            let mut probe = create(&valid(1));
            // The credential scope's date moved to another day after signing.
            probe.edit = |headers| {
                for (name, value) in headers.iter_mut() {
                    if name == "authorization" {
                        let scope_date = value
                            .split('/')
                            .nth(1)
                            .map(str::to_string)
                            .unwrap_or_default();
                        *value = value.replacen(&format!("/{scope_date}/"), "/20200101/", 1);
                    }
                }
            };
            assert_eq!(probe.send(client, mock).await, 401);
        }
        ClientRule::SignedHeaders => {
            let probe = create(&valid(1)).header(
                "x-amz-content-sha256",
                "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            );
            assert_eq!(probe.send(client, mock).await, 201);
        }
        ClientRule::ClockSkew => {
            let mut probe = create(&valid(1));
            if let Some(signing) = &mut probe.signing {
                signing.3 = SystemTime::now() - Duration::from_secs(10 * 60);
            }
            // Within the mock's 15 minutes: accepted, but judged.
            assert_eq!(probe.send(client, mock).await, 201);
        }
        ClientRule::Signature => {
            let mut probe = create(&valid(1));
            if let Some(signing) = &mut probe.signing {
                signing.0 = SigningCredentials::new(
                    crate::DEFAULT_ACCESS_KEY_ID,
                    "not-the-mock-secret-key",
                );
            }
            assert_eq!(probe.send(client, mock).await, 401);
        }
        ClientRule::NotRetryable => {
            let probe = Probe::create(DEFAULT_FORBIDDEN_ACCOUNT_ID, &valid(1));
            assert_eq!(probe.send(client, mock).await, 403);
            assert_eq!(resigned(&probe).send(client, mock).await, 403);
        }
        ClientRule::TooSoon => {
            let probe = create(&valid(1)).header("x-chime-fault", "ThrottledClientException");
            assert_eq!(probe.send(client, mock).await, 429);
            // Retry-After is 1 second; this retry comes at once.
            assert_eq!(resigned(&probe).send(client, mock).await, 429);
        }
        ClientRule::NoBackoff => {
            let probe = create(&valid(1)).header("x-chime-fault", "ServiceUnavailableException");
            for _ in 0..3 {
                assert_eq!(resigned(&probe).send(client, mock).await, 503);
            }
        }
        ClientRule::TooManyAttempts => {
            let probe = create(&valid(1)).header("x-chime-fault", "ServiceUnavailableException");
            for attempt in 0..6u64 {
                if attempt > 0 {
                    tokio::time::sleep(Duration::from_millis(120 + 10 * attempt)).await;
                }
                assert_eq!(resigned(&probe).send(client, mock).await, 503);
            }
        }
        ClientRule::InFlight => {
            let added = client
                .post(format!("{}/_chime-mock/faults", mock.uri()))
                .header("content-type", "application/json")
                .body(r#"{"latency_ms":600,"count":1}"#)
                .send()
                .await
                .expect("the control plane answers");
            assert_eq!(added.status().as_u16(), 201);
            let probe = create(&valid(1));
            let first = {
                let (probe, client) = (probe.clone(), client.clone());
                let uri = mock.uri();
                tokio::spawn(async move {
                    let url = format!("{uri}{}", probe.path_and_query);
                    send_to(&client, &probe, &url).await
                })
            };
            tokio::time::sleep(Duration::from_millis(150)).await;
            // Sent again while the first waits out its 600 ms.
            assert_eq!(resigned(&probe).send(client, mock).await, 409);
            assert_eq!(first.await.expect("the first request"), 201);
        }
    }
}

/// [`Probe::send`] to a URL (for a probe sent from another task).
async fn send_to(client: &reqwest::Client, probe: &Probe, url: &str) -> u16 {
    let (credentials, region, service, time) = probe.signing.clone().expect("signed");
    let content_type = [("content-type", "application/json")];
    let scope = Scope {
        region,
        service,
        time,
    };
    let added = sign_request_in(
        "POST",
        url,
        &content_type,
        probe.body.as_bytes(),
        &credentials,
        &scope,
    )
    .expect("signing");
    let mut request = client
        .post(url)
        .header("content-type", "application/json")
        .body(probe.body.clone());
    for (name, value) in added {
        request = request.header(name, value);
    }
    request.send().await.expect("answered").status().as_u16()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_naive_client_leaves_exactly_the_verdict_of_each_rule_it_breaks() {
    let client = http_client();
    for rule in ClientRule::ALL {
        let mock = start(true).await;
        break_rule(*rule, &client, &mock).await;
        let (status, body) = verdicts(&client, &mock).await;
        assert_eq!(status, 200, "{rule}: {body}");
        assert_eq!(
            rules_of(&body),
            vec![rule.name().to_string()],
            "{rule}: breaking it once must leave its verdict and no other: {body}"
        );
        let first = &body["verdicts"][0];
        assert!(
            first["request_id"]
                .as_str()
                .is_some_and(|id| !id.is_empty())
                && first["expected"].as_str().is_some_and(|e| !e.is_empty())
                && first["seen"].as_str().is_some_and(|s| !s.is_empty()),
            "{rule}: {first}"
        );
        let text = body["verdicts"].to_string();
        for secret in [
            "@example.com",
            crate::DEFAULT_SECRET_ACCESS_KEY,
            "Signature=",
        ] {
            assert!(!text.contains(secret), "{rule}: {secret} shown in {text}");
        }
        assert_eq!(
            mock.client_report().map(|r| r.count),
            body["count"].as_u64(),
            "{rule}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correct_client_leaves_no_verdict() {
    let client = http_client();
    let mock = start(true).await;
    for n in 0..5 {
        let body = format!(
            r#"{{"Username":"u{n}","Email":"ok{n}@example.com","UserType":"PrivateUser"}}"#
        );
        let probe = Probe::create(DEFAULT_ACCOUNT_ID, &body)
            .header("amz-sdk-invocation-id", &format!("invocation-{n}"))
            .header("amz-sdk-request", "attempt=1; max=3");
        assert_eq!(probe.send(&client, &mock).await, 201);
    }
    // A throttled call, retried by the SDK after Retry-After (1 s).
    let body = r#"{"Email":"throttled@example.com"}"#;
    let first = Probe::create(DEFAULT_ACCOUNT_ID, body)
        .header("amz-sdk-invocation-id", "invocation-throttled")
        .header("amz-sdk-request", "attempt=1; max=3")
        .header("x-chime-fault", "ThrottledClientException");
    assert_eq!(first.send(&client, &mock).await, 429);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let retry = Probe::create(DEFAULT_ACCOUNT_ID, body)
        .header("amz-sdk-invocation-id", "invocation-throttled")
        .header("amz-sdk-request", "attempt=2; max=3");
    assert_eq!(retry.send(&client, &mock).await, 201);
    // A conflict is an answer, not a retry: a new call with the same body is new.
    let again = Probe::create(DEFAULT_ACCOUNT_ID, body)
        .header("amz-sdk-invocation-id", "invocation-again")
        .header("amz-sdk-request", "attempt=1; max=3");
    assert_eq!(again.send(&client, &mock).await, 409);
    let (status, body) = verdicts(&client, &mock).await;
    assert_eq!(status, 200);
    assert_eq!(body["count"], 0, "{body}");
    assert_eq!(body["verdicts"], Value::Array(vec![]));
    assert_eq!(
        body["rules"].as_array().map(Vec::len),
        Some(ClientRule::ALL.len())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verdicts_are_404_when_judging_is_off_and_cleared_by_a_reset() {
    let client = http_client();
    let off = start(false).await;
    let (status, body) = verdicts(&client, &off).await;
    assert_eq!(status, 404, "{body}");
    assert!(body["error"]
        .as_str()
        .unwrap_or("")
        .contains("--judge-clients"));
    assert!(off.client_report().is_none());

    let on = start(true).await;
    let mut unsigned = Probe::create(DEFAULT_ACCOUNT_ID, "{}");
    unsigned.signing = None;
    assert_eq!(unsigned.send(&client, &on).await, 401);
    assert_eq!(verdicts(&client, &on).await.1["count"], 1);
    let reset = client
        .post(format!("{}/_chime-mock/reset", on.uri()))
        .header("content-type", "application/json")
        .send()
        .await
        .expect("reset");
    assert_eq!(reset.status().as_u16(), 200);
    assert_eq!(verdicts(&client, &on).await.1["count"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn signing_is_not_judged_when_auth_is_off() {
    let client = http_client();
    let mock = ReferenceMock::start(MockConfig {
        judge_clients: true,
        credentials: None,
        ..MockConfig::default()
    })
    .await
    .expect("mock starts");
    let mut unsigned = Probe::create(DEFAULT_ACCOUNT_ID, r#"{"Email":"a@example.com"}"#);
    unsigned.signing = None;
    assert_eq!(unsigned.send(&client, &mock).await, 201);
    assert_eq!(verdicts(&client, &mock).await.1["count"], 0);
}
