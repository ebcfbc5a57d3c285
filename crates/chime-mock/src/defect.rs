//! Deliberate defects for a mutation suite: each variant makes the reference mock break
//! exactly one rule of the CreateUser contract and otherwise behave correctly, so a test
//! can check that the harness notices each one.
//!
//! The signature-binding defects are each named for what the verifying server forgets,
//! and together let through every tampered signature but two: a request whose path changed
//! after signing, and one from which a signed query parameter was removed. No verifier can
//! accept either without recomputing the signature over a path or query it never
//! received, which it cannot tell apart from a wrong secret; so no defect lets them
//! through alone.

use super::switch::switch_enum;

switch_enum! {
    /// One rule the mock breaks on purpose (test-only). See each variant.
    pub enum Defect, unknown UnknownDefect = "defect" {
    /// A successful create is answered 200 instead of 201.
        SuccessStatus200,
        /// The `User` has no `UserId`.
        OmitUserId,
        /// `UserId` is a JSON number.
        NumericUserId,
        /// `LicenseType` is "Enterprise", outside the enum.
        LicenseTypeOutsideEnum,
        /// The response `UserType` is "Admin", outside the enum.
        UserTypeOutsideEnum,
        /// `UserRegistrationStatus` is "Deleted", outside the enum.
        RegistrationStatusOutsideEnum,
        /// `UserInvitationStatus` is "Expired", outside the enum.
        InvitationStatusOutsideEnum,
        /// `InvitedOn` is "yesterday", not a timestamp.
        MalformedInvitedOn,
        /// `InvitedOn` is `1970-01-01T00:00:00Z` (a timestamp written while the clock was
        /// unset): a valid RFC 3339 date-time, decades from the answer's `Date`.
        InvitedOnIn1970,
        /// `User.AccountId` differs from the account in the path.
        WrongAccountIdEcho,
        /// `User.PrimaryEmail` differs from the request's `Email`.
        WrongPrimaryEmailEcho,
        /// A `PrivateUser` is answered `SharedDevice` and vice versa.
        WrongUserTypeEcho,
        /// Every user gets the same `UserId`.
        RepeatedUserId,
        /// `ConflictException` is answered with status 400.
        WrongErrorStatus,
        /// No error carries `X-Amzn-ErrorType`.
        MissingErrorTypeHeader,
        /// `ConflictException` is named "UserExistsException" in the header (still 409).
        UndocumentedErrorType,
        /// Error bodies are `{"Code": 42, "Message": null}`.
        ErrorBodyMismatch,
        /// `Email` is not checked against its pattern.
        AcceptInvalidEmail,
        /// A string `UserType` outside the enum is accepted (and echoed).
        AcceptInvalidUserType,
        /// A duplicate email is created again instead of `ConflictException`.
        NeverConflict,
        /// Throttled accounts are never throttled.
        NeverThrottle,
        /// Forbidden accounts act as ordinary ones.
        NeverForbidden,
        /// Unknown accounts are created on first use instead of `NotFoundException`.
        NeverNotFound,
        /// Signatures are never checked.
        NeverUnauthorized,
        /// The fault header is ignored.
        IgnoreFaultHeader,
        /// A valid request whose `Username` has a non-ASCII character gets a 500
        /// `ServiceFailureException`.
        ServerErrorOnValidInput,
        /// The success body is sent with `Content-Type: text/plain`.
        WrongContentType,
        /// The success body is not JSON (Content-Type still `application/json`).
        NonJsonSuccessBody,
        /// A valid request with `UserType: SharedDevice` is answered with the AWS common error
        /// `RequestExpired` (400) instead of being created.
        AwsCommonErrorOnSharedDevice,
        /// A signature dated more than 15 minutes from now is accepted (the clock-skew
        /// check is off), so a stale signature creates a user.
        AcceptStaleSignatures,
        /// The credential scope's service is not checked: a signature scoped to another
        /// service (`s3`) is recomputed for that service and accepted.
        CredentialScopeServiceNotChecked,
        /// The credential scope's region is not checked: a signature scoped to another
        /// region is recomputed for that region and accepted.
        CredentialScopeRegionNotChecked,
        /// Whitespace around the body is not bound (a front door that trims bodies before
        /// verifying): a body padded after signing verifies.
        BodyWhitespaceNotBound,
        /// The parameters of a signed `Content-Type` are not bound (the verifier reads its
        /// media type only): `; charset=utf-8` added after signing verifies.
        ContentTypeParametersNotBound,
        /// A request missing a header it signed (other than `X-Amz-Date` and the session
        /// token) is let through without its signature being compared (fails open).
        SignedHeaderPresenceNotChecked,
        /// A request without `X-Amz-Date` is let through without its signature being
        /// compared (fails open).
        DateNotRequired,
        /// A request missing the session token it signed is let through without its
        /// signature being compared (fails open).
        SessionTokenNotRequired,
        /// A request carrying a session token is let through on the token alone: its
        /// signature is not compared, so an altered token verifies.
        SessionTokenTakenOnTrust,
        /// The email conflict check does not see a create for 50 ms after it (a store whose
        /// writes take a moment to be seen): simultaneous creates of one email all succeed.
        RacyConflictCheck,
        /// Every other refusal on a throttled account (the first, the third, ...) is a 400
        /// `BadRequestException` instead of a 429.
        ThrottleSomeAsBadRequest,
        /// A JSON object followed by anything else (`{...} garbage`) is read as the object
        /// and the rest ignored, so a malformed body creates a user.
        AcceptTrailingData,
        /// A valid request whose `Username` is over 255 characters (a `VARCHAR(255)`
        /// column) is refused with `BadRequestException`.
        RejectLongUsername,
        /// `User.PrimaryEmail` has each character outside the Basic Multilingual Plane
        /// replaced by U+FFFD (a store that keeps UCS-2 only).
        MangleAstralEmailEcho,
        /// A body over the size limit gets no answer: the connection is closed at once, the
        /// body unread (the client sees a reset), where a refusal (400) must come first.
        ResetOnOversizedBody,
        /// A create refused for a `UserType` outside the enum has its Email written to the
        /// uniqueness index before the body is validated: a later create of that Email, in
        /// any account, is a `ConflictException`.
        InvalidInputTakesEmail,
        /// A create refused as forbidden has its Email written to the (global) uniqueness
        /// index before the account's status is checked: a later create of that Email, in
        /// any account, is a `ConflictException`.
        ForbiddenTakesEmail,
        /// A create refused with a 429 has its Email written to the uniqueness index before
        /// the rate limiter refuses it: its retry is a `ConflictException`.
        ThrottledTakesEmail,
        /// A create answered with an injected fault (the fault header, a fault rule) has its
        /// Email written to the uniqueness index first: a later create of it conflicts.
        InjectedFaultTakesEmail,
        /// A create whose signature does not verify has its Email written to the uniqueness
        /// index before the signature is checked: a later create of it conflicts.
        UnverifiedSignatureTakesEmail,
        /// A method that is not one of HTTP's registered ones is answered 500
        /// `ServiceFailureException` (a dispatch table that fails on a method it lacks),
        /// where a 4xx or a 501 is due.
        ServerErrorOnUnknownMethod,
        /// The router matches the path and query alone: any method on the CreateUser route
        /// (a GET, a DELETE, ...) creates a user.
        RouteIgnoresMethod,
        /// Query parameters other than `operation` are not bound by the signature (a
        /// verifier that canonicalises only the parameter it routes on): a parameter added
        /// after signing verifies.
        QueryNotBound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_defect_round_trips_through_its_name() {
        assert_eq!(Defect::ALL.len(), 52);
        for d in Defect::ALL {
            assert_eq!(d.name().parse::<Defect>(), Ok(*d));
            assert_eq!(d.to_string().to_lowercase().parse::<Defect>(), Ok(*d));
        }
        assert!("NoSuchDefect".parse::<Defect>().is_err());
    }
}
