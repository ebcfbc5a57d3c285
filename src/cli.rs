//! The `chime-conformance` command line: flags (each with a `CHIME_*` environment variable)
//! parsed first, then turned into a validated [`Target`] and [`RunOptions`] in a second
//! step, then the run itself and its reporters. Exit codes are documented in
//! [`ExitStatus`].

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;
use std::time::Duration;

use clap::{Args, Parser, ValueEnum};

use crate::cases::{embedded_cases, load_cases, Case, Permissions};
use crate::client::{Call, Client};
use crate::junit::write_junit;
use crate::matrix::{build_matrix, render_matrix};
use crate::mock::{MockConfig, ReferenceMock};
use crate::profile::TargetProfile;
use crate::report::{write_report, Report, Summary};
use crate::runner::{trial_names, trials, Run, RunOptions};
use crate::schema::Schemas;
use crate::sigv4::SigningCredentials;
use crate::summary::write_summary;
use crate::target::{Auth, Limits, Target, TargetFixtures};

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

/// Where the target is and what it offers. Each may also come from a target profile
/// (`--target`); a flag or its environment variable wins over the profile.
#[derive(Debug, Args)]
#[command(next_help_heading = "Target")]
pub struct TargetArgs {
    /// A target profile (TOML): endpoint, region, auth, fixtures, fault hook, limits and
    /// expected failures. See README, "Nightly CI against staging".
    #[arg(long = "target", env = "CHIME_TARGET", value_name = "FILE")]
    pub target: Option<PathBuf>,
    /// Base URL of the CreateUser endpoint (e.g. http://127.0.0.1:4566). Without it (and
    /// without a profile giving one), the embedded reference mock is started.
    #[arg(long, env = "CHIME_ENDPOINT", value_name = "URL")]
    pub endpoint: Option<String>,
    /// An ordinary account in which users can be created (required with an endpoint).
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
    /// How requests authenticate [default: sigv4].
    #[arg(long, env = "CHIME_AUTH", value_enum)]
    pub auth: Option<AuthArg>,
    /// AWS shared-config profile for credentials and region (else AWS_PROFILE, else the
    /// default chain: environment, shared files, web identity, containers, instances).
    #[arg(long, env = "CHIME_PROFILE", value_name = "NAME")]
    pub profile: Option<String>,
    /// SigV4 region [default: the AWS profile's or AWS_REGION, else us-east-1].
    #[arg(long, env = "CHIME_REGION", value_name = "REGION")]
    pub region: Option<String>,
    /// PEM file of a private CA to trust besides the public roots (certificates are always
    /// verified).
    #[arg(long, env = "CHIME_CA_CERT", value_name = "PATH")]
    pub ca_cert: Option<PathBuf>,
    /// Per-request timeout in seconds: connect, headers and body [default: 10].
    #[arg(long, env = "CHIME_TIMEOUT", value_name = "SECS")]
    pub timeout: Option<f64>,
    /// Deadline of the whole run in seconds: requests still unanswered then are cut off and
    /// reported as transport failures [default: 900].
    #[arg(long, env = "CHIME_DEADLINE", value_name = "SECS")]
    pub deadline: Option<f64>,
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
    /// Requests in flight at once, across all trials [default: 16].
    #[arg(long, env = "CHIME_CONCURRENCY", value_name = "N",
          value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: Option<u32>,
    /// Requests per second at most, evenly spaced; 0 for no limit [default: none on
    /// loopback, 10 elsewhere].
    #[arg(long, env = "CHIME_RATE", value_name = "N")]
    pub rate: Option<f64>,
    /// Requests in the whole run at most; 0 for no limit [default: none on loopback, 5000
    /// elsewhere].
    #[arg(long, env = "CHIME_BUDGET", value_name = "N")]
    pub budget: Option<u64>,
    /// Users the run may create at most; 0 for no limit [default: none on loopback, 1000
    /// elsewhere].
    #[arg(long, env = "CHIME_MAX_USERS", value_name = "N")]
    pub max_users: Option<u64>,
    /// Allow cases that load or fault the target (throttle burst, injected faults) against a
    /// non-loopback endpoint.
    #[arg(long, env = "CHIME_ALLOW_DISRUPTIVE")]
    pub allow_disruptive: bool,
    /// Write a JSON report (trials, outcomes, rules, seed, timings, matrix, created users).
    #[arg(long, env = "CHIME_REPORT", value_name = "PATH")]
    pub report: Option<PathBuf>,
    /// Write a JUnit XML report.
    #[arg(long, env = "CHIME_JUNIT", value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary (for a CI job summary page).
    #[arg(long, env = "CHIME_SUMMARY", value_name = "PATH")]
    pub summary: Option<PathBuf>,
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

/// Lets a closed stdout (`chime-conformance --list | head`) end the process quietly with
/// the conventional exit code 141, instead of a panic trace: the libtest printer, on the
/// main thread, unwraps its writes. SIGPIPE itself stays ignored, as Rust sets it, since a
/// target closing a socket must be an error, not a signal that kills the run.
pub fn quiet_on_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or("");
        if std::thread::current().name() == Some("main") && message.contains("BrokenPipe") {
            std::process::exit(141);
        }
        default(info);
    }));
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

/// Safe defaults for a non-loopback target.
const SHARED_RATE: f64 = 10.0;
const SHARED_BUDGET: u64 = 5_000;
const SHARED_MAX_USERS: u64 = 1_000;
const DEFAULT_TIMEOUT_SECS: f64 = 10.0;
const DEFAULT_DEADLINE_SECS: f64 = 900.0;
const DEFAULT_CONCURRENCY: u32 = 16;

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
    let profile = match &cli.target.target {
        Some(path) => TargetProfile::load(path).map_err(|e| usage(e.to_string()))?,
        None => TargetProfile::default(),
    };
    let known: Vec<String> = trial_names(&cases);
    if let Some(unknown) = profile
        .expected_failures
        .iter()
        .find(|f| !known.contains(&f.trial))
    {
        return Err(usage(format!(
            "target profile: expected_failures names {:?}, which is not a trial (see --list)",
            unknown.trial
        )));
    }
    let seconds = |flag: &str, value: Option<f64>, from_profile: Option<f64>, default: f64| {
        let value = value.or(from_profile).unwrap_or(default);
        if value.is_finite() && value > 0.0 && value <= 86_400.0 {
            Ok(Duration::from_secs_f64(value))
        } else {
            Err(usage(format!(
                "{flag} must be a number of seconds in (0, 86400], not {value}"
            )))
        }
    };
    let timeout = seconds(
        "--timeout",
        cli.target.timeout,
        profile.timeout,
        DEFAULT_TIMEOUT_SECS,
    )?;
    let deadline = std::time::Instant::now()
        + seconds(
            "--deadline",
            cli.target.deadline,
            profile.deadline,
            DEFAULT_DEADLINE_SECS,
        )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| usage(format!("failed to start the async runtime: {e}")))?;
    let seed = cli.run.seed.unwrap_or_else(rand::random);
    let run_id = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();

    // The embedded mock lives as long as this function.
    let endpoint = cli.target.endpoint.clone().or(profile.endpoint.clone());
    let (mut target, _mock) = match &endpoint {
        Some(endpoint) => (
            target_from_settings(&cli, &profile, endpoint, &runtime)?,
            None,
        ),
        None => {
            reject_fixture_flags_without_endpoint(&cli.target, &profile)?;
            let mock = runtime
                .block_on(ReferenceMock::start(MockConfig::default()))
                .map_err(|e| usage(format!("failed to start the embedded reference mock: {e}")))?;
            (embedded_target(&mock, &cli.target), Some(mock))
        }
    };
    target.timeout = timeout;
    target.concurrency = cli
        .run
        .concurrency
        .or(profile.concurrency)
        .unwrap_or(DEFAULT_CONCURRENCY) as usize;
    target.limits = limits(&cli.run, &profile, target.is_loopback())?;
    if let Some(path) = cli.target.ca_cert.clone().or(profile.ca_cert.clone()) {
        let pem = std::fs::read(&path).map_err(|e| {
            usage(format!(
                "failed to read the CA certificate {}: {e}",
                path.display()
            ))
        })?;
        target.ca_cert_pem = Some(pem);
    }
    target.profile_path = cli.target.target.as_ref().map(|p| p.display().to_string());
    eprintln!(
        "chime-conformance {}: seed {seed}, run {run_id}, target {}{}{}",
        env!("CARGO_PKG_VERSION"),
        target.endpoint,
        if target.embedded {
            " (embedded reference mock)"
        } else {
            ""
        },
        describe_limits(&target.limits),
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
            allow_disruptive: cli.run.allow_disruptive || profile.allow_disruptive == Some(true),
        },
        run_id: run_id.clone(),
        tag_usernames: !client.target().embedded,
        expected_failures: profile.expected_failures(),
    };
    let run = Run::new(runtime.handle().clone(), client, schemas, options);
    let conclusion = libtest_mimic::run(&cli.libtest, trials(&run, &cases));

    let records = run.records();
    let matrix = build_matrix(&cases, &records);
    eprintln!("\n{}", render_matrix(&matrix));
    let created = run.created_users();
    let stats = run.client().stats();
    let report = Report {
        tool: "chime-conformance",
        version: env!("CARGO_PKG_VERSION"),
        run_id: &run_id,
        seed,
        endpoint: &run.client().target().endpoint,
        embedded_mock: run.client().target().embedded,
        summary: Summary::of(
            &records,
            &matrix,
            stats.requests.load(Ordering::Relaxed),
            stats.throttle_retries.load(Ordering::Relaxed),
        ),
        trials: &records,
        exception_matrix: &matrix,
        created_user_ids: &created,
    };
    let writers: [(&Option<PathBuf>, WriteReport); 3] = [
        (&cli.run.report, write_report),
        (&cli.run.junit, write_junit),
        (&cli.run.summary, write_summary),
    ];
    for (path, write) in writers {
        if let Some(path) = path {
            write(path, &report).map_err(|e| usage(e.to_string()))?;
        }
    }
    Ok(if conclusion.has_failed() {
        ExitStatus::ConformanceFailures
    } else {
        ExitStatus::Success
    })
}

type WriteReport = fn(&std::path::Path, &Report<'_>) -> Result<(), crate::report::ReportError>;

/// The limits of a run: flag, else profile, else the default for the kind of target.
fn limits(args: &RunArgs, profile: &TargetProfile, loopback: bool) -> Result<Limits, CliError> {
    let rate = args.rate.or(profile.rate);
    if let Some(rate) = rate {
        if !rate.is_finite() || rate < 0.0 {
            return Err(usage(format!(
                "--rate must be a number of requests per second >= 0, not {rate}"
            )));
        }
    }
    let pick = |given: Option<f64>, shared: f64| match given {
        Some(v) => (v > 0.0).then_some(v),
        None => (!loopback).then_some(shared),
    };
    let pick_count = |given: Option<u64>, shared: u64| match given {
        Some(0) => None,
        Some(v) => Some(v),
        None => (!loopback).then_some(shared),
    };
    Ok(Limits {
        rate: pick(rate, SHARED_RATE),
        budget: pick_count(args.budget.or(profile.budget), SHARED_BUDGET),
        max_users: pick_count(args.max_users.or(profile.max_users), SHARED_MAX_USERS),
    })
}

fn describe_limits(limits: &Limits) -> String {
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

fn reject_fixture_flags_without_endpoint(
    args: &TargetArgs,
    profile: &TargetProfile,
) -> Result<(), CliError> {
    let given = [
        (
            "--account-id",
            args.account_id.is_some() || profile.account_id.is_some(),
        ),
        (
            "--forbidden-account-id",
            args.forbidden_account_id.is_some() || profile.forbidden_account_id.is_some(),
        ),
        (
            "--throttled-account-id",
            args.throttled_account_id.is_some() || profile.throttled_account_id.is_some(),
        ),
        (
            "--fault-header",
            args.fault_header.is_some() || profile.fault_header.is_some(),
        ),
    ];
    match given.iter().find(|(_, set)| *set) {
        Some((flag, _)) => Err(usage(format!(
            "{flag} describes a target and needs --endpoint; without --endpoint the embedded mock's own fixtures are used"
        ))),
        None => Ok(()),
    }
}

fn embedded_target(mock: &ReferenceMock, args: &TargetArgs) -> Target {
    let fixtures = mock.fixtures();
    let auth = match (&fixtures.credentials, args.auth) {
        (Some(credentials), None | Some(AuthArg::Sigv4)) => Auth::SigV4 {
            credentials: credentials.clone(),
            region: args
                .region
                .clone()
                .unwrap_or_else(|| crate::contract::DEFAULT_REGION.to_string()),
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
        timeout: Duration::from_secs_f64(DEFAULT_TIMEOUT_SECS),
        concurrency: 1,
        embedded: true,
        limits: Limits::default(),
        ca_cert_pem: None,
        profile_path: None,
    }
}

fn target_from_settings(
    cli: &Cli,
    profile: &TargetProfile,
    endpoint: &str,
    runtime: &tokio::runtime::Runtime,
) -> Result<Target, CliError> {
    let args = &cli.target;
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
        .or(profile.account_id.clone())
        .ok_or_else(|| {
            usage("--account-id (or CHIME_ACCOUNT_ID, or account_id in the target profile) is required with an endpoint")
        })?;
    if !crate::contract::is_valid_account_id(&account_id) {
        return Err(usage("--account-id must not be empty or all whitespace"));
    }
    let auth = match (args.auth, profile.auth.as_deref()) {
        (Some(AuthArg::None), _) | (None, Some("none")) => Auth::None,
        _ => {
            let aws_profile = args.profile.clone().or(profile.profile.clone());
            let given_region = args.region.clone().or(profile.region.clone());
            let (credentials, chain_region) =
                runtime.block_on(credentials_from_chain(aws_profile, given_region.clone()))?;
            let region = given_region
                .or(chain_region)
                .unwrap_or_else(|| crate::contract::DEFAULT_REGION.to_string());
            Auth::SigV4 {
                credentials,
                region,
            }
        }
    };
    Ok(Target {
        endpoint: url.as_str().trim_end_matches('/').to_string(),
        auth,
        fixtures: TargetFixtures {
            account_id,
            forbidden_account_id: args
                .forbidden_account_id
                .clone()
                .or(profile.forbidden_account_id.clone()),
            throttled_account_id: args
                .throttled_account_id
                .clone()
                .or(profile.throttled_account_id.clone()),
            fault_header: args.fault_header.clone().or(profile.fault_header.clone()),
        },
        timeout: Duration::from_secs_f64(DEFAULT_TIMEOUT_SECS),
        concurrency: 1,
        embedded: false,
        limits: Limits::default(),
        ca_cert_pem: None,
        profile_path: None,
    })
}

/// Credentials (and, unless `region` is given, the chain's region) from the standard AWS
/// provider chain: environment, shared config and credentials files (with `profile`), web
/// identity (a CI's OIDC role), containers and instances. Nothing secret is printed.
async fn credentials_from_chain(
    profile: Option<String>,
    region: Option<String>,
) -> Result<(SigningCredentials, Option<String>), CliError> {
    use aws_credential_types::provider::ProvideCredentials;
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(name) = &profile {
        loader = loader.profile_name(name);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region));
    }
    let config = loader.load().await;
    let provider = config.credentials_provider().ok_or_else(|| {
        usage("--auth sigv4 needs credentials, and no AWS credentials provider is configured")
    })?;
    let credentials = provider.provide_credentials().await.map_err(|e| {
        usage(format!(
            "--auth sigv4 needs credentials: the AWS provider chain{} found none ({}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use --profile, or pass --auth none",
            profile
                .as_deref()
                .map(|p| format!(" with profile {p:?}"))
                .unwrap_or_default(),
            crate::client::error_chain(&e)
        ))
    })?;
    Ok((
        SigningCredentials::new(credentials.access_key_id(), credentials.secret_access_key())
            .with_session_token(credentials.session_token().map(str::to_string)),
        config.region().map(|r| r.to_string()),
    ))
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
