//! The text a CreateUser request may carry, as generators: strings of any length the model
//! allows (it sets no maximum for `Username` or `Email`), weighted toward the boundaries
//! where real servers break (empty, one character, 255/256, 1024, 4096), drawn from every
//! part of Unicode JSON carries (astral planes, combining marks, right-to-left scripts,
//! controls and noncharacters); emails across the whole model pattern `.+@.+\..+`; and the
//! JSON text of a string, raw UTF-8 or written with `\u` escapes (surrogate pairs for the
//! astral planes). A long text shrinks by its length first (a binary search), so a failure
//! that needs a long value shrinks to the shortest failing length.

use std::fmt::{self, Write as _};
use std::sync::Arc;

use proptest::num::usize::BinarySearch;
use proptest::prelude::*;
use proptest::strategy::{NewTree, ValueTree};
use proptest::string::string_regex;
use proptest::test_runner::TestRunner;
use serde::{Deserialize, Serialize};

/// Characters by family, a few of each: enough to reach each kind of code a server may
/// mishandle, few enough that a shrunk value stays readable.
pub mod families {
    pub const ASCII: &str = "abcXYZ019 ._-'";
    pub const LATIN: &str = "éüßñøçÅŒ";
    pub const CJK: &str = "漢字日本語한국어";
    /// Outside the Basic Multilingual Plane: two UTF-16 code units each.
    pub const ASTRAL: &str = "😀🎉🦀𝒜𠀀𩸽𓀀🧑\u{10FFFD}";
    /// Base letters each followed by combining marks.
    pub const COMBINING: &str = "e\u{301}a\u{308}n\u{303}o\u{302}\u{323}";
    /// Hebrew and Arabic, with a right-to-left mark.
    pub const RIGHT_TO_LEFT: &str = "שלוםمرحبا\u{200F}";
    /// Controls JSON must escape, a byte-order mark, joiners, private use, noncharacters.
    pub const SPECIAL: &str = "\u{0}\t\u{1F}\u{7F}\u{FEFF}\u{200D}\u{E000}\u{FFFD}\u{FFFF}";
    pub const ALL: [&str; 7] = [ASCII, LATIN, CJK, ASTRAL, COMBINING, RIGHT_TO_LEFT, SPECIAL];
}

/// The characters of `pattern`, repeated until there are `length` of them.
pub fn cycled(pattern: &str, length: usize) -> String {
    if pattern.is_empty() {
        return String::new();
    }
    pattern.chars().cycle().take(length).collect()
}

/// A length in characters, from 0 to several thousand, weighted toward the boundaries real
/// servers have (a byte, a kilobyte, a page). Whichever range it comes from, it shrinks by
/// binary search toward 0, so a failing length shrinks to the shortest that fails.
pub fn length() -> impl Strategy<Value = usize> {
    prop_oneof![
        12 => 0usize..=24,
        2 => 250usize..=262,
        1 => 1018usize..=1030,
        1 => 4090usize..=4102,
        1 => 0usize..=6000,
    ]
    .prop_flat_map(|n| ByLength::new(0, n, |k| k))
}

/// How far a generated text's length reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// 0 to several thousand characters ([`length`]).
    Full,
    /// 0 to 24 characters: for the valid part of an invalid input, whose point is the
    /// constraint it breaks (and whose size would only slow the suite down).
    Short,
}

impl Reach {
    fn length(self) -> BoxedStrategy<usize> {
        match self {
            Reach::Full => length().boxed(),
            Reach::Short => (0usize..=24).boxed(),
        }
    }
}

/// A boundary value that shrinks by its length alone, by binary search from `start` down
/// to `min`, so a failing long value shrinks to the shortest length that fails.
#[derive(Clone)]
pub struct ByLength<T> {
    min: usize,
    start: usize,
    make: Arc<dyn Fn(usize) -> T + Send + Sync>,
}

impl<T> ByLength<T> {
    pub fn new(
        min: usize,
        start: usize,
        make: impl Fn(usize) -> T + Send + Sync + 'static,
    ) -> Self {
        ByLength {
            min,
            start,
            make: Arc::new(make),
        }
    }
}

impl<T> fmt::Debug for ByLength<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ByLength({}..={})", self.min, self.start)
    }
}

/// The value tree of [`ByLength`].
pub struct ByLengthTree<T> {
    search: BinarySearch,
    make: Arc<dyn Fn(usize) -> T + Send + Sync>,
}

impl<T: fmt::Debug> ValueTree for ByLengthTree<T> {
    type Value = T;

    fn current(&self) -> T {
        (self.make)(self.search.current())
    }

    fn simplify(&mut self) -> bool {
        self.search.simplify()
    }

    fn complicate(&mut self) -> bool {
        self.search.complicate()
    }
}

impl<T: fmt::Debug> Strategy for ByLength<T> {
    type Tree = ByLengthTree<T>;
    type Value = T;

    fn new_tree(&self, _runner: &mut TestRunner) -> NewTree<Self> {
        Ok(ByLengthTree {
            search: BinarySearch::new_above(self.min, self.start),
            make: Arc::clone(&self.make),
        })
    }
}

/// A pattern to cycle: one to four slices of one family each (a family's characters
/// rotated, so patterns differ).
fn pattern(families: &'static [&'static str]) -> impl Strategy<Value = String> {
    let slice = (
        proptest::sample::select(families.to_vec()),
        0usize..16,
        1usize..6,
    )
        .prop_map(|(family, start, take)| {
            let chars: Vec<char> = family.chars().collect();
            (0..take)
                .map(|i| chars[(start + i) % chars.len()])
                .collect::<String>()
        });
    proptest::collection::vec(slice, 1..=4).prop_map(|parts| parts.concat())
}

/// A text of any length from any family: the `Username` space.
pub fn any_text(reach: Reach) -> impl Strategy<Value = String> {
    (reach.length(), pattern(&families::ALL)).prop_map(|(length, pattern)| cycled(&pattern, length))
}

/// Families an email's parts draw from: `SPECIAL` is left out so that no line terminator
/// or control turns a valid address into an ambiguous one.
const EMAIL_FAMILIES: [&str; 6] = [
    families::ASCII,
    families::LATIN,
    families::CJK,
    families::ASTRAL,
    families::COMBINING,
    families::RIGHT_TO_LEFT,
];

/// Valid emails, family by family, across the whole pattern `.+@.+\..+` (unanchored).
pub fn email(reach: Reach) -> impl Strategy<Value = String> {
    let regex = |r: &str| string_regex(r).expect("valid regex");
    prop_oneof![
        4 => regex("[a-z0-9._%-]{1,12}@[a-z0-9-]{1,10}\\.[a-z]{2,6}"),
        1 => regex("[A-Z][A-Za-z0-9]{0,8}@[A-Za-z]{1,8}\\.[A-Z]{2,4}"),
        1 => regex("[a-z]{1,8}\\+[a-z0-9+]{0,8}@[a-z]{1,8}\\.[a-z]{2,4}"),
        1 => regex("\"[a-z @.,\\\\\"]{1,10}\"@[a-z]{1,8}\\.[a-z]{2,4}"),
        1 => regex("[a-z]{1,6}(\\.[a-z]{1,6}){1,4}@[a-z]{1,8}\\.[a-z]{2,4}"),
        1 => regex("[a-z]{1,6}@([a-z0-9-]{1,8}\\.){2,6}[a-z]{2,4}"),
        1 => (pattern(&EMAIL_FAMILIES), pattern(&EMAIL_FAMILIES), 1usize..4)
            .prop_map(|(local, domain, labels)| unicode_email(&local, &domain, labels)),
        1 => (reach.length(), pattern(&EMAIL_FAMILIES))
            .prop_map(|(length, local)| long_email(&local, length)),
        1 => (proptest::sample::select(AROUND.to_vec()), regex("[a-z]{1,6}@[a-z]{1,6}\\.[a-z]{2,3}"))
            .prop_map(|((before, after), address)| format!("{before}{address}{after}")),
        1 => proptest::sample::select(PATTERN_EDGES.to_vec()).prop_map(String::from),
    ]
}

/// An address with a Unicode local part and a Unicode (IDN) domain of `labels` labels.
pub fn unicode_email(local: &str, domain: &str, labels: usize) -> String {
    let label = |i: usize| cycled(domain, 1 + (i % 3));
    let domain: Vec<String> = (0..=labels.max(1)).map(label).collect();
    format!(
        "{}@{}",
        cycled(local, local.chars().count().max(1)),
        domain.join(".")
    )
}

/// An address of at least `length` characters: a local part of the pattern cycled.
pub fn long_email(local: &str, length: usize) -> String {
    let domain = "example.com";
    let local_length = length.saturating_sub(domain.len() + 1).max(1);
    format!("{}@{domain}", cycled(local, local_length))
}

/// Text around an address: the pattern is not anchored, so the whole string matches.
pub const AROUND: [(&str, &str); 5] = [
    ("Zoë Example <", ">"),
    ("mailto:", ""),
    ("", " (work)"),
    ("to: ", ", thanks"),
    ("note\n", ""),
];

/// Strings the pattern matches that an email validator stricter than the model refuses.
pub const PATTERN_EDGES: [&str; 6] = [
    "a@b.c",
    "@@a.b",
    "a@b@c.d",
    "x y@z w.q r",
    "a@.b.c",
    "..@...",
];

/// How the strings of a body are written in its JSON text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Escapes {
    /// As UTF-8, escaping only what JSON requires (`"`, `\`, controls).
    #[default]
    Raw,
    /// Every character outside ASCII as `\uXXXX` (a surrogate pair above U+FFFF).
    NonAscii,
    /// Every character as `\uXXXX`, member names too.
    All,
}

/// Appends `s` as a JSON string literal, its characters written as `escapes` says.
pub fn push_json_string(out: &mut String, s: &str, escapes: Escapes) {
    out.push('"');
    for c in s.chars() {
        let escape = match escapes {
            Escapes::All => true,
            Escapes::NonAscii => !c.is_ascii(),
            Escapes::Raw => false,
        };
        match c {
            _ if escape => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    let _ = write!(out, "\\u{unit:04X}");
                }
            }
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::contract::is_valid_email;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    fn sample<T: std::fmt::Debug>(strategy: impl Strategy<Value = T>, n: usize) -> Vec<T> {
        let mut runner = TestRunner::deterministic();
        (0..n)
            .map(|_| strategy.new_tree(&mut runner).unwrap().current())
            .collect()
    }

    #[test]
    fn lengths_reach_the_thousands_and_every_boundary() {
        let lengths = sample(length(), 2000);
        for boundary in [0, 1, 255, 256, 1024, 4096] {
            assert!(lengths.contains(&boundary), "length {boundary} never drawn");
        }
        assert!(lengths.iter().any(|&n| n > 5000), "nothing over 5000");
        let texts = sample(any_text(Reach::Full), 2000);
        assert!(texts.iter().any(|t| t.chars().count() >= 4096));
        assert!(texts.iter().any(String::is_empty));
    }

    #[test]
    fn texts_reach_every_family_of_unicode() {
        let texts = sample(any_text(Reach::Full), 2000);
        for family in families::ALL {
            for c in family.chars() {
                assert!(
                    texts.iter().any(|t| t.contains(c)),
                    "{c:?} of {family:?} never drawn"
                );
            }
        }
    }

    #[test]
    fn a_long_text_shrinks_to_the_shortest_failing_length() {
        let mut runner = TestRunner::deterministic();
        let strategy = any_text(Reach::Full);
        let mut tree = loop {
            let tree = strategy.new_tree(&mut runner).unwrap();
            if tree.current().chars().count() > 2000 {
                break tree;
            }
        };
        // "Fails" when over 255 characters; shrunk as the runner shrinks (keep the last
        // failing value, at most 256 steps).
        let fails = |t: &String| t.chars().count() > 255;
        let mut best = tree.current();
        let mut steps = 0;
        let mut can = tree.simplify();
        while can && steps < 256 {
            steps += 1;
            let candidate = tree.current();
            can = if fails(&candidate) {
                best = candidate;
                tree.simplify()
            } else {
                tree.complicate()
            };
        }
        assert_eq!(best.chars().count(), 256, "after {steps} steps");
    }

    #[test]
    fn every_generated_email_matches_the_model_pattern_and_each_family_appears() {
        let emails = sample(email(Reach::Full), 3000);
        for e in &emails {
            assert!(is_valid_email(e), "{e:?}");
        }
        let some = |what: &str, f: &dyn Fn(&String) -> bool| {
            assert!(emails.iter().any(f), "no email is {what}");
        };
        some("upper case", &|e| e.chars().any(|c| c.is_ascii_uppercase()));
        some("plus-addressed", &|e| {
            e.split('@').next().unwrap().contains('+')
        });
        some("quoted", &|e| e.starts_with('"'));
        some("dotted", &|e| e.split('@').next().unwrap().contains('.'));
        some("IDN", &|e| !e.rsplit('@').next().unwrap().is_ascii());
        some("multi-label", &|e| {
            e.rsplit('@').next().unwrap().matches('.').count() >= 2
        });
        some("long", &|e| e.chars().count() >= 4096);
        some("astral", &|e| e.chars().any(|c| u32::from(c) > 0xFFFF));
        some("text around", &|e| e.contains('<') || e.contains("mailto:"));
        some("a line break before it", &|e| e.contains('\n'));
    }

    #[test]
    fn escaped_strings_parse_back_to_the_same_text() {
        let text = "Zoë \"q\" \\ 😀 \u{0}\t\u{FFFF}";
        for escapes in [Escapes::Raw, Escapes::NonAscii, Escapes::All] {
            let mut out = String::new();
            push_json_string(&mut out, text, escapes);
            let back: String = serde_json::from_str(&out).unwrap();
            assert_eq!(back, text, "{escapes:?}: {out}");
        }
        let mut out = String::new();
        push_json_string(&mut out, "é😀", Escapes::NonAscii);
        assert_eq!(out, "\"\\u00E9\\uD83D\\uDE00\"");
        let mut out = String::new();
        push_json_string(&mut out, "A", Escapes::All);
        assert_eq!(out, "\"\\u0041\"");
    }
}
