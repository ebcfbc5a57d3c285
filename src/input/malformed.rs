//! Malformed requests, one per class of the restJson1 malformed-request tests (Smithy's
//! `malformedRequests`) that applies to CreateUser's input: bodies a JSON parser must
//! refuse, and valid JSON under a missing or wrong `Content-Type`. Deterministic: each
//! class is one trial, `malformed::<class>`, sending one request.

/// A class of malformed request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Malformed {
    TrailingData,
    Comment,
    TrailingComma,
    SingleQuotes,
    TopLevelArray,
    TopLevelString,
    TopLevelNumber,
    TopLevelNull,
    InvalidUtf8,
    DeepNesting,
    OversizedBody,
    MissingContentType,
    WrongContentType,
}

/// What a target may answer to a malformed class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acceptable {
    /// The body is not a JSON object: only a 4xx.
    Refusal,
    /// One JSON object of a kind the contract leaves to the target (under a missing or
    /// wrong media type, or larger than it reads): parsed anyway (a 201), or refused with a
    /// 4xx (Smithy servers answer 415 and 413); either passes, the report says which.
    ParsedOrRefused,
}

/// Nesting depth of [`Malformed::DeepNesting`], far past any parser's recursion limit.
pub const NESTING_DEPTH: usize = 10_000;
/// Size of [`Malformed::OversizedBody`]: 2 MiB, twice the mock's cap. The model sets no
/// size limit, so it may be created from or refused (README, "Malformed requests").
pub const OVERSIZED_BYTES: usize = 2 * 1024 * 1024;

impl Malformed {
    pub const ALL: [Malformed; 13] = [
        Malformed::TrailingData,
        Malformed::Comment,
        Malformed::TrailingComma,
        Malformed::SingleQuotes,
        Malformed::TopLevelArray,
        Malformed::TopLevelString,
        Malformed::TopLevelNumber,
        Malformed::TopLevelNull,
        Malformed::InvalidUtf8,
        Malformed::DeepNesting,
        Malformed::OversizedBody,
        Malformed::MissingContentType,
        Malformed::WrongContentType,
    ];

    /// The stable name, as in the trial name `malformed::<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Malformed::TrailingData => "trailing_data",
            Malformed::Comment => "comment",
            Malformed::TrailingComma => "trailing_comma",
            Malformed::SingleQuotes => "single_quotes",
            Malformed::TopLevelArray => "top_level_array",
            Malformed::TopLevelString => "top_level_string",
            Malformed::TopLevelNumber => "top_level_number",
            Malformed::TopLevelNull => "top_level_null",
            Malformed::InvalidUtf8 => "invalid_utf8",
            Malformed::DeepNesting => "deep_nesting",
            Malformed::OversizedBody => "oversized_body",
            Malformed::MissingContentType => "missing_content_type",
            Malformed::WrongContentType => "wrong_content_type",
        }
    }

    pub fn trial_name(self) -> String {
        format!("malformed::{}", self.name())
    }

    /// The class whose trial is `trial`.
    pub fn of_trial(trial: &str) -> Option<Malformed> {
        let name = trial.strip_prefix("malformed::")?;
        Malformed::ALL.into_iter().find(|m| m.name() == name)
    }

    pub fn acceptable(self) -> Acceptable {
        match self {
            Malformed::MissingContentType
            | Malformed::WrongContentType
            | Malformed::OversizedBody => Acceptable::ParsedOrRefused,
            _ => Acceptable::Refusal,
        }
    }

    /// The body and `Content-Type` sent; `email` is a fresh address for the run.
    pub fn request(self, email: &str) -> (Vec<u8>, Option<&'static str>) {
        let json = Some("application/json");
        let object = format!(r#"{{"Email":"{email}"}}"#);
        let body = match self {
            Malformed::TrailingData => format!("{object} trailing").into_bytes(),
            Malformed::Comment => format!("/* a comment */ {object}").into_bytes(),
            Malformed::TrailingComma => format!(r#"{{"Email":"{email}",}}"#).into_bytes(),
            Malformed::SingleQuotes => format!("{{'Email':'{email}'}}").into_bytes(),
            Malformed::TopLevelArray => format!("[{object}]").into_bytes(),
            Malformed::TopLevelString => b"\"a string, not an object\"".to_vec(),
            Malformed::TopLevelNumber => b"42".to_vec(),
            Malformed::TopLevelNull => b"null".to_vec(),
            Malformed::InvalidUtf8 => {
                [b"{\"Username\":\"".as_slice(), &[0xff, 0xfe], b"\"}"].concat()
            }
            Malformed::DeepNesting => {
                let mut body = "{\"Username\":".to_string();
                body.push_str(&"[".repeat(NESTING_DEPTH));
                body.push_str(&"]".repeat(NESTING_DEPTH));
                body.push('}');
                body.into_bytes()
            }
            Malformed::OversizedBody => {
                let filler = "x".repeat(OVERSIZED_BYTES);
                format!(r#"{{"Email":"{email}","Username":"{filler}"}}"#).into_bytes()
            }
            Malformed::MissingContentType | Malformed::WrongContentType => object.into_bytes(),
        };
        let content_type = match self {
            Malformed::MissingContentType => None,
            Malformed::WrongContentType => Some("text/plain"),
            _ => json,
        };
        (body, content_type)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_refused_class_is_not_a_json_object_and_the_others_are() {
        for class in Malformed::ALL {
            let (body, _) = class.request("a@example.com");
            let object = serde_json::from_slice::<serde_json::Value>(&body)
                .ok()
                .filter(serde_json::Value::is_object);
            match class.acceptable() {
                Acceptable::Refusal => assert!(object.is_none(), "{class:?} parses"),
                Acceptable::ParsedOrRefused => assert!(object.is_some(), "{class:?}"),
            }
            assert_eq!(Malformed::of_trial(&class.trial_name()), Some(class));
        }
        let (oversized, _) = Malformed::OversizedBody.request("a@example.com");
        assert!(oversized.len() > OVERSIZED_BYTES);
        assert_eq!(Malformed::of_trial("malformed::nope"), None);
        assert_eq!(Malformed::of_trial("property::oversized_body"), None);
        let names: std::collections::HashSet<_> = Malformed::ALL.iter().map(|m| m.name()).collect();
        assert_eq!(names.len(), Malformed::ALL.len());
    }
}
