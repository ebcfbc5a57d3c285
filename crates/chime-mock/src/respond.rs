//! The CreateUser responder: one `wiremock::Respond` that sends control-plane requests
//! (`/_chime-mock/...`) to the control plane and takes every other request through the
//! checks in the contract's order (route → auth → faults → blank account → unknown
//! account → forbidden → throttle → body → conflict → create), renders the outcome and
//! journals it.
//! Error rendering (status, headers, body) lives in one function, [`render_error`].
//! A [`Defect`] breaks one rule of the contract; a [`Variant`] changes the wire form, or
//! makes an open choice of the contract otherwise (see `choices`), in a way the contract
//! allows.

use std::sync::Arc;
use std::time::{Duration, Instant};

use wiremock::{Request, Respond, ResponseTemplate};

use crate::faults::FaultRules;
use crate::journal::{Answered, Journal};
use crate::judge::ClientJudge;
use crate::random::Randomness;
use crate::request::{is_control_path, route_account_id, RequestError};
use crate::state::{Directory, NewUser};
use crate::transient::TransientFaults;
use crate::user::UserShape;
use crate::vary::{AnswerKind, Forms};
use crate::{Defect, MockConfig, Variant};
use chime_contract::sigv4::{verify, Lapses, ReceivedRequest, SigningCredentials, Verification};
use chime_contract::{Exception, DEFAULT_REGION};

/// Under [`Defect::RacyConflictCheck`], how long a create takes to be seen by the conflict
/// check: a burst of simultaneous creates lands inside it.
pub(super) const RACE_WINDOW: std::time::Duration = std::time::Duration::from_millis(50);

/// Mixed into the seed of the generator of [`Forms`], so it draws apart from the others.
const FORMS_SEED: u64 = 0x666f_726d_7321;

/// An exception to answer with, and why.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ErrorReply {
    pub exception: Exception,
    pub message: String,
    /// `Retry-After` in whole seconds (throttling only).
    pub retry_after: Option<u64>,
}

impl ErrorReply {
    pub(super) fn new(exception: Exception, message: impl Into<String>) -> ErrorReply {
        ErrorReply {
            exception,
            message: message.into(),
            retry_after: None,
        }
    }
}

/// What a request comes to.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Outcome {
    /// 201 with `{"User": user}`.
    Created(NewUser),
    Failed(ErrorReply),
    /// An error that is not one of CreateUser's eight, with a `{"message"}` body: an AWS
    /// common error (under a [`Defect`], or a front door's under a [`Variant`]) or a Smithy
    /// server's own (`SerializationException`, `UnsupportedMediaTypeException`, under a
    /// [`Variant`]).
    Undocumented {
        name: &'static str,
        status: u16,
        message: String,
    },
    /// No operation at this method and path: 404 `UnknownOperationException`, as a Smithy
    /// restJson1 server answers.
    UnknownOperation(String),
    /// Another method on the CreateUser path, under [`Variant::MethodNotAllowed`]: 405 with
    /// `Allow: POST` and a `{"message"}` body, as an HTTP server answers.
    MethodNotAllowed(String),
}

impl From<ErrorReply> for Outcome {
    fn from(reply: ErrorReply) -> Outcome {
        Outcome::Failed(reply)
    }
}

/// An outcome and how long to hold it back (a fault rule's latency).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Handled {
    pub outcome: Outcome,
    pub delay: Option<Duration>,
}

/// The state and settings one running mock answers from.
#[derive(Debug)]
pub(crate) struct CreateUserResponder {
    pub(super) directory: Directory,
    credentials: Option<Vec<SigningCredentials>>,
    fault_header: String,
    fault_rate: f64,
    log_requests: Option<crate::config::RequestLog>,
    control_plane: bool,
    pub(super) max_body_bytes: usize,
    pub(super) random: Randomness,
    pub(super) faults: FaultRules,
    pub(super) journal: Journal,
    pub(super) defect: Option<Defect>,
    pub(super) variant: Option<Variant>,
    /// Requests answered so far (a counter, not a recording: memory stays flat).
    requests: std::sync::atomic::AtomicU64,
    /// Throttled requests refused so far.
    pub(super) refusals: std::sync::atomic::AtomicU64,
    /// Under [`Defect::RacyConflictCheck`], when each email was first created, by account.
    pub(super) recent_creates: std::sync::Mutex<std::collections::HashMap<String, Instant>>,
    /// Under [`Variant::TransientUnavailable`], the distinct requests seen.
    pub(super) transient: TransientFaults,
    /// Under a defect whose refusals take their Email (`...TakesEmail`), the Emails taken,
    /// lower-cased.
    pub(super) taken: std::sync::Mutex<std::collections::HashSet<String>>,
    /// Under `judge_clients`, the judge of every request's client.
    pub(super) judge: Option<ClientJudge>,
    /// Under `vary_responses`, the generator each answer's forms are drawn from (seeded
    /// apart from the other draws, so the forms depend on the seed and the order of
    /// requests only).
    pub(super) vary: Option<Randomness>,
    /// Forms never used under `vary_responses`.
    vary_skip: Vec<crate::Form>,
}

impl CreateUserResponder {
    pub(crate) fn new(config: &MockConfig) -> CreateUserResponder {
        let now = Instant::now();
        let directory = Directory::new(
            &config.accounts,
            &config.forbidden_accounts,
            &config.throttled_accounts,
            config.throttle.clone(),
            now,
        )
        .with_exact_emails(config.variant == Some(Variant::CaseSensitiveEmails));
        directory.restore(&config.initial_state, now);
        CreateUserResponder {
            directory,
            control_plane: config.control_plane,
            max_body_bytes: config.max_body_bytes(),
            random: Randomness::new(config.seed),
            faults: FaultRules::default(),
            journal: Journal::new(config.limits.journal_size),
            credentials: config.credentials.clone(),
            fault_header: config.fault_header.to_ascii_lowercase(),
            fault_rate: config.fault_rate,
            log_requests: config.log_requests.clone(),
            defect: config.defect,
            requests: std::sync::atomic::AtomicU64::new(0),
            refusals: std::sync::atomic::AtomicU64::new(0),
            recent_creates: std::sync::Mutex::default(),
            transient: TransientFaults::default(),
            taken: std::sync::Mutex::default(),
            variant: config.variant,
            judge: config
                .judge_clients
                .then(|| ClientJudge::new(config.credentials.clone(), DEFAULT_REGION)),
            vary: config
                .vary_responses
                .then(|| Randomness::new(config.seed.map(|seed| seed ^ FORMS_SEED))),
            vary_skip: config.vary_skip.clone(),
        }
    }

    pub(crate) fn users_stored(&self) -> usize {
        self.directory.users_stored()
    }

    /// How many requests were answered so far.
    pub(crate) fn requests_served(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub(super) fn has(&self, defect: Defect) -> bool {
        self.defect == Some(defect)
    }

    pub(super) fn varies(&self, variant: Variant) -> bool {
        self.variant == Some(variant)
    }

    /// Takes a request through every check, in the contract's order.
    pub(crate) fn handle(&self, request: &Request, now: Instant) -> Handled {
        let mut delay = None;
        let outcome = self
            .create_user(request, now, &mut delay)
            .unwrap_or_else(|refusal| refusal);
        Handled { outcome, delay }
    }

    fn create_user(
        &self,
        request: &Request,
        now: Instant,
        delay: &mut Option<Duration>,
    ) -> Result<Outcome, Outcome> {
        let path = request.url.path();
        let query = request.url.query();
        let method = request.method.as_str();
        if self.has(Defect::ServerErrorOnUnknownMethod) && !is_registered_method(method) {
            return Err(ErrorReply::new(
                Exception::ServiceFailure,
                "internal error: no handler for the method",
            )
            .into());
        }
        // A router that matches the path and query alone takes every method for a create.
        let routed = if self.has(Defect::RouteIgnoresMethod) {
            "POST"
        } else {
            method
        };
        let account_id = match route_account_id(routed, path, query) {
            Ok(account_id) => account_id,
            Err(e @ RequestError::Route { .. }) => {
                let on_the_path = !matches!(
                    route_account_id("POST", path, query),
                    Err(RequestError::Route { .. })
                );
                if on_the_path && self.varies(Variant::MethodNotAllowed) {
                    return Ok(Outcome::MethodNotAllowed(format!(
                        "{} is not allowed on this path; CreateUser is POST",
                        method.chars().take(32).collect::<String>()
                    )));
                }
                return Ok(Outcome::UnknownOperation(e.to_string()));
            }
            Err(e) => return Err(self.request_refusal(e)),
        };
        self.check_auth(request)
            .inspect_err(|_| self.leave_trace(Defect::UnverifiedSignatureTakesEmail, request))?;
        self.check_faults(request, &account_id, delay)
            .inspect_err(|_| self.leave_trace(Defect::InjectedFaultTakesEmail, request))?;
        self.check_account(&account_id, now)
            .inspect_err(|refusal| match refusal.exception {
                Exception::Forbidden => self.leave_trace(Defect::ForbiddenTakesEmail, request),
                Exception::Throttled => self.leave_trace(Defect::ThrottledTakesEmail, request),
                _ => {}
            })?;
        let mut body = self
            .parse_request_body(request)
            .inspect_err(|_| self.leave_trace(Defect::InvalidInputTakesEmail, request))?;
        if let Some(answer) = self.body_defect(&body) {
            return answer.map_err(Outcome::from);
        }
        self.check_restrictions(&body)?;
        self.check_transient(&account_id, &request.body)?;
        self.check_taken(body.email.as_deref())?;
        body.email = self.stored_email(body.email);
        let shape = UserShape {
            defect: self.defect,
            variant: self.variant,
        };
        let user = self
            .directory
            .insert_user(
                &account_id,
                body.email.as_deref(),
                self.duplicates_allowed(&account_id, body.email.as_deref()),
                || shape.new_user(&account_id, &body, &self.random),
            )
            .map_err(|e| ErrorReply::new(Exception::Conflict, e.to_string()))?;
        Ok(Outcome::Created(user))
    }

    fn check_auth(&self, request: &Request) -> Result<(), Outcome> {
        let Some(credentials) = &self.credentials else {
            return Ok(());
        };
        if self.has(Defect::NeverUnauthorized) {
            return Ok(());
        }
        let path_and_query = crate::request::path_and_query(request);
        let received = ReceivedRequest {
            method: request.method.as_str(),
            path_and_query: &path_and_query,
            headers: &request.headers,
            body: &request.body,
        };
        // Chime is reached through one region; a signature scoped elsewhere, or dated more
        // than 15 minutes from now, does not bind the request. A defect forgets one check.
        let checks = Verification {
            region: DEFAULT_REGION,
            now: std::time::SystemTime::now(),
            lapses: self.lapses(),
        };
        verify(&received, credentials, &checks)
            .map_err(|e| self.auth_refusal(e, request, credentials))
    }

    /// The signature checks the mock's defect makes it forget (none without one).
    fn lapses(&self) -> Lapses {
        Lapses {
            clock_skew: self.has(Defect::AcceptStaleSignatures),
            scope_service: self.has(Defect::CredentialScopeServiceNotChecked),
            scope_region: self.has(Defect::CredentialScopeRegionNotChecked),
            body_whitespace: self.has(Defect::BodyWhitespaceNotBound),
            content_type_parameters: self.has(Defect::ContentTypeParametersNotBound),
            signed_header_presence: self.has(Defect::SignedHeaderPresenceNotChecked),
            date_presence: self.has(Defect::DateNotRequired),
            token_presence: self.has(Defect::SessionTokenNotRequired),
            token_trusted: self.has(Defect::SessionTokenTakenOnTrust),
            query_parameters: self.has(Defect::QueryNotBound),
        }
    }

    /// The fault header, then the control plane's fault rules, then the random fault rate.
    fn check_faults(
        &self,
        request: &Request,
        account_id: &str,
        delay: &mut Option<Duration>,
    ) -> Result<(), ErrorReply> {
        if !self.has(Defect::IgnoreFaultHeader) {
            if let Some(value) = request.headers.get(self.fault_header.as_str()) {
                let name = value.to_str().unwrap_or("").trim();
                let exception = Exception::from_shape_name(name).ok_or_else(|| {
                    ErrorReply::new(
                        Exception::BadRequest,
                        format!(
                            "header {} must name one of: {}",
                            self.fault_header,
                            Exception::ALL.map(|e| e.shape_name()).join(", ")
                        ),
                    )
                })?;
                let mut reply = ErrorReply::new(
                    exception,
                    format!("injected by the {} header", self.fault_header),
                );
                if exception == Exception::Throttled {
                    reply.retry_after = Some(1);
                }
                return Err(reply);
            }
        }
        if let Some(fired) = self.faults.fire(account_id, &self.random) {
            *delay = fired.latency;
            if let Some(exception) = fired.exception {
                let mut reply =
                    ErrorReply::new(exception, "injected by a control-plane fault rule");
                if exception == Exception::Throttled {
                    reply.retry_after = Some(1);
                }
                return Err(reply);
            }
        }
        if self.fault_rate > 0.0 && self.random.unit() < self.fault_rate {
            let exception = if self.random.unit() < 0.5 {
                Exception::ServiceFailure
            } else {
                Exception::ServiceUnavailable
            };
            return Err(ErrorReply::new(
                exception,
                "injected at random (fault rate)",
            ));
        }
        Ok(())
    }
}

/// Whether a method is one of HTTP's registered ones (RFC 9110, RFC 5789).
fn is_registered_method(method: &str) -> bool {
    matches!(
        method,
        "GET" | "HEAD" | "POST" | "PUT" | "DELETE" | "CONNECT" | "OPTIONS" | "TRACE" | "PATCH"
    )
}

/// The responder as mounted on the server: shares its state with the [`ReferenceMock`](crate::ReferenceMock).
#[derive(Debug, Clone)]
pub(crate) struct SharedResponder(pub Arc<CreateUserResponder>);

impl Respond for SharedResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let responder = &self.0;
        if responder.control_plane && is_control_path(request.url.path()) {
            return responder.control(request);
        }
        let Handled { outcome, delay } = responder.handle(request, Instant::now());
        responder.answer(request, &outcome, delay)
    }
}

impl CreateUserResponder {
    /// Counts, logs, journals and renders the answer to a request to the CreateUser route.
    pub(super) fn answer(
        &self,
        request: &Request,
        outcome: &Outcome,
        delay: Option<Duration>,
    ) -> ResponseTemplate {
        self.requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let request_id = self.random.uuid().to_string();
        if let Some(log) = &self.log_requests {
            log.write(&self.log_line(request, outcome, &request_id));
        }
        let (status, error_type) = self.status_of(outcome);
        let forms = match &self.vary {
            Some(random) => {
                crate::vary::choose(random, answer_kind(outcome)).without(&self.vary_skip)
            }
            None => Forms::PLAIN,
        };
        self.journal.record(
            request,
            Answered {
                status,
                error_type,
                request_id: &request_id,
                forms,
            },
        );
        if let Some(judge) = &self.judge {
            let retry_after = match outcome {
                Outcome::Failed(reply) => reply.retry_after.map(Duration::from_secs),
                _ => None,
            };
            let answer = crate::judge::Answer {
                status,
                retry_after,
                at: Instant::now(),
                delay,
            };
            judge.judge(request, &request_id, answer);
        }
        let template = self.render(outcome, &request_id, forms);
        match delay {
            Some(delay) => template.set_delay(delay),
            None => template,
        }
    }
}

/// Which forms can apply to an outcome's answer.
fn answer_kind(outcome: &Outcome) -> AnswerKind {
    match outcome {
        Outcome::Created(_) => AnswerKind::Created,
        Outcome::Failed(reply) => AnswerKind::Documented {
            retry_after: reply.retry_after.is_some(),
        },
        _ => AnswerKind::Other,
    }
}
