//! The no-false-positive suite: the reference mock with one conforming variant switched on
//! (a minimal `User`, reordered members, extra headers, offset timestamps, opaque ids,
//! decorated error types, the error type in the body, unknown response members, null
//! request members refused; or the other choice where the contract leaves one open: the
//! regex dialect, email case and normalisation, front-door auth errors, the error type only
//! in the body, 415 and SerializationException for malformed bodies, service restrictions,
//! transient 503s) answers differently from the plain mock but breaks no rule, and the harness run against it must
//! pass cleanly: exit 0, no failed trial, all eight exceptions observed.

use serde_json::Value;

use chime_conformance::mock::{MockConfig, Variant};

use crate::util::{failed_trials, full_run_with, ConformanceRun};

/// The seeds every variant is run with: the default run's size at seed 7, a smaller run
/// (`--cases 48`) at each other seed.
const SEEDS: [u64; 8] = [7, 1, 2, 3, 4, 5, 6, 8];

/// Runs the whole suite against the reference mock with `variant` switched on.
async fn run_against(variant: Variant, seed: u64, extra: &[&str]) -> (ConformanceRun, Value) {
    let seed = seed.to_string();
    let mut args = vec!["--seed", seed.as_str()];
    if seed != "7" {
        args.extend(["--cases", "48"]);
    }
    args.extend(extra);
    full_run_with(
        MockConfig {
            variant: Some(variant),
            ..MockConfig::default()
        },
        &args,
    )
    .await
}

/// Each failing trial of a report with the rules it names and its message.
fn failures(report: &Value) -> Vec<String> {
    failed_trials(report)
        .map(|t| format!("{} {} {}", t["name"], t["rules"], t["message"]))
        .collect()
}

/// The exceptions a run against `variant` observes: a front door names authentication
/// refusals its own way, so UnauthorizedClientException is never seen (the case passes).
fn observable(variant: Variant) -> u64 {
    match variant {
        Variant::FrontDoorAuthErrors => 7,
        _ => 8,
    }
}

async fn assert_passes_cleanly(variant: Variant) {
    for seed in SEEDS {
        let (run, report) = run_against(variant, seed, &[]).await;
        let failed = failures(&report);
        assert!(
            report.is_object(),
            "{variant}, seed {seed}: the harness wrote no report\n{run}"
        );
        assert_eq!(
            run.code, 0,
            "{variant}, seed {seed}: a conforming endpoint must pass; failures: {failed:#?}\n{run}"
        );
        assert_eq!(
            report["summary"]["failed"], 0,
            "{variant}, seed {seed}: failures: {failed:#?}\n{run}"
        );
        assert_eq!(
            report["summary"]["exceptions_observed"],
            observable(variant),
            "{variant}, seed {seed}: every documented exception the variant answers with is observed\n{run}"
        );
    }
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
    rust_regex_patterns => RustRegexPatterns,
    java_regex_patterns => JavaRegexPatterns,
    case_sensitive_emails => CaseSensitiveEmails,
    normalised_emails => NormalisedEmails,
    front_door_auth_errors => FrontDoorAuthErrors,
    error_type_only_in_body => ErrorTypeOnlyInBody,
    unsupported_media_type => UnsupportedMediaType,
    serialization_errors => SerializationErrors,
    restrict_unusual_input => RestrictUnusualInput,
    transient_unavailable => TransientUnavailable,
}

/// A regressions file holding an input judged under another target (an Email the ECMA-262
/// pattern refuses and Rust's regex takes, found "accepted" against a server that takes
/// it) replays green against a server of either dialect: the input is judged again, and
/// its recorded verdict is kept for the record only.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_regression_found_under_another_dialect_does_not_fail_a_conforming_target() {
    use chime_conformance::input::generate::{Breakage, CreateUserInput, InvalidInput};
    use chime_conformance::input::property::PropertyInput;
    let dir = tempfile::tempdir().unwrap();
    let regressions = dir.path().join("regressions.jsonl");
    let input = PropertyInput::Invalid(InvalidInput {
        base: CreateUserInput::new(None, None, None),
        breakage: Breakage::EmailPattern("a@b\u{2028}.c".into()),
    });
    let line = serde_json::json!({
        "trial": "property::invalid_request_is_rejected",
        "seed": 3,
        "input": input,
        "reason": {
            "endpoint": "https://other-server.example",
            "rules": ["input.rejected"],
            "verdict": "input.rejected: expected BadRequestException (HTTP 400); saw the request accepted with HTTP 201"
        }
    });
    std::fs::write(&regressions, format!("{line}\n")).unwrap();
    let path = regressions.display().to_string();
    for variant in [None, Some(Variant::RustRegexPatterns)] {
        let config = MockConfig {
            variant,
            ..MockConfig::default()
        };
        let args = [
            "--exact",
            "property::invalid_request_is_rejected",
            "--regressions",
            path.as_str(),
            "--cases",
            "16",
        ];
        let (run, report) = full_run_with(config, &args).await;
        assert_eq!(run.code, 0, "{variant:?}: {:#?}\n{run}", failures(&report));
        assert!(
            !run.stderr.contains("skipping line"),
            "the entry is read\n{run}"
        );
        let chosen = report["choices"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|c| c["choice"] == "pattern_dialect")
            .map(|c| c["answers"].to_string())
            .unwrap_or_default();
        let expected = if variant.is_some() {
            "\"201\""
        } else {
            "400 BadRequestException"
        };
        assert!(chosen.contains(expected), "{variant:?}: {chosen}\n{run}");
    }
}
