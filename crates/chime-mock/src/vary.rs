//! `--vary-responses`: the mock answers in every form the contract allows, each answer's
//! forms drawn from a generator seeded by `--seed` (so one seed gives one sequence of
//! forms for one sequence of requests). The forms chosen for an answer are journaled with
//! it (`forms` in `GET /_chime-mock/requests`), so a report can say which form a client
//! failed on.

use serde_json::{json, Map, Value};

use crate::random::Randomness;

/// Declares [`Form`] as one table: variant, name, what the answer does.
macro_rules! forms {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// One form an answer may take under `--vary-responses`, every one allowed by the
        /// model and restJson1.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Form {
            $($(#[doc = $doc])* $variant,)*
        }

        impl Form {
            /// Every form, in the table's order.
            pub const ALL: &'static [Form] = &[$(Form::$variant,)*];

            /// The form named `name` (as [`Form::name`] spells it).
            pub fn from_name(name: &str) -> Option<Form> {
                Form::ALL.iter().copied().find(|f| f.name() == name)
            }

            /// The form's name, as the journal's `forms` lists it.
            pub fn name(self) -> &'static str {
                match self {
                    $(Form::$variant => $name,)*
                }
            }
        }
    };
}

forms! {
    /// Members the model does not know: `User.UserPreferencesV2` and a top-level
    /// `ResponseMetadata` in a 201; `RequestId` and `Details` in an error body.
    ExtraMembers = "extra_members",
    /// Some optional members of the 201 `User` left out (only `UserId` is required by the
    /// model; it is always sent).
    OptionalAbsent = "optional_absent",
    /// `InvitedOn` with a fraction of a second and a numeric UTC offset, e.g.
    /// `2026-11-28T18:29:59.417+05:30` (the model's `timestampFormat` is `iso8601`: an RFC
    /// 3339 date-time). The same instant to within the second before it.
    TimestampOffsetFraction = "timestamp_offset_fraction",
    /// `X-Amzn-ErrorType: com.amazonaws.chime#ConflictException` (a shape id).
    ErrorTypeNamespaced = "error_type_namespaced",
    /// `X-Amzn-ErrorType: ConflictException:http://internal.amazon.com/coral/com.amazonaws.chime/`.
    ErrorTypeUrlSuffix = "error_type_url_suffix",
    /// No `X-Amzn-ErrorType` header: the error type only in the body's `__type`
    /// (`com.amazonaws.chime#ConflictException`).
    ErrorTypeBodyOnly = "error_type_body_only",
    /// `Content-Type: application/json; charset=utf-8`.
    Charset = "charset",
    /// `Transfer-Encoding: chunked`, no `Content-Length`.
    Chunked = "chunked",
    /// `Connection: close`: the mock closes the connection after the answer.
    ConnectionClose = "connection_close",
    /// `Retry-After` (on a 429) as an HTTP-date instead of delta-seconds.
    RetryAfterHttpDate = "retry_after_http_date",
}

/// The forms chosen for one answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Forms(u16);

impl Forms {
    /// No form: the plain answer.
    pub(crate) const PLAIN: Forms = Forms(0);

    fn bit(form: Form) -> u16 {
        1 << Form::ALL.iter().position(|f| *f == form).unwrap_or(0)
    }

    /// Whether `form` was chosen.
    pub(crate) fn has(self, form: Form) -> bool {
        self.0 & Forms::bit(form) != 0
    }

    fn insert(&mut self, form: Form) {
        self.0 |= Forms::bit(form);
    }

    /// These forms but `skipped`.
    pub(crate) fn without(self, skipped: &[Form]) -> Forms {
        Forms(
            skipped
                .iter()
                .fold(self.0, |bits, f| bits & !Forms::bit(*f)),
        )
    }

    /// The names of the forms chosen, in the table's order.
    pub(crate) fn names(self) -> Vec<&'static str> {
        Form::ALL
            .iter()
            .filter(|f| self.has(**f))
            .map(|f| f.name())
            .collect()
    }
}

/// What kind of answer forms are chosen for: which forms can apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AnswerKind {
    /// A 201 with a `User`.
    Created,
    /// One of CreateUser's exceptions; `throttled` when it carries `Retry-After`.
    Documented {
        /// Whether the answer carries `Retry-After`.
        retry_after: bool,
    },
    /// Any other answer (no operation, an undocumented error): only the transport forms.
    Other,
}

/// Draws the forms of one answer of `kind`: each form that applies with probability 1/2,
/// and one of the four error-type placements (plain, namespaced, URL suffix, body only).
pub(crate) fn choose(random: &Randomness, kind: AnswerKind) -> Forms {
    let mut forms = Forms::PLAIN;
    let maybe = |forms: &mut Forms, form| {
        if random.bits(1) == 1 {
            forms.insert(form);
        }
    };
    for form in [Form::Charset, Form::Chunked, Form::ConnectionClose] {
        maybe(&mut forms, form);
    }
    match kind {
        AnswerKind::Created => {
            for form in [
                Form::ExtraMembers,
                Form::OptionalAbsent,
                Form::TimestampOffsetFraction,
            ] {
                maybe(&mut forms, form);
            }
        }
        AnswerKind::Documented { retry_after } => {
            maybe(&mut forms, Form::ExtraMembers);
            let placement = [
                None,
                Some(Form::ErrorTypeNamespaced),
                Some(Form::ErrorTypeUrlSuffix),
                Some(Form::ErrorTypeBodyOnly),
            ][random.bits(2) as usize];
            if let Some(form) = placement {
                forms.insert(form);
            }
            if retry_after {
                maybe(&mut forms, Form::RetryAfterHttpDate);
            }
        }
        AnswerKind::Other => {}
    }
    forms
}

/// The optional `User` members that [`Form::OptionalAbsent`] may leave out.
const OPTIONAL_USER_MEMBERS: [&str; 8] = [
    "AccountId",
    "PrimaryEmail",
    "DisplayName",
    "LicenseType",
    "UserType",
    "UserRegistrationStatus",
    "UserInvitationStatus",
    "PersonalPIN",
];

/// The 201 `User` in the chosen forms (`UserId` is always kept).
pub(crate) fn vary_user(user: &Value, forms: Forms, random: &Randomness) -> Value {
    let Value::Object(members) = user else {
        return user.clone();
    };
    let mut members: Map<String, Value> = members.clone();
    if forms.has(Form::OptionalAbsent) {
        let present: Vec<&str> = OPTIONAL_USER_MEMBERS
            .into_iter()
            .filter(|m| members.contains_key(*m))
            .collect();
        let mut removed = 0;
        for member in &present {
            if random.bits(1) == 1 {
                members.remove(*member);
                removed += 1;
            }
        }
        // At least one, so the form is what it says.
        if removed == 0 {
            if let Some(first) = present.first() {
                members.remove(*first);
            }
        }
    }
    if forms.has(Form::TimestampOffsetFraction) {
        if let Some(invited) = members.get("InvitedOn").and_then(Value::as_str) {
            if let Some(varied) = offset_fraction(invited, random) {
                members.insert("InvitedOn".into(), json!(varied));
            }
        }
    }
    if forms.has(Form::ExtraMembers) {
        members.insert(
            "UserPreferencesV2".into(),
            json!({ "Locale": "en-US", "AlertsEnabled": true }),
        );
    }
    Value::Object(members)
}

/// An RFC 3339 timestamp in whole seconds, re-written within the second before it with
/// milliseconds and a numeric offset drawn from `random` (`None` when it does not parse).
fn offset_fraction(timestamp: &str, random: &Randomness) -> Option<String> {
    let instant = chrono::DateTime::parse_from_rfc3339(timestamp).ok()?;
    const OFFSETS: [i32; 4] = [5 * 3600 + 1800, -8 * 3600, 3600, -(3 * 3600 + 1800)];
    let offset = OFFSETS[random.bits(2) as usize];
    let millis = 1 + random.bits(10) % 999;
    let earlier = instant - chrono::Duration::milliseconds(1000 - millis as i64);
    let zone = chrono::FixedOffset::east_opt(offset)?;
    Some(
        earlier
            .with_timezone(&zone)
            .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
            .to_string(),
    )
}

/// `Retry-After` as an HTTP-date no earlier than `seconds` from now (the date has whole
/// seconds, so it is rounded up).
pub(crate) fn retry_after_date(seconds: u64) -> String {
    let now = chrono::Utc::now();
    let whole = now.timestamp() + seconds as i64 + i64::from(now.timestamp_subsec_nanos() > 0);
    chrono::DateTime::from_timestamp(whole, 0)
        .unwrap_or(now)
        .format("%a, %d %b %Y %H:%M:%S GMT")
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_round_trip_through_their_bits() {
        let mut forms = Forms::PLAIN;
        forms.insert(Form::Chunked);
        forms.insert(Form::RetryAfterHttpDate);
        assert_eq!(forms.names(), vec!["chunked", "retry_after_http_date"]);
        assert!(Form::ALL.len() <= 16);
    }

    #[test]
    fn a_varied_timestamp_has_an_offset_and_a_fraction_and_is_not_later() {
        let random = Randomness::new(Some(3));
        for _ in 0..20 {
            let varied = offset_fraction("2026-11-28T13:00:00Z", &random).unwrap();
            let parsed = chrono::DateTime::parse_from_rfc3339(&varied).unwrap();
            let original = chrono::DateTime::parse_from_rfc3339("2026-11-28T13:00:00Z").unwrap();
            assert!(parsed < original && original - parsed < chrono::Duration::seconds(1));
            assert!(varied.contains('.') && !varied.ends_with('Z'), "{varied}");
        }
    }

    #[test]
    fn an_http_date_retry_after_is_not_sooner_than_the_seconds() {
        let date = retry_after_date(2);
        let parsed = chrono::DateTime::parse_from_rfc2822(&date.replace("GMT", "+0000")).unwrap();
        assert!(
            parsed.timestamp() >= chrono::Utc::now().timestamp() + 2,
            "{date}"
        );
    }
}

#[cfg(test)]
mod skip_tests {
    use super::*;

    #[test]
    fn a_skipped_form_is_never_chosen_and_the_others_still_are() {
        let random = Randomness::new(Some(7));
        let skip = [Form::ErrorTypeBodyOnly, Form::ErrorTypeNamespaced];
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let kind = AnswerKind::Documented { retry_after: true };
            let forms = choose(&random, kind).without(&skip);
            assert!(!forms.has(Form::ErrorTypeBodyOnly) && !forms.has(Form::ErrorTypeNamespaced));
            seen.extend(forms.names());
        }
        assert!(
            seen.contains("error_type_url_suffix") && seen.contains("charset"),
            "{seen:?}"
        );
        assert_eq!(Form::from_name("chunked"), Some(Form::Chunked));
        assert_eq!(Form::from_name("nope"), None);
    }
}
