//! The command line as clap parses it: target flags, run flags and libtest's own, each
//! with a `CHIME_*` environment variable. Parsed first; [`super::settings`] turns them into
//! a validated target and run options in a second step.

use std::path::PathBuf;

use clap::{Args, Parser, ValueEnum};

const AFTER_HELP: &str = "\
With no --endpoint, the embedded reference mock is started in-process with its default
fixtures and test credentials, so a bare run is a complete demonstration.

Trial filters and --list, --exact, --skip, --ignored, --include-ignored, --format
pretty|terse|json, --test-threads work as in `cargo test`. Trial names:
  property::valid_request_creates_user, property::invalid_request_is_rejected,
  property::error_responses_follow_restjson1, exception::<group>::<case>,
  malformed::<class>; with --compare-target or --replay: diff::<class>.

Credentials for --auth sigv4 come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_SESSION_TOKEN. They and the signatures are never printed.

Progress goes to stderr while the run happens: a bar per property on a terminal, a line
every ten seconds elsewhere; --quiet and --format json turn it off.

Exit codes: 0 all trials passed; 1 conformance failures (contract violations or transport
failures); 2 usage or configuration error; 3 target unreachable; 4 the only failures
were AWS common errors (aws.common_error: credentials, clock, front door), not contract
violations.";

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
    /// Treat a run-health warning (most of a property's answers 401, 403, 404 or 429: the
    /// harness, not the target, looks set up wrong) as a failure: exit code 1.
    #[arg(long, env = "CHIME_STRICT_HEALTH")]
    pub strict_health: bool,
    /// Fail on restrictions and notes too: a documented refusal of input the model allows
    /// (e.g. 400 for a 200-character Username) and a protocol MUST no client can notice
    /// (e.g. no X-Amzn-ErrorType while the body names the type). Choices (several answers
    /// conform) never fail. See README, "Open choices".
    #[arg(long, env = "CHIME_STRICT")]
    pub strict: bool,
    /// Differential run: send the same seeded traffic to a second target, described by a
    /// target profile (TOML; without an endpoint, a second embedded mock), and compare the
    /// answers class by class (trials diff::<class>). See README, "Differential runs".
    #[arg(
        long,
        env = "CHIME_COMPARE_TARGET",
        value_name = "FILE",
        conflicts_with = "replay"
    )]
    pub compare_target: Option<PathBuf>,
    /// Record every exchange of the run as a HAR 1.2 cassette (Authorization, session
    /// tokens, emails and the other sensitive members masked, never stored).
    #[arg(long, env = "CHIME_RECORD", value_name = "PATH")]
    pub record: Option<PathBuf>,
    /// Replay a cassette: re-send its requests to the target (re-signed, accounts mapped by
    /// role, emails re-tagged) and compare each answer with the recorded one.
    #[arg(long, env = "CHIME_REPLAY", value_name = "PATH")]
    pub replay: Option<PathBuf>,
}
