//! chime-mock: the reference CreateUser mock as a standalone server. Flags are parsed
//! first, then turned into a checked [`MockConfig`]; the server runs until Ctrl-C or
//! SIGTERM and then exits with code 0. Exit codes: 0 after a clean stop, 1 when the mock
//! cannot start (bad settings, address in use), 2 for bad flags (clap's own).

use std::io::Write;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context;
use chime_conformance::contract::sigv4::SigningCredentials;
use chime_conformance::mock::{
    MockConfig, ReferenceMock, ThrottleConfig, DEFAULT_ACCESS_KEY_ID, DEFAULT_FAULT_HEADER,
    DEFAULT_SECRET_ACCESS_KEY,
};
use clap::Parser;

/// The reference mock of the Amazon Chime CreateUser API
/// (POST /accounts/{accountId}/users?operation=create), with SigV4 auth, per-account
/// throttling and fault injection. Every flag can also be set by the environment variable
/// shown; repeatable flags take a comma-separated list there.
#[derive(Debug, Parser)]
#[command(name = "chime-mock", version)]
struct Args {
    /// Address to listen on, IP:PORT (port 0 lets the OS pick one).
    #[arg(
        long,
        value_name = "ADDR",
        env = "CHIME_MOCK_LISTEN",
        default_value = "127.0.0.1:4566"
    )]
    listen: SocketAddr,

    /// An ordinary account id users can be created in (repeatable). Without any of
    /// --account, --forbidden-account and --throttled-account the default fixture
    /// accounts are served.
    #[arg(
        long = "account",
        value_name = "ID",
        env = "CHIME_MOCK_ACCOUNT",
        value_delimiter = ','
    )]
    accounts: Vec<String>,

    /// A disabled account id: every CreateUser on it is a ForbiddenException, 403
    /// (repeatable).
    #[arg(
        long = "forbidden-account",
        value_name = "ID",
        env = "CHIME_MOCK_FORBIDDEN_ACCOUNT",
        value_delimiter = ','
    )]
    forbidden_accounts: Vec<String>,

    /// A low-limit account id: requests past its token bucket (see --throttle-rate and
    /// --throttle-burst) are a ThrottledClientException, 429 (repeatable).
    #[arg(
        long = "throttled-account",
        value_name = "ID",
        env = "CHIME_MOCK_THROTTLED_ACCOUNT",
        value_delimiter = ','
    )]
    throttled_accounts: Vec<String>,

    /// Requests per second a throttled account's bucket refills with.
    #[arg(long, value_name = "RATE", env = "CHIME_MOCK_THROTTLE_RATE", default_value_t = 1.0, value_parser = parse_rate)]
    throttle_rate: f64,

    /// Requests a throttled account may send at once before it is throttled.
    #[arg(long, value_name = "N", env = "CHIME_MOCK_THROTTLE_BURST", default_value_t = 5, value_parser = clap::value_parser!(u32).range(1..))]
    throttle_burst: u32,

    /// Access key id of the test credentials SigV4 signatures are verified against.
    #[arg(long, value_name = "ID", env = "CHIME_MOCK_ACCESS_KEY", default_value = DEFAULT_ACCESS_KEY_ID)]
    access_key: String,

    /// Secret access key of the test credentials (the default is the documented test
    /// value; it is never printed).
    #[arg(long, value_name = "SECRET", env = "CHIME_MOCK_SECRET_KEY", default_value = DEFAULT_SECRET_ACCESS_KEY, hide_env_values = true)]
    secret_key: String,

    /// Turn SigV4 verification off: unsigned requests are accepted.
    #[arg(long, env = "CHIME_MOCK_NO_AUTH")]
    no_auth: bool,

    /// Request header that injects an exception by its shape name, e.g.
    /// `x-chime-fault: ServiceUnavailableException`.
    #[arg(long, value_name = "NAME", env = "CHIME_MOCK_FAULT_HEADER", default_value = DEFAULT_FAULT_HEADER)]
    fault_header: String,

    /// Probability (0 to 1) of answering any request with a random
    /// ServiceFailureException (500) or ServiceUnavailableException (503).
    #[arg(long, value_name = "P", env = "CHIME_MOCK_FAULT_RATE", default_value_t = 0.0, value_parser = parse_probability)]
    fault_rate: f64,

    /// Print one line per request on stderr (emails, PINs and other sensitive values
    /// masked).
    #[arg(long, env = "CHIME_MOCK_LOG_REQUESTS")]
    log_requests: bool,

    /// For demonstrations and harness tests only: break exactly one rule of the contract
    /// (e.g. WrongAccountIdEcho, NeverConflict; an unknown name lists them all).
    #[arg(long, value_name = "NAME", env = "CHIME_MOCK_DEFECT")]
    defect: Option<chime_conformance::mock::Defect>,

    /// For demonstrations and harness tests only: answer in one conforming way that
    /// differs from the usual wire form, breaking no rule (e.g. MinimalUser,
    /// DecoratedErrorType; an unknown name lists them all).
    #[arg(long, value_name = "NAME", env = "CHIME_MOCK_VARIANT")]
    variant: Option<chime_conformance::mock::Variant>,
}

fn parse_rate(value: &str) -> Result<f64, String> {
    let rate: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number"))?;
    if rate.is_finite() && rate > 0.0 {
        Ok(rate)
    } else {
        Err(format!("the rate must be a positive number, got {value}"))
    }
}

fn parse_probability(value: &str) -> Result<f64, String> {
    let p: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!(
            "the fault rate must be between 0 and 1, got {value}"
        ))
    }
}

impl Args {
    /// The checked configuration these flags ask for.
    fn into_config(self) -> MockConfig {
        let defaults = MockConfig::default();
        let no_account_flags = self.accounts.is_empty()
            && self.forbidden_accounts.is_empty()
            && self.throttled_accounts.is_empty();
        let (accounts, forbidden_accounts, throttled_accounts) = if no_account_flags {
            (
                defaults.accounts,
                defaults.forbidden_accounts,
                defaults.throttled_accounts,
            )
        } else {
            (
                self.accounts,
                self.forbidden_accounts,
                self.throttled_accounts,
            )
        };
        MockConfig {
            listen: self.listen,
            accounts,
            forbidden_accounts,
            throttled_accounts,
            throttle: ThrottleConfig {
                rate_per_second: self.throttle_rate,
                burst: self.throttle_burst,
            },
            credentials: (!self.no_auth)
                .then(|| vec![SigningCredentials::new(self.access_key, self.secret_key)]),
            fault_header: self.fault_header,
            fault_rate: self.fault_rate,
            log_requests: self.log_requests,
            defect: self.defect,
            variant: self.variant,
        }
    }
}

/// Prints the URL and fixtures; write errors (a closed stdout) are ignored.
fn print_banner(mock: &ReferenceMock, config: &MockConfig) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "chime-mock listening on {}", mock.uri());
    let list = |ids: &[String]| {
        if ids.is_empty() {
            "(none)".to_string()
        } else {
            ids.join(", ")
        }
    };
    let _ = writeln!(out, "  accounts:           {}", list(&config.accounts));
    let _ = writeln!(
        out,
        "  forbidden accounts: {}",
        list(&config.forbidden_accounts)
    );
    let _ = writeln!(
        out,
        "  throttled accounts: {} (burst {}, {} per second)",
        list(&config.throttled_accounts),
        config.throttle.burst,
        config.throttle.rate_per_second
    );
    let auth = match config.credentials.as_deref() {
        Some([first, ..]) => format!("on (SigV4, access key {})", first.access_key_id),
        _ => "off".to_string(),
    };
    let _ = writeln!(out, "  auth: {auth}");
    let _ = writeln!(out, "  fault header: {}", config.fault_header);
    if config.fault_rate > 0.0 {
        let _ = writeln!(out, "  random fault rate: {}", config.fault_rate);
    }
}

async fn shutdown_signal() -> anyhow::Result<()> {
    #[cfg(unix)]
    {
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
            .context("failed to listen for SIGTERM")?;
        tokio::select! {
            result = tokio::signal::ctrl_c() => result.context("failed to listen for Ctrl-C")?,
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    tokio::signal::ctrl_c()
        .await
        .context("failed to listen for Ctrl-C")?;
    Ok(())
}

async fn run(config: MockConfig) -> anyhow::Result<()> {
    let mock = ReferenceMock::start(config.clone())
        .await
        .context("failed to start chime-mock")?;
    print_banner(&mock, &config);
    shutdown_signal().await?;
    // The reader of stdout may be gone by now; stopping must not fail because of it.
    let _ = writeln!(std::io::stdout(), "chime-mock stopping");
    drop(mock);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let config = Args::parse().into_config();
    match run(config).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chime-mock: {e:#}");
            ExitCode::FAILURE
        }
    }
}
