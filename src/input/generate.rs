//! Property-based request generation (proptest strategies, shrinking on): valid CreateUser
//! inputs, inputs with exactly one model constraint broken (labelled with which), and error
//! probes. Inputs are plain data so that failures persist to the regressions file.

use proptest::prelude::*;
use proptest::string::string_regex;
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use super::text::{any_text, email, push_json_string, Escapes, Reach};
use crate::contract::{is_valid_email, USER_TYPES};

/// A generated input of any property; plain data, so it persists as a regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PropertyInput {
    Valid(CreateUserInput),
    Invalid(InvalidInput),
    Probe(ErrorProbe),
}

/// The body members of a CreateUser request (AccountId comes from the target's fixture),
/// and how they are written on the wire.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreateUserInput {
    pub username: Option<String>,
    pub email: Option<String>,
    pub user_type: Option<String>,
    /// How the body's JSON text is written: the plain form when absent from a regression.
    #[serde(default, skip_serializing_if = "WireForm::is_plain")]
    pub wire: WireForm,
}

/// A member of the CreateUser request body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Member {
    Username,
    Email,
    UserType,
}

impl Member {
    pub const ALL: [Member; 3] = [Member::Username, Member::Email, Member::UserType];

    /// The member's name in the body.
    pub fn name(self) -> &'static str {
        match self {
            Member::Username => "Username",
            Member::Email => "Email",
            Member::UserType => "UserType",
        }
    }
}

/// How a body's JSON text is written, beyond its members' values: what a conforming server
/// must read the same as the plain form. The SDKs send none of it but the order.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WireForm {
    /// Absent members written as JSON `null` (see README, "Schemas": a server may take a
    /// null as absent or refuse it with BadRequestException).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nulls: Vec<Member>,
    /// The order members are written in; empty is Username, Email, UserType.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub order: Vec<Member>,
    /// How strings are written: raw UTF-8 or `\u` escapes.
    #[serde(default)]
    pub escapes: Escapes,
    /// A member the model does not know, written first; a restJson1 server ignores it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unknown: Option<(String, Value)>,
}

impl WireForm {
    /// True for the form `serde_json` writes: nothing null, no unknown member, raw strings.
    pub fn is_plain(&self) -> bool {
        self.nulls.is_empty()
            && self.order.is_empty()
            && self.escapes == Escapes::Raw
            && self.unknown.is_none()
    }
}

impl CreateUserInput {
    /// An input with these members, in the plain wire form.
    pub fn new(
        username: Option<String>,
        email: Option<String>,
        user_type: Option<String>,
    ) -> CreateUserInput {
        CreateUserInput {
            username,
            email,
            user_type,
            wire: WireForm::default(),
        }
    }

    /// The member's value, if set.
    pub fn member(&self, member: Member) -> Option<&str> {
        match member {
            Member::Username => self.username.as_deref(),
            Member::Email => self.email.as_deref(),
            Member::UserType => self.user_type.as_deref(),
        }
    }

    /// The JSON body as the model sees it: the members that are set (no null, no unknown
    /// member). What was sent, as a server must read it, is this plus [`WireForm`].
    pub fn body(&self) -> Value {
        let mut body = Map::new();
        for member in Member::ALL {
            if let Some(v) = self.member(member) {
                body.insert(member.name().into(), Value::String(v.to_string()));
            }
        }
        Value::Object(body)
    }

    /// The body's JSON text in its wire form: members in its order, nulls, the unknown
    /// member first, strings raw or escaped.
    pub fn body_text(&self) -> String {
        let form = &self.wire;
        let order = if form.order.is_empty() {
            &Member::ALL[..]
        } else {
            &form.order[..]
        };
        let mut out = String::from("{");
        let mut first = true;
        let mut key = |out: &mut String, name: &str| {
            if !std::mem::take(&mut first) {
                out.push(',');
            }
            push_json_string(out, name, form.escapes);
            out.push(':');
        };
        if let Some((name, value)) = &form.unknown {
            key(&mut out, name);
            out.push_str(&value.to_string());
        }
        for &member in order {
            match self.member(member) {
                Some(value) => {
                    key(&mut out, member.name());
                    push_json_string(&mut out, value, form.escapes);
                }
                None if form.nulls.contains(&member) => {
                    key(&mut out, member.name());
                    out.push_str("null");
                }
                None => {}
            }
        }
        out.push('}');
        out
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
        let mut tagged = CreateUserInput {
            username: Some(match self.username.as_deref() {
                Some(name) if !name.is_empty() => format!("{name} ({tag})"),
                _ => tag,
            }),
            ..self.clone()
        };
        tagged.wire.nulls.retain(|m| *m != Member::Username);
        tagged
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

/// A JSON value of some type, for an unknown member.
fn unknown_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        "[a-z ]{0,8}".prop_map(|s| json!(s)),
        any::<i32>().prop_map(|n| json!(n)),
        Just(json!(null)),
        Just(json!({"Nested": [1, {"Deep": true}]})),
        Just(json!(["Email", "a@b.c"])),
    ]
}

/// Wire forms, mostly the plain one.
fn wire_form() -> impl Strategy<Value = WireForm> {
    let order = proptest::sample::select(vec![
        vec![],
        vec![Member::UserType, Member::Email, Member::Username],
        vec![Member::Email, Member::UserType, Member::Username],
    ]);
    let escapes = prop_oneof![
        6 => Just(Escapes::Raw),
        2 => Just(Escapes::NonAscii),
        1 => Just(Escapes::All),
    ];
    let nulls = proptest::sample::subsequence(Member::ALL.to_vec(), 0..=3);
    let unknown = proptest::option::weighted(
        0.15,
        (
            proptest::sample::select(vec!["ClientRequestToken", "Tags", "X"]),
            unknown_value(),
        )
            .prop_map(|(name, value)| (name.to_string(), value)),
    );
    prop_oneof![
        3 => Just(WireForm::default()),
        2 => (nulls, order, escapes, unknown).prop_map(|(nulls, order, escapes, unknown)| {
            WireForm { nulls, order, escapes, unknown }
        }),
    ]
}

/// Valid CreateUser inputs: every member optional, absent or null; Username any text of any
/// length; Email across the whole pattern; UserType each enum value; the wire form varied.
pub fn valid_input() -> impl Strategy<Value = CreateUserInput> {
    valid_input_of(Reach::Full)
}

/// Valid inputs whose texts reach as far as `reach` says.
fn valid_input_of(reach: Reach) -> impl Strategy<Value = CreateUserInput> {
    (
        proptest::option::of(any_text(reach)),
        proptest::option::of(email(reach)),
        proptest::option::of(proptest::sample::select(USER_TYPES.to_vec()).prop_map(String::from)),
        wire_form(),
    )
        .prop_map(|(username, email, user_type, mut wire)| {
            let input = CreateUserInput::new(username, email, user_type);
            // Only an absent member can be null.
            wire.nulls.retain(|m| input.member(*m).is_none());
            CreateUserInput { wire, ..input }
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
    (valid_input_of(Reach::Short), breakage())
        .prop_map(|(base, breakage)| InvalidInput { base, breakage })
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
        1 => (valid_input_of(Reach::Short), string_regex("[0-9a-f]{8}-[0-9a-f]{4}").expect("valid regex"))
            .prop_map(|(input, id)| ErrorProbe::UnknownAccount {
                input,
                account_id: format!("chime-conformance-unknown-{id}"),
            }),
        1 => valid_input_of(Reach::Short).prop_map(ErrorProbe::Unsigned),
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
    fn valid_inputs_cover_null_absent_present_each_enum_value_and_each_wire_form() {
        let mut runner = TestRunner::deterministic();
        let inputs: Vec<CreateUserInput> = (0..2000)
            .map(|_| valid_input().new_tree(&mut runner).unwrap().current())
            .collect();
        let some = |what: &str, f: &dyn Fn(&CreateUserInput) -> bool| {
            assert!(inputs.iter().any(f), "no input has {what}");
        };
        for member in Member::ALL {
            some("the member present", &|i| i.member(member).is_some());
            some("the member absent", &|i| {
                i.member(member).is_none() && !i.wire.nulls.contains(&member)
            });
            some("the member null", &|i| i.wire.nulls.contains(&member));
        }
        for user_type in USER_TYPES {
            some(user_type, &|i| i.user_type.as_deref() == Some(user_type));
        }
        for escapes in [Escapes::Raw, Escapes::NonAscii, Escapes::All] {
            some("an escape form", &|i| i.wire.escapes == escapes);
        }
        some("a reordered body", &|i| !i.wire.order.is_empty());
        some("an unknown member", &|i| i.wire.unknown.is_some());
        some("a Username of 4096+ characters", &|i| {
            i.username
                .as_ref()
                .is_some_and(|u| u.chars().count() >= 4096)
        });
        some("an astral Username", &|i| {
            i.username
                .as_ref()
                .is_some_and(|u| u.chars().any(|c| u32::from(c) > 0xFFFF))
        });
        for input in &inputs {
            // Only an absent member is null, and the text says what the input says.
            assert!(input.wire.nulls.iter().all(|m| input.member(*m).is_none()));
            let sent: Value = serde_json::from_str(&input.body_text()).unwrap();
            let Value::Object(mut sent) = sent else {
                panic!("{sent}")
            };
            if let Some((name, value)) = &input.wire.unknown {
                assert_eq!(sent.remove(name).as_ref(), Some(value));
            }
            sent.retain(|_, v| !v.is_null());
            assert_eq!(Value::Object(sent), input.body(), "{}", input.body_text());
        }
    }

    #[test]
    fn the_wire_text_writes_order_nulls_unknown_members_and_escapes() {
        let input = CreateUserInput {
            wire: WireForm {
                nulls: vec![Member::UserType],
                order: vec![Member::UserType, Member::Email, Member::Username],
                escapes: Escapes::NonAscii,
                unknown: Some(("X".into(), json!([1]))),
            },
            ..CreateUserInput::new(Some("Zoë😀".into()), Some("z@b.c".into()), None)
        };
        assert_eq!(
            input.body_text(),
            r#"{"X":[1],"UserType":null,"Email":"z@b.c","Username":"Zo\u00EB\uD83D\uDE00"}"#
        );
        let plain = CreateUserInput::new(None, Some("z@b.c".into()), None);
        assert!(plain.wire.is_plain());
        assert_eq!(plain.body_text(), plain.body().to_string());
        // A regression written before wire forms existed still reads.
        let old: CreateUserInput =
            serde_json::from_str(r#"{"username":null,"email":"a@b.c","user_type":null}"#).unwrap();
        assert_eq!(old, CreateUserInput::new(None, Some("a@b.c".into()), None));
    }

    #[test]
    fn unique_emails_stay_valid() {
        assert_eq!(unique_email("a@b.c", "t1"), "a+t1@b.c");
        assert!(is_valid_email(&unique_email("é@x.y.zz", "run-3")));
        let mut runner = TestRunner::deterministic();
        for _ in 0..2000 {
            let email = email(Reach::Full).new_tree(&mut runner).unwrap().current();
            let tagged = unique_email(&email, "0123abcd-99");
            assert!(is_valid_email(&tagged), "{tagged:?}");
            assert!(tagged.chars().count() > email.chars().count());
        }
    }
}
