//! Refusals that must leave no trace (RESTler's LeakageRule, EvoMaster's side effects of a
//! failed request): a create refused for any reason must leave nothing behind, so the same
//! Email created afterwards gets 201. One trial per kind of refusal, `no_trace::<kind>`,
//! each a refused create and then a valid create of its Email. What can be checked through
//! the contract alone differs by kind, and is written next to each kind here.

use crate::contract::sigv4::SignatureMode;
use crate::contract::Exception;
use crate::endpoint::builder::Disruption;
use crate::endpoint::{Auth, Target};
use crate::input::cases::AccountRef;

/// A kind of refused create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A body with a `UserType` outside the enum (400 BadRequestException), then the same
    /// Email with a valid body, in the same (ordinary) account.
    InvalidInput,
    /// A create in the forbidden account (403 ForbiddenException), then the same Email in
    /// the ordinary account. The forbidden account never becomes allowed during a run (the
    /// contract has no way to lift the refusal), so "the same account" cannot be checked:
    /// what can is that the refusal took the Email nowhere (a uniqueness index written
    /// before the account's status is checked takes it in every account).
    ForbiddenAccount,
    /// A burst against the low-limit account (429 ThrottledClientException for some), then
    /// the first create refused retried after its `Retry-After`, as an SDK retries it: the
    /// retry must create the user, never meet a ConflictException for it. A run whose
    /// burst draws no 429 has nothing to judge. Disruptive (a burst).
    Throttled,
    /// A create with the target's fault hook asking for ServiceFailureException (500),
    /// then the same Email without it, in the same account. Disruptive (a fault).
    InjectedFault,
    /// A create whose body changed after signing (UnauthorizedClientException or a front
    /// door's authentication error), then the same Email properly signed, in the same
    /// account. Needs SigV4.
    TamperedSignature,
}

/// How many creates the throttled kind sends at once: more than the reference mock's
/// throttled account allows at once (5), few enough to stay a handful.
pub const THROTTLE_BURST: u32 = 8;

impl Refusal {
    pub const ALL: [Refusal; 5] = [
        Refusal::InvalidInput,
        Refusal::ForbiddenAccount,
        Refusal::Throttled,
        Refusal::InjectedFault,
        Refusal::TamperedSignature,
    ];

    /// The stable name, as in the trial name `no_trace::<name>`.
    pub fn name(self) -> &'static str {
        match self {
            Refusal::InvalidInput => "invalid_input",
            Refusal::ForbiddenAccount => "forbidden_account",
            Refusal::Throttled => "throttled",
            Refusal::InjectedFault => "injected_fault",
            Refusal::TamperedSignature => "tampered_signature",
        }
    }

    /// The kind in a few words, as the coverage table shows it.
    pub fn label(self) -> &'static str {
        match self {
            Refusal::InvalidInput => "invalid input",
            Refusal::ForbiddenAccount => "forbidden account",
            Refusal::Throttled => "throttled",
            Refusal::InjectedFault => "injected fault",
            Refusal::TamperedSignature => "tampered signature",
        }
    }

    pub fn trial_name(self) -> String {
        format!("no_trace::{}", self.name())
    }

    /// The kind a trial name names, if it is one.
    pub fn of_trial(trial: &str) -> Option<Refusal> {
        Refusal::ALL.into_iter().find(|r| r.trial_name() == trial)
    }

    /// The account the refused create addresses.
    pub fn account(self) -> AccountRef {
        match self {
            Refusal::ForbiddenAccount => AccountRef::Forbidden,
            Refusal::Throttled => AccountRef::Throttled,
            _ => AccountRef::Ordinary,
        }
    }

    /// The account the create after the refusal addresses (see each kind).
    pub fn follow_up_account(self) -> AccountRef {
        match self {
            Refusal::Throttled => AccountRef::Throttled,
            _ => AccountRef::Ordinary,
        }
    }

    /// How the refused create is signed.
    pub fn signature(self) -> SignatureMode {
        match self {
            Refusal::TamperedSignature => SignatureMode::BodyChanged,
            _ => SignatureMode::AsTarget,
        }
    }

    /// The fault the refused create asks the target to inject.
    pub fn fault(self) -> Option<Exception> {
        (self == Refusal::InjectedFault).then_some(Exception::ServiceFailure)
    }

    /// The refusal in words, for the failure text ("a 400 for a UserType outside the enum").
    pub fn describe(self) -> &'static str {
        match self {
            Refusal::InvalidInput => "BadRequestException for a UserType outside the enum",
            Refusal::ForbiddenAccount => "ForbiddenException in the forbidden account",
            Refusal::Throttled => "ThrottledClientException, then retried",
            Refusal::InjectedFault => "ServiceFailureException injected by the fault hook",
            Refusal::TamperedSignature => "a signature that does not bind the body",
        }
    }

    /// Why this kind cannot run against `target`, or `None` when it can.
    pub fn unmet_need(self, target: &Target, disruption: Disruption) -> Option<String> {
        let fixtures = &target.fixtures;
        let disruptive = matches!(self, Refusal::Throttled | Refusal::InjectedFault);
        if disruptive && !target.is_loopback() && disruption != Disruption::Allowed {
            return Some(
                "it loads or faults the target, which runs against a non-loopback endpoint only with --allow-disruptive"
                    .into(),
            );
        }
        match self {
            Refusal::ForbiddenAccount if fixtures.forbidden_account_id.is_none() => {
                Some("needs a forbidden account (--forbidden-account-id)".into())
            }
            Refusal::Throttled if fixtures.throttled_account_id.is_none() => {
                Some("needs a low-limit account (--throttled-account-id)".into())
            }
            Refusal::InjectedFault if fixtures.fault_header.is_none() => {
                Some("needs a fault hook (--fault-header)".into())
            }
            Refusal::TamperedSignature if !matches!(target.auth, Auth::SigV4 { .. }) => Some(
                "needs a target that checks credentials (--auth sigv4); this one is --auth none"
                    .into(),
            ),
            _ => None,
        }
    }

    /// The requests a run of this kind sends at most: the refused create(s), then one
    /// create (the throttled retry may be sent up to the SDK's retries again).
    pub fn planned_requests(self) -> u64 {
        match self {
            Refusal::Throttled => u64::from(THROTTLE_BURST) + 1,
            _ => 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_has_a_unique_name_and_is_found_by_its_trial() {
        for r in Refusal::ALL {
            assert_eq!(Refusal::of_trial(&r.trial_name()), Some(r));
        }
        let names: std::collections::HashSet<_> = Refusal::ALL.iter().map(|r| r.name()).collect();
        assert_eq!(names.len(), Refusal::ALL.len());
        assert!(SignatureMode::TAMPERED.contains(&Refusal::TamperedSignature.signature()));
    }
}
