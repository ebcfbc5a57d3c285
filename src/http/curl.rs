//! A `curl` command that sends the same request as one the harness sent: signing with the
//! credentials in the caller's environment (curl's `--aws-sigv4`), never printing any, and
//! with sensitive body members masked.

use super::SentRequest;
use crate::contract::redact::{redact_body, SECRET_HEADERS};
use crate::contract::SIGNING_SERVICE;
use crate::endpoint::shell_quote;

/// The curl command for `request`, signed for `region` when the original was signed.
pub fn curl_command(request: &SentRequest, region: &str) -> String {
    let mut parts = vec![
        "curl -sS -i -X".to_string(),
        request.method.clone(),
        shell_quote(&request.url),
    ];
    let has = |header: &str| {
        request
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case(header))
    };
    for (name, value) in &request.headers {
        let lower = name.to_ascii_lowercase();
        if SECRET_HEADERS.contains(&lower.as_str()) || lower == "x-amz-date" {
            continue;
        }
        parts.push(format!("-H {}", shell_quote(&format!("{name}: {value}"))));
    }
    if has("authorization") {
        parts.push(format!(
            "--aws-sigv4 {}",
            shell_quote(&format!("aws:amz:{region}:{SIGNING_SERVICE}"))
        ));
        parts.push("--user \"$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY\"".to_string());
        if has("x-amz-security-token") {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_signs_from_the_environment_and_masks_the_body() {
        let request = SentRequest::sample_with_secrets();
        let curl = curl_command(&request, "us-east-1");
        for secret in ["deadbeef", "tok3n", "alice@example.com", "20260101T000000Z"] {
            assert!(!curl.contains(secret), "{secret} leaked: {curl}");
        }
        assert!(
            curl.contains("--aws-sigv4 aws:amz:us-east-1:chime"),
            "{curl}"
        );
        assert!(curl.contains("$AWS_SESSION_TOKEN"), "{curl}");
    }
}
