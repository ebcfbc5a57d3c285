//! Reaching the target: the embedded reference mock started in-process, or a remote
//! endpoint with credentials from the AWS provider chain, and the preflight request that
//! tells an unreachable target (exit code 3) from one that misbehaves.

use chime_conformance::contract::sigv4::SignatureMode;
use chime_conformance::http::{Call, Client, TransportErrorKind};
use chime_conformance::mock::{MockConfig, ReferenceMock};
use chime_conformance::target::builder::{EmbeddedMock, TargetSettings};
use chime_conformance::target::credentials::credentials_from_chain;
use chime_conformance::target::{Auth, Target, TargetFixtures, TargetOrigin};

use super::exit::{usage, CliError};

/// The target, and the embedded mock when there is one (it lives as long as the value).
pub fn resolve(
    settings: &TargetSettings,
    origin: TargetOrigin,
    runtime: &tokio::runtime::Runtime,
) -> Result<(Target, Option<ReferenceMock>), CliError> {
    let usage_of = |e: chime_conformance::target::builder::TargetError| usage(e.to_string());
    let Some((endpoint, account_id)) = settings.remote_endpoint().map_err(usage_of)? else {
        // Refuse settings of another target before starting anything.
        let mock = runtime
            .block_on(ReferenceMock::start(MockConfig::default()))
            .map_err(|e| usage(format!("failed to start the embedded reference mock: {e}")))?;
        let target = settings.embedded(embedded(&mock)).map_err(usage_of)?;
        return Ok((target, Some(mock)));
    };
    let auth = if settings.signs() {
        let (credentials, chain_region) = runtime
            .block_on(credentials_from_chain(
                settings.aws_profile.clone(),
                settings.region.clone(),
            ))
            .map_err(usage_of)?;
        Auth::SigV4 {
            credentials,
            region: settings.region_or(chain_region),
        }
    } else {
        Auth::None
    };
    let target = settings
        .remote(endpoint, account_id, auth, origin)
        .map_err(usage_of)?;
    Ok((target, None))
}

fn embedded(mock: &ReferenceMock) -> EmbeddedMock {
    let fixtures = mock.fixtures();
    EmbeddedMock {
        uri: mock.uri(),
        fixtures: TargetFixtures {
            account_id: fixtures.account_id,
            forbidden_account_id: fixtures.forbidden_account_id,
            throttled_account_id: fixtures.throttled_account_id,
            fault_header: fixtures.fault_header,
        },
        credentials: fixtures.credentials,
    }
}

/// One harmless request (unsigned, to an account no target has) to learn whether the
/// target can be reached at all. Only a failure to connect (refused, DNS, TLS) makes the
/// run stop here; a target that connects but misbehaves is for the trials to report.
pub fn preflight(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    run_id: &str,
) -> Result<(), CliError> {
    let call = Call {
        signature: SignatureMode::Unsigned,
        ..Call::json(
            format!("chime-conformance-preflight-{run_id}"),
            serde_json::json!({}),
        )
    };
    match runtime.block_on(client.send(&call)) {
        Err(e) if e.kind == TransportErrorKind::Connect => {
            Err(CliError::Unreachable(format!("{}: {}", e.url, e.message)))
        }
        _ => Ok(()),
    }
}
