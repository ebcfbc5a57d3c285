//! The pure checks: from the contract, what a request expected and the response it got, to
//! a list of [`Violation`]s of named [`Rule`]s. No I/O here, so every rule is unit-tested
//! without a server.

pub mod choice;
pub mod diff;
mod error;
mod response;
mod route;
mod rule;
mod success;
mod violation;

pub use choice::{Observation, OpenChoice, Verdict};
pub use error::check_error;
pub use response::{
    check_response, check_user_id_unique, is_exception, is_json_media_type, Checked, Expectation,
    SentFacts,
};
pub use route::check_route_answer;
pub use rule::{Rule, RuleClass};
pub use violation::Violation;
