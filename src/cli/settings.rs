//! The second step after parsing: flags (and their environment variables) layered over the
//! target profile into [`TargetSettings`], case loading, and the run options.

use std::collections::BTreeMap;

use chime_conformance::check::Rule;
use chime_conformance::input::cases::{embedded_cases, load_cases, Case};
use chime_conformance::runner::ExpectedFailure;
use chime_conformance::target::builder::{AuthMode, TargetSettings};
use chime_conformance::target::profile::TargetProfile;

use super::args::{AuthArg, Cli};
use super::exit::{usage, CliError};

/// The target settings the flags give (clap has already put each environment variable in
/// its flag's place).
pub fn flag_settings(cli: &Cli) -> TargetSettings {
    let t = &cli.target;
    let r = &cli.run;
    TargetSettings {
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
    }
}

/// The target profile named by `--target`, or an empty one.
pub fn profile(cli: &Cli) -> Result<TargetProfile, CliError> {
    match &cli.target.target {
        Some(path) => TargetProfile::load(path).map_err(|e| usage(e.to_string())),
        None => Ok(TargetProfile::default()),
    }
}

/// The exception cases: from `--case-dir`, else the built-in ones.
pub fn cases(cli: &Cli) -> Result<Vec<Case>, CliError> {
    match &cli.run.case_dir {
        Some(dir) => load_cases(dir),
        None => embedded_cases(),
    }
    .map_err(|e| usage(e.to_string()))
}

/// Refuses a case whose step names an open choice the registry does not know.
pub fn check_case_choices(cases: &[Case]) -> Result<(), CliError> {
    use chime_conformance::check::OpenChoice;
    for case in cases {
        for (i, step) in case.steps.iter().enumerate() {
            if let Some(name) = &step.choice {
                if OpenChoice::from_name(name).is_none() {
                    return Err(usage(format!(
                        "case {}: step {}: choice {name:?} is not an open choice (one of: {})",
                        case.name,
                        i + 1,
                        OpenChoice::ALL
                            .iter()
                            .map(|c| c.name())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
        }
    }
    Ok(())
}

/// The profile's expected failures, typed: refuses a listed trial that does not exist and
/// a listed rule that is not a rule (naming the entry and the rule).
pub fn expected_failures(
    profile: &TargetProfile,
    known: &[String],
) -> Result<BTreeMap<String, ExpectedFailure>, CliError> {
    let mut typed = BTreeMap::new();
    for listed in &profile.expected_failures {
        if !known.contains(&listed.trial) {
            return Err(usage(format!(
                "target profile: expected_failures names {:?}, which is not a trial (see --list)",
                listed.trial
            )));
        }
        let rules = match &listed.rules {
            None => None,
            Some(names) => Some(
                names
                    .iter()
                    .map(|name| {
                        Rule::from_name(name).ok_or_else(|| {
                            usage(format!(
                                "target profile: expected_failures entry for {:?} lists rule {name:?}, which is not a rule (rules: {})",
                                listed.trial,
                                Rule::ALL.iter().map(|r| r.name()).collect::<Vec<_>>().join(", ")
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        typed.insert(
            listed.trial.clone(),
            ExpectedFailure {
                reason: listed.reason.clone(),
                rules,
            },
        );
    }
    Ok(typed)
}
