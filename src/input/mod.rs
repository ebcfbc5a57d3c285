//! What is sent: property-generated requests ([`generate`], [`property`]) over the text
//! the model allows ([`text`]), with a deterministic first pass over every boundary and the
//! facets each input covers ([`coverage`]), declarative
//! exception cases ([`cases`]), the regressions file of shrunk failing inputs
//! ([`regressions`]), probes of the route itself ([`route`]: other methods, odd labels and
//! queries) and refusals that must leave no trace ([`trace`]). Plain data built from the
//! contract; nothing here does HTTP.

pub mod cases;
pub mod cassette;
pub mod coverage;
pub mod generate;
pub mod malformed;
pub mod property;
pub mod regressions;
pub mod route;
pub mod text;
pub mod trace;
