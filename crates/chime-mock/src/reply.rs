//! How the mock answers: an [`Outcome`] rendered as restJson1 sends it (the one place
//! errors are rendered, [`render_error`]), with the wire form a [`Variant`] asks for and the
//! one rule a [`Defect`] breaks, and the log line of a request.

use serde_json::{json, Value};
use uuid::Uuid;
use wiremock::{Request, ResponseTemplate};

use super::respond::{CreateUserResponder, ErrorReply, Outcome};
use crate::vary::{retry_after_date, vary_user, Form, Forms};
use crate::{Defect, Variant};
use chime_contract::redact::redact_body;
use chime_contract::{Exception, ERROR_TYPE_HEADER, REQUEST_ID_HEADER, SUCCESS_STATUS};

/// The namespace of Chime's shapes, as restJson1 servers may prefix error types with it.
const SHAPE_NAMESPACE: &str = "com.amazonaws.chime";
/// The URL suffix of `X-Amzn-ErrorType` under [`Variant::DecoratedErrorType`].
const ERROR_TYPE_URL: &str = "http://internal.amazon.com/coral/com.amazonaws.chime/";
/// The error type of an answer off the CreateUser route, as a Smithy restJson1 server
/// names it.
pub const UNKNOWN_OPERATION: &str = "UnknownOperationException";
/// How much of a path or body a log line shows.
const LOG_PREVIEW_CHARS: usize = 160;

impl CreateUserResponder {
    /// The status an outcome is answered with, and its error type (none for a success).
    pub(super) fn status_of(&self, outcome: &Outcome) -> (u16, Option<&'static str>) {
        match outcome {
            Outcome::Created(_) if self.has(Defect::SuccessStatus200) => (200, None),
            Outcome::Created(_) => (SUCCESS_STATUS, None),
            Outcome::Failed(reply) => (
                error_status(reply.exception, self.defect),
                Some(reply.exception.shape_name()),
            ),
            Outcome::Undocumented { name, status, .. } => (*status, Some(*name)),
            Outcome::UnknownOperation(_) => (404, Some(UNKNOWN_OPERATION)),
            Outcome::MethodNotAllowed(_) => (405, None),
        }
    }

    /// The answer to an outcome, in the forms chosen for it (under `vary_responses`).
    pub(super) fn render(
        &self,
        outcome: &Outcome,
        request_id: &str,
        forms: Forms,
    ) -> ResponseTemplate {
        match outcome {
            Outcome::Created(created) => {
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
                let varies_user = [
                    Form::ExtraMembers,
                    Form::OptionalAbsent,
                    Form::TimestampOffsetFraction,
                ]
                .into_iter()
                .any(|form| forms.has(form));
                let body = if self.has(Defect::NonJsonSuccessBody) {
                    "User created".to_string()
                } else if let (Some(random), true) = (&self.vary, varies_user) {
                    let mut members = vec![("User", vary_user(&created.user, forms, random))];
                    if forms.has(Form::ExtraMembers) {
                        members.push(("ResponseMetadata", json!({ "RequestId": request_id })));
                    }
                    object_text(members, None)
                } else if !self.varies(Variant::UnknownResponseMembers)
                    && !self.varies(Variant::ReorderedMembers)
                {
                    // The user's JSON text as stored: serialized once, for both.
                    format!("{{\"User\":{}}}", created.text)
                } else {
                    let mut members = vec![("User", created.user.clone())];
                    if self.varies(Variant::UnknownResponseMembers) {
                        members.push(("ResponseMetadata", json!({ "RequestId": request_id })));
                    }
                    object_text(members, self.variant)
                };
                let template =
                    ResponseTemplate::new(status).insert_header(REQUEST_ID_HEADER, request_id);
                with_transport(with_extra_headers(template, self.variant), forms)
                    .set_body_raw(body, &media_type(content_type, forms))
            }
            Outcome::Failed(reply) => {
                render_error(reply, self.defect, self.variant, request_id, forms)
            }
            Outcome::UnknownOperation(message) => {
                let template =
                    ResponseTemplate::new(404).insert_header(REQUEST_ID_HEADER, request_id);
                let body = vec![("Message", json!(message))];
                named_error(template, UNKNOWN_OPERATION, body, self.variant, forms)
            }
            Outcome::MethodNotAllowed(message) => {
                let template = ResponseTemplate::new(405)
                    .insert_header(REQUEST_ID_HEADER, request_id)
                    .insert_header("allow", "POST");
                let body = object_text(vec![("message", json!(message))], self.variant);
                with_transport(with_extra_headers(template, self.variant), forms)
                    .set_body_raw(body, &media_type("application/json", forms))
            }
            Outcome::Undocumented {
                name,
                status,
                message,
            } => {
                let template =
                    ResponseTemplate::new(*status).insert_header(REQUEST_ID_HEADER, request_id);
                let body = vec![("message", json!(message))];
                named_error(template, name, body, self.variant, forms)
            }
        }
    }

    /// The request log's line for one request: method, target, masked body, outcome.
    pub(super) fn log_line(
        &self,
        request: &Request,
        outcome: &Outcome,
        request_id: &str,
    ) -> String {
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
            Outcome::Undocumented {
                name,
                status,
                message,
            } => format!("{status} {name}: {message}"),
            Outcome::UnknownOperation(message) => format!("404 {UNKNOWN_OPERATION}: {message}"),
            Outcome::MethodNotAllowed(message) => format!("405 Method Not Allowed: {message}"),
        };
        let body: String = redact_body(&request.body)
            .chars()
            .take(LOG_PREVIEW_CHARS)
            .collect();
        format!(
            "chime-mock: {} {target} body={body} -> {result} (request id {request_id})",
            request.method
        )
    }
}

/// Renders an exception as restJson1 sends it: the contract's status, `X-Amzn-ErrorType`
/// naming the shape, `X-Amzn-RequestId`, `Retry-After` when set, and the body
/// `{"Code": ErrorCode, "Message": ...}` as `application/json`. The only place errors are
/// rendered, so the four error defects each change one line here, and so do the error
/// variants (decorated type, type in the body or only there, reordered members, extra
/// headers), and the varied forms (`forms`: extra members, where the type travels and how
/// it is written, `Retry-After` as a date, the transport forms).
pub(crate) fn render_error(
    reply: &ErrorReply,
    defect: Option<Defect>,
    variant: Option<Variant>,
    request_id: &str,
    forms: Forms,
) -> ResponseTemplate {
    let exception = reply.exception;
    let shape = exception.shape_name();
    let is_conflict = exception == Exception::Conflict;
    let status = error_status(exception, defect);
    let mut body = match defect {
        Some(Defect::ErrorBodyMismatch) => vec![("Code", json!(42)), ("Message", Value::Null)],
        _ => vec![
            ("Code", json!(exception.error_code())),
            ("Message", json!(reply.message)),
        ],
    };
    match variant {
        Some(Variant::ErrorTypeInBody) => {
            body.push(("message", json!(reply.message)));
            body.push(("code", json!(shape)));
            body.push(("__type", json!(format!("{SHAPE_NAMESPACE}#{shape}"))));
        }
        Some(Variant::ErrorTypeOnlyInBody) => {
            body.push(("__type", json!(format!("{SHAPE_NAMESPACE}#{shape}"))));
        }
        _ => {}
    }
    if forms.has(Form::ErrorTypeBodyOnly) {
        body.push(("__type", json!(format!("{SHAPE_NAMESPACE}#{shape}"))));
    }
    if forms.has(Form::ExtraMembers) {
        body.push(("RequestId", json!(request_id)));
        body.push(("Details", json!({ "Reason": exception.error_code() })));
    }
    let mut template = ResponseTemplate::new(status).insert_header(REQUEST_ID_HEADER, request_id);
    match defect {
        Some(Defect::MissingErrorTypeHeader) => {}
        _ if variant == Some(Variant::ErrorTypeOnlyInBody) => {}
        _ if forms.has(Form::ErrorTypeBodyOnly) => {}
        _ if forms.has(Form::ErrorTypeNamespaced) => {
            let namespaced = format!("{SHAPE_NAMESPACE}#{shape}");
            template = template.insert_header(ERROR_TYPE_HEADER, namespaced.as_str());
        }
        _ if forms.has(Form::ErrorTypeUrlSuffix) => {
            let suffixed = format!("{shape}:{ERROR_TYPE_URL}");
            template = template.insert_header(ERROR_TYPE_HEADER, suffixed.as_str());
        }
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
        let value = if forms.has(Form::RetryAfterHttpDate) {
            retry_after_date(seconds)
        } else {
            seconds.to_string()
        };
        template = template.insert_header("retry-after", value.as_str());
    }
    let template = with_transport(with_extra_headers(template, variant), forms);
    template.set_body_raw(
        object_text(body, variant),
        &media_type("application/json", forms),
    )
}

/// The media type of an answer: `base`, with `; charset=utf-8` under [`Form::Charset`].
fn media_type(base: &str, forms: Forms) -> String {
    if forms.has(Form::Charset) {
        format!("{base}; charset=utf-8")
    } else {
        base.to_string()
    }
}

/// Adds the transport forms: `Transfer-Encoding: chunked` (hyper then sends the body in
/// chunks and no `Content-Length`) and `Connection: close` (hyper closes the connection
/// after the answer).
fn with_transport(mut template: ResponseTemplate, forms: Forms) -> ResponseTemplate {
    if forms.has(Form::Chunked) {
        template = template.insert_header("transfer-encoding", "chunked");
    }
    if forms.has(Form::ConnectionClose) {
        template = template.insert_header("connection", "close");
    }
    template
}

/// An error that is not one of CreateUser's exceptions, named in `X-Amzn-ErrorType` (or,
/// under [`Variant::ErrorTypeOnlyInBody`], in a `__type` body member instead) with `body`.
fn named_error(
    template: ResponseTemplate,
    name: &str,
    mut body: Vec<(&str, Value)>,
    variant: Option<Variant>,
    forms: Forms,
) -> ResponseTemplate {
    let template = if variant == Some(Variant::ErrorTypeOnlyInBody) {
        body.push(("__type", json!(name)));
        template
    } else {
        template.insert_header(ERROR_TYPE_HEADER, name)
    };
    with_transport(with_extra_headers(template, variant), forms).set_body_raw(
        object_text(body, variant),
        &media_type("application/json", forms),
    )
}

/// The status an exception is answered with: the contract's, unless a defect breaks it.
fn error_status(exception: Exception, defect: Option<Defect>) -> u16 {
    match defect {
        Some(Defect::WrongErrorStatus) if exception == Exception::Conflict => 400,
        _ => exception.http_status(),
    }
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
