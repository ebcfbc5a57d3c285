//! Benchmark: requests per second of the default conformance suite against the embedded
//! reference mock, beside the rate a plain load loop (signed creates, no generation, no
//! checks) gets from the same mock in the same run. Reports medians over repeats, the
//! ratio suite/plain, and the process's peak RSS.
//!
//! ```text
//! cargo run --release --example bench                             # default: 5 repeats
//! cargo run --release --example bench -- --cases 33400 --repeat 1 # the 100,000-request run
//! cargo run --release --example bench -- --endpoint http://127.0.0.1:4566 # a standalone chime-mock
//! ```

use std::sync::Arc;
use std::time::{Duration, Instant};

use clap::Parser;
use futures::{stream, StreamExt};
use serde_json::json;

use chime_conformance::endpoint::builder::{AuthMode, TargetSettings};
use chime_conformance::endpoint::{Auth, Target, TargetFixtures, TargetOrigin};
use chime_conformance::http::{Call, Client};
use chime_conformance::mock::{MockConfig, ReferenceMock};
use chime_conformance::session::{Plan, Session, Settings};

/// Benchmark the conformance suite against a plain load loop on the same mock.
#[derive(Debug, Parser)]
struct Args {
    /// Times each measurement is repeated (medians are reported).
    #[arg(long, default_value = "5", value_parser = clap::value_parser!(u32).range(1..=100))]
    repeat: u32,
    /// Generated requests per property in the suite runs.
    #[arg(long, default_value = "256", value_parser = clap::value_parser!(u32).range(1..=100_000))]
    cases: u32,
    /// Requests per plain load loop.
    #[arg(long, default_value = "2000", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    load_requests: u32,
    /// Requests in flight at once, for both.
    #[arg(long, default_value = "16", value_parser = clap::value_parser!(u32).range(1..=1024))]
    concurrency: u32,
    /// Measure a standalone `chime-mock` (default fixtures and credentials) at this URL
    /// instead of the in-process one.
    #[arg(long, value_name = "URL")]
    endpoint: Option<String>,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("start a tokio runtime");
    let mock = match runtime.block_on(ReferenceMock::start(MockConfig::default())) {
        Ok(mock) => mock,
        Err(e) => {
            eprintln!("bench: failed to start the reference mock: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let fixtures = mock.fixtures();
    let credentials = fixtures
        .credentials
        .clone()
        .expect("the default mock checks SigV4");
    let endpoint = args.endpoint.clone().unwrap_or_else(|| mock.uri());
    let target = Target {
        endpoint: endpoint.clone(),
        auth: Auth::SigV4 {
            credentials: credentials.clone(),
            region: "us-east-1".into(),
        },
        fixtures: TargetFixtures {
            account_id: fixtures.account_id.clone(),
            forbidden_account_id: fixtures.forbidden_account_id.clone(),
            throttled_account_id: fixtures.throttled_account_id.clone(),
            fault_header: fixtures.fault_header.clone(),
        },
        timeout: Duration::from_secs(10),
        concurrency: args.concurrency as usize,
        origin: TargetOrigin::Flags,
        limits: Default::default(),
        ca_cert_pem: None,
    };
    let client = Client::new(target).expect("build the HTTP client");
    println!(
        "benchmark: {} repeats, concurrency {}, mock {} (release build: {})",
        args.repeat,
        args.concurrency,
        endpoint,
        !cfg!(debug_assertions)
    );

    let mut plain = Vec::new();
    let mut suite = Vec::new();
    let mut suite_requests = 0;
    for round in 0..args.repeat {
        // Interleave the two so that drift (users stored, caches) hits both alike.
        let rate = runtime.block_on(plain_load_loop(&client, args.load_requests, round));
        plain.push(rate);
        let (rate, requests, passed) = suite_run(&args, &endpoint, &fixtures, &credentials);
        if !passed {
            eprintln!("bench: the suite failed against the reference mock; see the output above");
            return std::process::ExitCode::from(1);
        }
        suite.push(rate);
        suite_requests = requests;
        println!(
            "  round {}: plain loop {:>9.0} req/s   suite {:>9.0} req/s ({requests} requests)",
            round + 1,
            plain[plain.len() - 1],
            rate
        );
    }
    let plain_median = median(&mut plain);
    let suite_median = median(&mut suite);
    println!(
        "plain load loop: median {plain_median:.0} req/s ({} signed creates per round)",
        args.load_requests
    );
    println!(
        "default suite:   median {suite_median:.0} req/s ({suite_requests} requests per round, --cases {})",
        args.cases
    );
    println!("ratio suite/plain: {:.2}", suite_median / plain_median);
    if args.endpoint.is_none() {
        println!("users stored in the mock: {}", mock.users_stored());
    }
    match peak_rss_kib() {
        Some(kib) => println!("peak RSS of this process: {:.1} MiB", kib as f64 / 1024.0),
        None => println!("peak RSS of this process: unknown (no /proc/self/status)"),
    }
    std::process::ExitCode::SUCCESS
}

/// Sends `count` signed creates with distinct emails; returns requests per second.
async fn plain_load_loop(client: &Client, count: u32, round: u32) -> f64 {
    let account = client.target().fixtures.account_id.clone();
    let concurrency = client.target().concurrency;
    let started = Instant::now();
    let failures = Arc::new(std::sync::atomic::AtomicU64::new(0));
    stream::iter(0..count)
        .for_each_concurrent(concurrency, |i| {
            let call = Call::json(
                &account,
                json!({"Email": format!("bench+{round}-{i}@example.com"), "Username": "bench"}),
            );
            let failures = Arc::clone(&failures);
            async move {
                match client.send(&call).await {
                    Ok(e) if e.response.status == 201 => {}
                    _ => {
                        failures.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                }
            }
        })
        .await;
    let failed = failures.load(std::sync::atomic::Ordering::Relaxed);
    if failed > 0 {
        eprintln!("bench: {failed} of {count} plain creates did not get 201");
    }
    f64::from(count) / started.elapsed().as_secs_f64()
}

/// Runs the default suite (but `no_trace::throttled`, which sleeps on a `Retry-After`)
/// in this process through the library's public API, as a user's own test would; returns
/// (req/s, requests, passed).
fn suite_run(
    args: &Args,
    endpoint: &str,
    fixtures: &chime_conformance::mock::Fixtures,
    credentials: &chime_conformance::contract::sigv4::SigningCredentials,
) -> (f64, u64, bool) {
    std::env::set_var("AWS_ACCESS_KEY_ID", &credentials.access_key_id);
    std::env::set_var("AWS_SECRET_ACCESS_KEY", &credentials.secret_access_key);
    let settings = Settings {
        target: TargetSettings {
            endpoint: Some(endpoint.to_string()),
            account_id: Some(fixtures.account_id.clone()),
            forbidden_account_id: fixtures.forbidden_account_id.clone(),
            throttled_account_id: fixtures.throttled_account_id.clone(),
            fault_header: fixtures.fault_header.clone(),
            auth: Some(AuthMode::SigV4),
            region: Some("us-east-1".into()),
            concurrency: Some(args.concurrency),
            ..TargetSettings::default()
        },
        cases_per_property: args.cases,
        ..Settings::default()
    };
    let mut trials = libtest_mimic::Arguments::from_iter(["bench", "--format", "terse"]);
    // It waits out a 429's Retry-After (a whole second, by HTTP's rule) by design: with it
    // the suite's rate would measure that sleep, not the harness.
    trials.skip = vec!["no_trace::throttled".into()];
    let started = Instant::now();
    let record =
        Plan::resolve(settings).and_then(|plan| Session::new(plan.with_trials(trials)).run());
    let elapsed = started.elapsed().as_secs_f64();
    match record {
        Ok(record) => (
            record.summary.requests as f64 / elapsed,
            record.summary.requests,
            record.summary.failed == 0,
        ),
        Err(e) => {
            eprintln!("bench: {}", chime_conformance::util::error_chain(&e));
            (0.0, 0, false)
        }
    }
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// Peak resident set size (VmHWM) in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()
}
