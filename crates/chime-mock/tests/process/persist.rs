//! Determinism and persistence of the standalone mock: two `chime-mock` processes started
//! with the same `--seed` and fed the same creates return the same UserIds, PINs and
//! request ids (and another seed other ones); a `--state-file` written at SIGTERM brings
//! accounts and users back after a restart, conflicts included.

use chime_mock::{default_credentials, DEFAULT_ACCOUNT_ID};
use serde_json::{json, Value};

use crate::{create_user, send, spawn_mock_binary, MockProcess};

/// Sends the same five creates (the last a conflict) and returns, per answer, the status,
/// `UserId`, `PersonalPIN` and request id.
async fn same_creates(mock: &MockProcess) -> Vec<(u16, Value, Value, String)> {
    let client = crate::common::http_client();
    let mut seen = Vec::new();
    for email in [
        "a@example.com",
        "b@example.com",
        "c@example.com",
        "d@example.com",
        "a@example.com",
    ] {
        let body = json!({ "Email": email, "Username": "seeded" });
        let answer = create_user(
            &client,
            &mock.url,
            DEFAULT_ACCOUNT_ID,
            &body,
            &default_credentials(),
        )
        .await
        .expect("the mock answers");
        let user = answer.json()["User"].clone();
        seen.push((
            answer.status,
            user["UserId"].clone(),
            user["PersonalPIN"].clone(),
            answer.header("x-amzn-requestid").unwrap_or("").to_string(),
        ));
    }
    seen
}

#[tokio::test]
async fn mock_persist_the_same_seed_gives_the_same_user_ids_in_two_processes() {
    let first = same_creates(&spawn_mock_binary(&["--seed", "42"])).await;
    let second = same_creates(&spawn_mock_binary(&["--seed", "42"])).await;
    let other = same_creates(&spawn_mock_binary(&["--seed", "43"])).await;
    assert_eq!(first, second);
    assert_eq!(first[4].0, 409, "the repeated email conflicts: {first:?}");
    assert!(
        first[0].1.as_str().is_some_and(|id| id.len() == 36),
        "{first:?}"
    );
    let ids =
        |run: &[(u16, Value, Value, String)]| run.iter().map(|r| r.1.clone()).collect::<Vec<_>>();
    assert_ne!(ids(&first), ids(&other), "another seed gives other UserIds");
}

/// A control-plane request to a standalone mock.
async fn control(mock: &MockProcess, method: &str, path: &str, body: &str) -> crate::RawAnswer {
    let client = crate::common::http_client();
    send(
        &client,
        &mock.url,
        method,
        path,
        &[("content-type", "application/json")],
        body.as_bytes().to_vec(),
        None,
    )
    .await
    .expect("the control plane answers")
}

#[tokio::test]
async fn mock_persist_a_state_file_survives_a_restart() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("state").join("mock.json");
    let path_text = path.to_string_lossy().to_string();
    let client = crate::common::http_client();

    let mock = spawn_mock_binary(&["--state-file", &path_text]);
    let added = control(
        &mock,
        "POST",
        "/_chime-mock/accounts",
        r#"{"id":"persisted-account"}"#,
    )
    .await;
    assert_eq!(added.status, 201, "{added:?}");
    let body = json!({ "Email": "kept@example.com" });
    let created = create_user(
        &client,
        &mock.url,
        "persisted-account",
        &body,
        &default_credentials(),
    )
    .await
    .expect("the mock answers");
    assert_eq!(created.status, 201, "{created:?}");
    assert!(mock.terminate(), "chime-mock exits with 0 on SIGTERM");
    let names: Vec<_> = std::fs::read_dir(path.parent().expect("a parent"))
        .expect("the state directory exists")
        .map(|e| e.expect("an entry").file_name())
        .collect();
    assert_eq!(
        names,
        ["mock.json"],
        "written atomically, no temporary left"
    );

    let restarted = spawn_mock_binary(&["--state-file", &path_text]);
    let listed = control(
        &restarted,
        "GET",
        "/_chime-mock/users?account=persisted-account",
        "",
    )
    .await;
    assert_eq!(listed.status, 200, "{listed:?}");
    assert_eq!(listed.json()["users"], json!([created.json()["User"]]));
    let again = create_user(
        &client,
        &restarted.url,
        "persisted-account",
        &body,
        &default_credentials(),
    )
    .await
    .expect("the mock answers");
    assert_eq!(
        again.status, 409,
        "the stored email still conflicts: {again:?}"
    );
}

#[tokio::test]
async fn mock_persist_an_unreadable_state_file_stops_the_start_with_a_clear_error() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{ not json").expect("write the file");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chime-mock"))
        .args(["--listen", "127.0.0.1:0", "--state-file"])
        .arg(&path)
        .env_remove("CHIME_MOCK_STATE_FILE")
        .output()
        .expect("run chime-mock");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.json"), "{stderr}");
}
