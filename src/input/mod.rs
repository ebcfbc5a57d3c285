//! What is sent: property-generated requests ([`generate`], [`property`]) over the text
//! the model allows ([`text`]), with a deterministic first pass over every boundary and the
//! facets each input covers ([`coverage`]), declarative
//! exception cases ([`cases`]) and the regressions file of shrunk failing inputs
//! ([`regressions`]). Plain data built from the contract; nothing here does HTTP.

pub mod cases;
pub mod cassette;
pub mod coverage;
pub mod generate;
pub mod malformed;
pub mod property;
pub mod regressions;
pub mod text;
