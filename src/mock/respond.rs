//! The CreateUser responder: one `wiremock::Respond` that takes every request through the
//! checks in the contract's order (route → auth → fault header → blank account → unknown
//! account → forbidden → throttle → body → conflict → create) and renders the outcome.
//! Error rendering (status, headers, body) lives in one function, [`render_error`].
//! A [`Defect`] breaks one rule of the contract; a [`Variant`] changes the wire form in a
//! way the contract allows.

use std::sync::Arc;
use std::time::Instant;

use chrono::Offset;
use rand::Rng;
use serde_json::{json, Map, Value};
use uuid::Uuid;
use wiremock::{Request, Respond, ResponseTemplate};

use crate::contract::redact::redact_body;
use crate::contract::sigv4::{verify, ReceivedRequest, SigningCredentials};
use crate::contract::{
    is_valid_account_id, Exception, DEFAULT_USER_TYPE, ERROR_TYPE_HEADER, REQUEST_ID_HEADER,
    SUCCESS_STATUS,
};
use crate::mock::request::{parse_body, route_account_id, BodyRules, CreateUserRequest};
use crate::mock::state::{AccountKind, Directory};
use crate::mock::throttle::retry_after_seconds;
use crate::mock::{Defect, MockConfig, Variant};

/// The `UserId` every user gets under [`Defect::RepeatedUserId`].
const REPEATED_USER_ID: &str = "00000000-0000-4000-8000-000000000000";
/// The namespace of Chime's shapes, as restJson1 servers may prefix error types with it.
const SHAPE_NAMESPACE: &str = "com.amazonaws.chime";
/// The URL suffix of `X-Amzn-ErrorType` under [`Variant::DecoratedErrorType`].
const ERROR_TYPE_URL: &str = "http://internal.amazon.com/coral/com.amazonaws.chime/";
/// How much of a path or body a log line shows.
const LOG_PREVIEW_CHARS: usize = 160;

/// An exception to answer with, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorReply {
    pub exception: Exception,
    pub message: String,
    /// `Retry-After` in whole seconds (throttling only).
    pub retry_after: Option<u64>,
}

impl ErrorReply {
    fn new(exception: Exception, message: impl Into<String>) -> ErrorReply {
        ErrorReply {
            exception,
            message: message.into(),
            retry_after: None,
        }
    }
}

/// What a request comes to.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// 201 with `{"User": user}`.
    Created(Value),
    Failed(ErrorReply),
    /// An AWS common error (not one of CreateUser's); only under a [`Defect`].
    AwsCommonError {
        name: &'static str,
        status: u16,
    },
}

/// The state and settings one running mock answers from.
#[derive(Debug)]
pub struct CreateUserResponder {
    directory: Directory,
    credentials: Option<Vec<SigningCredentials>>,
    fault_header: String,
    fault_rate: f64,
    log_requests: bool,
    defect: Option<Defect>,
    variant: Option<Variant>,
    /// Requests answered so far (a counter, not a recording: memory stays flat).
    requests: std::sync::atomic::AtomicU64,
}

impl CreateUserResponder {
    pub fn new(config: &MockConfig) -> CreateUserResponder {
        CreateUserResponder {
            directory: Directory::new(
                &config.accounts,
                &config.forbidden_accounts,
                &config.throttled_accounts,
                config.throttle.clone(),
                Instant::now(),
            ),
            credentials: config.credentials.clone(),
            fault_header: config.fault_header.to_ascii_lowercase(),
            fault_rate: config.fault_rate,
            log_requests: config.log_requests,
            defect: config.defect,
            requests: std::sync::atomic::AtomicU64::new(0),
            variant: config.variant,
        }
    }

    pub fn users_stored(&self) -> usize {
        self.directory.users_stored()
    }

    /// How many requests were answered so far.
    pub fn requests_served(&self) -> u64 {
        self.requests.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn has(&self, defect: Defect) -> bool {
        self.defect == Some(defect)
    }

    fn varies(&self, variant: Variant) -> bool {
        self.variant == Some(variant)
    }

    /// Takes a request through every check, in the contract's order.
    pub fn handle(&self, request: &Request, now: Instant) -> Outcome {
        self.create_user(request, now)
            .unwrap_or_else(Outcome::Failed)
    }

    fn create_user(&self, request: &Request, now: Instant) -> Result<Outcome, ErrorReply> {
        let bad_request = |e: crate::mock::request::RequestError| {
            ErrorReply::new(Exception::BadRequest, e.to_string())
        };
        let path = request.url.path();
        let query = request.url.query();
        let account_id =
            route_account_id(request.method.as_str(), path, query).map_err(bad_request)?;
        self.check_auth(request)?;
        self.check_faults(request)?;
        if !is_valid_account_id(&account_id) {
            return Err(ErrorReply::new(
                Exception::BadRequest,
                "AccountId must not be empty or only whitespace",
            ));
        }
        let kind = self
            .directory
            .account_kind(&account_id, self.has(Defect::NeverNotFound))
            .ok_or_else(|| ErrorReply::new(Exception::NotFound, "the account does not exist"))?;
        if kind == AccountKind::Forbidden && !self.has(Defect::NeverForbidden) {
            return Err(ErrorReply::new(
                Exception::Forbidden,
                "the account is disabled: the caller may not create users in it",
            ));
        }
        if kind == AccountKind::Throttled && !self.has(Defect::NeverThrottle) {
            self.directory
                .take_token(&account_id, now)
                .map_err(|wait| ErrorReply {
                    retry_after: Some(retry_after_seconds(wait)),
                    ..ErrorReply::new(
                        Exception::Throttled,
                        "the request rate for this account is exceeded",
                    )
                })?;
        }
        let rules = BodyRules {
            check_email_pattern: !self.has(Defect::AcceptInvalidEmail),
            check_user_type_enum: !self.has(Defect::AcceptInvalidUserType),
        };
        let content_type = request
            .headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.as_bytes());
        let body = parse_body(content_type, &request.body, rules).map_err(bad_request)?;
        if self.has(Defect::AwsCommonErrorOnSharedDevice)
            && body.user_type.as_deref() == Some("SharedDevice")
        {
            return Ok(Outcome::AwsCommonError {
                name: "RequestExpired",
                status: 400,
            });
        }
        if self.has(Defect::ServerErrorOnValidInput)
            && body.username.as_deref().is_some_and(|u| !u.is_ascii())
        {
            return Err(ErrorReply::new(
                Exception::ServiceFailure,
                "internal error while creating the user",
            ));
        }
        self.directory
            .insert_user(
                &account_id,
                body.email.as_deref(),
                self.has(Defect::NeverConflict),
            )
            .map_err(|e| ErrorReply::new(Exception::Conflict, e.to_string()))?;
        Ok(Outcome::Created(self.new_user(&account_id, &body)))
    }

    fn check_auth(&self, request: &Request) -> Result<(), ErrorReply> {
        let Some(credentials) = &self.credentials else {
            return Ok(());
        };
        if self.has(Defect::NeverUnauthorized) {
            return Ok(());
        }
        let path_and_query = match request.url.query() {
            Some(query) => format!("{}?{query}", request.url.path()),
            None => request.url.path().to_string(),
        };
        let received = ReceivedRequest {
            method: request.method.as_str(),
            path_and_query: &path_and_query,
            headers: &request.headers,
            body: &request.body,
        };
        verify(&received, credentials)
            .map_err(|e| ErrorReply::new(Exception::Unauthorized, e.to_string()))
    }

    fn check_faults(&self, request: &Request) -> Result<(), ErrorReply> {
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
        if self.fault_rate > 0.0 {
            let mut rng = rand::thread_rng();
            if rng.gen::<f64>() < self.fault_rate {
                let exception = if rng.gen::<bool>() {
                    Exception::ServiceFailure
                } else {
                    Exception::ServiceUnavailable
                };
                return Err(ErrorReply::new(
                    exception,
                    "injected at random (fault rate)",
                ));
            }
        }
        Ok(())
    }

    /// The `User` of a fresh create, with the one rule a defect breaks broken and in the
    /// form a variant asks for.
    fn new_user(&self, account_id: &str, request: &CreateUserRequest) -> Value {
        let mut rng = rand::thread_rng();
        let mut user = Map::new();
        let user_id = match self.defect {
            Some(Defect::RepeatedUserId) => json!(REPEATED_USER_ID),
            Some(Defect::NumericUserId) => json!(rng.gen_range(1..u32::MAX)),
            // 80 random bits: 20 hex digits.
            _ if self.varies(Variant::OpaqueUserIds) => {
                json!(format!("usr-{:020x}", rng.gen::<u128>() >> 48))
            }
            _ => json!(Uuid::new_v4().to_string()),
        };
        if !self.has(Defect::OmitUserId) {
            user.insert("UserId".into(), user_id);
        }
        if self.varies(Variant::MinimalUser) {
            return Value::Object(user);
        }
        let account_id = if self.has(Defect::WrongAccountIdEcho) {
            format!("{account_id}-other")
        } else {
            account_id.to_string()
        };
        user.insert("AccountId".into(), json!(account_id));
        if let Some(email) = &request.email {
            let email = if self.has(Defect::WrongPrimaryEmailEcho) {
                format!("other.{email}")
            } else {
                email.clone()
            };
            user.insert("PrimaryEmail".into(), json!(email));
        }
        if let Some(username) = &request.username {
            user.insert("DisplayName".into(), json!(username));
        }
        let sent_type = request.user_type.as_deref().unwrap_or(DEFAULT_USER_TYPE);
        let user_type = match self.defect {
            Some(Defect::UserTypeOutsideEnum) => "Admin",
            Some(Defect::WrongUserTypeEcho) if sent_type == "SharedDevice" => "PrivateUser",
            Some(Defect::WrongUserTypeEcho) => "SharedDevice",
            _ => sent_type,
        };
        user.insert("UserType".into(), json!(user_type));
        let license = if self.has(Defect::LicenseTypeOutsideEnum) {
            "Enterprise"
        } else {
            "Pro"
        };
        user.insert("LicenseType".into(), json!(license));
        let registration = if self.has(Defect::RegistrationStatusOutsideEnum) {
            "Deleted"
        } else {
            "Unregistered"
        };
        user.insert("UserRegistrationStatus".into(), json!(registration));
        let invitation = if self.has(Defect::InvitationStatusOutsideEnum) {
            "Expired"
        } else {
            "Pending"
        };
        user.insert("UserInvitationStatus".into(), json!(invitation));
        let now = chrono::Utc::now();
        let invited_on = if self.has(Defect::MalformedInvitedOn) {
            "yesterday".to_string()
        } else if self.varies(Variant::FractionalOffsetTimestamps) {
            offset_timestamp(now, 3600)
        } else {
            now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        };
        user.insert("InvitedOn".into(), json!(invited_on));
        if self.varies(Variant::FractionalOffsetTimestamps) {
            user.insert(
                "RegisteredOn".into(),
                json!(offset_timestamp(now, -(5 * 3600 + 30 * 60))),
            );
        }
        let pin: String = (0..10)
            .map(|_| char::from(b'0' + rng.gen_range(0..10u8)))
            .collect();
        user.insert("PersonalPIN".into(), json!(pin));
        if self.varies(Variant::UnknownResponseMembers) {
            user.insert(
                "UserPreferences".into(),
                json!({ "AlertsEnabled": true, "Locale": "en-US" }),
            );
        }
        Value::Object(user)
    }

    fn render(&self, outcome: &Outcome, request_id: &str) -> ResponseTemplate {
        match outcome {
            Outcome::Created(user) => {
                let status = if self.has(Defect::SuccessStatus200) {
                    200
                } else {
                    SUCCESS_STATUS
                };
                let content_type = if self.has(Defect::WrongContentType) {
                    "text/plain"
                } else {
                    "application/json"
                };
                let body = if self.has(Defect::NonJsonSuccessBody) {
                    "User created".to_string()
                } else {
                    let mut members = vec![("User", user.clone())];
                    if self.varies(Variant::UnknownResponseMembers) {
                        members.push(("ResponseMetadata", json!({ "RequestId": request_id })));
                    }
                    object_text(members, self.variant)
                };
                let template =
                    ResponseTemplate::new(status).insert_header(REQUEST_ID_HEADER, request_id);
                with_extra_headers(template, self.variant).set_body_raw(body, content_type)
            }
            Outcome::Failed(reply) => render_error(reply, self.defect, self.variant, request_id),
            Outcome::AwsCommonError { name, status } => {
                let template = ResponseTemplate::new(*status)
                    .insert_header(REQUEST_ID_HEADER, request_id)
                    .insert_header(ERROR_TYPE_HEADER, *name);
                with_extra_headers(template, self.variant).set_body_raw(
                    json!({ "message": "Request has expired." }).to_string(),
                    "application/json",
                )
            }
        }
    }

    fn log(&self, request: &Request, outcome: &Outcome, request_id: &str) {
        let mut target = request.url.path().to_string();
        if let Some(query) = request.url.query() {
            target.push('?');
            target.push_str(query);
        }
        let target: String = target.chars().take(LOG_PREVIEW_CHARS).collect();
        let result = match outcome {
            Outcome::Created(_) => "201 created".to_string(),
            Outcome::Failed(reply) => format!(
                "{} {}: {}",
                reply.exception.http_status(),
                reply.exception.shape_name(),
                reply.message
            ),
            Outcome::AwsCommonError { name, status } => format!("{status} {name} (defect)"),
        };
        let body: String = redact_body(&request.body)
            .chars()
            .take(LOG_PREVIEW_CHARS)
            .collect();
        eprintln!(
            "chime-mock: {} {target} body={body} -> {result} (request id {request_id})",
            request.method
        );
    }
}

/// Renders an exception as restJson1 sends it: the contract's status, `X-Amzn-ErrorType`
/// naming the shape, `X-Amzn-RequestId`, `Retry-After` when set, and the body
/// `{"Code": ErrorCode, "Message": ...}` as `application/json`. The only place errors are
/// rendered, so the four error defects each change one line here, and so do the error
/// variants (decorated type, type in the body, reordered members, extra headers).
pub fn render_error(
    reply: &ErrorReply,
    defect: Option<Defect>,
    variant: Option<Variant>,
    request_id: &str,
) -> ResponseTemplate {
    let exception = reply.exception;
    let shape = exception.shape_name();
    let is_conflict = exception == Exception::Conflict;
    let status = match defect {
        Some(Defect::WrongErrorStatus) if is_conflict => 400,
        _ => exception.http_status(),
    };
    let mut body = match defect {
        Some(Defect::ErrorBodyMismatch) => vec![("Code", json!(42)), ("Message", Value::Null)],
        _ => vec![
            ("Code", json!(exception.error_code())),
            ("Message", json!(reply.message)),
        ],
    };
    if variant == Some(Variant::ErrorTypeInBody) {
        body.push(("message", json!(reply.message)));
        body.push(("code", json!(shape)));
        body.push(("__type", json!(format!("{SHAPE_NAMESPACE}#{shape}"))));
    }
    let mut template = ResponseTemplate::new(status).insert_header(REQUEST_ID_HEADER, request_id);
    match defect {
        Some(Defect::MissingErrorTypeHeader) => {}
        Some(Defect::UndocumentedErrorType) if is_conflict => {
            template = template.insert_header(ERROR_TYPE_HEADER, "UserExistsException");
        }
        _ if variant == Some(Variant::DecoratedErrorType) => {
            let decorated = if exception.is_fault() {
                format!("{SHAPE_NAMESPACE}#{shape}")
            } else {
                format!("{shape}:{ERROR_TYPE_URL}")
            };
            template = template.insert_header(ERROR_TYPE_HEADER, decorated.as_str());
        }
        _ => template = template.insert_header(ERROR_TYPE_HEADER, shape),
    }
    if let Some(seconds) = reply.retry_after {
        template = template.insert_header("retry-after", seconds.to_string().as_str());
    }
    let template = with_extra_headers(template, variant);
    template.set_body_raw(object_text(body, variant), "application/json")
}

/// Adds the headers of [`Variant::ExtraHeaders`] (a CDN's and a gateway's) when it is on.
fn with_extra_headers(template: ResponseTemplate, variant: Option<Variant>) -> ResponseTemplate {
    if variant != Some(Variant::ExtraHeaders) {
        return template;
    }
    let hex = Uuid::new_v4().simple().to_string();
    let trace_id = format!("Root=1-{}-{}", &hex[..8], &hex[8..]);
    let cf_id = format!("{}{}==", hex[..16].to_ascii_uppercase(), &hex[16..]);
    template
        .insert_header("x-amz-cf-id", cf_id.as_str())
        .insert_header("x-amzn-trace-id", trace_id.as_str())
        .insert_header("cache-control", "no-store")
        .insert_header("server", "staging")
}

/// The JSON text of an object with `members` in the order given, or in reverse (also
/// inside nested objects) under [`Variant::ReorderedMembers`]. Written by hand because
/// `serde_json::Map` fixes its own member order.
fn object_text(mut members: Vec<(&str, Value)>, variant: Option<Variant>) -> String {
    let reorder = variant == Some(Variant::ReorderedMembers);
    if reorder {
        members.reverse();
    }
    let mut out = String::from("{");
    for (i, (name, value)) in members.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&Value::from(*name).to_string());
        out.push(':');
        write_value(value, reorder, &mut out);
    }
    out.push('}');
    out
}

/// Writes `value` as JSON text; with `reverse`, every object's members in reverse of the
/// order `serde_json` would write them.
fn write_value(value: &Value, reverse: bool, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut members: Vec<(&String, &Value)> = map.iter().collect();
            if reverse {
                members.reverse();
            }
            out.push('{');
            for (i, (name, member)) in members.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::from(name.as_str()).to_string());
                out.push(':');
                write_value(member, reverse, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(item, reverse, out);
            }
            out.push(']');
        }
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// `now` in RFC 3339 with milliseconds and the numeric offset of `offset_seconds` east of
/// UTC (UTC itself when out of range), e.g. `2026-11-28T13:00:00.123+01:00`.
fn offset_timestamp(now: chrono::DateTime<chrono::Utc>, offset_seconds: i32) -> String {
    let offset = chrono::FixedOffset::east_opt(offset_seconds).unwrap_or(chrono::Utc.fix());
    now.with_timezone(&offset)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}

/// The responder as mounted on the server: shares its state with the [`ReferenceMock`](crate::mock::ReferenceMock).
#[derive(Debug, Clone)]
pub struct SharedResponder(pub Arc<CreateUserResponder>);

impl Respond for SharedResponder {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let responder = &self.0;
        responder
            .requests
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let request_id = Uuid::new_v4().to_string();
        let outcome = responder.handle(request, Instant::now());
        if responder.log_requests {
            responder.log(request, &outcome, &request_id);
        }
        responder.render(&outcome, &request_id)
    }
}
