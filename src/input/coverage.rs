//! Coverage of the input space, two ways. The deterministic coverage phase: for each
//! property, a fixed list of inputs that sends each boundary value of each member at least
//! once (absent, null, empty, one character, long, astral, escaped, each enum value, each
//! kind of invalid value) before the random phase; the long ones shrink by length. And the
//! facets of any input: which constraint it probes (validly or not) and which boundary
//! values it carries, from which the reports' coverage table is counted.

use proptest::prelude::*;
use serde_json::{json, Value};

use super::generate::{
    Breakage, CreateUserInput, ErrorProbe, InvalidInput, Member, PropertyInput, WireForm,
};
use super::text::{cycled, families, long_email, ByLength, Escapes};

/// A constraint of the model on a request member.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Constraint {
    AccountIdPattern,
    BodyObject,
    UsernameString,
    EmailString,
    EmailPattern,
    UserTypeString,
    UserTypeEnum,
}

impl Constraint {
    pub const ALL: [Constraint; 7] = [
        Constraint::AccountIdPattern,
        Constraint::BodyObject,
        Constraint::UsernameString,
        Constraint::EmailString,
        Constraint::EmailPattern,
        Constraint::UserTypeString,
        Constraint::UserTypeEnum,
    ];

    /// The member it constrains, and the constraint in the model's words.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            Constraint::AccountIdPattern => ("AccountId", "required, pattern .*\\S.*"),
            Constraint::BodyObject => ("body", "a JSON object"),
            Constraint::UsernameString => ("Username", "a string (no length limit)"),
            Constraint::EmailString => ("Email", "a string"),
            Constraint::EmailPattern => ("Email", "pattern .+@.+\\..+"),
            Constraint::UserTypeString => ("UserType", "a string"),
            Constraint::UserTypeEnum => ("UserType", "enum PrivateUser|SharedDevice"),
        }
    }

    fn index(self) -> u32 {
        Constraint::ALL.iter().position(|c| *c == self).unwrap_or(0) as u32
    }
}

macro_rules! boundaries {
    ($($variant:ident => $member:literal, $value:literal;)*) => {
        /// A boundary value of a member a valid input can carry.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum Boundary { $($variant,)* }

        impl Boundary {
            pub const ALL: &'static [Boundary] = &[$(Boundary::$variant,)*];

            /// The member, and the value in a few words.
            pub fn describe(self) -> (&'static str, &'static str) {
                match self { $(Boundary::$variant => ($member, $value),)* }
            }
        }
    };
}

boundaries! {
    UsernameAbsent => "Username", "absent";
    UsernameNull => "Username", "null";
    UsernameEmpty => "Username", "empty";
    UsernameOneChar => "Username", "one character";
    UsernameLong => "Username", "256+ characters";
    UsernameVeryLong => "Username", "4096+ characters";
    UsernameAstral => "Username", "astral-plane";
    UsernameCombining => "Username", "combining marks";
    UsernameRightToLeft => "Username", "right-to-left";
    UsernameSpecial => "Username", "controls, BOM, noncharacters";
    UsernameEscaped => "Username", "\\u-escaped";
    EmailAbsent => "Email", "absent";
    EmailNull => "Email", "null";
    EmailShortest => "Email", "5 characters or fewer";
    EmailLong => "Email", "256+ characters";
    EmailUpperCase => "Email", "upper case";
    EmailPlus => "Email", "plus-addressed";
    EmailQuoted => "Email", "quoted local part";
    EmailDotted => "Email", "dotted local part";
    EmailIdn => "Email", "IDN domain";
    EmailMultiLabel => "Email", "multi-label domain";
    EmailAstral => "Email", "astral-plane";
    EmailTextAround => "Email", "text around the address";
    EmailEscaped => "Email", "\\u-escaped";
    UserTypeAbsent => "UserType", "absent";
    UserTypeNull => "UserType", "null";
    UserTypePrivateUser => "UserType", "PrivateUser";
    UserTypeSharedDevice => "UserType", "SharedDevice";
    BodyMemberOrder => "body", "members reordered";
    BodyUnknownMember => "body", "unknown member";
}

impl Boundary {
    fn index(self) -> u32 {
        Boundary::ALL.iter().position(|b| *b == self).unwrap_or(0) as u32
    }
}

/// What one input covers: constraints probed with a valid value, constraints broken, and
/// the boundary values a valid input carries. A bit set, cheap to make for every request.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facets(u64);

const INVALID_SHIFT: u32 = 8;
const BOUNDARY_SHIFT: u32 = 16;
const _: () = assert!(BOUNDARY_SHIFT as usize + Boundary::ALL.len() <= 64);

impl Facets {
    fn set(&mut self, bit: u32) {
        self.0 |= 1 << bit;
    }

    fn valid(&mut self, c: Constraint) {
        self.set(c.index());
    }

    fn invalid(&mut self, c: Constraint) {
        self.set(INVALID_SHIFT + c.index());
    }

    fn boundary(&mut self, b: Boundary) {
        self.set(BOUNDARY_SHIFT + b.index());
    }

    /// True when the input probes `c` with a valid value.
    pub fn probes_valid(self, c: Constraint) -> bool {
        self.0 & (1 << c.index()) != 0
    }

    /// True when the input breaks `c`.
    pub fn probes_invalid(self, c: Constraint) -> bool {
        self.0 & (1 << (INVALID_SHIFT + c.index())) != 0
    }

    /// True when the input carries `b`.
    pub fn carries(self, b: Boundary) -> bool {
        self.0 & (1 << (BOUNDARY_SHIFT + b.index())) != 0
    }

    /// What an input covers.
    pub fn of(input: &PropertyInput) -> Facets {
        match input {
            PropertyInput::Valid(input) => valid_facets(input),
            PropertyInput::Invalid(input) | PropertyInput::Probe(ErrorProbe::Invalid(input)) => {
                invalid_facets(&input.breakage)
            }
            PropertyInput::Probe(_) => Facets::default(),
        }
    }
}

fn valid_facets(input: &CreateUserInput) -> Facets {
    let mut f = Facets::default();
    f.valid(Constraint::AccountIdPattern);
    f.valid(Constraint::BodyObject);
    let wire = &input.wire;
    let escaped = wire.escapes != Escapes::Raw;
    let absent = [
        (
            Member::Username,
            Boundary::UsernameAbsent,
            Boundary::UsernameNull,
        ),
        (Member::Email, Boundary::EmailAbsent, Boundary::EmailNull),
        (
            Member::UserType,
            Boundary::UserTypeAbsent,
            Boundary::UserTypeNull,
        ),
    ];
    for (member, when_absent, when_null) in absent {
        if input.member(member).is_none() {
            f.boundary(if wire.nulls.contains(&member) {
                when_null
            } else {
                when_absent
            });
        }
    }
    if let Some(name) = &input.username {
        f.valid(Constraint::UsernameString);
        username_facets(&mut f, name, escaped);
    }
    if let Some(email) = &input.email {
        f.valid(Constraint::EmailString);
        f.valid(Constraint::EmailPattern);
        email_facets(&mut f, email, escaped);
    }
    if let Some(user_type) = &input.user_type {
        f.valid(Constraint::UserTypeString);
        f.valid(Constraint::UserTypeEnum);
        match user_type.as_str() {
            "PrivateUser" => f.boundary(Boundary::UserTypePrivateUser),
            "SharedDevice" => f.boundary(Boundary::UserTypeSharedDevice),
            _ => {}
        }
    }
    if !wire.order.is_empty() {
        f.boundary(Boundary::BodyMemberOrder);
    }
    if wire.unknown.is_some() {
        f.boundary(Boundary::BodyUnknownMember);
    }
    f
}

fn is_astral(c: char) -> bool {
    u32::from(c) > 0xFFFF
}

fn is_combining(c: char) -> bool {
    matches!(u32::from(c), 0x0300..=0x036F | 0x1AB0..=0x1AFF | 0x20D0..=0x20FF)
}

fn is_right_to_left(c: char) -> bool {
    matches!(u32::from(c), 0x0590..=0x08FF | 0x200F | 0xFB1D..=0xFDFF | 0xFE70..=0xFEFE)
}

fn is_special(c: char) -> bool {
    c.is_control()
        || matches!(u32::from(c), 0x200B..=0x200D | 0xFEFF | 0xE000..=0xF8FF | 0xFFFD..=0xFFFF)
}

/// Which kinds of character a text holds: one pass (a faster one for ASCII), since a
/// text may be thousands of characters long and every request is counted.
#[derive(Debug, Default)]
struct Kinds {
    astral: bool,
    combining: bool,
    right_to_left: bool,
    special: bool,
    upper: bool,
}

impl Kinds {
    fn of(text: &str) -> Kinds {
        if text.is_ascii() {
            return Kinds {
                special: text.bytes().any(|b| b < 0x20 || b == 0x7F),
                upper: text.bytes().any(|b| b.is_ascii_uppercase()),
                ..Kinds::default()
            };
        }
        let mut k = Kinds::default();
        for c in text.chars() {
            k.astral |= is_astral(c);
            k.combining |= is_combining(c);
            k.right_to_left |= is_right_to_left(c);
            k.special |= is_special(c);
            k.upper |= c.is_uppercase();
        }
        k
    }
}

fn username_facets(f: &mut Facets, name: &str, escaped: bool) {
    let length = name.chars().count();
    let kinds = Kinds::of(name);
    let checks = [
        (length == 0, Boundary::UsernameEmpty),
        (length == 1, Boundary::UsernameOneChar),
        (length >= 256, Boundary::UsernameLong),
        (length >= 4096, Boundary::UsernameVeryLong),
        (kinds.astral, Boundary::UsernameAstral),
        (kinds.combining, Boundary::UsernameCombining),
        (kinds.right_to_left, Boundary::UsernameRightToLeft),
        (kinds.special, Boundary::UsernameSpecial),
        (escaped && length > 0, Boundary::UsernameEscaped),
    ];
    for (holds, boundary) in checks {
        if holds {
            f.boundary(boundary);
        }
    }
}

fn email_facets(f: &mut Facets, email: &str, escaped: bool) {
    let length = email.chars().count();
    let kinds = Kinds::of(email);
    let (local, domain) = email.rsplit_once('@').unwrap_or((email, ""));
    let around =
        email.contains(['<', '\n']) || email.starts_with("mailto:") || email.ends_with(')');
    let checks = [
        (length <= 5, Boundary::EmailShortest),
        (length >= 256, Boundary::EmailLong),
        (kinds.upper, Boundary::EmailUpperCase),
        (local.contains('+'), Boundary::EmailPlus),
        (
            local.starts_with('"') && local.ends_with('"'),
            Boundary::EmailQuoted,
        ),
        (local.trim_matches('.').contains('.'), Boundary::EmailDotted),
        (!domain.is_ascii(), Boundary::EmailIdn),
        (domain.matches('.').count() >= 2, Boundary::EmailMultiLabel),
        (kinds.astral, Boundary::EmailAstral),
        (around, Boundary::EmailTextAround),
        (escaped, Boundary::EmailEscaped),
    ];
    for (holds, boundary) in checks {
        if holds {
            f.boundary(boundary);
        }
    }
}

fn invalid_facets(breakage: &Breakage) -> Facets {
    let mut f = Facets::default();
    let broken = match breakage {
        Breakage::EmailPattern(_) => Constraint::EmailPattern,
        Breakage::UserTypeEnum(_) => Constraint::UserTypeEnum,
        Breakage::MemberType { member, .. } => match member.as_str() {
            "Username" => Constraint::UsernameString,
            "Email" => Constraint::EmailString,
            _ => Constraint::UserTypeString,
        },
        Breakage::BodyNotObject(_) | Breakage::BodyNotJson(_) => Constraint::BodyObject,
        Breakage::AccountIdBlank(_) => Constraint::AccountIdPattern,
    };
    f.invalid(broken);
    if broken != Constraint::AccountIdPattern {
        f.valid(Constraint::AccountIdPattern);
    }
    f
}

fn input(username: Option<&str>, email: Option<&str>, user_type: Option<&str>) -> CreateUserInput {
    CreateUserInput::new(
        username.map(String::from),
        email.map(String::from),
        user_type.map(String::from),
    )
}

fn with_wire(base: CreateUserInput, wire: WireForm) -> CreateUserInput {
    CreateUserInput { wire, ..base }
}

fn escaped(base: CreateUserInput, escapes: Escapes) -> CreateUserInput {
    with_wire(
        base,
        WireForm {
            escapes,
            ..WireForm::default()
        },
    )
}

fn nulls(base: CreateUserInput, nulls: Vec<Member>) -> CreateUserInput {
    with_wire(
        base,
        WireForm {
            nulls,
            ..WireForm::default()
        },
    )
}

/// The valid inputs of the coverage phase: each boundary value of each member.
pub fn valid_boundaries() -> Vec<BoxedStrategy<CreateUserInput>> {
    let name = |text: &str| input(Some(text), None, None);
    let mail = |address: &str| input(None, Some(address), None);
    let mut fixed = vec![
        input(None, None, None),
        nulls(input(None, None, None), Member::ALL.to_vec()),
        nulls(
            input(None, Some("zoe@example.com"), None),
            vec![Member::Username],
        ),
        name(""),
        name("a"),
        name("😀"),
        name(&cycled(families::ASTRAL, 24)),
        name(&cycled(families::COMBINING, 24)),
        name(&cycled(families::RIGHT_TO_LEFT, 24)),
        name(&cycled(families::CJK, 24)),
        name(families::SPECIAL),
        escaped(name("Zoë 😀 שלום e\u{301}"), Escapes::NonAscii),
        escaped(name("Zoë 😀"), Escapes::All),
    ];
    let emails = [
        "a@b.c",
        "Zoe.Example@Example.COM",
        "zoe+tag+more@example.com",
        "\"zoe example\"@example.com",
        "\"a@b\"@example.com",
        "first.middle.last@example.com",
        "zoë@bücher.de",
        "用户@例子.中国",
        "a@mail.eu-west.corp.example.co.uk",
        "zoe😀@🦀.example",
        "Zoë Example <zoe@example.com>",
        "mailto:zoe@example.com",
        "note\nzoe@example.com",
        "@@a.b",
        "a@b@c.d",
        "x y@z w.q r",
    ];
    fixed.extend(emails.iter().map(|e| mail(e)));
    fixed.push(nulls(input(Some("zoe"), None, None), vec![Member::Email]));
    fixed.push(escaped(mail("zoë+😀@bücher.de"), Escapes::NonAscii));
    fixed.push(escaped(mail("zoe@example.com"), Escapes::All));
    fixed.push(nulls(input(None, None, None), vec![Member::UserType]));
    fixed.push(input(None, None, Some("PrivateUser")));
    fixed.push(input(None, None, Some("SharedDevice")));
    fixed.extend(wire_boundaries());
    let mut all: Vec<BoxedStrategy<CreateUserInput>> =
        fixed.into_iter().map(|i| Just(i).boxed()).collect();
    all.push(ByLength::new(0, 256, move |n| name(&cycled(families::ASCII, n))).boxed());
    let mixed: String = families::ALL.concat();
    all.push(ByLength::new(0, 4096, move |n| name(&cycled(&mixed, n))).boxed());
    all.push(ByLength::new(0, 4096, move |n| mail(&long_email("zoë.😀", n))).boxed());
    all
}

/// Member order and unknown members, with all three members set.
fn wire_boundaries() -> Vec<CreateUserInput> {
    let full = || input(Some("Zoë"), Some("zoe@example.com"), Some("SharedDevice"));
    let order = |order: Vec<Member>| {
        with_wire(
            full(),
            WireForm {
                order,
                ..WireForm::default()
            },
        )
    };
    let unknown = |name: &str, value: Value| {
        with_wire(
            full(),
            WireForm {
                unknown: Some((name.to_string(), value)),
                ..WireForm::default()
            },
        )
    };
    vec![
        order(vec![Member::UserType, Member::Email, Member::Username]),
        order(vec![Member::Email, Member::UserType, Member::Username]),
        unknown("ClientRequestToken", json!("a-token")),
        unknown("Tags", json!({"Nested": [1, {"Deep": true}]})),
        unknown("X", json!(null)),
    ]
}

/// The invalid inputs of the coverage phase: each kind of broken constraint, at its
/// boundaries.
pub fn invalid_boundaries() -> Vec<BoxedStrategy<InvalidInput>> {
    let broken = |breakage: Breakage| InvalidInput {
        base: input(None, None, None),
        breakage,
    };
    let mut all: Vec<BoxedStrategy<InvalidInput>> = fixed_breakages()
        .into_iter()
        .map(|b| Just(broken(b)).boxed())
        .collect();
    all.push(
        ByLength::new(0, 4096, move |n| {
            broken(Breakage::EmailPattern(cycled("abc", n)))
        })
        .boxed(),
    );
    all
}

/// Invalid emails at the pattern's edges, UserTypes one step off the enum, each member of
/// each wrong JSON type, bodies that are not objects or not JSON, blank account ids (one
/// blank only under some regex dialects).
fn fixed_breakages() -> Vec<Breakage> {
    const EMAILS: [&str; 10] = [
        "",
        "a",
        "a@b",
        "@b.c",
        "a@.c",
        "a@b.",
        "ab.c",
        "a\n@b.c",
        "a@b\u{2028}.c",
        "😀@😀",
    ];
    const USER_TYPES: [&str; 8] = [
        "",
        "privateuser",
        "PRIVATEUSER",
        "PrivateUser ",
        " SharedDevice",
        "Shared Device",
        "Admin",
        "😀",
    ];
    let member_types = [
        ("Username", json!(7)),
        ("Username", json!([])),
        ("Email", json!(["a@b.c"])),
        ("Email", json!({})),
        ("UserType", json!(true)),
        ("UserType", json!(1.5)),
    ];
    let mut fixed: Vec<Breakage> = EMAILS.map(|e| Breakage::EmailPattern(e.into())).into();
    fixed.extend(USER_TYPES.map(|t| Breakage::UserTypeEnum(t.into())));
    fixed.extend(member_types.map(|(member, value)| Breakage::MemberType {
        member: member.into(),
        value,
    }));
    fixed.extend([json!([]), json!(1), json!("x"), json!(true)].map(Breakage::BodyNotObject));
    fixed.extend(
        ["{", "{\"Username\": \"a\",}", "not json"].map(|t| Breakage::BodyNotJson(t.into())),
    );
    // U+00A0 is blank under ECMA-262 and not under Go RE2 or Java: a disputed id.
    fixed.extend(["", " ", "\t", "\u{a0}"].map(|t| Breakage::AccountIdBlank(t.into())));
    fixed
}

/// The error probes of the coverage phase: one of each kind that is not an invalid input.
pub fn probe_boundaries() -> Vec<BoxedStrategy<ErrorProbe>> {
    let unsigned = ErrorProbe::Unsigned(input(Some("Zoë"), Some("zoe@example.com"), None));
    let unknown = ErrorProbe::UnknownAccount {
        input: input(None, Some("zoe@example.com"), Some("SharedDevice")),
        account_id: "chime-conformance-unknown-coverage".into(),
    };
    vec![Just(unsigned).boxed(), Just(unknown).boxed()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::is_valid_email;
    use crate::input::generate::InvalidBody;
    use crate::input::property::Property;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    /// Every coverage input of a property, as sent first.
    fn inputs(property: Property) -> Vec<PropertyInput> {
        let mut runner = TestRunner::deterministic();
        property
            .coverage()
            .iter()
            .map(|s| s.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    #[test]
    fn the_coverage_phase_sends_every_boundary_value_and_probes_every_constraint_both_ways() {
        let valid: Vec<Facets> = inputs(Property::ValidRequestCreatesUser)
            .iter()
            .map(Facets::of)
            .collect();
        let invalid: Vec<Facets> = inputs(Property::InvalidRequestIsRejected)
            .iter()
            .map(Facets::of)
            .collect();
        for &b in Boundary::ALL {
            assert!(
                valid.iter().any(|f| f.carries(b)),
                "{:?} never sent",
                b.describe()
            );
        }
        for c in Constraint::ALL {
            assert!(
                valid.iter().any(|f| f.probes_valid(c)),
                "{c:?}: no valid probe"
            );
            assert!(
                invalid.iter().any(|f| f.probes_invalid(c)),
                "{c:?}: no invalid probe"
            );
        }
        let probes = inputs(Property::ErrorResponsesFollowRestJson1);
        assert!(probes
            .iter()
            .any(|p| matches!(p, PropertyInput::Probe(ErrorProbe::Unsigned(_)))));
    }

    #[test]
    fn coverage_inputs_are_what_they_claim_and_the_long_ones_are_long() {
        for input in inputs(Property::ValidRequestCreatesUser) {
            let PropertyInput::Valid(input) = input else {
                panic!("{input:?}")
            };
            if let Some(email) = &input.email {
                assert!(is_valid_email(email), "{email:?}");
            }
            let sent: Value = serde_json::from_str(&input.body_text()).unwrap();
            for member in Member::ALL {
                let value = sent.get(member.name());
                match input.member(member) {
                    Some(v) => assert_eq!(value, Some(&json!(v))),
                    None if input.wire.nulls.contains(&member) => {
                        assert_eq!(value, Some(&Value::Null))
                    }
                    None => assert_eq!(value, None),
                }
            }
        }
        for input in inputs(Property::InvalidRequestIsRejected) {
            let PropertyInput::Invalid(input) = input else {
                panic!("{input:?}")
            };
            if let Breakage::EmailPattern(email) = &input.breakage {
                assert!(!is_valid_email(email), "{email:?}");
            }
            if let (Breakage::BodyNotJson(_), InvalidBody::Json(v)) =
                (&input.breakage, input.body())
            {
                panic!("{v} is JSON");
            }
        }
        let longest = |property| {
            inputs(property)
                .iter()
                .map(|i| serde_json::to_string(i).unwrap().chars().count())
                .max()
                .unwrap()
        };
        assert!(longest(Property::ValidRequestCreatesUser) >= 4096);
        assert!(longest(Property::InvalidRequestIsRejected) >= 4096);
    }

    #[test]
    fn a_long_coverage_value_shrinks_by_length() {
        let strategy = ByLength::new(0, 4096, |n| cycled("ab", n));
        let mut tree = strategy.new_tree(&mut TestRunner::deterministic()).unwrap();
        assert_eq!(tree.current().len(), 4096);
        // Binary search to the shortest length over 255.
        let mut best = tree.current();
        while if tree.current().len() > 255 {
            best = tree.current();
            tree.simplify()
        } else {
            tree.complicate()
        } {}
        assert_eq!(best.len(), 256);
    }
}
