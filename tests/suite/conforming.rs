//! The no-false-positive suite: the reference mock with one conforming variant switched on
//! (a minimal `User`, reordered members, extra headers, offset timestamps, opaque ids,
//! decorated error types, the error type in the body, unknown response members, null
//! request members refused, large bodies created from) answers
//! differently from the plain mock but breaks no rule, and the harness run against it must
//! pass cleanly: exit 0, no failed trial, all eight exceptions observed.

use serde_json::Value;

use chime_conformance::mock::{MockConfig, Variant};

use crate::util::{failed_trials, full_run_against, ConformanceRun};

/// Runs the whole suite against the reference mock with `variant` switched on.
async fn run_against(variant: Variant) -> (ConformanceRun, Value) {
    full_run_against(MockConfig {
        variant: Some(variant),
        ..MockConfig::default()
    })
    .await
}

/// Each failing trial of a report with the rules it names and its message.
fn failures(report: &Value) -> Vec<String> {
    failed_trials(report)
        .map(|t| format!("{} {} {}", t["name"], t["rules"], t["message"]))
        .collect()
}

async fn assert_passes_cleanly(variant: Variant) {
    let (run, report) = run_against(variant).await;
    let failed = failures(&report);
    assert!(
        report.is_object(),
        "{variant}: the harness wrote no report\n{run}"
    );
    assert_eq!(
        run.code, 0,
        "{variant}: a conforming endpoint must pass; failures: {failed:#?}\n{run}"
    );
    assert_eq!(
        report["summary"]["failed"], 0,
        "{variant}: failures: {failed:#?}\n{run}"
    );
    assert_eq!(
        report["summary"]["exceptions_observed"], 8,
        "{variant}: every documented exception is observed\n{run}"
    );
}

macro_rules! conforming_tests {
    ($($test:ident => $variant:ident,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                assert_passes_cleanly(Variant::$variant).await;
            }
        )*

        #[test]
        fn every_variant_has_a_test() {
            let tested = [$(Variant::$variant),*];
            for variant in Variant::ALL {
                assert!(tested.contains(variant), "{variant} has no conforming test");
            }
        }
    };
}

conforming_tests! {
    minimal_user => MinimalUser,
    reordered_members => ReorderedMembers,
    extra_headers => ExtraHeaders,
    fractional_offset_timestamps => FractionalOffsetTimestamps,
    opaque_user_ids => OpaqueUserIds,
    decorated_error_type => DecoratedErrorType,
    error_type_in_body => ErrorTypeInBody,
    unknown_response_members => UnknownResponseMembers,
    refuse_null_members => RefuseNullMembers,
    accept_large_bodies => AcceptLargeBodies,
}

/// A 2 MiB body created from is a choice the contract leaves open: the trial passes and
/// its note says which answer came.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_body_created_from_is_noted_as_the_choice() {
    let (run, report) = run_against(Variant::AcceptLargeBodies).await;
    let trial = report["trials"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|t| t["name"] == "malformed::oversized_body")
        .cloned()
        .unwrap_or_default();
    assert_eq!(trial["outcome"], "passed", "{trial}\n{run}");
    assert_eq!(
        trial["notes"],
        serde_json::json!(["body size: accepted (HTTP 201)"]),
        "{trial}"
    );
}
