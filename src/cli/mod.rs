//! The `chime-conformance` command line, the binary's own (not part of the library): it
//! parses the flags ([`args`]), turns them into the library's settings ([`settings`]),
//! resolves them into a plan, runs a session with its live reporters (progress, notices
//! and, when asked, a cassette), prints the console summary, writes the reports and maps
//! the record to an exit code ([`exit::ExitStatus`]). Nothing else.

pub mod args;
mod exit;
mod notices;
mod progress;
mod settings;
mod stdout;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chime_conformance::report::cassette::CassetteRecorder;
use chime_conformance::report::console::render_console;
use chime_conformance::report::json::write_report;
use chime_conformance::report::junit::write_junit;
use chime_conformance::report::markdown::write_summary;
use chime_conformance::report::record::{FailureClass, RunRecord, Summary};
use chime_conformance::report::ReportError;
use chime_conformance::session::{Plan, Session};

pub use args::Cli;
use exit::CliError;
pub use exit::ExitStatus;
use notices::Notices;
use progress::{Progress, ProgressMode};
#[allow(unused_imports)]
pub use stdout::quiet_on_closed_stdout;

/// Runs the command line; returns how it ended (errors are printed to stderr).
pub fn main_with(cli: Cli) -> ExitStatus {
    match run(cli) {
        Ok(status) => status,
        Err(e) => {
            eprintln!("chime-conformance: error: {e}");
            e.status
        }
    }
}

fn run(cli: Cli) -> Result<ExitStatus, CliError> {
    let plan = Plan::resolve(settings::of(&cli))?.with_trials(cli.libtest.clone());
    if cli.libtest.list {
        let listed = plan
            .trial_names()
            .into_iter()
            .map(|name| libtest_mimic::Trial::test(name, || Ok(())))
            .collect();
        let _listed_only = libtest_mimic::run(&cli.libtest, listed);
        return Ok(ExitStatus::Success);
    }
    let quiet =
        cli.libtest.quiet || matches!(cli.libtest.format, Some(libtest_mimic::FormatSetting::Json));
    let recorder = cli
        .run
        .record
        .as_ref()
        .map(|_| Arc::new(CassetteRecorder::new()));
    let mut session = Session::new(plan)
        .reporter(Arc::new(Notices))
        .reporter(Arc::new(Progress::new(ProgressMode::for_stderr(quiet))));
    if let Some(recorder) = &recorder {
        session = session.reporter(recorder.clone());
    }
    let record = session.run()?;
    eprintln!("\n{}", render_console(&record));
    write_reports(&cli, &record)?;
    if let (Some(recorder), Some(path)) = (&recorder, &cli.run.record) {
        recorder.write(path)?;
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
            write(path, record)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_selection_follows_libtest_filters() {
        use chime_conformance::session::Settings;
        use clap::Parser;
        let plan = |argv: &[&str]| {
            Plan::resolve(Settings::default())
                .unwrap()
                .with_trials(Cli::parse_from(argv).libtest)
        };
        let exact = plan(&["x", "--exact", "property::a"]);
        assert!(exact.selects("property::a") && !exact.selects("property::ab"));
        let partial = plan(&["x", "conflict", "--skip", "other"]);
        assert!(partial.selects("exception::conflict::a"));
        assert!(!partial.selects("exception::conflict::other"));
        assert!(!partial.selects("property::a"));
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
