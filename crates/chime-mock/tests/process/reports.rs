//! `--judge-clients` with `--client-report`: the verdicts written at shutdown, as JUnit XML
//! or JSON by the report path's extension.

use serde_json::Value;

use crate::{send, spawn_mock_binary};
use chime_contract::create_user_path;
use chime_mock::{ClientRule, DEFAULT_ACCOUNT_ID};

/// Starts the binary judging clients with its report at `path`, sends one unsigned
/// CreateUser, stops it with SIGTERM and returns the report's text.
async fn report_after_one_unsigned_request(path: &std::path::Path) -> String {
    let path_text = path.to_string_lossy().to_string();
    let mock = spawn_mock_binary(&["--judge-clients", "--client-report", &path_text]);
    let client = crate::common::http_client();
    let answer = send(
        &client,
        &mock.url,
        "POST",
        &create_user_path(DEFAULT_ACCOUNT_ID),
        &[("content-type", "application/json")],
        br#"{"Email":"report@example.com"}"#.to_vec(),
        None,
    )
    .await
    .expect("the mock answers");
    assert_eq!(answer.status, 401, "{answer:?}");
    assert!(mock.terminate(), "chime-mock exits with 0 on SIGTERM");
    std::fs::read_to_string(path).expect("the client report is written at shutdown")
}

#[tokio::test]
async fn mock_reports_client_verdicts_at_shutdown_as_junit_xml_or_json() {
    let dir = tempfile::tempdir().expect("a temporary directory");

    let xml = report_after_one_unsigned_request(&dir.path().join("client.xml")).await;
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert_eq!(
        xml.matches("<testcase ").count(),
        ClientRule::ALL.len(),
        "{xml}"
    );
    assert_eq!(xml.matches("<failure ").count(), 1, "{xml}");
    assert!(xml.contains("type=\"client.signing.unsigned\""), "{xml}");
    assert!(!xml.contains("report@example.com"), "{xml}");

    let json = report_after_one_unsigned_request(&dir.path().join("client.json")).await;
    let report: Value = serde_json::from_str(&json).expect("a JSON report");
    assert_eq!(report["count"], 1, "{report}");
    assert_eq!(report["verdicts"][0]["rule"], "client.signing.unsigned");
}
