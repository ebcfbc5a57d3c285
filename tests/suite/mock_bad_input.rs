//! The reference mock fed a few thousand malformed requests (seeded, so every run sends
//! the same ones): each must get a documented 4xx with `X-Amzn-ErrorType` naming one of
//! the eight exceptions and a `{"Code", "Message"}` JSON body; never a 5xx, never a
//! dropped connection. A request off the CreateUser route (another method, a path that is
//! no operation) is the one exception: it gets what a Smithy restJson1 server answers,
//! 404 `UnknownOperationException` with a JSON `{"Message"}` body.

use std::time::Duration;

use chime_conformance::contract::{create_user_path, Exception};
use chime_conformance::mock::{default_credentials, MAX_BODY_BYTES, UNKNOWN_OPERATION};
use futures::StreamExt;
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

use crate::util::{send, start_default_mock, RawAnswer};

const CASES: usize = 3_000;
const SEED: u64 = 0x00C4_1E5E_ED00;

/// One malformed request.
#[derive(Debug, Clone)]
struct Case {
    what: &'static str,
    method: &'static str,
    path_and_query: String,
    content_type: Option<&'static str>,
    extra_header: Option<(&'static str, String)>,
    body: Vec<u8>,
    signed: bool,
}

fn valid_path() -> String {
    create_user_path(chime_conformance::mock::DEFAULT_ACCOUNT_ID)
}

fn random_string(rng: &mut StdRng, max: usize) -> String {
    let len = rng.random_range(0..max);
    (0..len).map(|_| rng.random::<char>()).collect()
}

fn generate(rng: &mut StdRng, index: usize) -> Case {
    let mut case = Case {
        what: "",
        method: "POST",
        path_and_query: valid_path(),
        content_type: Some("application/json"),
        extra_header: None,
        body: Vec::new(),
        signed: rng.random_bool(0.9),
    };
    match rng.random_range(0..12) {
        0 => {
            case.what = "random bytes";
            let len = rng.random_range(1..512);
            case.body = (0..len).map(|_| rng.random::<u8>()).collect();
            if serde_json::from_slice::<serde_json::Value>(&case.body).is_ok_and(|v| v.is_object())
            {
                case.body.insert(0, b'x');
            }
        }
        1 => {
            case.what = "truncated JSON";
            let full = serde_json::json!({
                "Username": random_string(rng, 20),
                "Email": "someone@example.com",
                "UserType": "PrivateUser",
            })
            .to_string();
            let cut = rng.random_range(1..full.len());
            case.body = full.as_bytes()[..cut].to_vec();
        }
        2 => {
            // Huge bodies are few: signing a megabyte is slow in a debug build.
            if index.is_multiple_of(100) {
                case.what = "body over 1 MiB";
                let name = "x".repeat(MAX_BODY_BYTES + rng.random_range(1..1024));
                case.body = serde_json::json!({ "Username": name })
                    .to_string()
                    .into_bytes();
            } else {
                case.what = "huge Email";
                let local = "a".repeat(rng.random_range(10_000..100_000));
                case.body = serde_json::json!({ "Email": local })
                    .to_string()
                    .into_bytes();
            }
        }
        3 => {
            case.what = "wrong content type";
            case.content_type = Some(
                [
                    "text/plain",
                    "application/xml",
                    "application/x-www-form-urlencoded",
                    "garbage",
                    "application/jsonx",
                ][rng.random_range(0..5)],
            );
            case.body = br#"{"Email":"ok@example.com"}"#.to_vec();
        }
        4 => {
            case.what = "non-UTF-8 in a JSON string";
            case.body = b"{\"Username\":\"".to_vec();
            // 0xFF never occurs in UTF-8; the random rest may or may not be valid.
            case.body.push(0xFF);
            case.body
                .extend((0..rng.random_range(0..16)).map(|_| rng.random_range(0x80..=0xFFu8)));
            case.body.extend(b"\"}");
        }
        5 => {
            case.what = "wrong JSON type";
            let member = ["Username", "Email", "UserType"][rng.random_range(0..3)];
            let value = [
                serde_json::json!(7),
                serde_json::json!(true),
                serde_json::json!([]),
                serde_json::json!({}),
                serde_json::json!(1.5),
            ][rng.random_range(0..5)]
            .clone();
            let mut body = serde_json::Map::new();
            body.insert(member.to_string(), value);
            case.body = serde_json::Value::Object(body).to_string().into_bytes();
            if rng.random_bool(0.2) {
                case.body = ["[]", "7", "\"x\"", "null", "true"][rng.random_range(0..5)]
                    .as_bytes()
                    .to_vec();
            }
        }
        6 => {
            case.what = "bad route or method";
            case.method =
                ["GET", "PUT", "DELETE", "PATCH", "OPTIONS", "POST"][rng.random_range(0..6)];
            case.path_and_query = if case.method == "POST" {
                [
                    "/",
                    "/accounts",
                    "/accounts/x/users",
                    "/accounts/x/users?operation=suspend",
                    "/accounts/x/users/?operation=create",
                    "/accounts/x/y/users?operation=create",
                    "/users?operation=create",
                ][rng.random_range(0..7)]
                .to_string()
            } else {
                valid_path()
            };
            case.body = b"{}".to_vec();
        }
        7 => {
            case.what = "unsigned";
            case.signed = false;
            case.body = br#"{"Email":"ok@example.com"}"#.to_vec();
        }
        8 => {
            case.what = "bad Email or UserType";
            case.body = if rng.random_bool(0.5) {
                let email = ["", "a", "a@b", "@b.c", "a@.c", "a@b.", "a\n@b.c", "a@b\n.c"]
                    [rng.random_range(0..8)];
                serde_json::json!({ "Email": email })
            } else {
                let user_type = ["", "privateuser", "Admin", "SHAREDDEVICE", " PrivateUser"]
                    [rng.random_range(0..5)];
                serde_json::json!({ "UserType": user_type })
            }
            .to_string()
            .into_bytes();
        }
        9 => {
            case.what = "blank or undecodable account id";
            case.path_and_query = [
                "/accounts//users?operation=create",
                "/accounts/%20/users?operation=create",
                "/accounts/%09%20/users?operation=create",
                "/accounts/%FF%FE/users?operation=create",
            ][rng.random_range(0..4)]
            .to_string();
            case.body = b"{}".to_vec();
        }
        10 => {
            case.what = "forged Authorization";
            case.signed = false;
            let forged = [
                "AWS4-HMAC-SHA256 Credential=AKIDCHIMEMOCKEXAMPLE/20260101/us-east-1/chime/aws4_request, SignedHeaders=host, Signature=0000000000000000000000000000000000000000000000000000000000000000".to_string(),
                "Bearer abc".to_string(),
                random_string(rng, 64).chars().filter(|c| c.is_ascii_graphic()).collect(),
            ][rng.random_range(0..3)]
            .clone();
            case.extra_header = Some(("authorization", forged));
            case.body = b"{}".to_vec();
        }
        _ => {
            case.what = "unknown fault header value";
            let value = ["nope", "serviceunavailableexception", "500", "Throttling"]
                [rng.random_range(0..4)];
            case.extra_header = Some(("x-chime-fault", value.to_string()));
            case.body = b"{}".to_vec();
        }
    }
    if rng.random_bool(0.05) && case.what != "wrong content type" {
        // A missing Content-Type is accepted, so it must not hide the content-type cases.
        case.content_type = None;
    }
    case
}

/// The answer to a request off the route: 404 `UnknownOperationException`, a JSON body
/// with a `Message`, a request id.
fn check_unknown_operation(answer: &RawAnswer) -> Result<(), String> {
    if answer.status != 404 {
        return Err(format!("status {} is not 404", answer.status));
    }
    if answer.header("x-amzn-errortype") != Some(UNKNOWN_OPERATION) {
        return Err(format!(
            "X-Amzn-ErrorType is {:?}, not {UNKNOWN_OPERATION}",
            answer.header("x-amzn-errortype")
        ));
    }
    if !answer.json().get("Message").is_some_and(|m| m.is_string()) {
        return Err("body has no string Message".into());
    }
    if answer.header("x-amzn-requestid").is_none() {
        return Err("no X-Amzn-RequestId".into());
    }
    Ok(())
}

fn check(case: &Case, answer: &RawAnswer) -> Result<(), String> {
    if case.what == "bad route or method" {
        return check_unknown_operation(answer);
    }
    if !(400..500).contains(&answer.status) {
        return Err(format!("status {} is not 4xx", answer.status));
    }
    let error_type = answer
        .header("x-amzn-errortype")
        .ok_or("no X-Amzn-ErrorType header")?;
    let exception = Exception::from_shape_name(error_type)
        .ok_or_else(|| format!("X-Amzn-ErrorType {error_type:?} is not one of the eight"))?;
    if exception.http_status() != answer.status {
        return Err(format!("{error_type} answered with {}", answer.status));
    }
    if !answer
        .header("content-type")
        .is_some_and(|c| c.starts_with("application/json"))
    {
        return Err("error body is not application/json".into());
    }
    let body = answer.json();
    if body.get("Code").and_then(|c| c.as_str()) != Some(exception.error_code()) {
        return Err(format!(
            "body Code is not {}: {body}",
            exception.error_code()
        ));
    }
    if !body.get("Message").is_some_and(|m| m.is_string()) {
        return Err(format!("body has no string Message: {body}"));
    }
    if answer.header("x-amzn-requestid").is_none() {
        return Err("no X-Amzn-RequestId".into());
    }
    if case.what == "unsigned" && exception != Exception::Unauthorized {
        return Err(format!("an unsigned request got {exception}"));
    }
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn mock_bad_input_thousands_of_malformed_requests_get_documented_4xx() {
    let mock = start_default_mock().await;
    let uri = mock.uri();
    let client = chime_conformance::http::default_reqwest_client();
    let mut rng = StdRng::seed_from_u64(SEED);
    let cases: Vec<Case> = (0..CASES).map(|i| generate(&mut rng, i)).collect();
    let credentials = default_credentials();
    let answers = futures::stream::iter(cases.into_iter().map(|case| {
        let (client, uri, credentials) = (&client, &uri, &credentials);
        async move {
            let mut headers: Vec<(&str, &str)> = Vec::new();
            if let Some(content_type) = case.content_type {
                headers.push(("content-type", content_type));
            }
            if let Some((name, value)) = &case.extra_header {
                headers.push((name, value.as_str()));
            }
            let answer = send(
                client,
                uri,
                case.method,
                &case.path_and_query,
                &headers,
                case.body.clone(),
                case.signed.then_some(credentials),
            )
            .await;
            (case, answer)
        }
    }))
    .buffer_unordered(16)
    .collect::<Vec<_>>();
    let answers = tokio::time::timeout(Duration::from_secs(300), answers)
        .await
        .expect("every malformed request is answered in time");
    assert_eq!(answers.len(), CASES);
    let mut failures = Vec::new();
    for (case, answer) in &answers {
        let verdict = match answer {
            Ok(answer) => check(case, answer),
            Err(e) => Err(format!("no answer (connection error): {e}")),
        };
        if let Err(why) = verdict {
            failures.push(format!(
                "{} ({} {}, signed {}): {why}",
                case.what, case.method, case.path_and_query, case.signed
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {CASES} malformed requests were mishandled, e.g.:\n{}",
        failures.len(),
        failures
            .iter()
            .take(10)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert_eq!(
        mock.users_stored(),
        0,
        "no malformed request created a user"
    );
}
