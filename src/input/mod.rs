//! What is sent: property-generated requests ([`generate`], [`property`]), declarative
//! exception cases ([`cases`]) and the regressions file of shrunk failing inputs
//! ([`regressions`]). Plain data built from the contract; nothing here does HTTP.

pub mod cases;
pub mod cassette;
pub mod generate;
pub mod malformed;
pub mod property;
pub mod regressions;
