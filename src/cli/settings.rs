//! The second step after parsing: the flags (clap has already put each environment
//! variable in its flag's place) turned into the library's [`Settings`], and back: the
//! flag that stands for each [`Setting`] an error names.

use chime_conformance::endpoint::builder::{AuthMode, TargetSettings};
use chime_conformance::session::{Setting, Settings};

use super::args::{AuthArg, Cli};

/// The run's settings as the flags give them.
pub fn of(cli: &Cli) -> Settings {
    let t = &cli.target;
    let r = &cli.run;
    Settings {
        target: TargetSettings {
            endpoint: t.endpoint.clone(),
            account_id: t.account_id.clone(),
            forbidden_account_id: t.forbidden_account_id.clone(),
            throttled_account_id: t.throttled_account_id.clone(),
            fault_header: t.fault_header.clone(),
            auth: t.auth.map(|a| match a {
                AuthArg::Sigv4 => AuthMode::SigV4,
                AuthArg::None => AuthMode::None,
            }),
            aws_profile: t.profile.clone(),
            region: t.region.clone(),
            ca_cert: t.ca_cert.clone(),
            timeout_secs: t.timeout,
            deadline_secs: t.deadline,
            concurrency: r.concurrency,
            rate: r.rate,
            budget: r.budget,
            max_users: r.max_users,
            allow_disruptive: r.allow_disruptive.then_some(true),
        },
        target_profile: t.target.clone(),
        case_dir: r.case_dir.clone(),
        seed: r.seed,
        cases_per_property: r.cases,
        regressions: (!r.no_regressions).then(|| r.regressions.clone()),
        strict: r.strict,
        compare_target: r.compare_target.clone(),
        replay: r.replay.clone(),
    }
}

/// The flag (with its environment variable) that gives a setting; `None` for the target's
/// own settings, whose errors name their flag themselves.
pub fn flag(setting: Setting) -> Option<&'static str> {
    Some(match setting {
        Setting::TargetProfile => "--target (CHIME_TARGET)",
        Setting::ExpectedFailures => "--target (CHIME_TARGET): expected_failures",
        Setting::CaseDir => "--case-dir (CHIME_CASE_DIR)",
        Setting::CompareTarget => "--compare-target (CHIME_COMPARE_TARGET)",
        Setting::Replay => "--replay (CHIME_REPLAY)",
        Setting::CaCert => "--ca-cert (CHIME_CA_CERT)",
        Setting::Credentials => "the AWS credentials (--profile, --region, AWS_* variables)",
        Setting::Target => return None,
    })
}
