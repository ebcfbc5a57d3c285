//! The mutation suite: the reference mock with one deliberate defect switched on breaks
//! exactly one rule, and the harness run against it exits 1 with a failing trial naming
//! that rule (and no rule outside the defect's known consequences). `MUTANTS` is the
//! rule-to-mutant table that README.md reproduces; a test fails if a rule has no mutant or
//! the README's table is out of step with it.

use std::collections::BTreeSet;

use serde_json::Value;

use chime_conformance::check::{Rule, RuleClass};
use chime_conformance::mock::{Defect, MockConfig};

use crate::util::{failed_trials, full_run_against, full_run_with, ConformanceRun};

/// A defect, the rule it targets, and the other rules it unavoidably breaks too; `strict`
/// when it is a documented restriction, caught only under `--strict`.
pub struct Mutant {
    pub defect: Defect,
    pub rule: Rule,
    pub also: &'static [Rule],
    pub strict: bool,
}

const fn mutant(defect: Defect, rule: Rule, also: &'static [Rule]) -> Mutant {
    Mutant {
        defect,
        rule,
        also,
        strict: false,
    }
}

/// A defect that is a documented restriction of the service: it passes by default (with a
/// note) and is caught under `--strict`.
const fn restriction(defect: Defect, rule: Rule) -> Mutant {
    Mutant {
        defect,
        rule,
        also: &[],
        strict: true,
    }
}

/// Every defect and the rule it targets.
pub const MUTANTS: &[Mutant] = &[
    mutant(Defect::SuccessStatus200, Rule::SuccessStatus, &[]),
    mutant(Defect::WrongContentType, Rule::SuccessContentType, &[]),
    mutant(Defect::NonJsonSuccessBody, Rule::SuccessBodyJson, &[]),
    mutant(Defect::OmitUserId, Rule::SuccessSchema, &[]),
    mutant(Defect::NumericUserId, Rule::SuccessSchema, &[]),
    mutant(Defect::LicenseTypeOutsideEnum, Rule::SuccessSchema, &[]),
    // "Admin" is outside the enum and differs from what was sent.
    mutant(
        Defect::UserTypeOutsideEnum,
        Rule::SuccessSchema,
        &[Rule::InvariantUserType],
    ),
    mutant(
        Defect::RegistrationStatusOutsideEnum,
        Rule::SuccessSchema,
        &[],
    ),
    mutant(
        Defect::InvitationStatusOutsideEnum,
        Rule::SuccessSchema,
        &[],
    ),
    mutant(Defect::MalformedInvitedOn, Rule::SuccessSchema, &[]),
    // A valid date-time, decades from the answer's Date.
    mutant(Defect::InvitedOnIn1970, Rule::PlausibleValues, &[]),
    mutant(Defect::WrongAccountIdEcho, Rule::InvariantAccountId, &[]),
    mutant(
        Defect::WrongPrimaryEmailEcho,
        Rule::InvariantPrimaryEmail,
        &[],
    ),
    mutant(Defect::WrongUserTypeEcho, Rule::InvariantUserType, &[]),
    mutant(Defect::RepeatedUserId, Rule::InvariantUserIdUnique, &[]),
    mutant(Defect::MissingErrorTypeHeader, Rule::ErrorTypeHeader, &[]),
    // The conflict cases also see an exception other than the one they trigger.
    mutant(
        Defect::UndocumentedErrorType,
        Rule::ErrorTypeDocumented,
        &[],
    ),
    mutant(Defect::WrongErrorStatus, Rule::ErrorStatus, &[]),
    mutant(Defect::ErrorBodyMismatch, Rule::ErrorSchema, &[]),
    mutant(
        Defect::ServerErrorOnValidInput,
        Rule::ErrorUnexpectedFault,
        &[],
    ),
    // The invalid-email case is an exception case for the same input.
    mutant(
        Defect::AcceptInvalidEmail,
        Rule::InputRejected,
        &[Rule::CaseExpectedException],
    ),
    mutant(
        Defect::AcceptInvalidUserType,
        Rule::InputRejected,
        &[Rule::CaseExpectedException],
    ),
    // Simultaneous creates of one Email then all succeed too.
    mutant(
        Defect::NeverConflict,
        Rule::CaseExpectedException,
        &[Rule::ConcurrencyOutcomeCounts],
    ),
    mutant(Defect::NeverThrottle, Rule::CaseExpectedException, &[]),
    mutant(Defect::NeverForbidden, Rule::CaseExpectedException, &[]),
    mutant(Defect::NeverNotFound, Rule::CaseExpectedException, &[]),
    // Unchecked signatures also let every tampered signature through.
    mutant(
        Defect::NeverUnauthorized,
        Rule::CaseExpectedException,
        &[Rule::SecuritySignatureBinding],
    ),
    mutant(Defect::IgnoreFaultHeader, Rule::CaseExpectedException, &[]),
    mutant(
        Defect::AwsCommonErrorOnSharedDevice,
        Rule::AwsCommonError,
        &[],
    ),
    // Each signature-binding defect forgets one binding; together they let through every
    // tampered signature but a changed path (see `Defect`).
    mutant(
        Defect::AcceptStaleSignatures,
        Rule::SecuritySignatureBinding,
        &[],
    ),
    mutant(
        Defect::CredentialScopeServiceNotChecked,
        Rule::SecuritySignatureBinding,
        &[],
    ),
    mutant(
        Defect::CredentialScopeRegionNotChecked,
        Rule::SecuritySignatureBinding,
        &[],
    ),
    mutant(
        Defect::BodyWhitespaceNotBound,
        Rule::SecuritySignatureBinding,
        &[],
    ),
    mutant(
        Defect::ContentTypeParametersNotBound,
        Rule::SecuritySignatureBinding,
        &[],
    ),
    mutant(
        Defect::SignedHeaderPresenceNotChecked,
        Rule::SecuritySignatureBinding,
        &[],
    ),
    mutant(Defect::DateNotRequired, Rule::SecuritySignatureBinding, &[]),
    mutant(
        Defect::SessionTokenNotRequired,
        Rule::SecuritySignatureBinding,
        &[],
    ),
    mutant(
        Defect::SessionTokenTakenOnTrust,
        Rule::SecuritySignatureBinding,
        &[],
    ),
    // A sequential duplicate may land in the window too.
    mutant(
        Defect::RacyConflictCheck,
        Rule::ConcurrencyOutcomeCounts,
        &[Rule::CaseExpectedException],
    ),
    mutant(
        Defect::ThrottleSomeAsBadRequest,
        Rule::CaseExpectedException,
        &[],
    ),
    mutant(Defect::AcceptTrailingData, Rule::InputMalformedRefused, &[]),
    // Caught only by Usernames of 256 characters or more (the coverage phase sends them),
    // and only under --strict: refusing them is a documented restriction
    // (`service_restriction`), which passes by default.
    restriction(Defect::RejectLongUsername, Rule::SuccessStatus),
    // Caught only by emails with astral-plane characters.
    mutant(
        Defect::MangleAstralEmailEcho,
        Rule::InvariantPrimaryEmail,
        &[],
    ),
    // Caught only by the oversized body, re-sent raw to see that no answer came.
    mutant(
        Defect::ResetOnOversizedBody,
        Rule::InputMalformedRefused,
        &[],
    ),
    // Each caught by its no-trace trial: the create after the refusal conflicts.
    mutant(
        Defect::InvalidInputTakesEmail,
        Rule::StateRefusalLeftNoTrace,
        &[],
    ),
    mutant(
        Defect::ForbiddenTakesEmail,
        Rule::StateRefusalLeftNoTrace,
        &[],
    ),
    mutant(
        Defect::ThrottledTakesEmail,
        Rule::StateRefusalLeftNoTrace,
        &[],
    ),
    mutant(
        Defect::InjectedFaultTakesEmail,
        Rule::StateRefusalLeftNoTrace,
        &[],
    ),
    mutant(
        Defect::UnverifiedSignatureTakesEmail,
        Rule::StateRefusalLeftNoTrace,
        &[],
    ),
    // Caught by the unknown method of route::methods (retried as a transient 500 first).
    mutant(
        Defect::ServerErrorOnUnknownMethod,
        Rule::RouteNoServerError,
        &[],
    ),
    // Every method of route::methods creates a user.
    mutant(Defect::RouteIgnoresMethod, Rule::RouteRefused, &[]),
    // Caught by the query parameter added after signing.
    mutant(Defect::QueryNotBound, Rule::SecuritySignatureBinding, &[]),
];

/// Runs the whole suite against the reference mock with `defect` switched on.
async fn run_against(defect: Defect) -> (ConformanceRun, Value) {
    let strict = MUTANTS.iter().any(|m| m.defect == defect && m.strict);
    let config = MockConfig {
        defect: Some(defect),
        ..MockConfig::default()
    };
    full_run_with(config, if strict { &["--strict"] } else { &[] }).await
}

/// The rules named by failing trials in a report.
fn failed_rules(report: &Value) -> BTreeSet<String> {
    failed_trials(report)
        .flat_map(|t| t["rules"].as_array().cloned().unwrap_or_default())
        .filter_map(|r| r.as_str().map(str::to_string))
        .collect()
}

async fn assert_caught(defect: Defect) {
    let mutant = MUTANTS
        .iter()
        .find(|m| m.defect == defect)
        .unwrap_or_else(|| panic!("{defect} is not in MUTANTS"));
    let (run, report) = run_against(defect).await;
    // Every failed trial carries the class of its rules: a security rule makes it a
    // security finding, only aws.common_error an aws-common failure, else a contract one.
    // A run whose only failures are aws-common exits 4; any other failure exits 1.
    let mut by_class = std::collections::BTreeMap::<&str, u64>::new();
    for trial in failed_trials(&report) {
        let class = class_of(trial);
        assert_eq!(trial["class"], class, "{defect}: {trial}");
        assert_structured(defect, trial);
        *by_class.entry(class).or_default() += 1;
    }
    let only_aws_common = by_class.keys().all(|c| *c == "aws-common");
    let code = if only_aws_common { 4 } else { 1 };
    assert_eq!(
        run.code, code,
        "{defect}: the harness must exit {code}\n{run}"
    );
    for (class, count) in &by_class {
        assert_eq!(
            report["summary"]["failed_by_class"][class].as_u64(),
            Some(*count),
            "{defect}: {}",
            report["summary"]
        );
    }
    let count = |c: &str| by_class.get(c).copied().unwrap_or(0);
    let line = format!(
        "failed trials by class: {} security, {} contract, 0 transport, {} aws-common",
        count("security"),
        count("contract"),
        count("aws-common")
    );
    assert!(run.stderr.contains(&line), "{defect}: {line}\n{run}");
    assert_eq!(
        run.stderr.contains("only aws-common failures"),
        only_aws_common,
        "{defect}: {run}"
    );
    assert_eq!(
        run.stderr.contains("SECURITY FINDINGS"),
        count("security") > 0,
        "{defect}: security findings come first\n{run}"
    );
    let rules = failed_rules(&report);
    assert!(
        rules.contains(mutant.rule.name()),
        "{defect}: no failing trial names {}; rules named: {rules:?}\n{run}",
        mutant.rule
    );
    let allowed: BTreeSet<String> = std::iter::once(mutant.rule)
        .chain(mutant.also.iter().copied())
        .map(|r| r.name().to_string())
        .collect();
    let unexpected: Vec<&String> = rules.difference(&allowed).collect();
    assert!(
        unexpected.is_empty(),
        "{defect}: rules beyond its own broke: {unexpected:?}\n{run}"
    );
    let transport = report["trials"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|t| t["transport"] == true);
    assert!(
        !transport,
        "{defect}: a mutant is never a transport failure\n{run}"
    );
    assert!(run.stdout.contains("rerun this trial:"), "{run}");
}

/// The class a failed trial must carry, from its rules.
fn class_of(trial: &Value) -> &'static str {
    let rules: Vec<Rule> = trial["rules"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_str().and_then(Rule::from_name))
        .collect();
    if rules.iter().any(|r| r.class() == RuleClass::Security) {
        "security"
    } else if !rules.is_empty() && rules.iter().all(|r| r.class() == RuleClass::AwsCommon) {
        "aws-common"
    } else {
        "contract"
    }
}

/// A failed trial of the JSON report can be read without parsing prose: its violations
/// each name a rule of the trial with what was expected and seen, and the exchange they
/// came from is there, masked.
fn assert_structured(defect: Defect, trial: &Value) {
    let violations = trial["violations"].as_array().cloned().unwrap_or_default();
    assert!(!violations.is_empty(), "{defect}: no violations in {trial}");
    for v in &violations {
        let rule = v["rule"].as_str().unwrap_or_default();
        assert!(Rule::from_name(rule).is_some(), "{defect}: {v}");
        assert!(
            trial["rules"]
                .as_array()
                .is_some_and(|r| r.contains(&v["rule"])),
            "{defect}: {rule} is not among the trial's rules: {trial}"
        );
        for part in ["expected", "seen"] {
            assert!(
                v[part].as_str().is_some_and(|t| !t.is_empty()),
                "{defect}: no {part}: {v}"
            );
        }
    }
    let exchange = &trial["exchange"];
    // Every request is a POST but a probe of another method on the route.
    let method = exchange["request"]["method"].as_str().unwrap_or_default();
    let methods_probed = trial["name"] == "route::methods";
    assert!(
        method == "POST" || (methods_probed && !method.is_empty()),
        "{defect}: {trial}"
    );
    // The response is there, unless what broke the rule is that none came.
    let no_answer = violations.iter().any(|v| {
        v["seen"]
            .as_str()
            .is_some_and(|s| s.starts_with("no answer"))
    });
    assert!(
        exchange["response"]["status"].as_u64().is_some()
            || (no_answer && exchange["response"].is_null()),
        "{defect}: {trial}"
    );
    let text = exchange.to_string();
    assert!(
        !text.contains("Signature="),
        "{defect}: a signature leaked: {text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_json_report_names_the_wrong_account_echo_rule_with_what_was_seen() {
    let (run, report) = run_against(Defect::WrongAccountIdEcho).await;
    assert_eq!(run.code, 1, "{run}");
    let trial = failed_trials(&report)
        .find(|t| t["name"] == "property::valid_request_creates_user")
        .unwrap_or_else(|| panic!("the property failed\n{run}"));
    let violation = &trial["violations"][0];
    assert_eq!(violation["rule"], "invariant.account_id", "{trial}");
    assert!(
        violation["seen"]
            .as_str()
            .unwrap_or_default()
            .contains("-other"),
        "{violation}"
    );
}

macro_rules! mutant_tests {
    ($($test:ident => $defect:ident,)*) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $test() {
                assert_caught(Defect::$defect).await;
            }
        )*

        #[test]
        fn every_defect_has_a_test() {
            let tested = [$(Defect::$defect),*];
            for defect in Defect::ALL {
                assert!(tested.contains(defect), "{defect} has no mutant test");
            }
        }
    };
}

mutant_tests! {
    success_status_200 => SuccessStatus200,
    wrong_content_type => WrongContentType,
    non_json_success_body => NonJsonSuccessBody,
    omit_user_id => OmitUserId,
    numeric_user_id => NumericUserId,
    license_type_outside_enum => LicenseTypeOutsideEnum,
    user_type_outside_enum => UserTypeOutsideEnum,
    registration_status_outside_enum => RegistrationStatusOutsideEnum,
    invitation_status_outside_enum => InvitationStatusOutsideEnum,
    malformed_invited_on => MalformedInvitedOn,
    invited_on_in_1970 => InvitedOnIn1970,
    wrong_account_id_echo => WrongAccountIdEcho,
    wrong_primary_email_echo => WrongPrimaryEmailEcho,
    wrong_user_type_echo => WrongUserTypeEcho,
    repeated_user_id => RepeatedUserId,
    missing_error_type_header => MissingErrorTypeHeader,
    undocumented_error_type => UndocumentedErrorType,
    wrong_error_status => WrongErrorStatus,
    error_body_mismatch => ErrorBodyMismatch,
    server_error_on_valid_input => ServerErrorOnValidInput,
    accept_invalid_email => AcceptInvalidEmail,
    accept_invalid_user_type => AcceptInvalidUserType,
    never_conflict => NeverConflict,
    never_throttle => NeverThrottle,
    never_forbidden => NeverForbidden,
    never_not_found => NeverNotFound,
    never_unauthorized => NeverUnauthorized,
    ignore_fault_header => IgnoreFaultHeader,
    aws_common_error_on_shared_device => AwsCommonErrorOnSharedDevice,
    accept_stale_signatures => AcceptStaleSignatures,
    credential_scope_service_not_checked => CredentialScopeServiceNotChecked,
    credential_scope_region_not_checked => CredentialScopeRegionNotChecked,
    body_whitespace_not_bound => BodyWhitespaceNotBound,
    content_type_parameters_not_bound => ContentTypeParametersNotBound,
    signed_header_presence_not_checked => SignedHeaderPresenceNotChecked,
    date_not_required => DateNotRequired,
    session_token_not_required => SessionTokenNotRequired,
    session_token_taken_on_trust => SessionTokenTakenOnTrust,
    racy_conflict_check => RacyConflictCheck,
    throttle_some_as_bad_request => ThrottleSomeAsBadRequest,
    accept_trailing_data => AcceptTrailingData,
    reject_long_username => RejectLongUsername,
    mangle_astral_email_echo => MangleAstralEmailEcho,
    reset_on_oversized_body => ResetOnOversizedBody,
    invalid_input_takes_email => InvalidInputTakesEmail,
    forbidden_takes_email => ForbiddenTakesEmail,
    throttled_takes_email => ThrottledTakesEmail,
    injected_fault_takes_email => InjectedFaultTakesEmail,
    unverified_signature_takes_email => UnverifiedSignatureTakesEmail,
    server_error_on_unknown_method => ServerErrorOnUnknownMethod,
    route_ignores_method => RouteIgnoresMethod,
    query_not_bound => QueryNotBound,
}

#[test]
fn every_rule_has_a_mutant() {
    let missing: Vec<&str> = Rule::ALL
        .iter()
        .filter(|r| !MUTANTS.iter().any(|m| m.rule == **r))
        .map(|r| r.name())
        .collect();
    assert!(missing.is_empty(), "rules without a mutant: {missing:?}");
}

#[test]
fn the_readme_table_lists_every_rule_with_its_mutant_test() {
    let readme = include_str!("../../README.md");
    for &rule in Rule::ALL {
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| `{}` |", rule.name())))
            .unwrap_or_else(|| panic!("README.md has no rule-table row for `{}`", rule.name()));
        for m in MUTANTS.iter().filter(|m| m.rule == rule) {
            let test = test_name(m.defect);
            assert!(
                row.contains(&format!("`mutation::{test}`")),
                "README row for `{}` does not name `mutation::{test}`: {row}",
                rule.name()
            );
        }
    }
}

/// The test function named after a defect (snake case of its name).
fn test_name(defect: Defect) -> String {
    let mut out = String::new();
    let mut previous: Option<char> = None;
    for c in defect.name().chars() {
        let starts_word = c.is_ascii_uppercase()
            || (c.is_ascii_digit() && previous.is_some_and(|p| !p.is_ascii_digit()));
        if starts_word && previous.is_some() {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
        previous = Some(c);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restriction_passes_by_default_with_a_note_and_fails_under_strict() {
    let config = || MockConfig {
        defect: Some(Defect::RejectLongUsername),
        ..MockConfig::default()
    };
    let (run, report) = full_run_against(config()).await;
    assert_eq!(run.code, 0, "a restriction passes by default\n{run}");
    let restriction = report["choices"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|c| c["choice"] == "service_restriction")
        .unwrap_or_else(|| panic!("the restriction is reported: {}", report["choices"]));
    assert_eq!(restriction["verdict"], "restriction", "{restriction}");
    assert!(
        report["summary"]["restrictions"].as_u64() > Some(0),
        "{}",
        report["summary"]
    );
    assert!(run.stderr.contains("service_restriction"), "{run}");
    let (run, report) = full_run_with(config(), &["--strict"]).await;
    assert_eq!(run.code, 1, "--strict fails a restriction\n{run}");
    let messages: Vec<String> = failed_trials(&report)
        .map(|t| t["message"].to_string())
        .collect();
    assert!(
        messages
            .iter()
            .any(|m| m.contains("restriction service_restriction")),
        "the failure names the restriction: {messages:#?}"
    );
}

/// A probe that must be refused and is accepted fails `property::error_responses_follow_restjson1`
/// itself (it once passed when every probe was accepted), each under the rule of what it
/// probes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepted_probes_fail_the_error_property() {
    for (defect, rule) in [
        (Defect::NeverNotFound, "case.expected_exception"),
        (Defect::NeverUnauthorized, "case.expected_exception"),
        (Defect::AcceptInvalidEmail, "input.rejected"),
    ] {
        let config = MockConfig {
            defect: Some(defect),
            ..MockConfig::default()
        };
        let args = ["--exact", "property::error_responses_follow_restjson1"];
        let (run, report) = full_run_with(config, &args).await;
        assert_eq!(run.code, 1, "{defect}: the probe accepted must fail\n{run}");
        assert!(
            failed_rules(&report).contains(rule),
            "{defect}: {rule}\n{run}"
        );
    }
}

/// A property's create that is throttled, retried after its `Retry-After` and then meets a
/// ConflictException for its own Email breaks `state.refusal_left_no_trace`, not
/// `success.status`: here the mock's fault rules throttle the first creates and its defect
/// takes the Email of each request a fault refuses.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_create_retried_into_a_conflict_is_the_refusal_s_trace() {
    use chime_conformance::mock::ReferenceMock;
    let mock = ReferenceMock::start(MockConfig {
        defect: Some(Defect::InjectedFaultTakesEmail),
        ..MockConfig::default()
    })
    .await
    .expect("the mock starts");
    let client = chime_conformance::http::default_reqwest_client();
    let rule = r#"{"exception": "ThrottledClientException", "count": 24}"#;
    let added = crate::util::send(
        &client,
        &mock.uri(),
        "POST",
        "/_chime-mock/faults",
        &[("content-type", "application/json")],
        rule.as_bytes().to_vec(),
        None,
    )
    .await
    .expect("the control plane answers");
    assert_eq!(added.status, 201, "{added:?}");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let report = dir.path().join("report.json");
    let mut args = vec!["--endpoint".to_string(), mock.uri()];
    args.extend(crate::util::fixture_flags(&mock));
    args.extend(
        [
            "--exact",
            "property::valid_request_creates_user",
            "--cases",
            "8",
            "--seed",
            "7",
            "--report",
        ]
        .map(String::from),
    );
    args.push(report.display().to_string());
    let run = crate::util::harness(args, Vec::new()).await;
    assert_eq!(run.code, 1, "{run}");
    let report: Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    let rules = failed_rules(&report);
    assert!(
        rules.contains("state.refusal_left_no_trace") && !rules.contains("success.status"),
        "{rules:?}\n{run}"
    );
    assert!(
        report["summary"]["throttle_retries"].as_u64() > Some(0),
        "{}",
        report["summary"]
    );
}
