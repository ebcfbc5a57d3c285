//! The settings of a run resolved once into a [`Plan`]: the target's settings layered over
//! its profile, the cases loaded and checked, the expected failures typed, the compared
//! target or the cassette loaded, the seed and run id chosen. Errors name the [`Setting`]
//! that was wrong; only the command line turns a setting into a flag.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::SessionError;
use crate::check::{OpenChoice, Rule};
use crate::endpoint::builder::TargetSettings;
use crate::endpoint::profile::TargetProfile;
use crate::endpoint::TargetOrigin;
use crate::input::cases::{embedded_cases, load_cases, Case};
use crate::input::cassette::{Cassette, Har};
use crate::runner::{comparison_trial_names, trial_names, ExpectedFailure};

/// Generated inputs per property when none is given.
pub const DEFAULT_CASES_PER_PROPERTY: u32 = 256;

/// One setting of a run, as an error names it. [`Setting::name`] is its name in this
/// library and in a target profile; the command line has a flag for each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Setting {
    /// The target profile file (TOML).
    TargetProfile,
    /// A profile's `expected_failures`.
    ExpectedFailures,
    /// The folder of exception case files.
    CaseDir,
    /// The profile of a second target, for a differential run.
    CompareTarget,
    /// A cassette (HAR) to replay.
    Replay,
    /// The settings of the target itself (endpoint, accounts, limits, ...); the error's
    /// message names the one at fault.
    Target,
    /// The CA certificate file trusted for TLS.
    CaCert,
    /// The AWS credential chain (profile, region, environment).
    Credentials,
}

impl Setting {
    /// The setting's name, as a target profile and this library spell it.
    pub fn name(self) -> &'static str {
        match self {
            Setting::TargetProfile => "target_profile",
            Setting::ExpectedFailures => "expected_failures",
            Setting::CaseDir => "case_dir",
            Setting::CompareTarget => "compare_target",
            Setting::Replay => "replay",
            Setting::Target => "target",
            Setting::CaCert => "ca_cert",
            Setting::Credentials => "credentials",
        }
    }
}

impl std::fmt::Display for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Everything a run can be told, before it is checked. [`Settings::default`] is a run of
/// the embedded reference mock with the built-in cases and no regressions file.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The target's settings as given directly; each one given overrides the profile's.
    pub target: TargetSettings,
    /// A target profile (TOML) under the direct settings.
    pub target_profile: Option<PathBuf>,
    /// Exception cases from this folder instead of the built-in ones.
    pub case_dir: Option<PathBuf>,
    /// The seed; `None` picks one at random (the record says which).
    pub seed: Option<u64>,
    /// Generated inputs per property.
    pub cases_per_property: u32,
    /// Where failing inputs are kept and replayed from; `None` keeps none.
    pub regressions: Option<PathBuf>,
    /// Restrictions and notes fail the run too.
    pub strict: bool,
    /// Compare the target with the one this profile describes.
    pub compare_target: Option<PathBuf>,
    /// Replay this cassette to the target and compare the answers.
    pub replay: Option<PathBuf>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            target: TargetSettings::default(),
            target_profile: None,
            case_dir: None,
            seed: None,
            cases_per_property: DEFAULT_CASES_PER_PROPERTY,
            regressions: None,
            strict: false,
            compare_target: None,
            replay: None,
        }
    }
}

/// What a run does.
#[derive(Debug, Clone)]
pub enum Work {
    /// Every property, probe and case against one target.
    Conformance,
    /// The same traffic to the target and to a second one, compared.
    Differential {
        settings: Box<TargetSettings>,
        origin: TargetOrigin,
    },
    /// A cassette's requests re-sent to the target, compared with the recorded answers.
    Replay { cassette: Box<Har>, source: String },
}

/// A run, resolved: nothing in it is checked again, and nothing patches it later.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The target's settings, the direct ones layered over the profile's.
    pub target: TargetSettings,
    /// Where the target's settings came from.
    pub origin: TargetOrigin,
    pub work: Work,
    pub cases: Vec<Case>,
    /// Trials the target is known to fail, by trial name.
    pub expected_failures: BTreeMap<String, ExpectedFailure>,
    pub seed: u64,
    /// A short id of this run, carried by created users' emails and usernames.
    pub run_id: String,
    pub cases_per_property: u32,
    pub regressions: Option<PathBuf>,
    pub strict: bool,
    /// Which trials run and how their results are printed: libtest's arguments (a name
    /// filter, `--exact`, `--skip`, `--format`, `--test-threads`); the default runs all.
    pub trials: libtest_mimic::Arguments,
}

impl Plan {
    /// Resolves `settings` into a plan: reads the profiles, the cases and the cassette,
    /// and checks every setting, naming the one at fault.
    pub fn resolve(settings: Settings) -> Result<Plan, SessionError> {
        let profile = match &settings.target_profile {
            Some(path) => TargetProfile::load(path)
                .map_err(|e| SessionError::setting(Setting::TargetProfile, e.into()))?,
            None => TargetProfile::default(),
        };
        let cases = match &settings.case_dir {
            Some(dir) => {
                load_cases(dir).map_err(|e| SessionError::setting(Setting::CaseDir, e.into()))?
            }
            None => embedded_cases().map_err(SessionError::internal)?,
        };
        check_case_choices(&cases)?;
        let work = match (&settings.compare_target, &settings.replay) {
            (Some(path), _) => {
                let profile = TargetProfile::load(path)
                    .map_err(|e| SessionError::setting(Setting::CompareTarget, e.into()))?;
                Work::Differential {
                    settings: Box::new(TargetSettings::from(&profile)),
                    origin: TargetOrigin::Profile(path.display().to_string()),
                }
            }
            (None, Some(path)) => Work::Replay {
                cassette: Box::new(
                    Cassette::load(path)
                        .map_err(|e| SessionError::setting(Setting::Replay, e.into()))?,
                ),
                source: path.display().to_string(),
            },
            (None, None) => Work::Conformance,
        };
        let known = names_of(&work, &cases);
        let expected_failures = expected_failures(&profile, &known)?;
        let origin = match &settings.target_profile {
            Some(path) => TargetOrigin::Profile(path.display().to_string()),
            None => TargetOrigin::Flags,
        };
        Ok(Plan {
            target: settings.target.or(TargetSettings::from(&profile)),
            origin,
            work,
            cases,
            expected_failures,
            seed: settings.seed.unwrap_or_else(rand::random),
            run_id: uuid::Uuid::new_v4().simple().to_string()[..8].to_string(),
            cases_per_property: settings.cases_per_property,
            regressions: settings.regressions,
            strict: settings.strict,
            trials: libtest_mimic::Arguments::default(),
        })
    }

    /// The plan with these libtest arguments (trial filters and output format).
    pub fn with_trials(mut self, trials: libtest_mimic::Arguments) -> Plan {
        self.trials = trials;
        self
    }

    /// The names of the plan's trials, sorted, without running anything.
    pub fn trial_names(&self) -> Vec<String> {
        names_of(&self.work, &self.cases)
    }

    /// Whether the plan's trial filters (a name filter, `--exact`, `--skip`) select a trial.
    pub fn selects(&self, name: &str) -> bool {
        let args = &self.trials;
        let matches = |pattern: &str| {
            if args.exact {
                name == pattern
            } else {
                name.contains(pattern)
            }
        };
        args.filter.as_deref().is_none_or(matches) && !args.skip.iter().any(|s| matches(s))
    }
}

fn names_of(work: &Work, cases: &[Case]) -> Vec<String> {
    match work {
        Work::Conformance => trial_names(cases),
        Work::Differential { .. } | Work::Replay { .. } => comparison_trial_names(),
    }
}

/// Refuses a case whose step names an open choice the registry does not know.
fn check_case_choices(cases: &[Case]) -> Result<(), SessionError> {
    for case in cases {
        for (i, step) in case.steps.iter().enumerate() {
            if let Some(name) = &step.choice {
                if OpenChoice::from_name(name).is_none() {
                    return Err(SessionError::setting(
                        Setting::CaseDir,
                        format!(
                            "case {}: step {}: choice {name:?} is not an open choice (one of: {})",
                            case.name,
                            i + 1,
                            OpenChoice::ALL
                                .iter()
                                .map(|c| c.name())
                                .collect::<Vec<_>>()
                                .join(", ")
                        )
                        .into(),
                    ));
                }
            }
        }
    }
    Ok(())
}

/// The profile's expected failures, typed: refuses a listed trial that does not exist and
/// a listed rule that is not a rule (naming the entry and the rule).
fn expected_failures(
    profile: &TargetProfile,
    known: &[String],
) -> Result<BTreeMap<String, ExpectedFailure>, SessionError> {
    let refuse = |message: String| SessionError::setting(Setting::ExpectedFailures, message.into());
    let mut typed = BTreeMap::new();
    for listed in &profile.expected_failures {
        if !known.contains(&listed.trial) {
            return Err(refuse(format!(
                "{:?} is not a trial (the trials are listed by --list)",
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
                            refuse(format!(
                                "the entry for {:?} lists rule {name:?}, which is not a rule (rules: {})",
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
