//! The shape shared by the mock's test-only switches ([`Defect`](super::Defect),
//! [`Variant`](super::Variant)): a fieldless enum with every value in `ALL`, a stable
//! name, `Display`, and `FromStr` (ignoring ASCII case) whose error lists the known names.

/// Declares a switch enum and its `Unknown...` parse error.
macro_rules! switch_enum {
    (
        $(#[$meta:meta])*
        pub enum $enum:ident, unknown $unknown:ident = $what:literal {
            $($(#[doc = $doc:literal])* $name:ident,)*
        }
    ) => {
        $(#[$meta])*
        #[non_exhaustive]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $enum {
            $($(#[doc = $doc])* $name,)*
        }

        impl $enum {
            /// Every value, in declaration order.
            pub const ALL: &'static [$enum] = &[$($enum::$name,)*];

            /// The value's name, as `FromStr` accepts it.
            pub fn name(self) -> &'static str {
                match self {
                    $($enum::$name => stringify!($name),)*
                }
            }
        }

        impl std::fmt::Display for $enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        #[doc = concat!("A ", $what, " name that is not one of [`", stringify!($enum), "::ALL`].")]
        #[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
        #[error(
            "unknown {what} {name:?}; known {what}s: {known}",
            what = $what,
            name = .0,
            known = $enum::ALL.iter().map(|v| v.name()).collect::<Vec<_>>().join(", ")
        )]
        pub struct $unknown(pub String);

        impl std::str::FromStr for $enum {
            type Err = $unknown;

            /// Parses a name, ignoring ASCII case.
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                $enum::ALL
                    .iter()
                    .copied()
                    .find(|v| v.name().eq_ignore_ascii_case(s.trim()))
                    .ok_or_else(|| $unknown(s.to_string()))
            }
        }
    };
}

pub(crate) use switch_enum;
