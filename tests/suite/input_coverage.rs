//! The whole input space, end to end: the deterministic coverage phase sends every
//! boundary value and probes every constraint both ways before any generated input (so
//! `--cases 1` already covers them all), the coverage table reaches the JSON report, the
//! Markdown summary, the JUnit report and the console, and a server that refuses JSON
//! `null` members (a conforming choice) passes, with the table saying how it answered.

use serde_json::Value;

use chime_conformance::mock::{MockConfig, ReferenceMock, Variant};

use crate::util::{fixture_flags, harness, ConformanceRun};

/// Runs every trial with one generated input per property against the embedded mock (no
/// `config`) or a mock started with `config`; the run, the JSON report, the Markdown
/// summary and the JUnit report.
async fn one_case_per_property(
    config: Option<MockConfig>,
) -> (ConformanceRun, Value, String, String) {
    let mock = match config {
        Some(config) => Some(ReferenceMock::start(config).await.expect("the mock starts")),
        None => None,
    };
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = |name: &str| dir.path().join(name).display().to_string();
    let mut args = Vec::new();
    if let Some(mock) = &mock {
        args.extend(["--endpoint".to_string(), mock.uri()]);
        args.extend(fixture_flags(mock));
    }
    args.extend(
        [
            "--cases",
            "1",
            "--seed",
            "7",
            "--report",
            &path("report.json"),
            "--summary",
            &path("summary.md"),
            "--junit",
            &path("junit.xml"),
        ]
        .map(String::from),
    );
    let run = harness(args, Vec::new()).await;
    let read = |name: &str| std::fs::read_to_string(path(name)).unwrap_or_default();
    let report = serde_json::from_str(&read("report.json")).unwrap_or(Value::Null);
    (run, report, read("summary.md"), read("junit.xml"))
}

fn rows<'a>(report: &'a Value, table: &str) -> &'a Vec<Value> {
    report["input_coverage"][table]
        .as_array()
        .unwrap_or_else(|| panic!("no input_coverage.{table} in the report: {report}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_coverage_phase_probes_every_constraint_and_boundary_and_every_report_shows_it() {
    let (run, report, summary, junit) = one_case_per_property(None).await;
    assert_eq!(run.code, 0, "{run}");
    let constraints = rows(&report, "constraints");
    assert_eq!(constraints.len(), 7, "{constraints:?}");
    for row in constraints {
        for side in ["valid", "invalid"] {
            let answered = row[side]["answered"].as_u64().unwrap_or(0);
            assert!(answered > 0, "no {side} probe answered: {row}");
            assert_eq!(row[side]["sent"], row[side]["answered"], "{row}");
        }
    }
    let boundaries = rows(&report, "boundaries");
    assert!(boundaries.len() >= 30, "{boundaries:?}");
    for row in boundaries {
        assert!(
            row["answered"].as_u64().unwrap_or(0) > 0,
            "never sent: {row}"
        );
        assert_eq!(
            row["refused"], 0,
            "the reference mock refused a valid input: {row}"
        );
    }
    // Each property sent its coverage inputs and its one generated input.
    let requests = |name: &str| {
        report["trials"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|t| t["name"] == name)
            .and_then(|t| t["requests"].as_u64())
            .unwrap_or(0)
    };
    assert!(
        requests("property::valid_request_creates_user") > 40,
        "{report}"
    );
    assert!(
        requests("property::invalid_request_is_rejected") > 30,
        "{report}"
    );
    assert!(summary.contains("### Input coverage: 0 gaps"), "{summary}");
    assert!(
        summary.contains("| Email | `pattern .+@.+\\..+` |"),
        "{summary}"
    );
    assert!(junit.contains("input coverage (answered/sent):"), "{junit}");
    assert!(
        run.stderr.contains("input coverage (answered/sent):"),
        "{run}"
    );
    assert!(run.stderr.contains("coverage gaps: 0"), "{run}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_null_members_passes_and_the_table_says_it_refused() {
    let config = MockConfig {
        variant: Some(Variant::RefuseNullMembers),
        ..MockConfig::default()
    };
    let (run, report, summary, _) = one_case_per_property(Some(config)).await;
    assert_eq!(run.code, 0, "a conforming choice must pass\n{run}");
    let null_rows: Vec<&Value> = rows(&report, "boundaries")
        .iter()
        .filter(|r| r["value"] == "null")
        .collect();
    // Against an endpoint other than the embedded mock every Username carries the run id,
    // so a null Username is never sent (and the table says so: a gap).
    assert_eq!(null_rows.len(), 3, "{null_rows:?}");
    for row in null_rows {
        assert_eq!(row["refused"], row["sent"], "{row}");
        assert_eq!(row["created"], 0, "{row}");
        let sent = row["sent"].as_u64().unwrap_or(0);
        assert_eq!(sent == 0, row["member"] == "Username", "{row}");
    }
    assert!(summary.contains(" 4xx)"), "{summary}");
    assert!(summary.contains("null 0"), "{summary}");
}
