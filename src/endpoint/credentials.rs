//! Credentials for signing from the standard AWS provider chain: environment, shared config
//! and credentials files (with a named profile), web identity (a CI's OIDC role), containers
//! and instances. Nothing secret is printed.

use aws_credential_types::provider::ProvideCredentials;

use super::builder::TargetError;
use crate::contract::sigv4::SigningCredentials;

/// The HTTP client the AWS SDK's credential providers (SSO, STS, IMDS, containers) use:
/// hyper 1 with rustls on ring, the stack the rest of the tree uses (the SDK's default
/// client would bring the aws-lc crypto library beside ring).
pub fn aws_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
    aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

/// Credentials and, unless `region` is given, the chain's region.
pub async fn credentials_from_chain(
    profile: Option<String>,
    region: Option<String>,
) -> Result<(SigningCredentials, Option<String>), TargetError> {
    let mut loader =
        aws_config::defaults(aws_config::BehaviorVersion::latest()).http_client(aws_http_client());
    if let Some(name) = &profile {
        loader = loader.profile_name(name);
    }
    if let Some(region) = region {
        loader = loader.region(aws_config::Region::new(region));
    }
    let config = loader.load().await;
    let provider = config.credentials_provider().ok_or_else(|| {
        TargetError::new(
            "--auth sigv4 needs credentials, and no AWS credentials provider is configured",
        )
    })?;
    let credentials = provider.provide_credentials().await.map_err(|e| {
        TargetError::new(format!(
            "--auth sigv4 needs credentials: the AWS provider chain{} found none ({}). Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, use --profile, or pass --auth none",
            profile
                .as_deref()
                .map(|p| format!(" with profile {p:?}"))
                .unwrap_or_default(),
            crate::util::error_chain(&e)
        ))
    })?;
    Ok((
        SigningCredentials::new(credentials.access_key_id(), credentials.secret_access_key())
            .with_session_token(credentials.session_token().map(str::to_string)),
        config.region().map(|r| r.to_string()),
    ))
}
