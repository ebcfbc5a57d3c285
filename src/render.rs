//! The one place that renders failure text: broken rules, the (shrunk) request and its
//! response, the seed, a `curl` reproducer and a one-line rerun command. Secrets and
//! sensitive values are masked here, whatever the caller passes in.

use std::fmt::Write as _;

use crate::checks::Violation;
use crate::client::TransportError;
use crate::exchange::{Exchange, SentRequest};
use crate::redact::redact_body;
use crate::target::{shell_quote, Auth, Target};

/// Headers whose values are never shown.
const SECRET_HEADERS: [&str; 2] = ["authorization", "x-amz-security-token"];

/// Everything a failure message is made of.
pub struct Failure<'a> {
    pub trial: &'a str,
    /// One line saying what was being tried (e.g. the broken constraint of an input).
    pub context: Option<String>,
    pub violations: &'a [Violation],
    pub transport: Option<&'a TransportError>,
    /// The exchange that failed; `None` when the request never got an answer.
    pub exchange: Option<&'a Exchange>,
    /// The request that was sent when there was no answer.
    pub unanswered: Option<&'a SentRequest>,
    /// How the input was found: e.g. "case 17 of 128, shrunk in 9 steps".
    pub provenance: Option<String>,
    pub seed: u64,
    pub target: &'a Target,
}

/// Renders a failure for a trial's `Failed` message.
pub fn render_failure(f: &Failure<'_>) -> String {
    let mut out = String::new();
    if let Some(context) = &f.context {
        let _ = writeln!(out, "input: {context}");
    }
    if let Some(t) = f.transport {
        let _ = writeln!(
            out,
            "transport failure ({:?}), not a contract violation:\n  {}",
            t.kind, t.message
        );
    }
    if !f.violations.is_empty() {
        let _ = writeln!(out, "rules broken:");
        for v in f.violations {
            let _ = writeln!(
                out,
                "  - {} ({}): {}",
                v.rule,
                v.rule.description(),
                v.detail
            );
        }
    }
    if let Some(p) = &f.provenance {
        let _ = writeln!(out, "found: {p}");
    }
    let request = f.exchange.map(|e| &e.request).or(f.unanswered);
    if let Some(request) = request {
        let _ = writeln!(out, "request:");
        let _ = writeln!(out, "  {} {}", request.method, request.url);
        for (name, value) in &request.headers {
            let _ = writeln!(out, "  {name}: {}", mask_header(name, value));
        }
        let _ = writeln!(out, "  body: {}", redact_body(&request.body));
    }
    if let Some(exchange) = f.exchange {
        let r = &exchange.response;
        let _ = writeln!(
            out,
            "response: HTTP {} ({} ms)",
            r.status,
            r.elapsed.as_millis()
        );
        for (name, value) in &r.headers {
            let _ = writeln!(out, "  {name}: {}", mask_header(name, value));
        }
        let _ = writeln!(out, "  body: {}", redact_body(&r.body));
    }
    let _ = writeln!(out, "seed: {}", f.seed);
    if let Some(request) = request {
        let _ = writeln!(out, "reproduce (sensitive values masked; put your own in):");
        let _ = writeln!(out, "  {}", curl_command(request, f.target));
    }
    let _ = writeln!(out, "rerun this trial:");
    let _ = write!(out, "  {}", rerun_command(f.trial, f.seed, f.target));
    out
}

fn mask_header(name: &str, value: &str) -> String {
    if SECRET_HEADERS.iter().any(|s| name.eq_ignore_ascii_case(s)) {
        match value.split_once(' ') {
            Some((scheme, _)) if name.eq_ignore_ascii_case("authorization") => {
                format!("{scheme} *** (masked)")
            }
            _ => "*** (masked)".to_string(),
        }
    } else {
        value.to_string()
    }
}

/// A curl command that sends the same request, signing with the credentials in the
/// environment rather than printing any.
pub fn curl_command(request: &SentRequest, target: &Target) -> String {
    let mut parts = vec![
        "curl -sS -i -X".to_string(),
        request.method.clone(),
        shell_quote(&request.url),
    ];
    let signed = request
        .headers
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case("authorization"));
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        if SECRET_HEADERS.contains(&lower.as_str()) || lower == "x-amz-date" {
            continue;
        }
        parts.push(format!("-H {}", shell_quote(&format!("{name}: {value}"))));
    }
    if signed {
        let region = match &target.auth {
            Auth::SigV4 { region, .. } => region.as_str(),
            Auth::None => crate::contract::DEFAULT_REGION,
        };
        parts.push(format!(
            "--aws-sigv4 {}",
            shell_quote(&format!(
                "aws:amz:{region}:{}",
                crate::contract::SIGNING_SERVICE
            ))
        ));
        parts.push("--user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\"".to_string());
        if request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("x-amz-security-token"))
        {
            parts.push("-H \"x-amz-security-token: $AWS_SESSION_TOKEN\"".to_string());
        }
    }
    if !request.body.is_empty() {
        parts.push(format!(
            "--data-binary {}",
            shell_quote(&redact_body(&request.body))
        ));
    }
    parts.join(" ")
}

/// The command that reruns exactly one trial with one seed against the same target.
pub fn rerun_command(trial: &str, seed: u64, target: &Target) -> String {
    let mut parts = vec![
        "chime-conformance".to_string(),
        "--exact".to_string(),
        shell_quote(trial),
        format!("--seed {seed}"),
    ];
    parts.extend(target.command_line_flags());
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::checks::Rule;
    use crate::exchange::ReceivedResponse;
    use crate::sigv4::SigningCredentials;
    use crate::target::TargetFixtures;
    use std::time::Duration;

    #[test]
    fn failure_text_names_rules_and_masks_secrets() {
        let target = Target {
            endpoint: "http://127.0.0.1:9".into(),
            auth: Auth::SigV4 {
                credentials: SigningCredentials::new("AKID", "s3cr3t"),
                region: "us-east-1".into(),
            },
            fixtures: TargetFixtures {
                account_id: "acct".into(),
                forbidden_account_id: None,
                throttled_account_id: None,
                fault_header: None,
            },
            timeout: Duration::from_secs(1),
            concurrency: 1,
            embedded: false,
            limits: Default::default(),
            ca_cert_pem: None,
            profile_path: None,
        };
        let exchange = Exchange {
            request: SentRequest {
                method: "POST".into(),
                url: "http://127.0.0.1:9/accounts/acct/users?operation=create".into(),
                account_id: "acct".into(),
                headers: vec![
                    ("content-type".into(), "application/json".into()),
                    (
                        "authorization".into(),
                        "AWS4-HMAC-SHA256 Credential=AKID/x, Signature=deadbeef".into(),
                    ),
                    ("x-amz-security-token".into(), "tok3n".into()),
                ],
                body: br#"{"Email":"alice@example.com"}"#.to_vec(),
                injected_fault: None,
            },
            response: ReceivedResponse {
                status: 201,
                headers: vec![],
                body: br#"{"User":{"UserId":"u","PersonalPIN":"8675309"}}"#.to_vec(),
                elapsed: Duration::from_millis(3),
            },
        };
        let violations = [Violation {
            rule: Rule::InvariantAccountId,
            detail: "differs".into(),
        }];
        let text = render_failure(&Failure {
            trial: "property::valid_request_creates_user",
            context: None,
            violations: &violations,
            transport: None,
            exchange: Some(&exchange),
            unanswered: None,
            provenance: Some("case 1 of 1".into()),
            seed: 42,
            target: &target,
        });
        for secret in [
            "deadbeef",
            "tok3n",
            "alice@example.com",
            "8675309",
            "s3cr3t",
        ] {
            assert!(!text.contains(secret), "{secret} leaked:\n{text}");
        }
        for needed in [
            "invariant.account_id",
            "seed: 42",
            "--aws-sigv4 aws:amz:us-east-1:chime",
            "--exact property::valid_request_creates_user --seed 42 --endpoint http://127.0.0.1:9",
        ] {
            assert!(text.contains(needed), "{needed} missing:\n{text}");
        }
    }
}
