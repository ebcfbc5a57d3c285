//! The whole conformance run from your own code or your own `cargo test`, through the
//! library's public API only: settings, a plan, a session, and the run's record to assert
//! on. Against the embedded reference mock by default, or against your endpoint:
//!
//! ```text
//! cargo run --example in_your_tests                       # the embedded reference mock
//! CHIME_ENDPOINT=http://127.0.0.1:4566 CHIME_ACCOUNT_ID=... \
//!   AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=... cargo run --example in_your_tests
//! ```
//!
//! In a test of your own, the same few lines (add `chime-conformance` as a
//! dev-dependency):
//!
//! ```no_run
//! use chime_conformance::endpoint::builder::TargetSettings;
//! use chime_conformance::report::console::render_console;
//! use chime_conformance::session::{Plan, Session, Settings};
//!
//! #[test]
//! fn my_server_conforms_to_create_user() {
//!     let settings = Settings {
//!         target: TargetSettings {
//!             endpoint: Some("http://127.0.0.1:4566".into()),
//!             account_id: Some("my-test-account".into()),
//!             ..TargetSettings::default()
//!         },
//!         seed: Some(7),
//!         ..Settings::default()
//!     };
//!     let record = Session::new(Plan::resolve(settings).unwrap()).run().unwrap();
//!     assert_eq!(record.summary.failed, 0, "{}", render_console(&record));
//! }
//! ```

use chime_conformance::endpoint::builder::TargetSettings;
use chime_conformance::report::console::render_console;
use chime_conformance::session::{Plan, Session, Settings};

fn main() -> std::process::ExitCode {
    let setting = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let settings = Settings {
        target: TargetSettings {
            endpoint: setting("CHIME_ENDPOINT"),
            account_id: setting("CHIME_ACCOUNT_ID"),
            ..TargetSettings::default()
        },
        seed: Some(7),
        ..Settings::default()
    };
    // The trials' own lines (libtest's), terse; the record is what a test asserts on.
    let trials = libtest_mimic::Arguments::from_iter(["in_your_tests", "--format", "terse"]);
    let record =
        match Plan::resolve(settings).and_then(|p| Session::new(p.with_trials(trials)).run()) {
            Ok(record) => record,
            Err(e) => {
                eprintln!(
                    "in_your_tests: {}",
                    chime_conformance::util::error_chain(&e)
                );
                return std::process::ExitCode::from(2);
            }
        };
    eprintln!("{}", render_console(&record));
    if record.summary.failed == 0 {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::FAILURE
    }
}
