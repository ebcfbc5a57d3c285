//! The no-false-positive suite: the reference mock with one conforming variant switched on
//! (a minimal `User`, reordered members, extra headers, offset timestamps, no `Date`
//! header, opaque ids,
//! decorated error types, the error type in the body, unknown response members, null
//! request members refused; or the other choice where the contract leaves one open: the
//! regex dialect, email case and normalisation, front-door auth errors, the error type only
//! in the body, 415 and SerializationException for malformed bodies, service restrictions,
//! transient 503s, large bodies created from, 405 for another method on the route) answers differently from the plain mock but breaks no rule, and the harness run against it must
//! pass cleanly: exit 0, no failed trial, all eight exceptions observed.

use serde_json::Value;

use chime_conformance::check::OpenChoice;
use chime_conformance::mock::{MockConfig, Variant};

use crate::util::{failed_trials, full_run_with, ConformanceRun};

/// The seeds every variant is run with: the whole default run at seed 7; at each other
/// seed the properties alone (`--cases 48`), since only their generated inputs change with
/// the seed (the probes, the refusals and the cases are the same at every seed).
const SEEDS: [u64; 8] = [7, 1, 2, 3, 4, 5, 6, 8];

/// Runs the whole suite against the reference mock with `variant` switched on.
async fn run_against(variant: Variant, seed: u64, extra: &[&str]) -> (ConformanceRun, Value) {
    let seed = seed.to_string();
    let mut args = vec!["--seed", seed.as_str()];
    if seed != "7" {
        args.extend(["--cases", "48", "property::"]);
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

/// The open choice a variant makes the other answer to, and a word of the answer it gives
/// (checked in the full run's report). `None` for a variant that differs only in wire form.
fn made_choice(variant: Variant) -> Option<(OpenChoice, &'static str)> {
    Some(match variant {
        Variant::RustRegexPatterns => (OpenChoice::PatternDialect, "201"),
        Variant::JavaRegexPatterns => (OpenChoice::PatternDialect, "404 NotFoundException"),
        Variant::CaseSensitiveEmails => (OpenChoice::EmailCase, "201"),
        Variant::NormalisedEmails => (OpenChoice::EmailEcho, "NFC-normalised"),
        Variant::FrontDoorAuthErrors => (
            OpenChoice::AuthRefusal,
            "MissingAuthenticationTokenException",
        ),
        Variant::ErrorTypeOnlyInBody => (OpenChoice::ErrorTypeHeaderMissing, "__type"),
        Variant::UnsupportedMediaType => (OpenChoice::MediaType, "415"),
        Variant::SerializationErrors => (OpenChoice::MalformedRefusal, "SerializationException"),
        Variant::RefuseNullMembers => (OpenChoice::NullMember, "400 BadRequestException"),
        Variant::TransientUnavailable => (OpenChoice::TransientRetry, "503, then 201"),
        Variant::RestrictUnusualInput => {
            (OpenChoice::ServiceRestriction, "400 BadRequestException")
        }
        Variant::AcceptLargeBodies => (OpenChoice::BodySize, "accepted (HTTP 201)"),
        Variant::MethodNotAllowed => (OpenChoice::RouteRefusal, "405 Method Not Allowed"),
        _ => return None,
    })
}

/// The answers a report's `choices` section gives for `choice`, as JSON text.
fn answers(report: &Value, choice: OpenChoice) -> String {
    report["choices"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["choice"] == choice.name())
        .map(|c| c["answers"].to_string())
        .unwrap_or_default()
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
        if seed != 7 {
            continue;
        }
        assert_eq!(
            report["summary"]["exceptions_observed"],
            observable(variant),
            "{variant}, seed {seed}: every documented exception the variant answers with is observed\n{run}"
        );
        if let Some((choice, answer)) = made_choice(variant) {
            let chosen = answers(&report, choice);
            assert!(
                chosen.contains(answer),
                "{variant}: the report says it chose {answer:?} for {choice}: {chosen}\n{run}"
            );
        }
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
    no_date_header => NoDateHeader,
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
    accept_large_bodies => AcceptLargeBodies,
    method_not_allowed => MethodNotAllowed,
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

/// Every open choice of the registry has a variant that makes the other answer, and a row
/// of README's "Open choices" table naming the test that proves it.
#[test]
fn every_open_choice_has_a_variant_and_a_readme_row() {
    let readme = include_str!("../../README.md");
    for &choice in OpenChoice::ALL {
        let variants: Vec<Variant> = Variant::ALL
            .iter()
            .copied()
            .filter(|v| {
                made_choice(*v).is_some_and(|(c, _)| c == choice)
                    || (choice == OpenChoice::ErrorTypeSource && *v == Variant::ErrorTypeOnlyInBody)
            })
            .collect();
        assert!(
            !variants.is_empty(),
            "{choice} has no variant making another answer"
        );
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", choice.name())))
            .unwrap_or_else(|| panic!("README.md has no open-choices row for `{choice}`"));
        for v in variants {
            assert!(row.contains(&format!("`{}`", v.name())), "{choice}: {row}");
        }
        assert!(row.contains("`conforming::"), "{choice}: {row}");
    }
}

/// Under --strict a note fails, as the rule it relaxed, with the note named.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_fails_a_note_with_the_note_named() {
    let config = MockConfig {
        variant: Some(Variant::ErrorTypeOnlyInBody),
        ..MockConfig::default()
    };
    let (run, report) = full_run_with(config, &["--strict", "--cases", "16"]).await;
    assert_eq!(run.code, 1, "{run}");
    let failed = failures(&report);
    assert!(
        failed.iter().all(|f| f.contains("error.type_header")),
        "only the relaxed rule fails: {failed:#?}"
    );
    assert!(
        failed
            .iter()
            .any(|f| f.contains("note error_type_header_missing")),
        "{failed:#?}"
    );
}

/// Every report has the "choices and restrictions" section: the console, the JSON report,
/// JUnit (the testsuite's system-out and a property) and the Markdown summary.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_report_has_the_choices_and_restrictions_section() {
    let dir = tempfile::tempdir().unwrap();
    let junit = dir.path().join("junit.xml");
    let summary = dir.path().join("summary.md");
    let (junit_path, summary_path) = (junit.display().to_string(), summary.display().to_string());
    let config = MockConfig {
        variant: Some(Variant::RestrictUnusualInput),
        ..MockConfig::default()
    };
    let args = [
        "--junit",
        junit_path.as_str(),
        "--summary",
        summary_path.as_str(),
    ];
    let (run, report) = full_run_with(config, &args).await;
    assert_eq!(run.code, 0, "{run}");
    assert!(
        report["summary"]["restrictions"].as_u64() > Some(0),
        "{}",
        report["summary"]
    );
    assert!(run.stderr.contains("choices and restrictions: "), "{run}");
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("name=\"choices_and_restrictions\""), "{xml}");
    assert!(xml.contains("service_restriction"), "{xml}");
    let md = std::fs::read_to_string(&summary).unwrap();
    assert!(md.contains("### Choices and restrictions"), "{md}");
    assert!(
        md.contains("| `service_restriction` | restriction |"),
        "{md}"
    );
}

/// Under --strict the restriction variant fails, each failure naming the restriction, and
/// only as the rule it relaxed.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_fails_the_restriction_variant_with_the_restriction_named() {
    let config = MockConfig {
        variant: Some(Variant::RestrictUnusualInput),
        ..MockConfig::default()
    };
    let (run, report) = full_run_with(config, &["--strict", "--cases", "32"]).await;
    assert_eq!(run.code, 1, "{run}");
    let failed = failures(&report);
    assert!(!failed.is_empty(), "{run}");
    assert!(
        failed
            .iter()
            .all(|f| f.contains("success.status") && f.contains("restriction service_restriction")),
        "{failed:#?}"
    );
}
