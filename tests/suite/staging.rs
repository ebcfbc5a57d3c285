//! Nightly CI against staging: the reference mock behind HTTPS with a test CA made here,
//! credentials with a session token and from a shared credentials file, target profiles
//! with expected failures, the safety limits measured on the server side, no sensitive
//! value in any output, and reports a CI reads.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};

use chime_conformance::mock::{Defect, MockConfig, ReferenceMock};
use chime_conformance::util::lock;

use crate::util::{conformance, fixture_flags, harness};

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).expect("the report exists")).expect("JSON")
}

/// A test CA and a server certificate it signed for localhost and 127.0.0.1.
struct TestPki {
    ca_pem: String,
    server_cert_der: Vec<u8>,
    server_key_der: Vec<u8>,
}

fn test_pki() -> TestPki {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, SanType};
    let mut ca = CertificateParams::new(Vec::<String>::new()).expect("CA params");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "chime-conformance test CA");
    let ca_key = KeyPair::generate().expect("CA key");
    let ca_cert = ca.self_signed(&ca_key).expect("CA certificate");
    let mut server = CertificateParams::new(vec!["localhost".to_string()]).expect("params");
    server
        .subject_alt_names
        .push(SanType::IpAddress("127.0.0.1".parse().expect("an IP")));
    let server_key = KeyPair::generate().expect("server key");
    let issuer = Issuer::from_params(&ca, &ca_key);
    let server_cert = server
        .signed_by(&server_key, &issuer)
        .expect("server certificate");
    TestPki {
        ca_pem: ca_cert.pem(),
        server_cert_der: server_cert.der().to_vec(),
        server_key_der: server_key.serialize_der(),
    }
}

/// Terminates TLS on a loopback port and forwards the plain bytes to `upstream`.
async fn tls_front(upstream: SocketAddr, pki: &TestPki) -> SocketAddr {
    use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .expect("TLS versions")
    .with_no_client_auth()
    .with_single_cert(
        vec![CertificateDer::from(pki.server_cert_der.clone())],
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(pki.server_key_der.clone())),
    )
    .expect("server TLS config");
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let address = listener.local_addr().expect("address");
    tokio::spawn(async move {
        let stop = Instant::now() + Duration::from_secs(120);
        while Instant::now() < stop {
            let Ok(Ok((stream, _))) =
                tokio::time::timeout(Duration::from_secs(1), listener.accept()).await
            else {
                continue;
            };
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    return;
                };
                let Ok(mut plain) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    address
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_with_a_private_ca_and_a_session_token_passes() {
    let mock = ReferenceMock::start(MockConfig::default()).await.unwrap();
    let pki = test_pki();
    let front = tls_front(mock.address(), &pki).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &pki.ca_pem).unwrap();
    let endpoint = format!("https://localhost:{}", front.port());
    let mut args = vec![
        "--endpoint".to_string(),
        endpoint.clone(),
        "--ca-cert".into(),
        ca.display().to_string(),
        "--cases".into(),
        "32".into(),
    ];
    args.extend(fixture_flags(&mock));
    let token = vec![(
        "AWS_SESSION_TOKEN".to_string(),
        "test-session-token-0123".to_string(),
    )];
    let run = harness(args, token.clone()).await;
    assert_eq!(run.code, 0, "{run}");
    assert!(run.stderr.contains("exceptions observed: 8 of 8"), "{run}");
    assert!(mock.users_stored() > 0);

    // Without the CA the certificate is not trusted: a clear TLS error, exit code 3.
    let mut args = vec!["--endpoint".to_string(), endpoint];
    args.extend(fixture_flags(&mock));
    let run = harness(args, token).await;
    assert_eq!(run.code, 3, "{run}");
    assert!(run.stderr.contains("target unreachable"), "{run}");
    assert!(
        run.stderr.to_lowercase().contains("certificate"),
        "the TLS reason is named: {run}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_profile_with_a_shared_credentials_file_and_expected_failures() {
    let mock = ReferenceMock::start(MockConfig {
        defect: Some(Defect::NeverConflict),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let f = mock.fixtures();
    let credentials = f.credentials.clone().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let shared = dir.path().join("credentials");
    std::fs::write(
        &shared,
        format!(
            "[ci]\naws_access_key_id = {}\naws_secret_access_key = {}\naws_session_token = profile-token\n",
            credentials.access_key_id, credentials.secret_access_key
        ),
    )
    .unwrap();
    let config = dir.path().join("config");
    std::fs::write(&config, "[profile ci]\nregion = us-east-1\n").unwrap();
    let profile = dir.path().join("staging.toml");
    std::fs::write(
        &profile,
        format!(
            r#"# A staging profile, as a nightly job would keep it.
endpoint = "{endpoint}"
profile = "ci"
account_id = "an-account-the-flag-overrides"
forbidden_account_id = "{forbidden}"
throttled_account_id = "{throttled}"
fault_header = "{fault}"
timeout = 5

[[expected_failures]]
trial = "exception::conflict::duplicate_email"
reason = "staging does not check duplicate emails yet (TICKET-1)"

[[expected_failures]]
trial = "exception::conflict::duplicate_email_other_case"
reason = "same as TICKET-1"

[[expected_failures]]
trial = "exception::conflict::simultaneous_duplicates"
reason = "same as TICKET-1"

[[expected_failures]]
trial = "exception::conflict::simultaneous_distinct_emails"
reason = "same as TICKET-1"

[[expected_failures]]
trial = "exception::not_found::unknown_account"
reason = "was broken, fixed since: this entry can go"
"#,
            endpoint = mock.uri(),
            forbidden = f.forbidden_account_id.unwrap(),
            throttled = f.throttled_account_id.unwrap(),
            fault = f.fault_header.unwrap(),
        ),
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let args = vec![
        "--target".to_string(),
        profile.display().to_string(),
        "--account-id".into(),
        f.account_id.clone(),
        "--report".into(),
        report.display().to_string(),
    ];
    let env = vec![
        ("AWS_ACCESS_KEY_ID".to_string(), String::new()),
        ("AWS_SECRET_ACCESS_KEY".to_string(), String::new()),
        (
            "AWS_SHARED_CREDENTIALS_FILE".to_string(),
            shared.display().to_string(),
        ),
        ("AWS_CONFIG_FILE".to_string(), config.display().to_string()),
    ];
    let run = harness(args, env).await;
    // The expected failures failed as expected: not red, exit code 0.
    assert_eq!(run.code, 0, "{run}");
    assert!(
        run.stdout.contains("ignored (expected failure, failed as expected: staging does not check duplicate emails yet (TICKET-1))"),
        "{run}"
    );
    assert!(
        run.stderr
            .contains("exception::not_found::unknown_account is listed as an expected failure"),
        "an unexpected pass is reported: {run}"
    );
    let report = read_json(&report);
    assert_eq!(report["summary"]["failed"], 0, "{report}");
    // A second create of the address in another case is an open choice (`email_case`):
    // the 201 a target without a conflict check answers passes, so that entry can go too.
    assert_eq!(report["summary"]["expected_failures"], 3, "{report}");
    assert_eq!(report["summary"]["unexpected_passes"], 2, "{report}");
}

/// An expected failure covers the rules it lists, and a security rule only when listed: a
/// listed trial that turns into a security finding is a real failure, not "as expected".
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_expected_failure_never_covers_a_rule_it_does_not_list() {
    let mock = ReferenceMock::start(MockConfig {
        defect: Some(Defect::AcceptStaleSignatures),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("staging.toml");
    std::fs::write(
        &profile,
        r#"
[[expected_failures]]
trial = "exception::signature_binding::stale_signature"
reason = "staging answers stale signatures with an odd error (TICKET-2)"

[[expected_failures]]
trial = "exception::signature_binding::future_signature"
reason = "staging accepts future signatures (TICKET-3)"
rules = ["security.signature_binding"]
"#,
    )
    .unwrap();
    let report = dir.path().join("report.json");
    let mut args = vec![
        "--target".to_string(),
        profile.display().to_string(),
        "--endpoint".into(),
        mock.uri(),
        "--report".into(),
        report.display().to_string(),
        "exception::signature_binding::".into(),
    ];
    args.extend(fixture_flags(&mock));
    let run = harness(args, vec![]).await;
    assert_eq!(run.code, 1, "the security finding is red: {run}");
    assert!(
        run.stdout
            .contains("the listed expected failure did not cover rule security.signature_binding"),
        "{run}"
    );
    let report = read_json(&report);
    let outcome = |name: &str| {
        report["trials"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["name"] == name)
            .map(|t| t["outcome"].clone())
            .unwrap_or_else(|| panic!("no trial {name}: {report}"))
    };
    assert_eq!(
        outcome("exception::signature_binding::stale_signature"),
        "failed",
        "{report}"
    );
    assert_eq!(
        outcome("exception::signature_binding::future_signature"),
        "expected_failure",
        "listed with its rule, it is covered: {report}"
    );
    assert_eq!(report["summary"]["failed"], 1, "{report}");
    assert_eq!(report["summary"]["expected_failures"], 1, "{report}");
}

#[test]
fn a_bad_profile_is_a_configuration_error_naming_the_key_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let profile = dir.path().join("bad.toml");
    std::fs::write(
        &profile,
        "endpoint = \"http://127.0.0.1:9\"\nrate_limit = 5\n",
    )
    .unwrap();
    let run = conformance(&["--target", profile.to_str().unwrap()], &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("bad.toml")
            && run.stderr.contains("rate_limit")
            && run.stderr.contains("line 2"),
        "{run}"
    );
    std::fs::write(
        &profile,
        "[[expected_failures]]\ntrial = \"exception::nope\"\nreason = \"r\"\n",
    )
    .unwrap();
    let run = conformance(&["--target", profile.to_str().unwrap()], &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(run.stderr.contains("exception::nope"), "{run}");
    std::fs::write(
        &profile,
        "[[expected_failures]]\ntrial = \"exception::throttled::burst\"\nreason = \"r\"\nrules = [\"case.expected_exeption\"]\n",
    )
    .unwrap();
    let run = conformance(&["--target", profile.to_str().unwrap()], &[]);
    assert_eq!(run.code, 2, "{run}");
    assert!(
        run.stderr.contains("exception::throttled::burst")
            && run.stderr.contains("case.expected_exeption")
            && run.stderr.contains("not a rule"),
        "the error names the entry and the bad rule: {run}"
    );
}

/// A CreateUser target that records when each request arrives and answers it as a
/// conforming success: HTTP 201, `application/json`, a fresh `UserId` and the `AccountId`
/// of the path `/accounts/{id}/users`.
struct ArrivalRecorder {
    arrivals: Arc<Mutex<Vec<Instant>>>,
}

impl wiremock::Respond for ArrivalRecorder {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let arrived = Instant::now();
        lock(&self.arrivals).push(arrived);
        let segments: Vec<&str> = request.url.path().split('/').collect();
        let ["", "accounts", account_id, "users"] = segments.as_slice() else {
            return wiremock::ResponseTemplate::new(404);
        };
        let account_id = percent_encoding::percent_decode_str(account_id).decode_utf8_lossy();
        let body = serde_json::json!({
            "User": {"UserId": uuid::Uuid::new_v4().to_string(), "AccountId": account_id}
        });
        wiremock::ResponseTemplate::new(201).set_body_raw(body.to_string(), "application/json")
    }
}

/// Slack for an arrival ahead of its slot: scheduling and network jitter.
const PACING_SLACK: Duration = Duration::from_millis(50);

/// Every way sorted `arrivals` run ahead of `rate` requests a second: an arrival more than
/// [`PACING_SLACK`] before its slot on an even schedule from the first arrival
/// (`t_i - t_0 >= i / rate`), or a one-second window holding more than `rate + 1` arrivals
/// (the busiest window is named).
fn pacing_violations(arrivals: &[Instant], rate: f64) -> Vec<String> {
    let mut out = ahead_of_slots(arrivals, rate);
    let Some(&first) = arrivals.first() else {
        return out;
    };
    // The busiest window starts at an arrival, so only those windows need counting.
    let busiest = (0..arrivals.len())
        .map(|i| {
            let within = arrivals[i..]
                .iter()
                .take_while(|at| at.duration_since(arrivals[i]) < Duration::from_secs(1))
                .count();
            (within, i)
        })
        .max_by_key(|&(within, i)| (within, std::cmp::Reverse(i)));
    if let Some((within, i)) = busiest {
        if within as f64 > rate + 1.0 {
            out.push(format!(
                "{within} arrivals in the second from arrival {i} ({:.3} s after the first), \
                 more than {}",
                arrivals[i].duration_since(first).as_secs_f64(),
                rate + 1.0
            ));
        }
    }
    out
}

/// The arrivals among sorted `arrivals` more than [`PACING_SLACK`] ahead of their slot on an
/// even schedule of `rate` a second from the first arrival (`t_i - t_0 >= i / rate`).
fn ahead_of_slots(arrivals: &[Instant], rate: f64) -> Vec<String> {
    let mut out = Vec::new();
    let Some(&first) = arrivals.first() else {
        return out;
    };
    for (i, at) in arrivals.iter().enumerate() {
        let since = at.duration_since(first).as_secs_f64();
        let slot = i as f64 / rate;
        if since < slot - PACING_SLACK.as_secs_f64() {
            out.push(format!(
                "arrival {i} came {since:.3} s after the first, ahead of its slot at {slot:.3} s"
            ));
        }
    }
    out
}

#[test]
fn the_pacing_check_catches_a_burst_and_a_crowded_second() {
    let start = Instant::now();
    let at = |secs: f64| start + Duration::from_secs_f64(secs);
    let rate = 40.0;
    let even: Vec<Instant> = (0..60).map(|i| at(i as f64 / rate)).collect();
    assert_eq!(pacing_violations(&even, rate), Vec::<String>::new());
    assert_eq!(pacing_violations(&[], rate), Vec::<String>::new());
    // Ten at once, then on schedule: the burst runs ahead of the slots.
    let burst: Vec<Instant> = (0..60)
        .map(|i: usize| at(i.saturating_sub(9) as f64 / rate))
        .collect();
    let found = pacing_violations(&burst, rate);
    assert!(
        found.contains(
            &"arrival 9 came 0.000 s after the first, ahead of its slot at 0.225 s".to_string()
        ),
        "{found:#?}"
    );
    // A late start, then 42 at once: never ahead of a slot, but a crowded second.
    let crowded: Vec<Instant> = std::iter::once(at(0.0))
        .chain((1..=42).map(|_| at(1.01)))
        .collect();
    let found = pacing_violations(&crowded, rate);
    assert_eq!(
        found,
        ["42 arrivals in the second from arrival 1 (1.010 s after the first), more than 41"],
        "{found:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_the_budget_and_the_user_cap_hold_on_the_server_side() {
    // The rate, as the server sees it: the spacing of the arrivals (the run's wall time
    // would include the harness's start-up, so a burst at the start would go unseen).
    let rate = 40.0;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let server = wiremock::MockServer::builder()
        .listener(listener)
        .start()
        .await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(ArrivalRecorder {
            arrivals: Arc::clone(&arrivals),
        })
        .mount(&server)
        .await;
    let args: Vec<String> = [
        "--exact",
        "property::valid_request_creates_user",
        "--endpoint",
        &server.uri(),
        "--account-id",
        "acct-rate",
        "--auth",
        "none",
        "--rate",
        &rate.to_string(),
        "--cases",
        "40",
        "--deadline",
        "60",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = harness(args, vec![]).await;
    assert_eq!(run.code, 0, "{run}");
    let mut arrivals = lock(&arrivals).clone();
    arrivals.sort();
    assert!(
        arrivals.len() >= 30,
        "enough arrivals to measure: {}\n{run}",
        arrivals.len()
    );
    let broken = pacing_violations(&arrivals, rate);
    assert!(
        broken.is_empty(),
        "--rate {rate} does not hold at the server ({} arrivals):\n{}",
        arrivals.len(),
        broken.join("\n")
    );

    // The budget and the user cap: never exceeded, whatever the trials want.
    for (flag, limit) in [("--budget", 25u64), ("--max-users", 7u64)] {
        let mock = ReferenceMock::start(MockConfig::default()).await.unwrap();
        let mut args = vec![
            "--endpoint".to_string(),
            mock.uri(),
            flag.to_string(),
            limit.to_string(),
        ];
        args.extend(fixture_flags(&mock));
        let run = harness(args, vec![]).await;
        assert_eq!(
            run.code, 1,
            "the run cannot complete within {flag} {limit}: {run}"
        );
        assert!(run.stdout.contains("transport failure (Budget)"), "{run}");
        if flag == "--budget" {
            assert!(
                mock.requests_served() <= limit,
                "{} requests",
                mock.requests_served()
            );
        } else {
            assert!(
                mock.users_stored() as u64 <= limit,
                "{} users",
                mock.users_stored()
            );
        }
    }
}

/// When a request arrived, and the `Username` it carried.
type Arrival = (Instant, Option<String>);

/// A CreateUser target that records when each request arrives and the `Username` it
/// carries, and answers as a conforming one after [`ANSWER_DELAY`]: 201 for an Email not
/// seen before (as [`ArrivalRecorder`]), 409 `ConflictException` for one seen before.
struct UsernameRecorder {
    arrivals: Arc<Mutex<Vec<Arrival>>>,
    emails: Mutex<std::collections::HashSet<String>>,
}

impl wiremock::Respond for UsernameRecorder {
    fn respond(&self, request: &wiremock::Request) -> wiremock::ResponseTemplate {
        let arrived = Instant::now();
        let body: Value = serde_json::from_slice(&request.body).unwrap_or(Value::Null);
        let username = body["Username"].as_str().map(str::to_string);
        lock(&self.arrivals).push((arrived, username));
        let email = body["Email"].as_str().unwrap_or_default().to_lowercase();
        if !email.is_empty() && !lock(&self.emails).insert(email) {
            let error = serde_json::json!({"Code": "Conflict", "Message": "the Email exists"});
            return wiremock::ResponseTemplate::new(409)
                .insert_header("x-amzn-errortype", "ConflictException")
                .set_body_raw(error.to_string(), "application/json")
                .set_delay(ANSWER_DELAY);
        }
        ArrivalRecorder {
            arrivals: Arc::default(),
        }
        .respond(request)
        .set_delay(ANSWER_DELAY)
    }
}

/// How long [`UsernameRecorder`] takes to answer: requests that wait for a place in flight
/// arrive at least this much after those that held it.
const ANSWER_DELAY: Duration = Duration::from_millis(150);

/// How far apart the requests of a burst may arrive: they leave together. Less than one
/// pacing interval at `--rate 10` (100 ms) and than [`ANSWER_DELAY`], so a burst paced
/// request by request, or held back by the places in flight, arrives over more.
const BURST_WINDOW: Duration = Duration::from_millis(50);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_leaves_at_once_while_the_rate_counts_each_of_its_requests() {
    let rate = 10.0;
    let arrivals = Arc::new(Mutex::new(Vec::new()));
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let server = wiremock::MockServer::builder()
        .listener(listener)
        .start()
        .await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(UsernameRecorder {
            arrivals: Arc::clone(&arrivals),
            emails: Mutex::default(),
        })
        .mount(&server)
        .await;
    // Ordinary creates around a burst of twelve, more than the four requests in flight
    // allowed; each request names its kind in its Username.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("pacing")).unwrap();
    let ordinary = |email: &str, expect: &str| {
        format!(
            "[[steps]]\nbody = {{ Email = \"{{{email}}}\", Username = \"ordinary\" }}\nexpect = \"{expect}\"\n\n"
        )
    };
    let case = [
        "description = \"Ordinary creates around a burst of twelve sent at once.\"\nexception = \"ConflictException\"\n\n".to_string(),
        ordinary("case_email", "created"),
        ordinary("fresh_email", "created"),
        "[[steps]]\nbody = { Email = \"{fresh_email}\", Username = \"burst\" }\nburst = 12\nexpect = \"created\"\n\n".to_string(),
        ordinary("fresh_email", "created"),
        ordinary("case_email", "ConflictException"),
    ]
    .concat();
    std::fs::write(dir.path().join("pacing/burst_at_once.toml"), case).unwrap();
    let args: Vec<String> = [
        "--case-dir",
        dir.path().to_str().unwrap(),
        "--exact",
        "exception::pacing::burst_at_once",
        "--endpoint",
        &server.uri(),
        "--account-id",
        "acct-burst",
        "--auth",
        "none",
        "--rate",
        &rate.to_string(),
        "--concurrency",
        "4",
        "--deadline",
        "60",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let run = harness(args, vec![]).await;
    assert_eq!(run.code, 0, "{run}");
    let mut arrivals = lock(&arrivals).clone();
    arrivals.sort_by_key(|(at, _)| *at);
    let of = |kind: Option<&str>| -> Vec<Instant> {
        arrivals
            .iter()
            .filter(|(_, u)| u.as_deref() == kind)
            .map(|(at, _)| *at)
            .collect()
    };
    let burst = of(Some("burst"));
    assert_eq!(burst.len(), 12, "{run}");
    let spread = burst[burst.len() - 1].duration_since(burst[0]);
    assert!(
        spread <= BURST_WINDOW,
        "the burst's requests arrived over {spread:?}, not at once"
    );
    // The ordinary requests (the preflight has no Username) stay a slot apart, and no
    // request, the burst's included, runs ahead of its slot: the burst took one slot each.
    let mut ordinary: Vec<Instant> = of(Some("ordinary"));
    ordinary.extend(of(None));
    ordinary.sort();
    assert_eq!(ordinary.len(), 5, "{run}");
    let interval = Duration::from_secs_f64(1.0 / rate);
    for pair in ordinary.windows(2) {
        let gap = pair[1].duration_since(pair[0]);
        assert!(
            gap + PACING_SLACK >= interval,
            "ordinary requests {gap:?} apart at --rate {rate}"
        );
    }
    let all: Vec<Instant> = arrivals.iter().map(|(at, _)| *at).collect();
    let ahead = ahead_of_slots(&all, rate);
    assert!(ahead.is_empty(), "{}", ahead.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_sensitive_value_appears_in_any_output() {
    // A target that answers every request with a 201 full of sensitive values and a wrong
    // account id, so that failures print its responses.
    const EMAIL: &str = "leak.me@example.com";
    const PIN: &str = "8675309";
    const NAME: &str = "Secret Display Name";
    const ROOM: &str = "arn:aws:a4b:room/secret-room";
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::any())
        .respond_with(
            wiremock::ResponseTemplate::new(201).set_body_json(serde_json::json!({
                "User": {
                    "UserId": "u-1", "AccountId": "someone-else", "PrimaryEmail": EMAIL,
                    "PersonalPIN": PIN, "DisplayName": NAME,
                    "AlexaForBusinessMetadata": {"AlexaForBusinessRoomArn": ROOM}
                }
            })),
        )
        .mount(&server)
        .await;
    const SECRET: &str = "SECRETKEY0123456789abcdefSECRET";
    const TOKEN: &str = "SESSIONTOKEN-abcdef-0123456789";
    let dir = tempfile::tempdir().unwrap();
    let files = ["report.json", "junit.xml", "summary.md"].map(|f| dir.path().join(f));
    let args: Vec<String> = [
        "--endpoint",
        &server.uri(),
        "--account-id",
        "acct",
        "--fault-header",
        "x-chime-fault",
        "--report",
        files[0].to_str().unwrap(),
        "--junit",
        files[1].to_str().unwrap(),
        "--summary",
        files[2].to_str().unwrap(),
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let env = vec![
        ("AWS_SECRET_ACCESS_KEY".to_string(), SECRET.to_string()),
        ("AWS_SESSION_TOKEN".to_string(), TOKEN.to_string()),
    ];
    let run = harness(args, env).await;
    assert_eq!(run.code, 1, "the target is broken: {run}");
    assert!(run.stdout.contains("invariant.account_id"), "{run}");
    let mut outputs = vec![
        ("stdout".to_string(), run.stdout.clone()),
        ("stderr".to_string(), run.stderr.clone()),
    ];
    for file in &files {
        outputs.push((
            file.display().to_string(),
            std::fs::read_to_string(file).expect("the report was written"),
        ));
    }
    for (name, text) in &outputs {
        for secret in [EMAIL, PIN, NAME, ROOM, SECRET, TOKEN, "Signature="] {
            assert!(!text.contains(secret), "{secret:?} appears in {name}");
        }
        // Every email-like value, generated or echoed, is masked (the model's pattern
        // `.+@.+\..+`, quoted in case descriptions, is no email).
        for (at, _) in text.match_indices('@') {
            assert!(
                text[..at].ends_with("***") || text[..at].ends_with(".+"),
                "an unmasked '@' in {name}: {:?}",
                &text[at.saturating_sub(30)..(at + 30).min(text.len())]
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn junit_and_json_reports_agree_and_the_summary_has_the_matrix() {
    let mock = ReferenceMock::start(MockConfig {
        defect: Some(Defect::NeverForbidden),
        ..MockConfig::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (json, junit, summary) = (
        dir.path().join("r.json"),
        dir.path().join("j.xml"),
        dir.path().join("s.md"),
    );
    let mut args = vec![
        "--endpoint".to_string(),
        mock.uri(),
        "--report".into(),
        json.display().to_string(),
        "--junit".into(),
        junit.display().to_string(),
        "--summary".into(),
        summary.display().to_string(),
    ];
    // Without the throttled account: the throttle case and its no-trace trial are
    // ignored, one case fails.
    let f = mock.fixtures();
    args.extend([
        "--account-id".to_string(),
        f.account_id,
        "--forbidden-account-id".into(),
        f.forbidden_account_id.unwrap(),
        "--fault-header".into(),
        f.fault_header.unwrap(),
    ]);
    let run = harness(args, vec![]).await;
    assert_eq!(run.code, 1, "{run}");
    let report = read_json(&json);
    let xml = std::fs::read_to_string(&junit).unwrap();
    let doc = roxmltree::Document::parse(&xml).expect("the JUnit file is XML");
    let cases: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("testcase"))
        .collect();
    let with = |tag: &str| {
        cases
            .iter()
            .filter(|c| c.children().any(|n| n.has_tag_name(tag)))
            .count()
    };
    let s = &report["summary"];
    assert_eq!(cases.len(), report["trials"].as_array().unwrap().len());
    assert_eq!(with("failure") as u64, s["failed"].as_u64().unwrap());
    assert_eq!(
        with("skipped") as u64,
        s["ignored"].as_u64().unwrap() + s["expected_failures"].as_u64().unwrap()
    );
    assert_eq!(s["failed"], 1, "{report}");
    assert_eq!(s["ignored"], 2, "{report}");
    let markdown = std::fs::read_to_string(&summary).unwrap();
    for exception in [
        "BadRequestException",
        "ForbiddenException",
        "ThrottledClientException",
        "ServiceUnavailableException",
    ] {
        assert!(
            markdown
                .lines()
                .any(|l| l.starts_with('|') && l.contains(exception)),
            "{exception} row missing from the summary:\n{markdown}"
        );
    }
    assert!(
        markdown.contains("exception::forbidden::disabled_account"),
        "{markdown}"
    );
}
