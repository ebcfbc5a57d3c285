//! The `chime-conformance` command line, the binary's own (not part of the library): flags
//! parsed first ([`args`]), turned into a validated target and run options ([`settings`],
//! [`target`]), then the run, its live progress and its reporters. Exit codes are
//! documented in [`exit::ExitStatus`].

pub mod args;
mod exit;
mod mode;
mod settings;
mod stdout;
mod target;

use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use chime_conformance::contract::schema::Schemas;
use chime_conformance::http::Client;
use chime_conformance::input::cases::Case;
use chime_conformance::mock::ReferenceMock;
use chime_conformance::report::cassette::CassetteRecorder;
use chime_conformance::report::console::render_console;
use chime_conformance::report::event::{Event, Reporter, Reporters};
use chime_conformance::report::json::write_report;
use chime_conformance::report::junit::write_junit;
use chime_conformance::report::markdown::write_summary;
use chime_conformance::report::matrix::build_matrix;
use chime_conformance::report::progress::{Progress, ProgressMode};
use chime_conformance::report::record::{FailureClass, RunRecord, Summary};
use chime_conformance::report::ReportError;
use chime_conformance::runner::{planned_cases, ExpectedFailure, Run, RunOptions, UsernameTag};
use chime_conformance::target::builder::TargetSettings;
use chime_conformance::target::TargetOrigin;

pub use args::Cli;
pub use exit::ExitStatus;
use exit::{usage, CliError};
use mode::Mode;
#[allow(unused_imports)]
pub use stdout::quiet_on_closed_stdout;

/// Runs the command line; returns how it ended (errors are printed to stderr).
pub fn main_with(cli: Cli) -> ExitStatus {
    match run(cli) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("chime-conformance: error: {e}");
            e.status()
        }
    }
}

fn run(cli: Cli) -> Result<ExitStatus, CliError> {
    let cases = settings::cases(&cli)?;
    settings::check_case_choices(&cases)?;
    let mode = Mode::of(&cli);
    if cli.libtest.list {
        let listed = mode
            .trial_names(&cases)
            .into_iter()
            .map(|name| libtest_mimic::Trial::test(name, || Ok(())))
            .collect();
        let _listed_only = libtest_mimic::run(&cli.libtest, listed);
        return Ok(ExitStatus::Success);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| usage(format!("failed to start the async runtime: {e}")))?;
    let seed = cli.run.seed.unwrap_or_else(rand::random);
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let recorder = cli
        .run
        .record
        .as_ref()
        .map(|_| Arc::new(CassetteRecorder::new()));
    // The embedded mocks, if any, live as long as this function.
    let (run, _mock) = prepare(&cli, &mode, &cases, &runtime, seed, &run_id, &recorder)?;
    let (trials, comparison, _right_mock) =
        mode.trials(&cli, &run, &cases, &runtime, seed, &run_id)?;
    run.report(&Event::RunStarted {
        trials: trials
            .iter()
            .filter(|t| selected(&cli.libtest, t.name()))
            .count(),
    });
    let _conclusion = libtest_mimic::run(&cli.libtest, trials);
    run.report(&Event::RunFinished);
    let mut record = run_record(&run, &cases, &run_id, seed);
    if let Some(comparison) = &comparison {
        record.exception_matrix.clear();
        record.drift = Some(comparison.drift().clone());
    }
    eprintln!("\n{}", render_console(&record));
    write_reports(&cli, &record)?;
    if let (Some(recorder), Some(path)) = (&recorder, &cli.run.record) {
        recorder.write(path).map_err(|e| usage(e.to_string()))?;
        eprintln!(
            "chime-conformance: recorded {} exchanges in {}",
            recorder.entries(),
            path.display()
        );
    }
    let status = exit_status(&record.summary);
    if status == ExitStatus::Success && cli.run.strict_health && !record.health.is_empty() {
        eprintln!("chime-conformance: run health warnings with --strict-health: exit code 1");
        return Ok(ExitStatus::ConformanceFailures);
    }
    Ok(status)
}

/// Everything before the first trial: settings layered and checked, the target reached,
/// the client, the schemas and the reporters.
fn prepare(
    cli: &Cli,
    mode: &Mode,
    cases: &[Case],
    runtime: &tokio::runtime::Runtime,
    seed: u64,
    run_id: &str,
    recorder: &Option<Arc<CassetteRecorder>>,
) -> Result<(Arc<Run>, Option<ReferenceMock>), CliError> {
    let profile = settings::profile(cli)?;
    let expected_failures = settings::expected_failures(&profile, &mode.trial_names(cases))?;
    let settings = settings::flag_settings(cli).or(TargetSettings::from(&profile));
    let origin = match &cli.target.target {
        Some(path) => TargetOrigin::Profile(path.display().to_string()),
        None => TargetOrigin::Flags,
    };
    let quiet = cli.libtest.quiet || is_json_format(cli);
    let mut reporters: Vec<Arc<dyn Reporter>> =
        vec![Arc::new(Progress::new(ProgressMode::for_stderr(quiet)))];
    if let Some(recorder) = recorder {
        reporters.push(recorder.clone());
    }
    let side = Side {
        settings: &settings,
        origin,
        expected_failures,
        reporters: Reporters::new(reporters),
        run_id: run_id.to_string(),
        comparing: !matches!(mode, Mode::Conformance),
    };
    build_run(cli, side, runtime, seed)
}

/// One side of a run: its target's settings, and what the run reports to.
pub(crate) struct Side<'a> {
    pub settings: &'a TargetSettings,
    pub origin: TargetOrigin,
    pub expected_failures: std::collections::BTreeMap<String, ExpectedFailure>,
    pub reporters: Reporters,
    pub run_id: String,
    /// Whether the run compares targets: then both sides tag usernames alike, so that a
    /// `DisplayName` is there on both or on neither.
    pub comparing: bool,
}

/// A run against one side's target: the target reached, the client, the schemas.
pub(crate) fn build_run(
    cli: &Cli,
    side: Side<'_>,
    runtime: &tokio::runtime::Runtime,
    seed: u64,
) -> Result<(Arc<Run>, Option<ReferenceMock>), CliError> {
    let bounds = side
        .settings
        .run_bounds()
        .map_err(|e| usage(e.to_string()))?;
    let deadline = std::time::Instant::now() + bounds.deadline;
    let (target, mock) = target::resolve(side.settings, side.origin, runtime)?;
    eprintln!(
        "chime-conformance {}: seed {seed}, run {}, target {}{}{}",
        env!("CARGO_PKG_VERSION"),
        side.run_id,
        target.endpoint,
        if target.is_embedded() {
            " (embedded reference mock)"
        } else {
            ""
        },
        describe_limits(&target.limits),
    );
    let client = Client::new(target)
        .map_err(|e| usage(e.to_string()))?
        .with_deadline(deadline);
    if !client.target().is_embedded() {
        target::preflight(runtime, &client, &side.run_id)?;
    }
    let options = RunOptions {
        seed,
        cases_per_property: cli.run.cases,
        regressions: (!cli.run.no_regressions).then(|| cli.run.regressions.clone()),
        disruption: bounds.disruption,
        run_id: side.run_id,
        usernames: if client.target().is_embedded() && !side.comparing {
            UsernameTag::Untagged
        } else {
            UsernameTag::RunId
        },
        expected_failures: side.expected_failures,
        strict: cli.run.strict,
    };
    let schemas = Schemas::compile().map_err(|e| usage(e.to_string()))?;
    let run = Run::new(
        runtime.handle().clone(),
        client,
        schemas,
        options,
        side.reporters,
    );
    Ok((run, mock))
}

/// The record of a finished run, for every writer.
fn run_record(run: &Run, cases: &[Case], run_id: &str, seed: u64) -> RunRecord {
    let target = run.client().target();
    let mut record = RunRecord::new(run_id, seed, &target.endpoint, target.is_embedded());
    record.trials = run.records();
    record.exception_matrix = build_matrix(&planned_cases(cases), &record.trials);
    record.input_coverage = run.coverage();
    record.created_user_ids = run.created_users();
    record.health = run.health();
    record.choices = run.choices();
    let stats = run.client().stats();
    record.summary = Summary::of(
        &record.trials,
        &record.exception_matrix,
        stats.requests.load(Ordering::Relaxed),
        stats.throttle_retries.load(Ordering::Relaxed),
    );
    record.summary.transient_retries = stats.transient_retries.load(Ordering::Relaxed);
    record.summary.transient_backoff_ms = stats.transient_backoff_ms.load(Ordering::Relaxed);
    (
        record.summary.choices,
        record.summary.restrictions,
        record.summary.notes,
    ) = chime_conformance::report::choices::counts(&record.choices);
    record.with_findings()
}

/// The exit status a run's outcome gives: see [`ExitStatus`].
fn exit_status(summary: &Summary) -> ExitStatus {
    if summary.failed == 0 {
        ExitStatus::Success
    } else if summary.failed_of(FailureClass::AwsCommon) == summary.failed {
        ExitStatus::AwsCommonOnly
    } else {
        ExitStatus::ConformanceFailures
    }
}

type WriteReport = fn(&Path, &RunRecord) -> Result<(), ReportError>;

fn write_reports(cli: &Cli, record: &RunRecord) -> Result<(), CliError> {
    let writers: [(&Option<PathBuf>, WriteReport); 3] = [
        (&cli.run.report, write_report),
        (&cli.run.junit, write_junit),
        (&cli.run.summary, write_summary),
    ];
    for (path, write) in writers {
        if let Some(path) = path {
            write(path, record).map_err(|e| usage(e.to_string()))?;
        }
    }
    Ok(())
}

/// Whether libtest's filters (a name filter, `--exact`, `--skip`) select a trial.
fn selected(args: &libtest_mimic::Arguments, name: &str) -> bool {
    let matches = |pattern: &str| {
        if args.exact {
            name == pattern
        } else {
            name.contains(pattern)
        }
    };
    args.filter.as_deref().is_none_or(matches) && !args.skip.iter().any(|s| matches(s))
}

fn is_json_format(cli: &Cli) -> bool {
    matches!(cli.libtest.format, Some(libtest_mimic::FormatSetting::Json))
}

fn describe_limits(limits: &chime_conformance::target::Limits) -> String {
    let mut parts = Vec::new();
    if let Some(rate) = limits.rate {
        parts.push(format!("at most {rate} requests/s"));
    }
    if let Some(budget) = limits.budget {
        parts.push(format!("budget {budget} requests"));
    }
    if let Some(users) = limits.max_users {
        parts.push(format!("at most {users} users created"));
    }
    if parts.is_empty() {
        String::new()
    } else {
        format!(" ({})", parts.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_follows_libtest_filters() {
        use clap::Parser;
        let args = |argv: &[&str]| Cli::parse_from(argv).libtest;
        let exact = args(&["x", "--exact", "property::a"]);
        assert!(selected(&exact, "property::a") && !selected(&exact, "property::ab"));
        let partial = args(&["x", "conflict", "--skip", "other"]);
        assert!(selected(&partial, "exception::conflict::a"));
        assert!(!selected(&partial, "exception::conflict::other"));
        assert!(!selected(&partial, "property::a"));
    }

    #[test]
    fn the_exit_status_follows_the_failure_classes() {
        let mut s = Summary::default();
        assert_eq!(exit_status(&s), ExitStatus::Success);
        s.failed = 2;
        s.failed_by_class.insert(FailureClass::AwsCommon, 2);
        assert_eq!(exit_status(&s), ExitStatus::AwsCommonOnly);
        s.failed = 3;
        s.failed_by_class.insert(FailureClass::Transport, 1);
        assert_eq!(exit_status(&s), ExitStatus::ConformanceFailures);
    }
}
