//! The properties of the suite, each one trial, and the generated input of each: valid
//! creates, requests with one model constraint broken, and error probes. Inputs are plain
//! data, so a failing one persists to the regressions file.

use proptest::strategy::{BoxedStrategy, Strategy};

use super::coverage::{invalid_boundaries, probe_boundaries, valid_boundaries};
pub use super::generate::PropertyInput;
use super::generate::{error_probe, invalid_input, valid_input, ErrorProbe};

/// The properties, each one trial.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Property {
    ValidRequestCreatesUser,
    InvalidRequestIsRejected,
    ErrorResponsesFollowRestJson1,
}

impl Property {
    pub const ALL: [Property; 3] = [
        Property::ValidRequestCreatesUser,
        Property::InvalidRequestIsRejected,
        Property::ErrorResponsesFollowRestJson1,
    ];

    pub fn trial_name(self) -> &'static str {
        match self {
            Property::ValidRequestCreatesUser => "property::valid_request_creates_user",
            Property::InvalidRequestIsRejected => "property::invalid_request_is_rejected",
            Property::ErrorResponsesFollowRestJson1 => "property::error_responses_follow_restjson1",
        }
    }

    /// The generator of this property's inputs.
    pub fn strategy(self) -> BoxedStrategy<PropertyInput> {
        match self {
            Property::ValidRequestCreatesUser => {
                valid_input().prop_map(PropertyInput::Valid).boxed()
            }
            Property::InvalidRequestIsRejected => {
                invalid_input().prop_map(PropertyInput::Invalid).boxed()
            }
            Property::ErrorResponsesFollowRestJson1 => {
                error_probe().prop_map(PropertyInput::Probe).boxed()
            }
        }
    }
}

impl Property {
    /// The inputs of the deterministic coverage phase, sent before the generated ones:
    /// each boundary value of each member at least once. Most are fixed (they do not
    /// shrink); the long ones shrink by length.
    pub fn coverage(self) -> Vec<BoxedStrategy<PropertyInput>> {
        match self {
            Property::ValidRequestCreatesUser => valid_boundaries()
                .into_iter()
                .map(|s| s.prop_map(PropertyInput::Valid).boxed())
                .collect(),
            Property::InvalidRequestIsRejected => invalid_boundaries()
                .into_iter()
                .map(|s| s.prop_map(PropertyInput::Invalid).boxed())
                .collect(),
            Property::ErrorResponsesFollowRestJson1 => invalid_boundaries()
                .into_iter()
                .step_by(4)
                .map(|s| {
                    s.prop_map(|i| PropertyInput::Probe(ErrorProbe::Invalid(i)))
                        .boxed()
                })
                .chain(
                    probe_boundaries()
                        .into_iter()
                        .map(|s| s.prop_map(PropertyInput::Probe).boxed()),
                )
                .collect(),
        }
    }
}
