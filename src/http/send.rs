//! Sending: one call once (reserving a user under the cap), a call retried after a 429
//! where throttling is not tested, and one prepared request within the per-request
//! timeout and the run's deadline, its body read up to [`response_cap`].

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::error::classify;
use super::retry::{retry_after, MAX_THROTTLE_RETRIES};
use super::{
    Call, CallPurpose, Client, Exchange, ReceivedResponse, SentRequest, TransportError,
    TransportErrorKind, Unanswered,
};

/// The largest response body the harness reads for a small request; a larger one is a
/// transport failure. A large request raises it (see [`response_cap`]).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// The largest response body read for a request with a body of `request_bytes`:
/// [`MAX_BODY_BYTES`] and four times the request's body, room for an answer that echoes
/// what it was sent (a 201 whose `DisplayName` is a 2 MiB `Username`, escaped or not).
pub fn response_cap(request_bytes: usize) -> usize {
    MAX_BODY_BYTES.saturating_add(request_bytes.saturating_mul(4))
}

impl Client {
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
                        signature: call.signature,
                    },
                    error,
                })
            }
        };
        if call.purpose == CallPurpose::Create {
            if let Err(error) = self.reserve_user(&request.url) {
                return Err(Unanswered { request, error });
            }
        }
        let response = self.send_prepared(&request).await;
        let created = matches!(&response, Ok(r) if r.is_success());
        if call.purpose == CallPurpose::Create && !created {
            self.stats().users.fetch_sub(1, Ordering::Relaxed);
        } else if call.purpose == CallPurpose::Probe && created {
            self.stats().users.fetch_add(1, Ordering::Relaxed);
        }
        match response {
            Ok(response) => Ok(Exchange { request, response }),
            Err(error) => Err(Unanswered { request, error }),
        }
    }

    fn reserve_user(&self, url: &str) -> Result<(), TransportError> {
        let Some(cap) = self.target().limits.max_users else {
            self.stats().users.fetch_add(1, Ordering::Relaxed);
            return Ok(());
        };
        self.stats()
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
            self.stats()
                .throttle_retries
                .fetch_add(1, Ordering::Relaxed);
            tokio::time::sleep(retry_after(&exchange.response, retries)).await;
        }
    }

    /// Sends an already prepared request, within the run's deadline.
    pub(crate) async fn send_prepared(
        &self,
        request: &SentRequest,
    ) -> Result<ReceivedResponse, TransportError> {
        let Some(deadline) = self.deadline() else {
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
        let _permit = self.in_flight().acquire().await.map_err(|_| {
            fail(
                TransportErrorKind::Request,
                "the client is shut down".into(),
            )
        })?;
        if let Some(pacer) = self.pacer() {
            pacer.wait().await;
        }
        self.take_from_budget(&request.url)?;
        let mut builder = self.http().post(&request.url).body(request.body.clone());
        for (name, value) in &request.headers {
            builder = builder.header(name, value);
        }
        let started = Instant::now();
        let response = builder
            .send()
            .await
            .map_err(|e| classify(&request.url, e))?;
        let cap = response_cap(request.body.len());
        read_response(&request.url, response, started, cap).await
    }

    /// Counts a request against the run's budget; an error when the budget is used up.
    pub(super) fn take_from_budget(&self, url: &str) -> Result<(), TransportError> {
        let sent_before = self.stats().requests.fetch_add(1, Ordering::Relaxed);
        match self.target().limits.budget {
            Some(budget) if sent_before >= budget => {
                self.stats().requests.fetch_sub(1, Ordering::Relaxed);
                Err(TransportError {
                    kind: TransportErrorKind::Budget,
                    url: url.to_string(),
                    message: format!(
                        "the request budget (--budget {budget}) is used up: the request was not sent"
                    ),
                })
            }
            _ => Ok(()),
        }
    }
}

/// Reads a response: a redirect is refused (never followed), the body is read up to `cap`
/// bytes.
async fn read_response(
    url: &str,
    mut response: reqwest::Response,
    started: Instant,
    cap: usize,
) -> Result<ReceivedResponse, TransportError> {
    let fail = |kind, message: String| TransportError {
        kind,
        url: url.to_string(),
        message,
    };
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
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(url, e))? {
        if body.len() + chunk.len() > cap {
            return Err(fail(
                TransportErrorKind::BodyTooLarge,
                format!("HTTP {status} body exceeds the {cap}-byte cap"),
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
