//! Sending: one call once (reserving a user under the cap), a burst of calls released at
//! once, a call retried as an AWS SDK does (a 429 where throttling is not tested, a
//! transient 5xx where no fault was injected), and one prepared request within the
//! per-request timeout and the run's deadline, its body read up to [`response_cap`]. A
//! request is first admitted (a place in flight, its pacing slot), then dispatched
//! (counted against the budget, sent); a burst is admitted as a whole.

use std::future::Future;
use std::sync::atomic::Ordering;
use std::time::Instant;

use tokio::sync::SemaphorePermit;

use super::error::classify;
use super::retry::{
    is_transient, retry_after, transient_backoff, LOOPBACK_BACKOFF_BASE, MAX_THROTTLE_RETRIES,
    MAX_TRANSIENT_ATTEMPTS, TRANSIENT_BACKOFF_BASE,
};
use super::{
    Call, CallPurpose, Client, Exchange, ReceivedResponse, SentRequest, TransportError,
    TransportErrorKind, Unanswered,
};

/// The largest response body the harness reads for a small request; a larger one is a
/// transport failure. A large request raises it (see [`response_cap`]).
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// What a call sent as an SDK does was retried.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Retried {
    /// 429s retried.
    pub throttles: u32,
    /// The statuses of the transient 5xx answers retried, in order.
    pub transient: Vec<u16>,
    /// Time waited before the transient retries.
    pub backoff: std::time::Duration,
}

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
        let request = match self.prepare_reserving(call) {
            (request, Some(error)) => return Err(Unanswered { request, error }),
            (request, None) => request,
        };
        let response = self.send_prepared(&request).await;
        self.count_user(call, &response);
        match response {
            Ok(response) => Ok(Exchange { request, response }),
            Err(error) => Err(Unanswered { request, error }),
        }
    }

    /// Sends calls as one burst: every request is admitted first (places in flight and
    /// pacing slots, one each, taken together), then all leave at once. A burst larger than
    /// `--concurrency` takes every place and still leaves whole. The answers come back in
    /// the order of the calls.
    pub async fn attempt_together(&self, calls: &[Call]) -> Vec<Result<Exchange, Unanswered>> {
        let prepared: Vec<(SentRequest, Option<TransportError>)> = calls
            .iter()
            .map(|call| self.prepare_reserving(call))
            .collect();
        let ready: Vec<&SentRequest> = prepared
            .iter()
            .filter(|(_, refused)| refused.is_none())
            .map(|(request, _)| request)
            .collect();
        let mut responses = self.send_prepared_together(&ready).await.into_iter();
        let mut answers = Vec::with_capacity(calls.len());
        for (call, (request, refused)) in calls.iter().zip(prepared) {
            if let Some(error) = refused {
                answers.push(Err(Unanswered { request, error }));
                continue;
            }
            let response = responses.next().unwrap_or_else(|| {
                Err(TransportError {
                    kind: TransportErrorKind::Request,
                    url: request.url.clone(),
                    message: "the request was not sent with its burst".into(),
                })
            });
            self.count_user(call, &response);
            answers.push(match response {
                Ok(response) => Ok(Exchange { request, response }),
                Err(error) => Err(Unanswered { request, error }),
            });
        }
        answers
    }

    /// The request a call makes (a stand-in when it cannot be made), with a user reserved
    /// under the cap when the call is meant to create one; and the error that keeps it
    /// from being sent, if any.
    fn prepare_reserving(&self, call: &Call) -> (SentRequest, Option<TransportError>) {
        let request = match self.prepare(call) {
            Ok(request) => request,
            Err(error) => {
                let stand_in = SentRequest::stand_in(call, &error.url);
                return (stand_in, Some(error));
            }
        };
        if call.purpose == CallPurpose::Create {
            if let Err(error) = self.reserve_user(&request.url) {
                return (request, Some(error));
            }
        }
        (request, None)
    }

    /// Sets the user count right after an answer: a reservation that created no user is
    /// given back, a user created unasked is counted.
    fn count_user(&self, call: &Call, response: &Result<ReceivedResponse, TransportError>) {
        let created = matches!(response, Ok(r) if r.is_success());
        if call.purpose == CallPurpose::Create && !created {
            self.stats().users.fetch_sub(1, Ordering::Relaxed);
        } else if call.purpose == CallPurpose::Probe && created {
            self.stats().users.fetch_add(1, Ordering::Relaxed);
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

    /// Sends one call as an AWS SDK does: a 429 is retried after its `Retry-After`
    /// (bounded), since throttling is not what such a call tests, and, where the call
    /// injects no fault, a transient 5xx (500, 502, 503, 504) is retried as the SDKs'
    /// standard retry mode does (3 attempts, exponential backoff with jitter). Returns the
    /// last exchange and what was retried.
    /// Where throttling is what the call tests (`retry_throttles` false), a 429 is not
    /// retried; a transient 5xx still is.
    pub async fn send_as_sdk(
        &self,
        call: &Call,
        retry_throttles: bool,
    ) -> Result<(Exchange, Retried), Unanswered> {
        let first = self.attempt(call).await?;
        self.retry_as_sdk(call, first, retry_throttles).await
    }

    /// Retries a call whose first answer was `exchange` as an AWS SDK does (see
    /// [`Client::send_as_sdk`]); returns the last exchange and what was retried.
    pub async fn retry_as_sdk(
        &self,
        call: &Call,
        exchange: Exchange,
        retry_throttles: bool,
    ) -> Result<(Exchange, Retried), Unanswered> {
        let mut exchange = exchange;
        let mut retried = Retried::default();
        loop {
            let status = exchange.response.status;
            let wait =
                if status == 429 && retry_throttles && retried.throttles < MAX_THROTTLE_RETRIES {
                    retried.throttles += 1;
                    self.stats()
                        .throttle_retries
                        .fetch_add(1, Ordering::Relaxed);
                    retry_after(&exchange.response, retried.throttles)
                } else if is_transient(status)
                    && call.fault.is_none()
                    && (retried.transient.len() as u32) < MAX_TRANSIENT_ATTEMPTS - 1
                {
                    retried.transient.push(status);
                    let base = if self.target().is_loopback() {
                        LOOPBACK_BACKOFF_BASE
                    } else {
                        TRANSIENT_BACKOFF_BASE
                    };
                    let jitter = rand::random::<f64>();
                    let wait = transient_backoff(retried.transient.len() as u32, base, jitter);
                    retried.backoff += wait;
                    let stats = self.stats();
                    stats.transient_retries.fetch_add(1, Ordering::Relaxed);
                    stats
                        .transient_backoff_ms
                        .fetch_add(wait.as_millis() as u64, Ordering::Relaxed);
                    wait
                } else {
                    return Ok((exchange, retried));
                };
            tokio::time::sleep(wait).await;
            exchange = self.attempt(call).await?;
        }
    }

    /// Sends an already prepared request, within the run's deadline.
    pub(crate) async fn send_prepared(
        &self,
        request: &SentRequest,
    ) -> Result<ReceivedResponse, TransportError> {
        self.within_deadline(&request.url, async {
            let _admitted = self.admit(1, &request.url).await?;
            self.dispatch(request).await
        })
        .await
    }

    /// Sends prepared requests as one burst, within the run's deadline: admitted together,
    /// then dispatched at once. The answers come back in the order of the requests.
    async fn send_prepared_together(
        &self,
        requests: &[&SentRequest],
    ) -> Vec<Result<ReceivedResponse, TransportError>> {
        let Some(first) = requests.first() else {
            return Vec::new();
        };
        let count = u32::try_from(requests.len()).unwrap_or(u32::MAX);
        let burst = self
            .within_deadline(&first.url, async {
                let _admitted = self.admit(count, &first.url).await?;
                let sends = requests.iter().map(|request| self.dispatch(request));
                Ok(futures::future::join_all(sends).await)
            })
            .await;
        match burst {
            Ok(responses) => responses,
            Err(error) => requests
                .iter()
                .map(|request| {
                    Err(TransportError {
                        url: request.url.clone(),
                        ..error.clone()
                    })
                })
                .collect(),
        }
    }

    /// Runs `work` for a request to `url`, cut off at the run's deadline.
    async fn within_deadline<T>(
        &self,
        url: &str,
        work: impl Future<Output = Result<T, TransportError>>,
    ) -> Result<T, TransportError> {
        let Some(deadline) = self.deadline() else {
            return work.await;
        };
        let past_deadline = || TransportError {
            kind: TransportErrorKind::Deadline,
            url: url.to_string(),
            message: "the run's deadline (--deadline) passed; the request was cut off".into(),
        };
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())
            .ok_or_else(past_deadline)?;
        tokio::time::timeout(left, work)
            .await
            .map_err(|_| past_deadline())?
    }

    /// Admits `count` requests that leave together: their places in flight (all of
    /// `--concurrency` for a larger burst), taken at once, then their pacing slots, the
    /// last of which they wait for. The places are held until the permit is dropped.
    pub(super) async fn admit(
        &self,
        count: u32,
        url: &str,
    ) -> Result<SemaphorePermit<'_>, TransportError> {
        let places = count.clamp(1, self.concurrency());
        let permit = self
            .in_flight()
            .acquire_many(places)
            .await
            .map_err(|_| TransportError {
                kind: TransportErrorKind::Request,
                url: url.to_string(),
                message: "the client is shut down".into(),
            })?;
        if let Some(pacer) = self.pacer() {
            pacer.wait_many(count).await;
        }
        Ok(permit)
    }

    /// One admitted request: counted against the budget, then one HTTP exchange, bounded by
    /// the per-request timeout.
    async fn dispatch(&self, request: &SentRequest) -> Result<ReceivedResponse, TransportError> {
        self.take_from_budget(&request.url)?;
        let method =
            reqwest::Method::from_bytes(request.method.as_bytes()).map_err(|e| TransportError {
                kind: TransportErrorKind::Request,
                url: request.url.clone(),
                message: format!("the method {:?} cannot be sent: {e}", request.method),
            })?;
        let mut builder = self
            .http()
            .request(method, &request.url)
            .body(request.body.clone());
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
        received_at: std::time::SystemTime::now(),
    })
}
