//! The HTTP client of a run: one `reqwest` client for one target, with a bounded number of
//! requests in flight, a per-request timeout, the run's deadline, pacing, the request budget
//! and the user cap. Building a request is in [`super::prepare`], sending it in [`super::send`].

use std::sync::{Arc, Once};
use std::time::Instant;

use tokio::sync::Semaphore;

use super::pacing::{ClientStats, Pacer};
use super::{TransportError, TransportErrorKind};
use crate::endpoint::Target;

/// Sends calls to one target.
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    target: Arc<Target>,
    in_flight: Arc<Semaphore>,
    stats: Arc<ClientStats>,
    /// When the whole run must be over; no request outlives it.
    deadline: Option<Instant>,
    pacer: Option<Arc<Pacer>>,
}

/// Makes ring the process's rustls crypto provider unless one is installed already.
/// `reqwest` is built without a provider of its own (its default would bring the aws-lc
/// library beside ring), so this runs before any `reqwest` client is built.
pub(crate) fn install_crypto_provider() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        // An error means another provider was installed first: that one is used.
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// A `reqwest` client with default settings (for tests and tools that speak to a mock).
pub fn default_reqwest_client() -> reqwest::Client {
    install_crypto_provider();
    reqwest::Client::new()
}

impl Client {
    /// A client for `target`; fails only on a bad CA certificate or TLS set-up.
    pub fn new(target: Target) -> Result<Client, TransportError> {
        install_crypto_provider();
        let fail = |message: String| TransportError {
            kind: TransportErrorKind::Request,
            url: target.endpoint.clone(),
            message,
        };
        // Certificates are always verified; a private CA is added to the public roots, and
        // an https endpoint is never spoken to in plain http (redirects are not followed).
        let https = target.endpoint.starts_with("https://");
        let mut builder = reqwest::Client::builder()
            .timeout(target.timeout)
            .connect_timeout(target.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(https)
            .pool_max_idle_per_host(target.concurrency.max(1))
            .user_agent(concat!("chime-conformance/", env!("CARGO_PKG_VERSION")));
        if !https {
            // Never spoken to over TLS (no redirects are followed), so the platform's roots,
            // hundreds of certificate files read and parsed for each client, are not loaded.
            builder = builder.tls_certs_only([]);
        }
        if let Some(pem) = &target.ca_cert_pem {
            let certificates = reqwest::Certificate::from_pem_bundle(pem).map_err(|e| {
                fail(format!(
                    "failed to read the CA certificate (--ca-cert): {e}"
                ))
            })?;
            if certificates.is_empty() {
                return Err(fail(
                    "the CA certificate file (--ca-cert) holds no PEM certificate".into(),
                ));
            }
            for certificate in certificates {
                builder = builder.tls_certs_merge([certificate]);
            }
        }
        let http = builder
            .build()
            .map_err(|e| fail(format!("failed to build the HTTP client: {e}")))?;
        let pacer = target.limits.rate.map(|rate| Arc::new(Pacer::new(rate)));
        Ok(Client {
            http,
            in_flight: Arc::new(Semaphore::new(target.concurrency.max(1))),
            target: Arc::new(target),
            stats: Arc::default(),
            deadline: None,
            pacer,
        })
    }

    /// The same client, with every request cut off at `deadline`.
    pub fn with_deadline(mut self, deadline: Instant) -> Client {
        self.deadline = Some(deadline);
        self
    }

    pub fn target(&self) -> &Target {
        &self.target
    }

    pub fn stats(&self) -> &ClientStats {
        &self.stats
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        &self.http
    }

    pub(crate) fn in_flight(&self) -> &Semaphore {
        &self.in_flight
    }

    /// How many requests may be in flight at once (`--concurrency`, at least one).
    pub(crate) fn concurrency(&self) -> u32 {
        u32::try_from(self.target.concurrency.max(1)).unwrap_or(u32::MAX)
    }

    pub(crate) fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    pub(crate) fn pacer(&self) -> Option<&Pacer> {
        self.pacer.as_deref()
    }
}
