//! The model's two `pattern`s (`EmailAddress` `.+@.+\..+`, `NonEmptyString` `.*\S.*`)
//! judged under each regex dialect a conforming server may validate them with. Smithy
//! states patterns in ECMA-262; smithy-rs validates with Rust's `regex`, others with Go's
//! RE2, Python's `re` or Java's `java.util.regex`. The dialects disagree on which characters
//! `.` and `\s` match, so an input can be valid under one and invalid under another: then
//! both answers conform. Linear in the length; no I/O.

use std::fmt;

/// A regex dialect a server may validate the model's patterns with. Patterns are not
/// anchored in any of them (`find`/`search`/`is_match`, as Smithy states them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Dialect {
    /// ECMA-262, as Smithy states patterns: `.` excludes LF, CR, U+2028, U+2029; `\s` is
    /// ECMA WhiteSpace and LineTerminator (U+FEFF included, U+0085 not).
    Ecma262,
    /// Rust's `regex` (smithy-rs): `.` excludes LF only; `\s` is Unicode `White_Space`.
    RustRegex,
    /// Python's `re` on `str`: `.` excludes LF only; `\s` is `str.isspace()` (U+001C..U+001F
    /// included).
    PythonRe,
    /// Go's RE2: `.` excludes LF only; `\s` is ASCII `[\t\n\f\r ]`.
    GoRe2,
    /// Java's `java.util.regex`: `.` excludes LF, CR, U+0085, U+2028, U+2029; `\s` is ASCII
    /// `[ \t\n\x0B\f\r]`.
    Java,
}

impl Dialect {
    /// Every dialect, ECMA-262 (the model's own) first.
    pub const ALL: [Dialect; 5] = [
        Dialect::Ecma262,
        Dialect::RustRegex,
        Dialect::PythonRe,
        Dialect::GoRe2,
        Dialect::Java,
    ];

    /// The dialect's name, as in the reports.
    pub fn name(self) -> &'static str {
        match self {
            Dialect::Ecma262 => "ECMA-262",
            Dialect::RustRegex => "Rust regex",
            Dialect::PythonRe => "Python re",
            Dialect::GoRe2 => "Go RE2",
            Dialect::Java => "Java",
        }
    }

    /// Whether `.` in this dialect does not match `c`.
    fn dot_excludes(self, c: char) -> bool {
        match self {
            Dialect::Ecma262 => matches!(c, '\n' | '\r' | '\u{2028}' | '\u{2029}'),
            Dialect::RustRegex | Dialect::PythonRe | Dialect::GoRe2 => c == '\n',
            Dialect::Java => matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'),
        }
    }

    /// Whether `\s` in this dialect matches `c`.
    fn is_space(self, c: char) -> bool {
        match self {
            Dialect::Ecma262 => {
                matches!(
                    c,
                    '\t' | '\n'
                        | '\u{b}'
                        | '\u{c}'
                        | '\r'
                        | ' '
                        | '\u{a0}'
                        | '\u{1680}'
                        | '\u{2000}'
                        ..='\u{200a}'
                            | '\u{2028}'
                            | '\u{2029}'
                            | '\u{202f}'
                            | '\u{205f}'
                            | '\u{3000}'
                            | '\u{feff}'
                )
            }
            Dialect::RustRegex => c.is_whitespace(),
            Dialect::PythonRe => c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c),
            Dialect::GoRe2 => matches!(c, '\t' | '\n' | '\u{c}' | '\r' | ' '),
            Dialect::Java => matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r'),
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether `email` matches `.+@.+\..+` (not anchored) in `dialect`: within one run of
/// characters that `.` matches, an '@' with a character before it, then at least one
/// character, a '.', and at least one character.
pub fn email_matches(dialect: Dialect, email: &str) -> bool {
    email
        .split(|c| dialect.dot_excludes(c))
        .any(line_has_address)
}

/// `.+@.+\..+` within a run of characters all matched by `.`. '@' and '.' are ASCII, so
/// byte offsets count characters well enough: "at least one character" is "at least one
/// byte".
fn line_has_address(line: &str) -> bool {
    let bytes = line.as_bytes();
    let Some(at) = bytes.iter().skip(1).position(|&b| b == b'@') else {
        return false;
    };
    let at = at + 1;
    bytes[..bytes.len().saturating_sub(1)]
        .iter()
        .rposition(|&b| b == b'.')
        .is_some_and(|dot| dot >= at + 2)
}

/// Whether `account_id` matches `.*\S.*` (not anchored) in `dialect`: some character is
/// not `\s` (the `.*` on either side may match nothing).
pub fn account_id_matches(dialect: Dialect, account_id: &str) -> bool {
    account_id.chars().any(|c| !dialect.is_space(c))
}

/// How an input fares against a pattern across the dialects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Validity {
    /// Every dialect accepts it.
    Valid,
    /// Every dialect refuses it.
    Invalid,
    /// The dialects disagree: a server may accept it or refuse it, and conforms either way.
    Disputed {
        /// The dialects under which it matches.
        valid_under: Vec<Dialect>,
        /// The dialects under which it does not.
        invalid_under: Vec<Dialect>,
    },
}

impl Validity {
    /// The validity of a value under `matches`, asked of every dialect.
    pub fn of(matches: impl Fn(Dialect) -> bool) -> Validity {
        let (valid_under, invalid_under): (Vec<Dialect>, Vec<Dialect>) =
            Dialect::ALL.iter().partition(|&&d| matches(d));
        if invalid_under.is_empty() {
            Validity::Valid
        } else if valid_under.is_empty() {
            Validity::Invalid
        } else {
            Validity::Disputed {
                valid_under,
                invalid_under,
            }
        }
    }

    /// The validity of an Email.
    pub fn of_email(email: &str) -> Validity {
        Validity::of(|d| email_matches(d, email))
    }

    /// The validity of an AccountId.
    pub fn of_account_id(account_id: &str) -> Validity {
        Validity::of(|d| account_id_matches(d, account_id))
    }

    /// Whether the dialects disagree.
    pub fn is_disputed(&self) -> bool {
        matches!(self, Validity::Disputed { .. })
    }

    /// The two sides in a few words, e.g. "valid under Rust regex, Python re, Go RE2;
    /// invalid under ECMA-262, Java".
    pub fn describe(&self) -> String {
        let names = |ds: &[Dialect]| ds.iter().map(|d| d.name()).collect::<Vec<_>>().join(", ");
        match self {
            Validity::Valid => "valid under every dialect".to_string(),
            Validity::Invalid => "invalid under every dialect".to_string(),
            Validity::Disputed {
                valid_under,
                invalid_under,
            } => format!(
                "valid under {}; invalid under {}",
                names(valid_under),
                names(invalid_under)
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ecma_262_is_the_models_own_reading() {
        for ok in ["a@b.c", "note\na@b.c", "a@b.c\r\nbye", "😀@😀.😀", "@@a.b"] {
            assert!(email_matches(Dialect::Ecma262, ok), "{ok:?}");
        }
        for bad in [
            "",
            "a@b",
            "@b.c",
            "a@.c",
            "a@b.",
            "a\n@b.c",
            "a@b\u{2028}.c",
        ] {
            assert!(!email_matches(Dialect::Ecma262, bad), "{bad:?}");
        }
    }

    #[test]
    fn a_line_separator_splits_the_dialects() {
        let v = Validity::of_email("a@b\u{2028}.c");
        assert_eq!(
            v,
            Validity::Disputed {
                valid_under: vec![Dialect::RustRegex, Dialect::PythonRe, Dialect::GoRe2],
                invalid_under: vec![Dialect::Ecma262, Dialect::Java],
            }
        );
        assert!(v.describe().starts_with("valid under Rust regex"));
        // U+0085 splits Java from the rest, CR splits ECMA-262 and Java from the rest.
        assert!(Validity::of_email("a@b\u{85}.c").is_disputed());
        assert!(Validity::of_email("a@b\r.c").is_disputed());
        // LF is excluded by every dialect.
        assert_eq!(Validity::of_email("a@b\n.c"), Validity::Invalid);
        assert_eq!(Validity::of_email("a@b.c"), Validity::Valid);
    }

    #[test]
    fn whitespace_splits_the_dialects_for_account_ids() {
        assert_eq!(Validity::of_account_id(" \t\n"), Validity::Invalid);
        assert_eq!(Validity::of_account_id(" x "), Validity::Valid);
        // NBSP is whitespace to ECMA-262, Rust and Python, not to Go or Java.
        let nbsp = Validity::of_account_id("\u{a0}");
        assert_eq!(
            nbsp,
            Validity::Disputed {
                valid_under: vec![Dialect::GoRe2, Dialect::Java],
                invalid_under: vec![Dialect::Ecma262, Dialect::RustRegex, Dialect::PythonRe],
            }
        );
        // U+FEFF is whitespace to ECMA-262 only.
        assert!(Validity::of_account_id("\u{feff}").is_disputed());
        // U+001F is whitespace to Python only.
        assert!(Validity::of_account_id("\u{1f}").is_disputed());
    }

    #[test]
    fn the_models_own_reading_agrees_with_the_ecma_dialect() {
        for s in ["a@b\u{2028}.c", "x y@z.w.q", "a\n@b.c", "ü@ß.de"] {
            assert_eq!(
                crate::is_valid_email(s),
                email_matches(Dialect::Ecma262, s),
                "{s:?}"
            );
        }
    }
}
