//! What a run does: the conformance suite (the default), a differential run against a
//! second target (`--compare-target`), or a cassette replay (`--replay`); the trials of each.

use std::path::PathBuf;
use std::sync::Arc;

use chime_conformance::input::cases::Case;
use chime_conformance::input::cassette::Cassette;
use chime_conformance::mock::ReferenceMock;
use chime_conformance::report::event::Reporters;
use chime_conformance::runner::{
    comparison_trial_names, comparison_trials, trial_names, trials, Comparison, Replay, Run,
};
use chime_conformance::target::builder::TargetSettings;
use chime_conformance::target::profile::TargetProfile;
use chime_conformance::target::TargetOrigin;
use libtest_mimic::Trial;

use super::exit::{usage, CliError};
use super::{build_run, Cli, Side};

/// What a run does.
pub enum Mode {
    /// Every property and case against one target.
    Conformance,
    /// The same traffic to the target and to the one a profile describes, compared.
    Differential(PathBuf),
    /// A cassette's requests re-sent to the target, compared with the recorded answers.
    Replay(PathBuf),
}

/// The trials of a run, the comparison behind them (if any), and a second embedded mock
/// (if the compared target is one).
type Trials = (Vec<Trial>, Option<Arc<Comparison>>, Option<ReferenceMock>);

impl Mode {
    pub fn of(cli: &Cli) -> Mode {
        match (&cli.run.compare_target, &cli.run.replay) {
            (Some(profile), _) => Mode::Differential(profile.clone()),
            (None, Some(cassette)) => Mode::Replay(cassette.clone()),
            (None, None) => Mode::Conformance,
        }
    }

    /// The names of the run's trials, without running anything.
    pub fn trial_names(&self, cases: &[Case]) -> Vec<String> {
        match self {
            Mode::Conformance => trial_names(cases),
            Mode::Differential(_) | Mode::Replay(_) => comparison_trial_names(),
        }
    }

    /// The run's trials.
    pub fn trials(
        &self,
        cli: &Cli,
        run: &Arc<Run>,
        cases: &[Case],
        runtime: &tokio::runtime::Runtime,
        seed: u64,
        run_id: &str,
    ) -> Result<Trials, CliError> {
        match self {
            Mode::Conformance => Ok((trials(run, cases), None, None)),
            Mode::Differential(path) => {
                let profile = TargetProfile::load(path).map_err(|e| usage(e.to_string()))?;
                let settings = TargetSettings::from(&profile);
                let side = Side {
                    settings: &settings,
                    origin: TargetOrigin::Profile(path.display().to_string()),
                    expected_failures: Default::default(),
                    reporters: Reporters::default(),
                    run_id: format!("{run_id}b"),
                    comparing: true,
                };
                let (right, mock) = build_run(cli, side, runtime, seed)?;
                let comparison = Comparison::differential(run.clone(), right, cases.to_vec());
                Ok((comparison_trials(&comparison), Some(comparison), mock))
            }
            Mode::Replay(path) => {
                let har = Cassette::load(path).map_err(|e| usage(e.to_string()))?;
                let replay = Replay::new(har, path.display().to_string());
                let comparison = Comparison::replay(run.clone(), replay, cases.to_vec());
                Ok((comparison_trials(&comparison), Some(comparison), None))
            }
        }
    }
}
