//! `chime-conformance`: runs the CreateUser conformance suite against an endpoint, or
//! against the embedded reference mock when none is given. See `--help` and README.md.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    chime_conformance::cli::quiet_on_closed_stdout();
    chime_conformance::cli::main_with(chime_conformance::cli::Cli::parse()).into()
}
