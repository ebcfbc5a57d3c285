//! The `chime-conformance` command line: flags (each with a `CHIME_*` environment variable)
//! parsed first, then turned into a validated [`Target`] and [`RunOptions`] in a second
//! step, then the run itself and its reporters. Exit codes are documented in
//! [`ExitStatus`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

use crate::cases::{embedded_cases, load_cases, Case, Permissions};
use crate::client::{Call, Client};
use crate::matrix::{build_matrix, render_matrix};
use crate::mock::{MockConfig, ReferenceMock};
use crate::report::{write_report, Report, Summary};
use crate::runner::{trial_names, trials, RecordedOutcome, Run, RunOptions};
use crate::schema::Schemas;
use crate::sigv4::SigningCredentials;
use crate::target::{Auth, Target, TargetFixtures};

/// How the run ended, as the process exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// 0: every trial that ran passed (ignored trials are not failures).
    Success = 0,
    /// 1: at least one trial failed: the target departs from the contract (or a
    /// transport failure interrupted a trial).
    ConformanceFailures = 1,
    /// 2: bad flags, environment, case files or configuration.
    Usage = 2,
    /// 3: the target could not be reached at all (connection, DNS, TLS).
    TargetUnreachable = 3,
}

impl From<ExitStatus> for ExitCode {
    fn from(s: ExitStatus) -> ExitCode {
        ExitCode::from(s as u8)
    }
}

const AFTER_HELP: &str = "\
With no --endpoint, the embedded reference mock is started in-process with its default
fixtures and test credentials, so a bare run is a complete demonstration.

Trial filters and --list, --exact, --skip, --ignored, --include-ignored, --format
pretty|terse|json, --test-threads work as in `cargo test`. Trial names:
  property::valid_request_creates_user, property::invalid_request_is_rejected,
  property::error_responses_follow_restjson1, exception::<group>::<case>.

Credentials for --auth sigv4 come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_SESSION_TOKEN. They and the signatures are never printed.

Exit codes: 0 all trials passed; 1 conformance failures; 2 usage or configuration
error; 3 target unreachable.";

/// Conformance harness for the Amazon Chime CreateUser API.
#[derive(Debug, Parser)]
#[command(
    name = "chime-conformance",
    version,
    after_help = AFTER_HELP,
    help_template = "{name} {version}: {about}\n\n{usage-heading} {usage}\n\n{all-args}\n\n{after-help}"
)]
pub struct Cli {
    #[command(flatten)]
    pub target: TargetArgs,
    #[command(flatten)]
    pub run: RunArgs,
    #[command(
        flatten,
        next_help_heading = "Trial selection and output (as in cargo test)"
    )]
    pub libtest: libtest_mimic::Arguments,
}

/// How requests authenticate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum AuthArg {
    /// Sign with AWS SigV4 (service `chime`).
    Sigv4,
    /// Send unsigned requests; cases about credentials are ignored.
    None,
}

/// Where the target is and what it offers.
#[derive(Debug, Args)]
#[command(next_help_heading = "Target")]
pub struct TargetArgs {
    /// Base URL of the CreateUser endpoint (e.g. http://127.0.0.1:4566). Without it, the
    /// embedded reference mock is started.
    #[arg(long, env = "CHIME_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,
    /// An ordinary account in which users can be created (required with --endpoint).
    #[arg(long, env = "CHIME_ACCOUNT_ID", value_name = "ID")]
    pub account_id: Option<String>,
    /// An account the caller may not act on; without it the ForbiddenException case is ignored.
    #[arg(long, env = "CHIME_FORBIDDEN_ACCOUNT_ID", value_name = "ID")]
    pub forbidden_account_id: Option<String>,
    /// An account with a low rate limit; without it the ThrottledClientException case is ignored.
    #[arg(long, env = "CHIME_THROTTLED_ACCOUNT_ID", value_name = "ID")]
    pub throttled_account_id: Option<String>,
    /// The target's fault-injection header; fault cases send it with an exception name as
    /// value (e.g. ServiceUnavailableException). Without it the fault cases are ignored.
    #[arg(long, env = "CHIME_FAULT_HEADER", value_name = "NAME")]
    pub fault_header: Option<String>,
    /// How requests authenticate.
    #[arg(long, env = "CHIME_AUTH", value_enum, default_value = "sigv4")]
    pub auth: AuthArg,
    /// SigV4 region [default: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1].
    #[arg(long, env = "CHIME_REGION", value_name = "REGION")]
    pub region: Option<String>,
    /// Per-request timeout in seconds (connect, headers and body).
    #[arg(long, env = "CHIME_TIMEOUT", value_name = "SECS", default_value = "10")]
    pub timeout: f64,
    /// Deadline of the whole run in seconds: requests still unanswered then are cut off and
    /// reported as transport failures.
    #[arg(
        long,
        env = "CHIME_DEADLINE",
        value_name = "SECS",
        default_value = "900"
    )]
    pub deadline: f64,
}

/// How the run goes.
#[derive(Debug, Args)]
#[command(next_help_heading = "Run")]
pub struct RunArgs {
    /// Generated requests per property.
    #[arg(long, env = "CHIME_CASES", value_name = "N", default_value = "256",
          value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub cases: u32,
    /// Seed of the generators [default: random, printed at start].
    #[arg(long, env = "CHIME_SEED", value_name = "N")]
    pub seed: Option<u64>,
    /// Requests in flight at once, across all trials.
    #[arg(long, env = "CHIME_CONCURRENCY", value_name = "N", default_value = "16",
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,
    /// Write a JSON report (trials, outcomes, rules, matrix, created users) to PATH.
    #[arg(long, env = "CHIME_REPORT", value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Load exception cases from DIR instead of the built-in cases/.
    #[arg(long, env = "CHIME_CASE_DIR", value_name = "DIR")]
    pub case_dir: Option<PathBuf>,
    /// Where shrunk failing inputs are kept and replayed first on the next run.
    #[arg(
        long,
        env = "CHIME_REGRESSIONS",
        value_name = "PATH",
        default_value = ".chime-conformance/regressions.jsonl"
    )]
    pub regressions: PathBuf,
    /// Neither replay nor record regressions.
    #[arg(long, env = "CHIME_NO_REGRESSIONS")]
    pub no_regressions: bool,
    /// Allow cases that load or fault the target (throttle burst, injected faults) against a
    /// non-loopback endpoint.
    #[arg(long, env = "CHIME_ALLOW_DISRUPTIVE")]
    pub allow_disruptive: bool,
}

/// A usage or configuration error (exit code 2) or an unreachable target (exit code 3).
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error("target unreachable: {0}")]
    Unreachable(String),
}

impl CliError {
    fn status(&self) -> ExitStatus {
        match self {
            CliError::Usage(_) => ExitStatus::Usage,
            CliError::Unreachable(_) => ExitStatus::TargetUnreachable,
        }
    }
}

fn usage(message: impl Into<String>) -> CliError {
    CliError::Usage(message.into())
}

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

fn load(cli: &Cli) -> Result<Vec<Case>, CliError> {
    match &cli.run.case_dir {
        Some(dir) => load_cases(dir),
        None => embedded_cases(),
    }
    .map_err(|e| usage(e.to_string()))
}

fn run(cli: Cli) -> Result<ExitStatus, CliError> {
    let cases = load(&cli)?;
    if cli.libtest.list {
        let listed = trial_names(&cases)
            .into_iter()
            .map(|name| libtest_mimic::Trial::test(name, || Ok(())))
            .collect();
        let _listed_only = libtest_mimic::run(&cli.libtest, listed);
        return Ok(ExitStatus::Success);
    }
    for (flag, value) in [
        ("--timeout", cli.target.timeout),
        ("--deadline", cli.target.deadline),
    ] {
        if !value.is_finite() || value <= 0.0 || value > 86_400.0 {
            return Err(usage(format!(
                "{flag} must be a number of seconds in (0, 86400], not {value}"
            )));
        }
    }
    let deadline = std::time::Instant::now() + Duration::from_secs_f64(cli.target.deadline);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| usage(format!("failed to start the async runtime: {e}")))?;
    let seed = cli.run.seed.unwrap_or_else(rand::random);
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();

    // The embedded mock lives as long as this function.
    let (mut target, _mock) = match &cli.target.endpoint {
        Some(endpoint) => (target_from_flags(&cli.target, endpoint)?, None),
        None => {
            reject_fixture_flags_without_endpoint(&cli.target)?;
            let mock = runtime
                .block_on(ReferenceMock::start(MockConfig::default()))
                .map_err(|e| usage(format!("failed to start the embedded reference mock: {e}")))?;
            (embedded_target(&mock, &cli.target), Some(mock))
        }
    };
    target.concurrency = cli.run.concurrency as usize;
    eprintln!(
        "chime-conformance {}: seed {seed}, run {run_id}, target {}{}",
        env!("CARGO_PKG_VERSION"),
        target.endpoint,
        if target.embedded {
            " (embedded reference mock)"
        } else {
            ""
        }
    );
    let client = Client::new(target)
        .map_err(|e| usage(e.to_string()))?
        .with_deadline(deadline);
    if !client.target().embedded {
        preflight(&runtime, &client, &run_id)?;
    }
    let schemas = Schemas::compile().map_err(|e| usage(e.to_string()))?;
    let options = RunOptions {
        seed,
        cases_per_property: cli.run.cases,
        regressions: (!cli.run.no_regressions).then(|| cli.run.regressions.clone()),
        permissions: Permissions {
            allow_disruptive: cli.run.allow_disruptive,
        },
        run_id: run_id.clone(),
    };
    let run = Run::new(runtime.handle().clone(), client, schemas, options);
    let conclusion = libtest_mimic::run(&cli.libtest, trials(&run, &cases));

    let records = run.records();
    let matrix = build_matrix(&cases, &records);
    eprintln!("\n{}", render_matrix(&matrix));
    let created = run.created_users();
    let count = |f: fn(&RecordedOutcome) -> bool| records.iter().filter(|r| f(&r.outcome)).count();
    if let Some(path) = &cli.run.report {
        let report = Report {
            tool: "chime-conformance",
            version: env!("CARGO_PKG_VERSION"),
            run_id: &run_id,
            seed,
            endpoint: &run.client().target().endpoint,
            embedded_mock: run.client().target().embedded,
            summary: Summary {
                passed: count(|o| matches!(o, RecordedOutcome::Passed)),
                failed: count(|o| matches!(o, RecordedOutcome::Failed { .. })),
                ignored: count(|o| matches!(o, RecordedOutcome::Ignored { .. })),
                exceptions_observed: matrix.iter().filter(|r| r.observed).count(),
                requests: run
                    .client()
                    .stats()
                    .requests
                    .load(std::sync::atomic::Ordering::Relaxed),
            },
            trials: &records,
            exception_matrix: &matrix,
            created_user_ids: &created,
        };
        write_report(path, &report).map_err(|e| usage(e.to_string()))?;
    }
    Ok(if conclusion.has_failed() {
        ExitStatus::ConformanceFailures
    } else {
        ExitStatus::Success
    })
}

fn reject_fixture_flags_without_endpoint(args: &TargetArgs) -> Result<(), CliError> {
    let given = [
        ("--account-id", args.account_id.is_some()),
        (
            "--forbidden-account-id",
            args.forbidden_account_id.is_some(),
        ),
        (
            "--throttled-account-id",
            args.throttled_account_id.is_some(),
        ),
        ("--fault-header", args.fault_header.is_some()),
    ];
    match given.iter().find(|(_, set)| *set) {
        Some((flag, _)) => Err(usage(format!(
            "{flag} describes a target and needs --endpoint; without --endpoint the embedded mock's own fixtures are used"
        ))),
        None => Ok(()),
    }
}

fn region(args: &TargetArgs) -> String {
    args.region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|r| !r.trim().is_empty())
        .unwrap_or_else(|| crate::contract::DEFAULT_REGION.to_string())
}

fn embedded_target(mock: &ReferenceMock, args: &TargetArgs) -> Target {
    let fixtures = mock.fixtures();
    let auth = match (&fixtures.credentials, args.auth) {
        (Some(credentials), AuthArg::Sigv4) => Auth::SigV4 {
            credentials: credentials.clone(),
            region: region(args),
        },
        _ => Auth::None,
    };
    Target {
        endpoint: mock.uri(),
        auth,
        fixtures: TargetFixtures {
            account_id: fixtures.account_id,
            forbidden_account_id: fixtures.forbidden_account_id,
            throttled_account_id: fixtures.throttled_account_id,
            fault_header: fixtures.fault_header,
        },
        timeout: Duration::from_secs_f64(args.timeout),
        concurrency: 1,
        embedded: true,
    }
}

fn target_from_flags(args: &TargetArgs, endpoint: &str) -> Result<Target, CliError> {
    let url = url::Url::parse(endpoint)
        .map_err(|e| usage(format!("--endpoint {endpoint:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(usage(format!(
            "--endpoint {endpoint:?} must be an http:// or https:// URL with a host"
        )));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(usage(format!(
            "--endpoint {endpoint:?} must not have a query or fragment"
        )));
    }
    let account_id = args
        .account_id
        .clone()
        .ok_or_else(|| usage("--account-id (or CHIME_ACCOUNT_ID) is required with --endpoint"))?;
    if !crate::contract::is_valid_account_id(&account_id) {
        return Err(usage("--account-id must not be empty or all whitespace"));
    }
    let auth = match args.auth {
        AuthArg::None => Auth::None,
        AuthArg::Sigv4 => Auth::SigV4 {
            credentials: credentials_from_env()?,
            region: region(args),
        },
    };
    Ok(Target {
        endpoint: url.as_str().trim_end_matches('/').to_string(),
        auth,
        fixtures: TargetFixtures {
            account_id,
            forbidden_account_id: args.forbidden_account_id.clone(),
            throttled_account_id: args.throttled_account_id.clone(),
            fault_header: args.fault_header.clone(),
        },
        timeout: Duration::from_secs_f64(args.timeout),
        concurrency: 1,
        embedded: false,
    })
}

fn credentials_from_env() -> Result<SigningCredentials, CliError> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    match (var("AWS_ACCESS_KEY_ID"), var("AWS_SECRET_ACCESS_KEY")) {
        (Some(key), Some(secret)) => {
            Ok(SigningCredentials::new(key, secret).with_session_token(var("AWS_SESSION_TOKEN")))
        }
        _ => Err(usage(
            "--auth sigv4 needs credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), or pass --auth none",
        )),
    }
}

/// One harmless request (unsigned, to an account no target has) to learn whether the
/// target can be reached at all. Only a failure to connect (refused, DNS, TLS) makes the
/// run stop here; a target that connects but misbehaves is for the trials to report.
fn preflight(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    run_id: &str,
) -> Result<(), CliError> {
    let call = Call {
        credentials: crate::client::Credentials::Unsigned,
        ..Call::json(
            format!("chime-conformance-preflight-{run_id}"),
            serde_json::json!({}),
        )
    };
    match runtime.block_on(client.send(&call)) {
        Err(e) if e.kind == crate::client::TransportErrorKind::Connect => {
            Err(CliError::Unreachable(format!("{}: {}", e.url, e.message)))
        }
        _ => Ok(()),
    }
}
