//! The AWS SDK for Rust (`aws-sdk-chime`) driving a running chime-mock with the same twelve
//! checks as the other SDKs of `clients/run.sh`: a create whose `User` parses (`InvitedOn`
//! a `DateTime`), the control plane (reset, the created user listed, the request journaled
//! and masked), and each of the eight exceptions reaching the SDK as its own
//! `CreateUserError` variant, with retries off. The mock's URL comes from
//! `CHIME_MOCK_URL`. Prints one PASS/FAIL line per check and `rust: N passed, N failed`;
//! exits 1 if any failed. `tests/suite/mock_sdk.rs` covers the same SDK in `cargo test`.
//!
//! ```text
//! CHIME_MOCK_URL=http://127.0.0.1:4566 cargo run --example rust_sdk_checks
//! ```

use aws_sdk_chime::config::retry::RetryConfig;
use aws_sdk_chime::config::{BehaviorVersion, Credentials, Region};
use aws_sdk_chime::operation::create_user::CreateUserError;
use aws_sdk_chime::types::UserType;
use chime_conformance::mock::{
    DEFAULT_ACCESS_KEY_ID, DEFAULT_ACCOUNT_ID, DEFAULT_SECRET_ACCESS_KEY,
};
use serde_json::{json, Value};

const SDK: &str = "rust";
const EXCEPTIONS: [&str; 8] = [
    "BadRequestException",
    "UnauthorizedClientException",
    "ForbiddenException",
    "NotFoundException",
    "ConflictException",
    "ThrottledClientException",
    "ServiceFailureException",
    "ServiceUnavailableException",
];

/// The checks' tally and their lines.
#[derive(Default)]
struct Checks {
    passed: u32,
    failed: u32,
}

impl Checks {
    fn record(&mut self, name: &str, problem: Option<String>) {
        match problem {
            None => {
                self.passed += 1;
                println!("PASS {SDK}: {name}");
            }
            Some(problem) => {
                self.failed += 1;
                println!("FAIL {SDK}: {name}: {problem}");
            }
        }
    }
}

/// The control plane under /_chime-mock/: JSON in and out, no signing.
struct Control {
    url: String,
    http: reqwest::Client,
}

impl Control {
    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("{}/_chime-mock{path}", self.url))
            .header("content-type", "application/json");
        if let Some(body) = body {
            request = request.body(body.to_string());
        }
        match request.send().await {
            Ok(response) => {
                let status = response.status().as_u16();
                let bytes = response.bytes().await.unwrap_or_default();
                let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
                (status, body)
            }
            Err(e) => (0, json!({ "error": e.to_string() })),
        }
    }
}

fn variant(error: &CreateUserError) -> &'static str {
    match error {
        CreateUserError::BadRequestException(_) => "BadRequestException",
        CreateUserError::ConflictException(_) => "ConflictException",
        CreateUserError::ForbiddenException(_) => "ForbiddenException",
        CreateUserError::NotFoundException(_) => "NotFoundException",
        CreateUserError::ServiceFailureException(_) => "ServiceFailureException",
        CreateUserError::ServiceUnavailableException(_) => "ServiceUnavailableException",
        CreateUserError::ThrottledClientException(_) => "ThrottledClientException",
        CreateUserError::UnauthorizedClientException(_) => "UnauthorizedClientException",
        _ => "an unmodeled error",
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::process::ExitCode {
    let Some(url) = std::env::var("CHIME_MOCK_URL")
        .ok()
        .filter(|u| !u.is_empty())
    else {
        eprintln!("rust_sdk_checks: CHIME_MOCK_URL is not set: run clients/run.sh, or start chime-mock and set it");
        return std::process::ExitCode::from(2);
    };
    let url = url.trim_end_matches('/').to_string();
    let control = Control {
        url: url.clone(),
        http: chime_conformance::http::default_reqwest_client(),
    };
    let sdk = aws_sdk_chime::Client::from_conf(
        aws_sdk_chime::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(chime_conformance::endpoint::credentials::aws_http_client())
            .region(Region::new("us-east-1"))
            .endpoint_url(&url)
            .credentials_provider(Credentials::new(
                DEFAULT_ACCESS_KEY_ID,
                DEFAULT_SECRET_ACCESS_KEY,
                None,
                None,
                "chime-mock test credentials",
            ))
            .retry_config(RetryConfig::disabled())
            .build(),
    );
    let mut checks = Checks::default();

    let (status, _) = control.call(reqwest::Method::POST, "/reset", None).await;
    checks.record(
        "control plane: reset",
        (status != 200).then(|| format!("reset answered {status}")),
    );

    let created = sdk
        .create_user()
        .account_id(DEFAULT_ACCOUNT_ID)
        .email("rust.user@example.com")
        .username("rust")
        .user_type(UserType::PrivateUser)
        .send()
        .await;
    let user_id = created
        .as_ref()
        .ok()
        .and_then(|o| o.user())
        .map(|u| u.user_id().to_string());
    checks.record(
        "CreateUser returns a User with InvitedOn as a DateTime",
        match &created {
            Ok(output) => match output.user() {
                Some(user) if !user.user_id().is_empty() && user.invited_on().is_some() => None,
                Some(_) => Some("the User lacks a UserId or InvitedOn".into()),
                None => Some("no User".into()),
            },
            Err(e) => Some(format!("failed: {e:?}")),
        },
    );

    let (_, users) = control
        .call(
            reqwest::Method::GET,
            &format!("/users?account={DEFAULT_ACCOUNT_ID}"),
            None,
        )
        .await;
    let listed: Vec<String> = users["users"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|u| u["UserId"].as_str().map(str::to_string))
        .collect();
    checks.record(
        "control plane: users lists the created user",
        (Some(listed.clone()) != user_id.map(|id| vec![id])).then(|| format!("users: {listed:?}")),
    );

    let (_, journal) = control
        .call(reqwest::Method::GET, "/requests?limit=1", None)
        .await;
    let last = journal["requests"]
        .as_array()
        .and_then(|r| r.last())
        .cloned()
        .unwrap_or(Value::Null);
    let authorization = last["headers"]["authorization"].as_str().unwrap_or("");
    checks.record(
        "control plane: the journal shows the request rust sent, masked",
        if last["method"] != "POST"
            || !last["path"]
                .as_str()
                .unwrap_or("")
                .contains("operation=create")
        {
            Some(format!(
                "the journal's last request is not a CreateUser: {}",
                last["path"]
            ))
        } else if authorization.contains("Signature=") || !authorization.contains("masked") {
            Some(format!("Authorization is not masked: {authorization:?}"))
        } else if last["body"]["UserType"] != "PrivateUser" {
            Some(format!(
                "the journal does not show the body sent: {}",
                last["body"]
            ))
        } else if last["body"].to_string().contains("example.com") {
            Some("an email is shown in clear in the journal".into())
        } else {
            None
        },
    );

    for name in EXCEPTIONS {
        let email = format!("rust.{}@example.com", name.to_lowercase());
        // A bad Email and a wrong secret are what a client must never send (the mock's
        // --judge-clients would rightly record them): those two come from fault rules, as
        // the server-side faults do.
        let account = match name {
            "ForbiddenException" => {
                control
                    .call(
                        reqwest::Method::POST,
                        "/accounts",
                        Some(json!({"id": "rust-forbidden", "kind": "forbidden"})),
                    )
                    .await;
                "rust-forbidden"
            }
            "NotFoundException" => "no-such-account",
            "ConflictException" => DEFAULT_ACCOUNT_ID,
            _ => {
                control
                    .call(
                        reqwest::Method::POST,
                        "/faults",
                        Some(json!({"exception": name, "count": 1})),
                    )
                    .await;
                DEFAULT_ACCOUNT_ID
            }
        };
        let email = if name == "ConflictException" {
            "rust.user@example.com".to_string()
        } else {
            email
        };
        let answer = sdk
            .create_user()
            .account_id(account)
            .email(email)
            .send()
            .await;
        let problem = match answer {
            Ok(_) => Some("no error".to_string()),
            Err(e) => match e.as_service_error() {
                Some(error) if variant(error) == name => None,
                Some(error) => Some(format!("returned {}, not {name}", variant(error))),
                None => Some(format!("not a service error: {e:?}")),
            },
        };
        checks.record(
            &format!("{name} reaches the SDK as its own variant"),
            problem,
        );
    }

    println!("{SDK}: {} passed, {} failed", checks.passed, checks.failed);
    if checks.failed == 0 && checks.passed > 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
