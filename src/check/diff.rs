//! Comparing two answers to the same request — from two targets, or a recorded answer and
//! a replayed one — after normalising what is expected to differ, and classifying each
//! difference. Pure: answers in, differences out.
//!
//! Normalisation: ids, request ids, timestamps, emails, display names, PINs, messages and
//! the account id (mapped by role) are never compared; what is compared is the status, the
//! resolved error type, which members the body has (top level and `User`), the values of
//! `User`'s enums where both sides have them, the presence of `X-Amzn-ErrorType` and of a
//! JSON `Content-Type`, and the contract rules each side broke.

use std::collections::BTreeSet;
use std::fmt;

use serde::Serialize;
use serde_json::Value;

use super::{is_json_media_type, Rule};
use crate::contract::{resolve_error_type, ErrorKind};
use crate::http::ReceivedResponse;

/// The members of `User` whose values are compared (enums of the model).
const ENUM_MEMBERS: [&str; 4] = [
    "UserType",
    "LicenseType",
    "UserRegistrationStatus",
    "UserInvitationStatus",
];

/// A class of behaviour two answers can differ in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffClass {
    /// The HTTP status (or an answer against none).
    Status,
    /// The error type a restJson1 client resolves.
    ExceptionType,
    /// The value of one of `User`'s enums.
    EnumValues,
    /// One side broke a contract rule the other did not.
    ContractRule,
    /// Which members the body has.
    BodyMembers,
    /// Whether `X-Amzn-ErrorType` or a JSON `Content-Type` is there.
    Headers,
    /// Both answers conform and differ in status or error type: each side made another of
    /// the contract's open choices (201 against 415 for a media type, SerializationException
    /// against BadRequestException, a front door's authentication error against
    /// UnauthorizedClientException). Equal at contract level; listed as information.
    Choice,
}

/// Whether a class of difference is about the contract or only about the wire form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DiffLevel {
    /// A client can notice it as a different outcome: a failure.
    Contract,
    /// The contract allows both forms (extra members, a header's presence beside the
    /// rules that require it): listed as information.
    Wire,
}

impl DiffClass {
    pub const ALL: [DiffClass; 7] = [
        DiffClass::Status,
        DiffClass::ExceptionType,
        DiffClass::EnumValues,
        DiffClass::ContractRule,
        DiffClass::BodyMembers,
        DiffClass::Headers,
        DiffClass::Choice,
    ];

    /// The stable name, as in trial names (`diff::<name>`) and reports.
    pub fn name(self) -> &'static str {
        match self {
            DiffClass::Status => "status",
            DiffClass::ExceptionType => "exception_type",
            DiffClass::EnumValues => "enum_values",
            DiffClass::ContractRule => "contract_rule",
            DiffClass::BodyMembers => "body_members",
            DiffClass::Headers => "headers",
            DiffClass::Choice => "choice",
        }
    }

    pub fn level(self) -> DiffLevel {
        match self {
            DiffClass::BodyMembers | DiffClass::Headers | DiffClass::Choice => DiffLevel::Wire,
            _ => DiffLevel::Contract,
        }
    }

    /// The trial that reports this class.
    pub fn trial_name(self) -> String {
        format!("diff::{}", self.name())
    }
}

impl fmt::Display for DiffClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An answer reduced to what is compared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Observation {
    /// `None` when no complete answer came back.
    pub status: Option<u16>,
    /// No answer because the server refused the request by closing the connection while
    /// it was being sent (a large body, over https where the harness cannot see whether an
    /// answer came first): a refusal, as any 4xx is.
    pub closed_early: bool,
    /// The resolved error type, by kind and name (`None` for a success or no type).
    pub error_type: Option<String>,
    /// Member names: top level, and `User.<name>`; `None` when the body is not JSON.
    pub members: Option<BTreeSet<String>>,
    /// `User`'s enum members and their values.
    pub enums: Vec<(String, String)>,
    pub error_type_header: bool,
    pub json_content_type: bool,
    /// The contract rules the answer broke.
    pub rules: BTreeSet<Rule>,
}

impl Observation {
    /// An answer as compared; `rules` are those its checks found broken.
    pub fn of(response: &ReceivedResponse, rules: &[Rule]) -> Observation {
        let body = response.json().ok();
        let header = response.error_type_header();
        let error_type = (!response.is_success())
            .then(|| resolve_error_type(header, body.as_ref()))
            .flatten()
            .map(|t| match t.kind() {
                ErrorKind::Documented(e) => e.shape_name().to_string(),
                ErrorKind::AwsCommon(name) => format!("{name} (AWS common)"),
                ErrorKind::Undocumented(name) => format!("{name} (undocumented)"),
            });
        let user = body.as_ref().and_then(|b| b.get("User"));
        Observation {
            status: Some(response.status),
            closed_early: false,
            error_type,
            members: body.as_ref().map(member_names),
            enums: ENUM_MEMBERS
                .iter()
                .filter_map(|m| {
                    let value = user?.get(*m)?;
                    Some((m.to_string(), short(value)))
                })
                .collect(),
            error_type_header: header.is_some(),
            json_content_type: is_json_media_type(response.header("content-type")),
            rules: rules.iter().copied().collect(),
        }
    }

    /// A request that got no complete answer.
    pub fn unanswered() -> Observation {
        Observation {
            status: None,
            closed_early: false,
            error_type: None,
            members: None,
            enums: Vec::new(),
            error_type_header: false,
            json_content_type: false,
            rules: BTreeSet::new(),
        }
    }

    /// A request that got no answer and broke `rules` by that (a connection closed with no
    /// answer where one was due).
    pub fn no_answer(rules: &[Rule]) -> Observation {
        Observation {
            rules: rules.iter().copied().collect(),
            ..Observation::unanswered()
        }
    }

    /// A request the server refused by closing the connection while it was being sent.
    pub fn closed_early() -> Observation {
        Observation {
            closed_early: true,
            ..Observation::unanswered()
        }
    }

    /// Whether the answer is a refusal: a 4xx, or the connection closed early.
    fn refused(&self) -> bool {
        self.closed_early || self.status.is_some_and(|s| (400..500).contains(&s))
    }

    /// Whether the answer conforms: it came, and broke no rule.
    fn conforms(&self) -> bool {
        (self.status.is_some() || self.closed_early) && self.rules.is_empty()
    }

    /// The answer in a few words: "HTTP 415 UnsupportedMediaTypeException".
    fn answer(&self) -> String {
        match (self.status, &self.error_type) {
            (None, _) if self.closed_early => "closed early (a refusal)".into(),
            (None, _) => "no answer".into(),
            (Some(s), Some(t)) => format!("HTTP {s} {t}"),
            (Some(s), None) => format!("HTTP {s}"),
        }
    }
}

/// True when one answer created the user (a 2xx) and the other refused the request (a 4xx,
/// or an early close). For a request whose answer the contract leaves to the target (a
/// large body, a missing or wrong media type) both conform, so between two such answers
/// only a rule one side broke is a difference.
pub fn created_and_refused(left: &Observation, right: &Observation) -> bool {
    let created = |o: &Observation| o.status.is_some_and(|s| (200..300).contains(&s));
    (created(left) && right.refused()) || (left.refused() && created(right))
}

/// One difference between two answers to the same request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Difference {
    pub class: DiffClass,
    /// What the left answer had (masked: names and enum values only).
    pub left: String,
    /// What the right answer had.
    pub right: String,
}

impl fmt::Display for Difference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: left {}; right {}",
            self.class, self.left, self.right
        )
    }
}

/// The differences between two answers to the same request, each class at most once.
pub fn compare(left: &Observation, right: &Observation) -> Vec<Difference> {
    let mut out = Vec::new();
    let mut differ = |class, l: String, r: String| {
        if l != r {
            out.push(Difference {
                class,
                left: l,
                right: r,
            });
        }
    };
    // A refusal by closing early and a 4xx refusal are the same outcome for a client: the
    // request was refused (the server had no body to name a type from).
    let closed_refusals =
        (left.closed_early || right.closed_early) && left.refused() && right.refused();
    // Two conforming answers that differ in outcome made different open choices: equal at
    // contract level, and listed as such (not as a status or type difference).
    let outcome = |o: &Observation| (o.status, o.error_type.clone(), o.closed_early);
    if left.conforms() && right.conforms() && outcome(left) != outcome(right) && !closed_refusals {
        differ(DiffClass::Choice, left.answer(), right.answer());
        return out;
    }
    if !closed_refusals {
        let status = |o: &Observation| o.status.map_or("no answer".into(), |s| format!("HTTP {s}"));
        differ(DiffClass::Status, status(left), status(right));
        let error_type = |o: &Observation| o.error_type.clone().unwrap_or_else(|| "none".into());
        differ(
            DiffClass::ExceptionType,
            error_type(left),
            error_type(right),
        );
    }
    let (le, re) = common_enums(left, right);
    differ(DiffClass::EnumValues, le, re);
    let only = |a: &Observation, b: &Observation| {
        let names: Vec<_> = a.rules.difference(&b.rules).map(|r| r.name()).collect();
        if names.is_empty() {
            "no rule broken that the other side kept".to_string()
        } else {
            format!("breaks {}", names.join(", "))
        }
    };
    if left.rules != right.rules {
        differ(
            DiffClass::ContractRule,
            only(left, right),
            only(right, left),
        );
    }
    if left.status.is_some() && right.status.is_some() {
        differ(DiffClass::BodyMembers, members(left), members(right));
        differ(DiffClass::Headers, headers(left), headers(right));
    }
    out
}

/// The differences between the answers to a burst of identical requests sent at once, on
/// each side: which answers came (statuses and types, not how many of each, which timing
/// decides) and the rules broken. A single request on each side is compared in full.
pub fn compare_bursts(left: &[Observation], right: &[Observation]) -> Vec<Difference> {
    if let ([l], [r]) = (left, right) {
        return compare(l, r);
    }
    let summary = |side: &[Observation]| {
        let mut merged = Observation::unanswered();
        let statuses: BTreeSet<String> = side
            .iter()
            .map(|o| o.status.map_or("no answer".into(), |s| format!("HTTP {s}")))
            .collect();
        let types: BTreeSet<String> = side.iter().filter_map(|o| o.error_type.clone()).collect();
        merged.rules = side.iter().flat_map(|o| o.rules.iter().copied()).collect();
        (statuses, types, merged)
    };
    let (ls, lt, lm) = summary(left);
    let (rs, rt, rm) = summary(right);
    let conforms = |side: &[Observation]| side.iter().all(Observation::conforms);
    if conforms(left) && conforms(right) && (ls != rs || lt != rt) {
        let answers = |s: BTreeSet<String>, t: BTreeSet<String>| {
            let items: Vec<String> = s.into_iter().chain(t).collect();
            format!("{{{}}}", items.join(", "))
        };
        return vec![Difference {
            class: DiffClass::Choice,
            left: answers(ls, lt),
            right: answers(rs, rt),
        }];
    }
    let join = |set: BTreeSet<String>| {
        let items: Vec<String> = set.into_iter().collect();
        format!("{{{}}}", items.join(", "))
    };
    let mut out = Vec::new();
    if ls != rs {
        out.push(Difference {
            class: DiffClass::Status,
            left: join(ls),
            right: join(rs),
        });
    }
    if lt != rt {
        out.push(Difference {
            class: DiffClass::ExceptionType,
            left: join(lt),
            right: join(rt),
        });
    }
    out.extend(
        compare(&lm, &rm)
            .into_iter()
            .filter(|d| d.class == DiffClass::ContractRule),
    );
    out
}

/// The enum values both sides have and that differ, each side's rendered the same way.
fn common_enums(left: &Observation, right: &Observation) -> (String, String) {
    let mut l = Vec::new();
    let mut r = Vec::new();
    for (name, lv) in &left.enums {
        if let Some((_, rv)) = right.enums.iter().find(|(n, rv)| n == name && rv != lv) {
            l.push(format!("{name}={lv}"));
            r.push(format!("{name}={rv}"));
        }
    }
    (l.join(", "), r.join(", "))
}

fn members(o: &Observation) -> String {
    match &o.members {
        None => "a body that is not JSON".into(),
        Some(names) => {
            let names: Vec<&str> = names.iter().map(String::as_str).collect();
            format!("members [{}]", names.join(", "))
        }
    }
}

fn headers(o: &Observation) -> String {
    let presence = |present: bool| if present { "present" } else { "absent" };
    format!(
        "X-Amzn-ErrorType {}, JSON Content-Type {}",
        presence(o.error_type_header),
        presence(o.json_content_type)
    )
}

/// Top-level member names, and `User.<name>` for the members of `User`.
fn member_names(body: &Value) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    if let Some(object) = body.as_object() {
        for (name, value) in object {
            names.insert(name.clone());
            if name == "User" {
                for inner in value.as_object().into_iter().flat_map(|u| u.keys()) {
                    names.insert(format!("User.{inner}"));
                }
            }
        }
    }
    names
}

/// A JSON value as one short token (enum values are short strings).
fn short(value: &Value) -> String {
    match value {
        Value::String(s) => s.chars().take(40).collect(),
        other => other.to_string().chars().take(40).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn response(status: u16, headers: &[(&str, &str)], body: Value) -> ReceivedResponse {
        ReceivedResponse::for_test(status, headers, body)
    }

    fn created(user: Value) -> ReceivedResponse {
        response(
            201,
            &[("content-type", "application/json")],
            json!({ "User": user }),
        )
    }

    fn classes(
        l: &ReceivedResponse,
        r: &ReceivedResponse,
        lr: &[Rule],
        rr: &[Rule],
    ) -> Vec<DiffClass> {
        compare(&Observation::of(l, lr), &Observation::of(r, rr))
            .into_iter()
            .map(|d| d.class)
            .collect()
    }

    #[test]
    fn ids_emails_timestamps_and_messages_are_normalised_away() {
        let a = created(
            json!({"UserId": "u1", "AccountId": "a", "PrimaryEmail": "x+r1@e.com",
            "InvitedOn": "2026-01-01T00:00:00Z", "UserType": "PrivateUser"}),
        );
        let b = created(
            json!({"UserId": "u2", "AccountId": "b", "PrimaryEmail": "x+r2@e.com",
            "InvitedOn": "2026-11-28T13:00:00.5+01:00", "UserType": "PrivateUser"}),
        );
        assert_eq!(classes(&a, &b, &[], &[]), []);
    }

    #[test]
    fn each_class_is_found_and_named() {
        let ok = created(json!({"UserId": "u", "UserType": "PrivateUser"}));
        let conflict = response(
            409,
            &[
                ("content-type", "application/json"),
                ("x-amzn-errortype", "ConflictException"),
            ],
            json!({"Code": "Conflict", "Message": "m"}),
        );
        assert_eq!(
            classes(&ok, &conflict, &[], &[Rule::CaseExpectedException]),
            [
                DiffClass::Status,
                DiffClass::ExceptionType,
                DiffClass::ContractRule,
                DiffClass::BodyMembers,
                DiffClass::Headers
            ]
        );
        let other_type = created(json!({"UserId": "u", "UserType": "SharedDevice"}));
        assert_eq!(classes(&ok, &other_type, &[], &[]), [DiffClass::EnumValues]);
        assert_eq!(
            classes(&ok, &ok, &[], &[Rule::InvariantUserType]),
            [DiffClass::ContractRule]
        );
        let minimal = created(json!({"UserId": "u"}));
        assert_eq!(classes(&ok, &minimal, &[], &[]), [DiffClass::BodyMembers]);
        let d = compare(
            &Observation::of(&ok, &[]),
            &Observation::of(&ok, &[Rule::SuccessSchema]),
        );
        assert_eq!(d[0].right, "breaks success.schema");
    }

    #[test]
    fn no_answer_differs_only_in_status_and_rules() {
        let ok = created(json!({"UserId": "u"}));
        let d = compare(&Observation::of(&ok, &[]), &Observation::unanswered());
        assert_eq!(
            d.iter().map(|d| d.class).collect::<Vec<_>>(),
            [DiffClass::Status]
        );
        assert_eq!(d[0].right, "no answer");
    }

    #[test]
    fn closing_early_matches_a_4xx_refusal_and_nothing_else() {
        let refusal = response(
            400,
            &[("content-type", "application/json")],
            json!({"Code": "BadRequest", "Message": "too large"}),
        );
        let closed = Observation::closed_early();
        assert_eq!(compare(&closed, &Observation::of(&refusal, &[])), []);
        assert_eq!(compare(&Observation::of(&refusal, &[]), &closed), []);
        assert_eq!(compare(&closed, &closed), []);
        let ok = created(json!({"UserId": "u"}));
        let d = compare(
            &closed,
            &Observation::of(&ok, &[Rule::InputMalformedRefused]),
        );
        assert_eq!(d[0].class, DiffClass::Status);
    }

    #[test]
    fn two_conforming_answers_that_differ_are_a_choice_not_a_departure() {
        let ok = Observation::of(&created(json!({"UserId": "u"})), &[]);
        let refused = |status, name: &str| {
            Observation::of(
                &response(
                    status,
                    &[("x-amzn-errortype", name)],
                    json!({"message": "m"}),
                ),
                &[],
            )
        };
        let media = refused(415, "UnsupportedMediaTypeException");
        let d = compare(&ok, &media);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].class, DiffClass::Choice);
        assert_eq!(
            (d[0].left.as_str(), d[0].right.as_str()),
            (
                "HTTP 201",
                "HTTP 415 UnsupportedMediaTypeException (undocumented)"
            )
        );
        let serialization = refused(400, "SerializationException");
        let bad_request = refused(400, "BadRequestException");
        let classes = |l: &Observation, r: &Observation| {
            compare(l, r)
                .into_iter()
                .map(|d| d.class)
                .collect::<Vec<_>>()
        };
        assert_eq!(classes(&serialization, &bad_request), [DiffClass::Choice]);
        let front_door = refused(403, "MissingAuthenticationTokenException");
        let unauthorized = refused(401, "UnauthorizedClientException");
        assert_eq!(classes(&front_door, &unauthorized), [DiffClass::Choice]);
        assert_eq!(
            classes(&Observation::closed_early(), &ok),
            [DiffClass::Choice],
            "an oversized body refused early or accepted"
        );
    }

    #[test]
    fn bursts_compare_which_answers_came_not_how_many() {
        let ok = Observation::of(&created(json!({"UserId": "u"})), &[]);
        let throttled = Observation::of(
            &response(
                429,
                &[("x-amzn-errortype", "ThrottledClientException")],
                json!({"Code": "Throttled"}),
            ),
            &[],
        );
        let left = [ok.clone(), throttled.clone(), throttled.clone()];
        let right = [ok.clone(), ok.clone(), throttled];
        assert_eq!(compare_bursts(&left, &right), []);
        let mut never_throttled = ok.clone();
        never_throttled.rules.insert(Rule::CaseExpectedException);
        let d = compare_bursts(&left, &[never_throttled.clone(), never_throttled]);
        let classes: Vec<_> = d.iter().map(|d| d.class).collect();
        assert_eq!(
            classes,
            [
                DiffClass::Status,
                DiffClass::ExceptionType,
                DiffClass::ContractRule
            ]
        );
        let d = compare_bursts(&left, &[ok.clone(), ok]);
        assert_eq!(d[0].class, DiffClass::Choice, "both conform: {d:?}");
    }

    #[test]
    fn only_body_members_headers_and_choices_are_wire_level() {
        let wire: Vec<_> = DiffClass::ALL
            .into_iter()
            .filter(|c| c.level() == DiffLevel::Wire)
            .collect();
        assert_eq!(
            wire,
            [
                DiffClass::BodyMembers,
                DiffClass::Headers,
                DiffClass::Choice
            ]
        );
    }
}
