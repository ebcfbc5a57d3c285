//! Property-based request generation (proptest strategies, shrinking on): valid CreateUser
//! inputs, inputs with exactly one model constraint broken (labelled with which), and error
//! probes. Inputs are plain data so that failures persist to the regressions file.

use proptest::prelude::*;
use proptest::string::string_regex;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::contract::{is_valid_email, USER_TYPES};

/// The body members of a CreateUser request (AccountId comes from the target's fixture).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateUserInput {
    pub username: Option<String>,
    pub email: Option<String>,
    pub user_type: Option<String>,
}

impl CreateUserInput {
    /// The JSON body, with only the members that are set.
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        let members = [
            ("Username", &self.username),
            ("Email", &self.email),
            ("UserType", &self.user_type),
        ];
        for (name, value) in members {
            if let Some(v) = value {
                body.insert(name.into(), Value::String(v.clone()));
            }
        }
        Value::Object(body)
    }

    /// A copy whose Email is made unique by a tag in its local part (which keeps it valid),
    /// so that neither repeated runs nor shrinking trip ConflictException by themselves.
    pub fn made_unique(&self, tag: &str) -> CreateUserInput {
        CreateUserInput {
            email: self.email.as_deref().map(|e| unique_email(e, tag)),
            ..self.clone()
        }
    }
}

impl CreateUserInput {
    /// A copy whose Username carries the run id, so that users a run creates in a shared
    /// environment can be found and cleaned up (an absent Username becomes the tag alone).
    pub fn with_run_tag(&self, run_id: &str) -> CreateUserInput {
        let tag = format!("chime-conformance {run_id}");
        CreateUserInput {
            username: Some(match self.username.as_deref() {
                Some(name) if !name.is_empty() => format!("{name} ({tag})"),
                _ => tag,
            }),
            ..self.clone()
        }
    }
}

/// Inserts `+tag` before the first `@` of an email.
pub(crate) fn unique_email(email: &str, tag: &str) -> String {
    match email.split_once('@') {
        Some((local, domain)) => format!("{local}+{tag}@{domain}"),
        None => format!("{email}+{tag}"),
    }
}

/// Which model constraint an invalid input breaks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Breakage {
    /// `Email` does not match `.+@.+\..+`.
    EmailPattern(String),
    /// `UserType` is outside its enum.
    UserTypeEnum(String),
    /// A member holds a JSON value that is not a string.
    MemberType { member: String, value: Value },
    /// The body is JSON but not an object.
    BodyNotObject(Value),
    /// The body is not JSON.
    BodyNotJson(String),
    /// The account id is empty or all whitespace.
    AccountIdBlank(String),
}

impl Breakage {
    /// A short label naming the broken constraint.
    pub fn label(&self) -> &'static str {
        match self {
            Breakage::EmailPattern(_) => "Email breaks pattern .+@.+\\..+",
            Breakage::UserTypeEnum(_) => "UserType outside enum PrivateUser|SharedDevice",
            Breakage::MemberType { .. } => "member of the wrong JSON type",
            Breakage::BodyNotObject(_) => "body is JSON but not an object",
            Breakage::BodyNotJson(_) => "body is not JSON",
            Breakage::AccountIdBlank(_) => "AccountId empty or all whitespace",
        }
    }
}

/// A valid input with one constraint broken.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InvalidInput {
    pub base: CreateUserInput,
    pub breakage: Breakage,
}

/// What an invalid input puts on the wire.
pub enum InvalidBody {
    Json(Value),
    Raw(String),
}

impl InvalidInput {
    /// The account id to address: the fixture, unless the breakage is the account id.
    pub fn account_id<'a>(&'a self, fixture: &'a str) -> &'a str {
        match &self.breakage {
            Breakage::AccountIdBlank(blank) => blank,
            _ => fixture,
        }
    }

    /// The body to send.
    pub fn body(&self) -> InvalidBody {
        let mut body = self.base.body();
        let set = |body: &mut Value, member: &str, value: Value| {
            if let Value::Object(map) = body {
                map.insert(member.to_string(), value);
            }
        };
        match &self.breakage {
            Breakage::EmailPattern(email) => set(&mut body, "Email", json!(email)),
            Breakage::UserTypeEnum(t) => set(&mut body, "UserType", json!(t)),
            Breakage::MemberType { member, value } => set(&mut body, member, value.clone()),
            Breakage::BodyNotObject(v) => return InvalidBody::Json(v.clone()),
            Breakage::BodyNotJson(text) => return InvalidBody::Raw(text.clone()),
            Breakage::AccountIdBlank(_) => {}
        }
        InvalidBody::Json(body)
    }
}

fn email() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => string_regex("[a-z0-9._%-]{1,12}@[a-z0-9-]{1,10}\\.[a-z]{2,6}").expect("valid regex"),
        1 => string_regex("[a-zA-Zéüß0-9]{1,8}@[a-z]{1,8}\\.[a-z]{1,3}\\.[a-z]{2,3}").expect("valid regex"),
    ]
}

fn username() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => string_regex("[A-Za-z][A-Za-z0-9 ._-]{0,20}").expect("valid regex"),
        // Non-ASCII, including letters outside the BMP.
        1 => string_regex("[\\p{L}\\p{N} ]{1,12}").expect("valid regex"),
        1 => Just(String::new()),
    ]
}

/// Valid CreateUser inputs: every member optional, Username possibly non-ASCII.
pub fn valid_input() -> impl Strategy<Value = CreateUserInput> {
    (
        proptest::option::of(username()),
        proptest::option::of(email()),
        proptest::option::of(proptest::sample::select(USER_TYPES.to_vec()).prop_map(String::from)),
    )
        .prop_map(|(username, email, user_type)| CreateUserInput {
            username,
            email,
            user_type,
        })
}

fn invalid_email() -> impl Strategy<Value = String> {
    prop_oneof![
        string_regex("[a-z]{1,10}").expect("valid regex"),
        string_regex("@[a-z]{1,6}\\.[a-z]{2,3}").expect("valid regex"),
        string_regex("[a-z]{1,6}@[a-z]{1,6}").expect("valid regex"),
        string_regex("[a-z]{1,6}@[a-z]{1,6}\\.").expect("valid regex"),
        string_regex("[a-z]{1,6}@\\.[a-z]{1,3}").expect("valid regex"),
        Just(String::new()),
        Just("a\n@b.c".to_string()),
    ]
    .prop_filter("must break the pattern", |e| !is_valid_email(e))
}

fn non_string() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i32>().prop_map(|n| json!(n)),
        any::<bool>().prop_map(|b| json!(b)),
        Just(json!([])),
        Just(json!(["a@b.c"])),
        Just(json!({})),
        any::<f32>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| json!(f)),
    ]
}

fn breakage() -> impl Strategy<Value = Breakage> {
    prop_oneof![
        invalid_email().prop_map(Breakage::EmailPattern),
        string_regex("[A-Za-z]{0,12}")
            .expect("valid regex")
            .prop_filter("outside the enum", |t| !USER_TYPES.contains(&t.as_str()))
            .prop_map(Breakage::UserTypeEnum),
        (
            proptest::sample::select(vec!["Username", "Email", "UserType"]),
            non_string()
        )
            .prop_map(|(member, value)| Breakage::MemberType {
                member: member.into(),
                value
            }),
        prop_oneof![
            non_string().prop_filter("not an object", |v| !v.is_object()),
            "[a-z]{0,8}".prop_map(|s| json!(s)),
        ]
        .prop_map(Breakage::BodyNotObject),
        prop_oneof![
            Just("{".to_string()),
            Just("{\"Email\": ".to_string()),
            Just("{\"Username\": \"a\",}".to_string()),
            string_regex("[a-z<>=&]{1,12}").expect("valid regex"),
        ]
        .prop_filter("not JSON", |t| serde_json::from_str::<Value>(t).is_err())
        .prop_map(Breakage::BodyNotJson),
        string_regex("[ \t]{0,3}")
            .expect("valid regex")
            .prop_map(Breakage::AccountIdBlank),
    ]
}

/// Valid inputs with exactly one constraint broken.
pub fn invalid_input() -> impl Strategy<Value = InvalidInput> {
    (valid_input(), breakage()).prop_map(|(base, breakage)| InvalidInput { base, breakage })
}

/// A request built to draw an error response of some kind.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ErrorProbe {
    /// An input with one constraint broken (BadRequestException).
    Invalid(InvalidInput),
    /// A valid input to an account that does not exist (NotFoundException).
    UnknownAccount {
        input: CreateUserInput,
        account_id: String,
    },
    /// A valid input without a signature (UnauthorizedClientException).
    Unsigned(CreateUserInput),
}

/// Requests that draw errors of several kinds.
pub fn error_probe() -> impl Strategy<Value = ErrorProbe> {
    prop_oneof![
        3 => invalid_input().prop_map(ErrorProbe::Invalid),
        1 => (valid_input(), string_regex("[0-9a-f]{8}-[0-9a-f]{4}").expect("valid regex"))
            .prop_map(|(input, id)| ErrorProbe::UnknownAccount {
                input,
                account_id: format!("chime-conformance-unknown-{id}"),
            }),
        1 => valid_input().prop_map(ErrorProbe::Unsigned),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn valid_inputs_satisfy_the_request_schema_even_when_made_unique() {
        let schemas = crate::contract::schema::Schemas::compile().unwrap();
        let mut runner = TestRunner::deterministic();
        for _ in 0..500 {
            let input = valid_input().new_tree(&mut runner).unwrap().current();
            let body = input.made_unique("r1-7").body();
            assert!(
                schemas.is_valid(
                    crate::contract::schema::SchemaName::CreateUserRequest,
                    &body
                ),
                "{body}"
            );
        }
    }

    #[test]
    fn invalid_inputs_break_the_request_schema_or_the_account() {
        let schemas = crate::contract::schema::Schemas::compile().unwrap();
        let mut runner = TestRunner::deterministic();
        for _ in 0..500 {
            let input = invalid_input().new_tree(&mut runner).unwrap().current();
            let broken = match input.body() {
                InvalidBody::Raw(_) => true,
                InvalidBody::Json(v) => {
                    !schemas.is_valid(crate::contract::schema::SchemaName::CreateUserRequest, &v)
                }
            };
            let blank = !crate::contract::is_valid_account_id(input.account_id("acct"));
            assert!(broken || blank, "{input:?} breaks nothing");
        }
    }

    #[test]
    fn unique_emails_stay_valid() {
        assert_eq!(unique_email("a@b.c", "t1"), "a+t1@b.c");
        assert!(is_valid_email(&unique_email("é@x.y.zz", "run-3")));
    }
}
