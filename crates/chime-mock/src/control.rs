//! The control plane, under the reserved prefix `/_chime-mock/` on the mock's own port:
//! JSON in and out, never SigV4, never confused with CreateUser (no CreateUser path starts
//! with it). What client implementers expect from a service mock: a health check, a reset
//! between tests, accounts and faults set up from the test, and a look at the users held
//! and at the requests the client actually sent, and (under `--judge-clients`) the
//! verdicts on the client's requests. Bad control requests get a 400 naming the
//! problem; an unknown control path a 404 and a wrong method a 405, each listing the routes.

use std::time::Instant;

use percent_encoding::percent_decode_str;
use serde_json::{json, Map, Value};
use wiremock::{Request, ResponseTemplate};

use crate::faults::FaultRule;
use crate::request::CONTROL_PREFIX;
use crate::respond::CreateUserResponder;
use crate::state::AccountKind;
use chime_contract::is_valid_account_id;

/// The routes, as listed in answers to an unknown path or a wrong method.
const ROUTES: &str = "GET /_chime-mock/health, POST /_chime-mock/reset, \
POST /_chime-mock/accounts, DELETE /_chime-mock/accounts/{id}, \
GET /_chime-mock/users?account=ID, GET /_chime-mock/requests?limit=N, \
GET|POST|DELETE /_chime-mock/faults, GET /_chime-mock/verdicts";

/// A control request refused: its status and what is wrong.
#[derive(Debug)]
struct Refusal {
    status: u16,
    message: String,
}

fn bad(message: impl Into<String>) -> Refusal {
    Refusal {
        status: 400,
        message: message.into(),
    }
}

type Answer = Result<(u16, Value), Refusal>;

impl CreateUserResponder {
    /// Answers a control-plane request.
    pub(super) fn control(&self, request: &Request) -> ResponseTemplate {
        let (status, body) = match self.control_route(request) {
            Ok(answer) => answer,
            Err(refusal) => (refusal.status, json!({ "error": refusal.message })),
        };
        ResponseTemplate::new(status).set_body_raw(body.to_string(), "application/json")
    }

    fn control_route(&self, request: &Request) -> Answer {
        let route = request.url.path()[CONTROL_PREFIX.len()..].trim_end_matches('/');
        let method = request.method.as_str();
        refuse_cross_site(request)?;
        match (method, route) {
            ("GET", "/health") => Ok((200, self.health())),
            ("POST", "/reset") => self.reset(request),
            ("POST", "/accounts") => self.put_account(request),
            ("DELETE", _) if route.starts_with("/accounts/") => {
                self.delete_account(&route["/accounts/".len()..])
            }
            ("GET", "/users") => self.users(request),
            ("GET", "/requests") => self.requests(request),
            ("GET", "/faults") => Ok((200, json!({ "faults": self.faults.list() }))),
            ("POST", "/faults") => self.add_fault(request),
            ("DELETE", "/faults") => Ok((200, json!({ "deleted": self.faults.clear() }))),
            ("GET", "/verdicts") => self.verdicts(),
            (
                _,
                "/health" | "/reset" | "/accounts" | "/users" | "/requests" | "/faults"
                | "/verdicts",
            ) => Err(Refusal {
                status: 405,
                message: format!("{method} is not allowed on this path; routes: {ROUTES}"),
            }),
            _ if route.starts_with("/accounts/") => Err(Refusal {
                status: 405,
                message: format!("{method} is not allowed on this path; routes: {ROUTES}"),
            }),
            _ => Err(Refusal {
                status: 404,
                message: format!("no control route here; routes: {ROUTES}"),
            }),
        }
    }

    fn health(&self) -> Value {
        json!({
            "status": "ready",
            "users": self.users_stored(),
            "requests_served": self.requests_served(),
        })
    }

    fn reset(&self, request: &Request) -> Answer {
        json_object(request, &[])?;
        self.directory.reset(Instant::now());
        self.journal.clear();
        let faults = self.faults.clear();
        if let Some(judge) = &self.judge {
            judge.clear();
        }
        Ok((200, json!({ "reset": true, "faults_removed": faults })))
    }

    /// The client verdicts so far; 404 naming the flag when judging is off (an empty list
    /// would read as a clean client).
    fn verdicts(&self) -> Answer {
        let judge = self.judge.as_ref().ok_or_else(|| Refusal {
            status: 404,
            message: "client judging is off: start the mock with --judge-clients \
                      (CHIME_MOCK_JUDGE_CLIENTS=true) to get verdicts"
                .to_string(),
        })?;
        Ok((200, judge.report().to_json()))
    }

    fn put_account(&self, request: &Request) -> Answer {
        let body = json_object(request, &["id", "kind"])?;
        let id = match body.get("id") {
            Some(Value::String(id)) if is_valid_account_id(id) => id.clone(),
            Some(Value::String(_)) => return Err(bad("member id must not be blank")),
            _ => return Err(bad("member id is required and must be a string")),
        };
        let kind = match body.get("kind") {
            None | Some(Value::Null) => AccountKind::Ordinary,
            Some(Value::String(name)) => AccountKind::from_name(name)
                .ok_or_else(|| bad("member kind must be ordinary, forbidden or throttled"))?,
            Some(_) => return Err(bad("member kind must be a string")),
        };
        let created = self.directory.put_account(&id, kind, Instant::now());
        let status = if created { 201 } else { 200 };
        Ok((
            status,
            json!({ "id": id, "kind": kind, "created": created }),
        ))
    }

    fn delete_account(&self, encoded: &str) -> Answer {
        let id = percent_decode_str(encoded)
            .decode_utf8()
            .map_err(|_| bad("the account id is not valid percent-encoded UTF-8"))?;
        if self.directory.remove_account(&id) {
            Ok((200, json!({ "deleted": id })))
        } else {
            Err(Refusal {
                status: 404,
                message: "no such account".into(),
            })
        }
    }

    fn users(&self, request: &Request) -> Answer {
        let account = single_query_value(request, "account", &["account"])?;
        let users = self
            .directory
            .users(account.as_deref())
            .ok_or_else(|| Refusal {
                status: 404,
                message: "no such account".into(),
            })?;
        Ok((200, json!({ "account": account, "users": users })))
    }

    fn requests(&self, request: &Request) -> Answer {
        let limit = match single_query_value(request, "limit", &["limit"])? {
            None => None,
            Some(text) => Some(
                text.parse::<usize>()
                    .map_err(|_| bad("query limit must be a whole number"))?,
            ),
        };
        Ok((
            200,
            json!({
                "capacity": self.journal.capacity(),
                "requests": self.journal.recent(limit),
            }),
        ))
    }

    fn add_fault(&self, request: &Request) -> Answer {
        let body = serde_json::from_slice::<Value>(&request.body)
            .map_err(|_| bad("the body must be a JSON object"))?;
        let rule = FaultRule::parse(&body).map_err(bad)?;
        let rule = self.faults.add(rule).map_err(bad)?;
        Ok((201, rule.to_json()))
    }
}

/// The request's body as a JSON object with only `known` members (an empty body is `{}`).
/// Refuses a POST that a web page could send to the mock from another site: a browser sends
/// a cross-site POST without a preflight only as `text/plain`, a form or multipart, so a
/// POST must say `Content-Type: application/json` (parameters allowed), else 415. Any
/// other write (DELETE) and any JSON POST from another origin needs a CORS preflight,
/// which the control plane never grants: an OPTIONS gets a 405 with no
/// `Access-Control-Allow-*` header.
fn refuse_cross_site(request: &Request) -> Result<(), Refusal> {
    if request.method.as_str() != "POST" {
        return Ok(());
    }
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = content_type.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case("application/json") {
        return Ok(());
    }
    Err(Refusal {
        status: 415,
        message: format!(
            "a control-plane POST must have Content-Type: application/json (so that no web page can send it from another site), not {:?}",
            content_type.chars().take(64).collect::<String>()
        ),
    })
}

fn json_object(request: &Request, known: &[&str]) -> Result<Map<String, Value>, Refusal> {
    if request.body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(&request.body) else {
        return Err(bad("the body must be a JSON object"));
    };
    if let Some(unknown) = members.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(bad(format!(
            "unknown member {unknown:?}; known members: {}",
            if known.is_empty() {
                "none".to_string()
            } else {
                known.join(", ")
            }
        )));
    }
    Ok(members)
}

/// The value of query parameter `name` (at most once), refusing parameters not in `known`.
fn single_query_value(
    request: &Request,
    name: &str,
    known: &[&str],
) -> Result<Option<String>, Refusal> {
    let mut found = None;
    for (key, value) in request.url.query_pairs() {
        if !known.contains(&key.as_ref()) {
            return Err(bad(format!(
                "unknown query parameter {:?}; known: {}",
                key.chars().take(64).collect::<String>(),
                known.join(", ")
            )));
        }
        if key == name && found.replace(value.into_owned()).is_some() {
            return Err(bad(format!("query parameter {name} is given twice")));
        }
    }
    Ok(found)
}
