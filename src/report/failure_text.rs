//! The one place that renders failure text: broken rules with what was expected and seen,
//! the (shrunk) request and its response, the seed, a `curl` reproducer and a one-line rerun
//! command. Reads a [`FailureRecord`], whose exchange is already masked.

use std::fmt::Write as _;

use super::record::{ExchangeRecord, FailureClass, FailureRecord};

/// Renders a failure as text: the trial's `Failed` message and the reports' `message`.
pub fn render_failure(f: &FailureRecord) -> String {
    let mut out = String::new();
    if let Some(context) = &f.context {
        let _ = writeln!(out, "input: {context}");
    }
    if let Some(t) = &f.transport_error {
        let _ = writeln!(
            out,
            "transport failure ({:?}), not a contract violation:\n  {}",
            t.kind, t.message
        );
    }
    if f.class == FailureClass::AwsCommon {
        let _ = writeln!(
            out,
            "class: aws-common (an AWS front-door error, not a contract violation)"
        );
    }
    if !f.violations.is_empty() {
        let _ = writeln!(out, "rules broken:");
        for v in &f.violations {
            let _ = writeln!(out, "  - {} ({}): {v}", v.rule, v.rule.description());
        }
    }
    let shown: Vec<_> = f.violations.iter().map(|v| v.rule).collect();
    let elsewhere: Vec<_> = f.rules.iter().filter(|r| !shown.contains(r)).collect();
    if !elsewhere.is_empty() {
        let names: Vec<_> = elsewhere.iter().map(|r| r.name()).collect();
        let _ = writeln!(
            out,
            "also broken by other requests of this trial: {}",
            names.join(", ")
        );
    }
    if let Some(p) = &f.provenance {
        let _ = writeln!(out, "found: {p}");
    }
    if let Some(exchange) = &f.exchange {
        write_exchange(&mut out, exchange);
        if exchange.response.is_none() && f.transport_error.is_none() {
            let _ = writeln!(out, "response: none (the connection closed with no answer)");
        }
    }
    let _ = writeln!(out, "seed: {}", f.seed);
    if let Some(curl) = &f.reproduce {
        let _ = writeln!(out, "reproduce (sensitive values masked; put your own in):");
        let _ = writeln!(out, "  {curl}");
    }
    let _ = writeln!(out, "rerun this trial:");
    let _ = write!(out, "  {}", f.rerun);
    out
}

fn write_exchange(out: &mut String, exchange: &ExchangeRecord) {
    let request = &exchange.request;
    let _ = writeln!(out, "request:");
    let _ = writeln!(out, "  {} {}", request.method, request.url);
    for (name, value) in &request.headers {
        let _ = writeln!(out, "  {name}: {value}");
    }
    let _ = writeln!(out, "  body: {}", request.body);
    if let Some(r) = &exchange.response {
        let _ = writeln!(out, "response: HTTP {} ({} ms)", r.status, r.elapsed_ms);
        for (name, value) in &r.headers {
            let _ = writeln!(out, "  {name}: {value}");
        }
        let _ = writeln!(out, "  body: {}", r.body);
    }
}
