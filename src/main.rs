//! `chime-conformance`: runs the CreateUser conformance suite against an endpoint, or
//! against the embedded reference mock when none is given. See `--help` and README.md.

mod cli;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    cli::quiet_on_closed_stdout();
    cli::main_with(cli::Cli::parse()).into()
}
