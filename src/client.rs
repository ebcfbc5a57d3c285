//! The HTTP side of the harness: turns a [`Call`] into a signed request, sends it with a
//! bounded number in flight and a per-request timeout, reads at most [`MAX_BODY_BYTES`]
//! of the answer, and returns the [`Exchange`] or a [`TransportError`] saying clearly what
//! went wrong on the wire. Transport failures are never contract violations.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use serde_json::Value;
use tokio::sync::Semaphore;

use crate::contract::Exception;
use crate::exchange::{Exchange, ReceivedResponse, SentRequest};
use crate::sigv4::{sign_request, SigningCredentials};
use crate::target::{Auth, Target};

/// The largest response body the harness reads; a larger one is a transport failure.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
/// How many times a 429 is retried where throttling is not what is being tested.
pub const MAX_THROTTLE_RETRIES: u32 = 4;
/// The longest single wait for `Retry-After`.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(5);

/// The body of a call.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum CallBody {
    /// A JSON document, sent with `Content-Type: application/json`.
    Json(Value),
    /// Bytes sent as they are, with the given Content-Type (none if `None`).
    Raw {
        bytes: Vec<u8>,
        content_type: Option<String>,
    },
}

/// How a call authenticates, relative to the target's own auth.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Credentials {
    /// As the target is configured.
    Target,
    /// No signature at all.
    Unsigned,
    /// Signed with the target's access key and a wrong secret.
    WrongSecret,
    /// Signed with an access key the target cannot know.
    UnknownAccessKey,
}

/// One CreateUser call to make.
#[derive(Debug, Clone)]
pub struct Call {
    pub account_id: String,
    pub body: CallBody,
    pub credentials: Credentials,
    /// Ask the target to inject this exception through its fault header.
    pub fault: Option<Exception>,
    /// The call is meant to create a user, so it counts against `--max-users`.
    pub may_create: bool,
}

impl Call {
    /// A call with a JSON body that is not meant to create a user.
    pub fn json(account_id: impl Into<String>, body: Value) -> Call {
        Call {
            account_id: account_id.into(),
            body: CallBody::Json(body),
            credentials: Credentials::Target,
            fault: None,
            may_create: false,
        }
    }

    /// A call meant to create a user.
    pub fn create(account_id: impl Into<String>, body: Value) -> Call {
        Call {
            may_create: true,
            ..Call::json(account_id, body)
        }
    }
}

/// What went wrong on the wire.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportErrorKind {
    /// No connection could be made (refused, DNS, TLS handshake).
    Connect,
    /// No complete answer within the timeout.
    Timeout,
    /// The connection broke, or the answer was not valid HTTP.
    Protocol,
    /// The body exceeded [`MAX_BODY_BYTES`].
    BodyTooLarge,
    /// The target answered with a redirect, which is not followed.
    Redirect,
    /// The request could not be built or signed.
    Request,
    /// The run's overall deadline (`--deadline`) passed.
    Deadline,
    /// Not sent: the run's request budget or user cap is used up.
    Budget,
}

/// A failure to get a complete HTTP answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("transport failure ({kind:?}) for {url}: {message}")]
pub struct TransportError {
    pub kind: TransportErrorKind,
    pub url: String,
    pub message: String,
}

/// A request that got no complete answer, and why.
#[derive(Debug, Clone)]
pub struct Unanswered {
    pub request: SentRequest,
    pub error: TransportError,
}

/// Counters of a run.
#[derive(Debug, Default)]
pub struct ClientStats {
    /// Requests sent.
    pub requests: AtomicU64,
    /// 429s retried after their Retry-After.
    pub throttle_retries: AtomicU64,
    /// Users created, or reserved by calls in flight that are meant to create one.
    pub users: AtomicU64,
}

/// Spaces requests evenly at a fixed rate.
#[derive(Debug)]
struct Pacer {
    interval: Duration,
    next: std::sync::Mutex<tokio::time::Instant>,
}

impl Pacer {
    fn new(rate: f64) -> Pacer {
        Pacer {
            interval: Duration::from_secs_f64(1.0 / rate),
            next: std::sync::Mutex::new(tokio::time::Instant::now()),
        }
    }

    /// Waits for this request's slot.
    async fn wait(&self) {
        let slot = {
            let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
            let slot = (*next).max(tokio::time::Instant::now());
            *next = slot + self.interval;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

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

impl Client {
    pub fn new(target: Target) -> Result<Client, TransportError> {
        let fail = |message: String| TransportError {
            kind: TransportErrorKind::Request,
            url: target.endpoint.clone(),
            message,
        };
        // Certificates are always verified; a private CA is added to the public roots, and
        // an https endpoint is never spoken to in plain http (redirects are not followed).
        let mut builder = reqwest::Client::builder()
            .timeout(target.timeout)
            .connect_timeout(target.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(target.endpoint.starts_with("https://"))
            .pool_max_idle_per_host(target.concurrency.max(1))
            .user_agent(concat!("chime-conformance/", env!("CARGO_PKG_VERSION")));
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
                builder = builder.add_root_certificate(certificate);
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

    /// Builds the request a call makes: URL, headers (signed), body.
    pub fn prepare(&self, call: &Call) -> Result<SentRequest, TransportError> {
        let url = self.target.create_user_url(&call.account_id);
        let (body, content_type) = match &call.body {
            CallBody::Json(v) => (
                v.to_string().into_bytes(),
                Some("application/json".to_string()),
            ),
            CallBody::Raw {
                bytes,
                content_type,
            } => (bytes.clone(), content_type.clone()),
        };
        let mut headers: Vec<(String, String)> = Vec::new();
        if let Some(ct) = content_type {
            headers.push(("content-type".into(), ct));
        }
        if let (Some(exception), Some(name)) = (call.fault, &self.target.fixtures.fault_header) {
            headers.push((name.to_ascii_lowercase(), exception.shape_name().into()));
        }
        let signer = match (&self.target.auth, call.credentials) {
            (_, Credentials::Unsigned) | (Auth::None, _) => None,
            (
                Auth::SigV4 {
                    credentials,
                    region,
                },
                mode,
            ) => {
                let credentials = match mode {
                    Credentials::WrongSecret => SigningCredentials {
                        secret_access_key: format!("{}-wrong", credentials.secret_access_key),
                        ..credentials.clone()
                    },
                    Credentials::UnknownAccessKey => SigningCredentials {
                        access_key_id: "AKIDCHIMECONFORMANCEUNKNOWN".into(),
                        ..credentials.clone()
                    },
                    _ => credentials.clone(),
                };
                Some((credentials, region))
            }
        };
        if let Some((credentials, region)) = signer {
            let borrowed: Vec<(&str, &str)> = headers
                .iter()
                .map(|(n, v)| (n.as_str(), v.as_str()))
                .collect();
            let added = sign_request(
                "POST",
                &url,
                &borrowed,
                &body,
                &credentials,
                region,
                SystemTime::now(),
            )
            .map_err(|e| TransportError {
                kind: TransportErrorKind::Request,
                url: url.clone(),
                message: e.to_string(),
            })?;
            headers.extend(added);
        }
        Ok(SentRequest {
            method: "POST".into(),
            url,
            account_id: call.account_id.clone(),
            headers,
            body,
            injected_fault: call.fault,
        })
    }

    /// Sends one call once. A call meant to create a user first reserves one of the
    /// run's `--max-users`; a created user the call was not meant to make is counted too.
    pub async fn send(&self, call: &Call) -> Result<Exchange, TransportError> {
        self.attempt(call)
            .await
            .map_err(|unanswered| unanswered.error)
    }

    /// Like [`Client::send`], but a failure hands back the request that got no answer, for
    /// reporting.
    pub async fn attempt(&self, call: &Call) -> Result<Exchange, Unanswered> {
        let request = match self.prepare(call) {
            Ok(request) => request,
            Err(error) => {
                return Err(Unanswered {
                    request: SentRequest {
                        method: "POST".into(),
                        url: error.url.clone(),
                        account_id: call.account_id.clone(),
                        headers: Vec::new(),
                        body: Vec::new(),
                        injected_fault: call.fault,
                    },
                    error,
                })
            }
        };
        if call.may_create {
            if let Err(error) = self.reserve_user(&request.url) {
                return Err(Unanswered { request, error });
            }
        }
        let response = self.send_prepared(&request).await;
        let created = matches!(&response, Ok(r) if r.is_success());
        if call.may_create && !created {
            self.stats.users.fetch_sub(1, Ordering::Relaxed);
        } else if !call.may_create && created {
            self.stats.users.fetch_add(1, Ordering::Relaxed);
        }
        match response {
            Ok(response) => Ok(Exchange { request, response }),
            Err(error) => Err(Unanswered { request, error }),
        }
    }

    fn reserve_user(&self, url: &str) -> Result<(), TransportError> {
        let Some(cap) = self.target.limits.max_users else {
            self.stats.users.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        };
        self.stats
            .users
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |n| {
                (n < cap).then_some(n + 1)
            })
            .map(|_| ())
            .map_err(|_| TransportError {
                kind: TransportErrorKind::Budget,
                url: url.to_string(),
                message: format!(
                    "the user cap (--max-users {cap}) is reached: the request was not sent"
                ),
            })
    }

    /// Sends one call; a 429 is retried after its `Retry-After` (bounded), since throttling
    /// is not what such a call tests. Returns the last exchange and how many retries it took.
    pub async fn send_tolerating_throttle(
        &self,
        call: &Call,
    ) -> Result<(Exchange, u32), Unanswered> {
        let mut retries = 0;
        loop {
            let exchange = self.attempt(call).await?;
            if exchange.response.status != 429 || retries >= MAX_THROTTLE_RETRIES {
                return Ok((exchange, retries));
            }
            retries += 1;
            self.stats.throttle_retries.fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(retry_after(&exchange.response, retries)).await;
        }
    }

    /// Sends an already prepared request, within the run's deadline.
    pub async fn send_prepared(
        &self,
        request: &SentRequest,
    ) -> Result<ReceivedResponse, TransportError> {
        let Some(deadline) = self.deadline else {
            return self.exchange_within_timeout(request).await;
        };
        let past_deadline = || TransportError {
            kind: TransportErrorKind::Deadline,
            url: request.url.clone(),
            message: "the run's deadline (--deadline) passed; the request was cut off".into(),
        };
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(past_deadline)?;
        tokio::time::timeout(left, self.exchange_within_timeout(request))
            .await
            .map_err(|_| past_deadline())?
    }

    /// One HTTP exchange, bounded by the per-request timeout.
    async fn exchange_within_timeout(
        &self,
        request: &SentRequest,
    ) -> Result<ReceivedResponse, TransportError> {
        let fail = |kind, message: String| TransportError {
            kind,
            url: request.url.clone(),
            message,
        };
        let _permit = self.in_flight.acquire().await.map_err(|_| {
            fail(
                TransportErrorKind::Request,
                "the client is shut down".into(),
            )
        })?;
        if let Some(pacer) = &self.pacer {
            pacer.wait().await;
        }
        let sent_before = self.stats.requests.fetch_add(1, Ordering::Relaxed);
        if let Some(budget) = self.target.limits.budget {
            if sent_before >= budget {
                self.stats.requests.fetch_sub(1, Ordering::Relaxed);
                return Err(fail(
                    TransportErrorKind::Budget,
                    format!("the request budget (--budget {budget}) is used up: the request was not sent"),
                ));
            }
        }
        let mut builder = self.http.post(&request.url).body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let started = Instant::now();
        let mut response = builder
            .send()
            .await
            .map_err(|e| classify(&request.url, e))?;
        let status = response.status().as_u16();
        if response.status().is_redirection() {
            let location = response
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("(no Location)")
                .to_string();
            return Err(fail(
                TransportErrorKind::Redirect,
                format!("HTTP {status} redirect to {location} was not followed (credentials are never sent to another location)"),
            ));
        }
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| classify(&request.url, e))?
        {
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(fail(
                    TransportErrorKind::BodyTooLarge,
                    format!("HTTP {status} body exceeds the {MAX_BODY_BYTES}-byte cap"),
                ));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(ReceivedResponse {
            status,
            headers,
            body,
            elapsed: started.elapsed(),
        })
    }
}

/// How long to wait before retry number `attempt` of a throttled call.
fn retry_after(response: &ReceivedResponse, attempt: u32) -> Duration {
    let advised = response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64);
    let backoff = Duration::from_millis(100 * 2u64.pow(attempt.min(6)));
    advised.unwrap_or(backoff).min(MAX_RETRY_AFTER)
}

/// Turns a reqwest error into a clear transport failure.
fn classify(url: &str, error: reqwest::Error) -> TransportError {
    let kind = if error.is_timeout() {
        TransportErrorKind::Timeout
    } else if error.is_connect() {
        TransportErrorKind::Connect
    } else if error.is_builder() {
        TransportErrorKind::Request
    } else {
        TransportErrorKind::Protocol
    };
    TransportError {
        kind,
        url: url.to_string(),
        message: error_chain(&error),
    }
}

/// An error and its sources on one line, so "connection refused" or a TLS reason is shown.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(s) = source {
        let s_text = s.to_string();
        if !text.contains(&s_text) {
            text.push_str(": ");
            text.push_str(&s_text);
        }
        source = s.source();
    }
    text
}
