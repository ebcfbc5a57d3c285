//! chime-mock: the reference CreateUser mock as a standalone server. Flags are parsed
//! first, then turned into a checked [`MockConfig`]; the state file (if any) is loaded,
//! the server runs until Ctrl-C or SIGTERM, writes the client report and the state file
//! (when asked) and exits with code 0. Exit codes: 0 after a clean stop, 1 when the mock
//! cannot start (bad settings, address in use, unreadable state file) or cannot write its
//! client report or state file, 2 for bad flags (clap's own).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use chime_contract::sigv4::SigningCredentials;
use chime_mock::{
    Form, MockConfig, MockLimits, ReferenceMock, RequestLog, SavedState, ThrottleConfig,
    DEFAULT_ACCESS_KEY_ID, DEFAULT_FAULT_HEADER, DEFAULT_SECRET_ACCESS_KEY,
};
use clap::builder::TypedValueParser as _;
use clap::{Parser, ValueEnum};

/// When the control plane (/_chime-mock/...) is served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ControlPlane {
    /// On when listening on a loopback address (127.0.0.0/8, ::1), off otherwise.
    Auto,
    /// On, whatever the address: anyone who can reach the port can reset the mock.
    On,
    /// Off: /_chime-mock/ paths are answered like any path that is no operation.
    Off,
}

/// The reference mock of the Amazon Chime CreateUser API
/// (POST /accounts/{accountId}/users?operation=create), with SigV4 auth, per-account
/// throttling, fault injection and a control plane. Every flag can also be set by the
/// environment variable shown; repeatable flags take a comma-separated list there.
///
/// Control plane: JSON routes under /_chime-mock/ on the same port, without SigV4 (health,
/// reset, accounts, users, requests, faults; see the README). Anyone who can reach the
/// port can use it, so it is on by default only when listening on loopback
/// (--control-plane auto); listening on another address turns it off unless
/// --control-plane on is given.
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
    defect: Option<chime_mock::Defect>,

    /// For demonstrations and harness tests only: answer in one conforming way that
    /// differs from the usual answers (wire form or an open choice), breaking no rule (e.g.
    /// MinimalUser, DecoratedErrorType, RustRegexPatterns; an unknown name lists them all).
    #[arg(long, value_name = "NAME", env = "CHIME_MOCK_VARIANT")]
    variant: Option<chime_mock::Variant>,

    /// Serve the control plane under /_chime-mock/: auto (on when listening on loopback
    /// only), on, or off.
    #[arg(long, value_name = "WHEN", env = "CHIME_MOCK_CONTROL_PLANE", value_enum, default_value_t = ControlPlane::Auto)]
    control_plane: ControlPlane,

    /// Make UserIds, PINs, request ids and random faults a function of this seed and of
    /// the order of requests.
    #[arg(long, value_name = "N", env = "CHIME_MOCK_SEED")]
    seed: Option<u64>,

    /// Load accounts and users from this JSON file at start (if it exists) and write them
    /// to it atomically at shutdown (Ctrl-C, SIGTERM). It holds emails and PINs as created.
    #[arg(long, value_name = "PATH", env = "CHIME_MOCK_STATE_FILE")]
    state_file: Option<PathBuf>,

    /// Largest request body read; a larger one gets a BadRequestException before the rest
    /// is read, and the connection is closed.
    #[arg(long, value_name = "BYTES", env = "CHIME_MOCK_MAX_BODY_BYTES", default_value_t = chime_mock::DEFAULT_MAX_BODY_BYTES, value_parser = clap::value_parser!(u64).range(1..).map(|n| n as usize))]
    max_body_bytes: usize,

    /// Largest request head (request line and headers, at least 8192); a larger one gets
    /// 431 and the connection is closed.
    #[arg(long, value_name = "BYTES", env = "CHIME_MOCK_MAX_HEADER_BYTES", default_value_t = chime_mock::DEFAULT_MAX_HEADER_BYTES, value_parser = clap::value_parser!(u64).range(8192..).map(|n| n as usize))]
    max_header_bytes: usize,

    /// Seconds a connection may go without sending a complete request head (idle between
    /// requests, or slow) before it is closed.
    #[arg(long, value_name = "SECONDS", env = "CHIME_MOCK_IDLE_TIMEOUT", default_value_t = chime_mock::DEFAULT_IDLE_TIMEOUT.as_secs_f64(), value_parser = parse_seconds)]
    idle_timeout: f64,

    /// Connections served at once; more wait in the listen backlog until one closes.
    #[arg(long, value_name = "N", env = "CHIME_MOCK_MAX_CONNECTIONS", default_value_t = chime_mock::DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u64).range(1..).map(|n| n as usize))]
    max_connections: usize,

    /// Requests kept in the journal (GET /_chime-mock/requests); 0 keeps none.
    #[arg(long, value_name = "N", env = "CHIME_MOCK_JOURNAL_SIZE", default_value_t = chime_mock::DEFAULT_JOURNAL_SIZE)]
    journal_size: usize,

    /// Also judge every request to the CreateUser side as a client's request against the
    /// contract (serialisation, SigV4 signing, retries) and keep a verdict for each
    /// departure, naming the rule, the request id (as in the journal), what was expected
    /// and what was seen (masked). Answers do not change. Signing is judged only with auth
    /// on. GET /_chime-mock/verdicts lists them as {"count": N, "verdicts": [{"rule",
    /// "request_id", "expected", "seen"}]} (the first 1000; 404 while this is off); POST
    /// /_chime-mock/reset clears them. Every rule, with what it catches, is listed in that
    /// answer's "rules" (and in the README, "For client implementers").
    #[arg(long, env = "CHIME_MOCK_JUDGE_CLIENTS")]
    judge_clients: bool,

    /// With --judge-clients: write the verdicts to PATH at shutdown (Ctrl-C, SIGTERM), as
    /// JUnit XML when PATH ends in .xml (one test case per rule, failed with one failure per
    /// verdict), as JSON otherwise (the shape of GET /_chime-mock/verdicts).
    #[arg(
        long,
        value_name = "PATH",
        env = "CHIME_MOCK_CLIENT_REPORT",
        requires = "judge_clients"
    )]
    client_report: Option<PathBuf>,

    /// Answer in every form the contract allows, chosen per answer by a generator seeded
    /// by --seed: unknown members, optional members absent, InvitedOn with an offset and a
    /// fraction, the error type namespaced, with a URL suffix or only in the body's __type,
    /// a charset on the media type, chunked bodies, Connection: close, Retry-After as an
    /// HTTP-date. Each answer's forms are listed in GET /_chime-mock/requests ("forms"), so
    /// a failing client can be told which form it failed on. Not with --defect or
    /// --variant.
    #[arg(long, env = "CHIME_MOCK_VARY_RESPONSES", conflicts_with_all = ["defect", "variant"])]
    vary_responses: bool,

    /// With --vary-responses, forms never to use (comma-separated), for a client known not
    /// to parse them, so that it is tried on the others: extra_members, optional_absent,
    /// timestamp_offset_fraction, error_type_namespaced, error_type_url_suffix,
    /// error_type_body_only, charset, chunked, connection_close, retry_after_http_date.
    #[arg(
        long,
        value_name = "FORM,...",
        env = "CHIME_MOCK_VARY_SKIP",
        value_delimiter = ',',
        requires = "vary_responses",
        value_parser = parse_form
    )]
    vary_skip: Vec<Form>,
}

fn parse_form(name: &str) -> Result<Form, String> {
    Form::from_name(name).ok_or_else(|| {
        let names: Vec<&str> = Form::ALL.iter().map(|f| f.name()).collect();
        format!("{name:?} is not a form; the forms are {}", names.join(", "))
    })
}

fn parse_seconds(value: &str) -> Result<f64, String> {
    let seconds: f64 = value
        .parse()
        .map_err(|_| format!("{value:?} is not a number"))?;
    if seconds.is_finite() && (0.001..=86_400.0).contains(&seconds) {
        Ok(seconds)
    } else {
        Err(format!(
            "the timeout must be between 0.001 and 86400 seconds, got {value}"
        ))
    }
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
            log_requests: self
                .log_requests
                .then(|| RequestLog::new(|line| eprintln!("{line}"))),
            defect: self.defect,
            variant: self.variant,
            seed: self.seed,
            control_plane: match self.control_plane {
                ControlPlane::On => true,
                ControlPlane::Off => false,
                ControlPlane::Auto => self.listen.ip().is_loopback(),
            },
            limits: MockLimits {
                max_body_bytes: self.max_body_bytes,
                max_header_bytes: self.max_header_bytes,
                idle_timeout: Duration::from_secs_f64(self.idle_timeout),
                max_connections: self.max_connections,
                journal_size: self.journal_size,
            },
            initial_state: Vec::new(),
            judge_clients: self.judge_clients,
            vary_responses: self.vary_responses,
            vary_skip: self.vary_skip,
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
    let control = if config.control_plane {
        format!("on at {}/_chime-mock/ (no auth)", mock.uri())
    } else {
        "off".to_string()
    };
    let _ = writeln!(out, "  control plane: {control}");
    if let Some(seed) = config.seed {
        let _ = writeln!(out, "  seed: {seed}");
    }
    if config.judge_clients {
        let _ = writeln!(
            out,
            "  client judging: on (GET {}/_chime-mock/verdicts)",
            mock.uri()
        );
    }
    if config.vary_responses {
        let skipped: Vec<&str> = config.vary_skip.iter().map(|f| f.name()).collect();
        if skipped.is_empty() {
            let _ = writeln!(out, "  varied responses: on");
        } else {
            let _ = writeln!(out, "  varied responses: on, but {}", skipped.join(", "));
        }
    }
    let limits = &config.limits;
    let _ = writeln!(
        out,
        "  limits: body {} bytes, head {} bytes, idle {:?}, {} connections, journal {}",
        limits.max_body_bytes,
        limits.max_header_bytes,
        limits.idle_timeout,
        limits.max_connections,
        limits.journal_size
    );
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

/// Where the files written at shutdown go.
struct Outputs {
    state_file: Option<PathBuf>,
    client_report: Option<PathBuf>,
}

/// Writes the client verdicts to `path`: JUnit XML when it ends in `.xml`, JSON otherwise.
fn write_client_report(mock: &ReferenceMock, path: &std::path::Path) -> anyhow::Result<()> {
    let report = mock.client_report().unwrap_or_default();
    let is_xml = path
        .extension()
        .is_some_and(|ext| ext.eq_ignore_ascii_case("xml"));
    let text = if is_xml {
        report.to_junit_xml()
    } else {
        format!("{:#}\n", report.to_json())
    };
    chime_contract::util::write_atomic(path, text.as_bytes())
        .with_context(|| format!("failed to write the client report {}", path.display()))
}

async fn run(mut config: MockConfig, outputs: Outputs) -> anyhow::Result<()> {
    let Outputs {
        state_file,
        client_report,
    } = outputs;
    if let Some(path) = &state_file {
        if let Some(state) = SavedState::load(path)? {
            config.initial_state = state.accounts;
        }
    }
    let mock = ReferenceMock::start(config.clone())
        .await
        .context("failed to start chime-mock")?;
    print_banner(&mock, &config);
    if let Some(path) = &state_file {
        let _ = writeln!(std::io::stdout(), "  state file: {}", path.display());
    }
    shutdown_signal().await?;
    // The reader of stdout may be gone by now; stopping must not fail because of it.
    let _ = writeln!(std::io::stdout(), "chime-mock stopping");
    if let Some(path) = &client_report {
        write_client_report(&mock, path)?;
    }
    if let Some(path) = &state_file {
        mock.saved_state().save(path)?;
    }
    drop(mock);
    Ok(())
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let outputs = Outputs {
        state_file: args.state_file.clone(),
        client_report: args.client_report.clone(),
    };
    let config = args.into_config();
    match run(config, outputs).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("chime-mock: {e:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn control_plane(args: &[&str]) -> bool {
        let mut argv = vec!["chime-mock"];
        argv.extend_from_slice(args);
        Args::parse_from(argv).into_config().control_plane
    }

    #[test]
    fn the_control_plane_is_on_by_default_only_on_loopback() {
        assert!(control_plane(&[]));
        assert!(control_plane(&["--listen", "127.0.0.2:4566"]));
        assert!(control_plane(&["--listen", "[::1]:4566"]));
        assert!(!control_plane(&["--listen", "0.0.0.0:4566"]));
        assert!(!control_plane(&["--listen", "192.0.2.7:4566"]));
        assert!(control_plane(&[
            "--listen",
            "0.0.0.0:4566",
            "--control-plane",
            "on"
        ]));
        assert!(!control_plane(&["--control-plane", "off"]));
    }

    #[test]
    fn limits_and_seed_flags_reach_the_configuration() {
        let argv = [
            "chime-mock",
            "--seed",
            "7",
            "--max-body-bytes",
            "2048",
            "--max-header-bytes",
            "9000",
            "--idle-timeout",
            "0.5",
            "--max-connections",
            "3",
            "--journal-size",
            "0",
        ];
        let config = Args::parse_from(argv).into_config();
        assert_eq!(config.seed, Some(7));
        assert_eq!(
            config.limits,
            MockLimits {
                max_body_bytes: 2048,
                max_header_bytes: 9000,
                idle_timeout: Duration::from_millis(500),
                max_connections: 3,
                journal_size: 0,
            }
        );
        for bad in [
            &["chime-mock", "--client-report", "r.xml"][..],
            &["chime-mock", "--vary-responses", "--variant", "MinimalUser"],
            &["chime-mock", "--max-body-bytes", "0"],
            &["chime-mock", "--max-header-bytes", "100"],
            &["chime-mock", "--idle-timeout", "0"],
            &["chime-mock", "--control-plane", "maybe"],
        ] {
            assert!(Args::try_parse_from(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn judging_and_varying_flags_reach_the_configuration() {
        let argv = [
            "chime-mock",
            "--judge-clients",
            "--client-report",
            "verdicts.xml",
            "--vary-responses",
        ];
        let args = Args::parse_from(argv);
        assert_eq!(args.client_report, Some(PathBuf::from("verdicts.xml")));
        let config = args.into_config();
        assert!(config.judge_clients && config.vary_responses);
        let plain = Args::parse_from(["chime-mock"]).into_config();
        assert!(!plain.judge_clients && !plain.vary_responses);
    }
}
