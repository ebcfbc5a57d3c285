//! Reaching the target: the embedded reference mock started in-process, or a remote
//! endpoint with credentials from the AWS provider chain, and the preflight request that
//! tells an unreachable target from one that misbehaves.

use super::{SessionError, Setting};
use crate::contract::sigv4::SignatureMode;
use crate::endpoint::builder::TargetSettings;
use crate::endpoint::credentials::credentials_from_chain;
use crate::endpoint::{Auth, Target, TargetOrigin};
use crate::http::{Call, Client, TransportErrorKind};

/// The embedded reference mock a run started; it serves as long as the value lives.
#[cfg(feature = "embedded-mock")]
pub(super) type EmbeddedMockServer = crate::mock::ReferenceMock;
/// Without the `embedded-mock` feature there is never one.
#[cfg(not(feature = "embedded-mock"))]
pub(super) type EmbeddedMockServer = std::convert::Infallible;

/// The target, and the embedded mock when there is one (it lives as long as the value).
pub(super) fn resolve(
    settings: &TargetSettings,
    origin: TargetOrigin,
    runtime: &tokio::runtime::Runtime,
) -> Result<(Target, Option<EmbeddedMockServer>), SessionError> {
    let target_error = |e: crate::endpoint::builder::TargetError| SessionError::Setting {
        setting: Setting::Target,
        source: e.into(),
    };
    let Some((endpoint, account_id)) = settings.remote_endpoint().map_err(target_error)? else {
        return embedded(settings, runtime);
    };
    let auth = if settings.signs() {
        let (credentials, chain_region) = runtime
            .block_on(credentials_from_chain(
                settings.aws_profile.clone(),
                settings.region.clone(),
            ))
            .map_err(|e| SessionError::Setting {
                setting: Setting::Credentials,
                source: e.into(),
            })?;
        Auth::SigV4 {
            credentials,
            region: settings.region_or(chain_region),
        }
    } else {
        Auth::None
    };
    let target = settings
        .remote(endpoint, account_id, auth, origin)
        .map_err(target_error)?;
    Ok((target, None))
}

/// The embedded reference mock, started, as the target.
#[cfg(feature = "embedded-mock")]
fn embedded(
    settings: &TargetSettings,
    runtime: &tokio::runtime::Runtime,
) -> Result<(Target, Option<EmbeddedMockServer>), SessionError> {
    use crate::endpoint::builder::EmbeddedMock;
    use crate::endpoint::TargetFixtures;
    use crate::mock::{MockConfig, ReferenceMock};
    // Settings of another target are refused (below) before anything is used.
    let mock = runtime
        .block_on(ReferenceMock::start(MockConfig::default()))
        .map_err(|e| SessionError::Start {
            what: "the embedded reference mock",
            source: Box::new(e),
        })?;
    let fixtures = mock.fixtures();
    let target = settings
        .embedded(EmbeddedMock {
            uri: mock.uri(),
            fixtures: TargetFixtures {
                account_id: fixtures.account_id,
                forbidden_account_id: fixtures.forbidden_account_id,
                throttled_account_id: fixtures.throttled_account_id,
                fault_header: fixtures.fault_header,
            },
            credentials: fixtures.credentials,
        })
        .map_err(|e| SessionError::Setting {
            setting: Setting::Target,
            source: e.into(),
        })?;
    Ok((target, Some(mock)))
}

/// Without the `embedded-mock` feature, a plan must name an endpoint.
#[cfg(not(feature = "embedded-mock"))]
fn embedded(
    _settings: &TargetSettings,
    _runtime: &tokio::runtime::Runtime,
) -> Result<(Target, Option<EmbeddedMockServer>), SessionError> {
    Err(SessionError::Setting {
        setting: Setting::Target,
        source: "no endpoint is set, and this build has no embedded reference mock (the embedded-mock feature)".into(),
    })
}

/// One harmless request (unsigned, to an account no target has) to learn whether the
/// target can be reached at all. Only a failure to connect (refused, DNS, TLS) makes the
/// run stop here; a target that connects but misbehaves is for the trials to report.
pub(super) fn preflight(
    runtime: &tokio::runtime::Runtime,
    client: &Client,
    run_id: &str,
) -> Result<(), SessionError> {
    let call = Call {
        signature: SignatureMode::Unsigned,
        ..Call::json(
            format!("chime-conformance-preflight-{run_id}"),
            serde_json::json!({}),
        )
    };
    match runtime.block_on(client.send(&call)) {
        Err(e) if e.kind == TransportErrorKind::Connect => Err(SessionError::Unreachable {
            url: e.url,
            message: e.message,
        }),
        _ => Ok(()),
    }
}
