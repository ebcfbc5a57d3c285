//! Checking the answer to a probe of the route itself (another method, an odd label or
//! query; see [`crate::input::route`]): never a 5xx (`route.no_server_error`; a 501 to a
//! method the server does not know passes), never a user created by a request that is no
//! CreateUser call (`route.refused`), and a creation under exactly the decoded label where
//! the probe is a CreateUser call in restJson1's reading (then every rule of a creation). A
//! refusal's body is not judged by CreateUser's error rules: a router or a front door may
//! answer it. Which allowed answer the target chose is recorded as
//! [`OpenChoice::RouteRefusal`].

use serde_json::Value;

use super::success::check_created;
use super::{Checked, OpenChoice, Rule, SentFacts, Violation};
use crate::contract::resolve_error_type;
use crate::contract::schema::Schemas;
use crate::http::ReceivedResponse;
use crate::input::route::Allowed;

/// Checks the answer to a route probe sent with `method`, allowed `allowed`; `email` is the
/// Email its body carried, if any.
pub fn check_route_answer(
    allowed: &Allowed,
    method: &str,
    email: Option<&str>,
    response: &ReceivedResponse,
    schemas: &Schemas,
) -> Checked {
    let status = response.status;
    let body = response.json().ok();
    let named = resolve_error_type(response.error_type_header(), body.as_ref())
        .map(|t| format!("{status} {}", t.name));
    let mut checked = Checked::default();
    match status {
        200..=299 => {
            return check_accepted(allowed, method, email, response, body.as_ref(), schemas)
        }
        501 if *allowed == Allowed::RefusalOrNotImplemented => {
            checked.observe(OpenChoice::RouteRefusal, "501 Not Implemented");
        }
        500.. => checked.violations.push(Violation::new(
            Rule::RouteNoServerError,
            format!("a 4xx ({})", describe(allowed)),
            format!(
                "HTTP {}: a server error for {method} on a probe of the route",
                named.unwrap_or_else(|| status.to_string())
            ),
        )),
        405 => {
            let allow = response
                .header("allow")
                .map(|a| format!("405 Method Not Allowed (Allow: {})", a.trim()))
                .unwrap_or_else(|| "405 Method Not Allowed (no Allow header)".into());
            checked.observe(OpenChoice::RouteRefusal, allow);
        }
        400..=499 => {
            let answer = named.unwrap_or_else(|| format!("{status} (no error type)"));
            checked.observe(OpenChoice::RouteRefusal, answer);
        }
        _ => {}
    }
    checked
}

/// The allowed answers in words, for a violation's "expected".
fn describe(allowed: &Allowed) -> String {
    match allowed {
        Allowed::Refusal => "no Chime operation lives at this method and path".into(),
        Allowed::RefusalOrOther(why) => format!("or a 2xx that creates no user: {why}"),
        Allowed::RefusalOrNotImplemented => "or 501 Not Implemented".into(),
        Allowed::RefusalOrCreatedUnder(label) => {
            format!("or 201 creating the user under exactly the decoded label {label:?}")
        }
    }
}

/// The rules of a 2xx to a probe.
fn check_accepted(
    allowed: &Allowed,
    method: &str,
    email: Option<&str>,
    response: &ReceivedResponse,
    body: Option<&Value>,
    schemas: &Schemas,
) -> Checked {
    let status = response.status;
    let refused = |expected: String| Checked {
        violations: vec![Violation::new(
            Rule::RouteRefused,
            expected,
            format!("HTTP {status} to {method}: the probe was accepted"),
        )],
        ..Checked::default()
    };
    match allowed {
        Allowed::Refusal | Allowed::RefusalOrNotImplemented => {
            refused(format!("a 4xx refusal ({})", describe(allowed)))
        }
        Allowed::RefusalOrOther(_) => {
            let created = status == 201 || body.is_some_and(|b| b.get("User").is_some());
            if created {
                let mut checked = refused(format!("a 4xx, {}", describe(allowed)));
                checked.user_id = body
                    .and_then(|b| b.pointer("/User/UserId"))
                    .and_then(Value::as_str)
                    .map(str::to_string);
                checked.violations[0].seen =
                    format!("HTTP {status} to {method} with a User: a user was created");
                return checked;
            }
            let mut checked = Checked::default();
            checked.observe(
                OpenChoice::RouteRefusal,
                format!("{status} with no User (another operation's answer)"),
            );
            checked
        }
        Allowed::RefusalOrCreatedUnder(label) => {
            let facts = SentFacts {
                account_id: label,
                email,
                user_type: None,
            };
            let mut checked = check_created(&facts, response, schemas);
            checked.observe(
                OpenChoice::RouteRefusal,
                "201 (a CreateUser call in restJson1's reading)",
            );
            checked
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn answer(status: u16, headers: &[(&str, &str)], body: Value) -> ReceivedResponse {
        ReceivedResponse::for_test(status, headers, body)
    }

    fn rules(checked: &Checked) -> Vec<&'static str> {
        checked.violations.iter().map(|v| v.rule.name()).collect()
    }

    #[test]
    fn every_4xx_passes_and_says_which_it_was() {
        let s = Schemas::compile().unwrap();
        for (status, headers, expected) in [
            (
                404,
                vec![("x-amzn-errortype", "UnknownOperationException")],
                "404 UnknownOperationException",
            ),
            (405, vec![("allow", "POST")], "Allow: POST"),
            (405, vec![], "no Allow header"),
            (400, vec![], "400 (no error type)"),
        ] {
            for allowed in [
                Allowed::Refusal,
                Allowed::RefusalOrNotImplemented,
                Allowed::RefusalOrOther("ListUsers"),
                Allowed::RefusalOrCreatedUnder("acct".into()),
            ] {
                let c = check_route_answer(
                    &allowed,
                    "GET",
                    None,
                    &answer(status, &headers, json!({})),
                    &s,
                );
                assert_eq!(rules(&c), Vec::<&str>::new(), "{status} {allowed:?}");
                assert!(c.observations[0].answer.contains(expected), "{c:?}");
            }
        }
    }

    #[test]
    fn a_5xx_fails_but_a_501_to_an_unknown_method() {
        let s = Schemas::compile().unwrap();
        let r = answer(
            500,
            &[("x-amzn-errortype", "ServiceFailureException")],
            json!({}),
        );
        let c = check_route_answer(&Allowed::RefusalOrNotImplemented, "X", None, &r, &s);
        assert_eq!(rules(&c), ["route.no_server_error"]);
        let r = answer(501, &[], json!({}));
        let c = check_route_answer(&Allowed::RefusalOrNotImplemented, "X", None, &r, &s);
        assert_eq!(rules(&c), Vec::<&str>::new());
        let c = check_route_answer(&Allowed::Refusal, "PUT", None, &r, &s);
        assert_eq!(rules(&c), ["route.no_server_error"]);
    }

    #[test]
    fn a_2xx_passes_only_where_the_probe_allows_it() {
        let s = Schemas::compile().unwrap();
        let json_type = [("content-type", "application/json")];
        let listed = answer(200, &json_type, json!({"Users": []}));
        let other = Allowed::RefusalOrOther("ListUsers");
        assert_eq!(
            rules(&check_route_answer(&other, "GET", None, &listed, &s)),
            Vec::<&str>::new()
        );
        assert_eq!(
            rules(&check_route_answer(
                &Allowed::Refusal,
                "PUT",
                None,
                &listed,
                &s
            )),
            ["route.refused"]
        );
        let created = answer(
            201,
            &json_type,
            json!({"User": {"UserId": "u", "AccountId": "acct"}}),
        );
        let c = check_route_answer(&other, "GET", None, &created, &s);
        assert_eq!(rules(&c), ["route.refused"]);
        assert_eq!(c.user_id.as_deref(), Some("u"), "a user created is counted");
        let under = |label: &str| Allowed::RefusalOrCreatedUnder(label.into());
        let c = check_route_answer(&under("acct"), "POST", None, &created, &s);
        assert_eq!(rules(&c), Vec::<&str>::new());
        let c = check_route_answer(&under("acct/x?y"), "POST", None, &created, &s);
        assert_eq!(
            rules(&c),
            ["invariant.account_id"],
            "created under a cut label"
        );
    }
}
