//! Conforming variations for a no-false-positive suite: each variant makes the reference
//! mock answer differently from its usual answers (their wire form, or a choice the
//! contract leaves open made the other way) while still keeping every rule of the
//! CreateUser contract, the way a private staging implementation or another emulator
//! legitimately may, so a test can check that the harness passes each one cleanly.

use super::switch::switch_enum;

switch_enum! {
    /// One conforming way the mock departs from its usual answers (test-only). See
    /// each variant.
    pub enum Variant, unknown UnknownVariant = "variant" {
        /// The 201 `User` has only `UserId`: every optional member is absent.
        MinimalUser,
        /// The JSON members of the 201 body and of error bodies are sent in reverse of the
        /// usual order (e.g. `{"Message": ..., "Code": ...}`).
        ReorderedMembers,
        /// Every answer carries extra headers a CDN or gateway adds: `x-amz-cf-id`,
        /// `x-amzn-trace-id`, `cache-control: no-store`, `server: staging`.
        ExtraHeaders,
        /// `InvitedOn` and `RegisteredOn` have fractional seconds and a numeric UTC offset,
        /// e.g. `2026-11-28T13:00:00.123+01:00` (valid RFC 3339).
        FractionalOffsetTimestamps,
        /// `UserId`s are `usr-` and 20 hex digits instead of UUIDs (still unique).
        OpaqueUserIds,
        /// Answers carry no `Date` header, as an origin server without a clock sends them
        /// (RFC 9110 section 6.6.1): a created user's timestamps are then judged against the
        /// harness's own clock.
        NoDateHeader,
        /// `X-Amzn-ErrorType` carries the restJson1 decorations: client errors as
        /// `ConflictException:http://internal.amazon.com/coral/com.amazonaws.chime/`, server
        /// faults as `com.amazonaws.chime#ServiceUnavailableException`.
        DecoratedErrorType,
        /// Error bodies also name the type: `"code": "<Shape>"`,
        /// `"__type": "com.amazonaws.chime#<Shape>"` and a lowercase `"message"` beside
        /// `Code` and `Message` (the header is still sent).
        ErrorTypeInBody,
        /// The 201 `User` and the response object carry members AWS might add later:
        /// `User.UserPreferences` and a top-level `ResponseMetadata`.
        UnknownResponseMembers,
        /// A request member that is JSON `null` is refused with `BadRequestException`, as
        /// a strict validator may (the SDKs never send null; see README, "Schemas").
        RefuseNullMembers,
        /// The Email pattern `.+@.+\..+` and the AccountId pattern `.*\S.*` are judged as
        /// Rust's `regex` crate (smithy-rs) judges them, not as ECMA-262: `.` excludes only
        /// LF, `\s` is Unicode `White_Space`. So `a@b\u{2028}.c` is a valid Email (201)
        /// and an account id of U+FEFF is not blank (404, no such account). Open choice:
        /// the regex dialect.
        RustRegexPatterns,
        /// The two patterns are judged as Java's `java.util.regex` judges them: `.` also
        /// excludes CR, U+0085, U+2028 and U+2029, `\s` is ASCII only. So `a@b\u{85}.c` is
        /// refused (400) and an account id of U+FEFF or U+00A0 is not blank (404). Open
        /// choice: the regex dialect.
        JavaRegexPatterns,
        /// Emails are compared exactly for conflicts: the same address in another case is
        /// a new user (201), not a `ConflictException`. Open choice: whether addresses are
        /// case-sensitive (RFC 5321 makes the local part so).
        CaseSensitiveEmails,
        /// `PrimaryEmail` is stored and echoed normalised: Unicode NFC, the domain (after
        /// the last `@`) lower-cased in ASCII; conflicts compare that form, ignoring case.
        /// So `Jose\u{301}@Example.COM` is echoed `José@example.com` and conflicts with
        /// `jos\u{e9}@example.com`. Open choice: email normalisation (RFC 6532).
        NormalisedEmails,
        /// Authentication refusals (the plain mock's 401 `UnauthorizedClientException`) are
        /// answered as an API-Gateway-style JSON front door does, with a lowercase
        /// `{"message"}` body: no `Authorization` → 403
        /// `MissingAuthenticationTokenException`; an unparseable one or no `X-Amz-Date` →
        /// 400 `IncompleteSignatureException`; a signature that does not verify, a wrong
        /// credential scope or a date out of the 15-minute window → 403
        /// `InvalidSignatureException`; an unknown access key, or a session token missing
        /// or altered → 403 `UnrecognizedClientException`. Open choice: which refusal a
        /// front door names (the AWS common errors).
        FrontDoorAuthErrors,
        /// Errors carry no `X-Amzn-ErrorType` header: the body names the type in
        /// `"__type": "com.amazonaws.chime#<Shape>"` beside `Code` and `Message`, which
        /// every SDK reads. Open choice: where the error type travels.
        ErrorTypeOnlyInBody,
        /// A body under a missing or non-JSON `Content-Type` is refused 415
        /// `UnsupportedMediaTypeException` with `{"message"}`, as a Smithy server does
        /// (the plain mock parses a body with no `Content-Type`, and refuses a wrong one
        /// with 400 `BadRequestException`). Open choice: how a malformed request is refused.
        UnsupportedMediaType,
        /// A body that is not a JSON object of the right member types (not JSON, trailing
        /// data, a top-level array, string, number or `null`, invalid UTF-8, nesting too
        /// deep, a member of the wrong JSON type) is refused 400 `SerializationException`
        /// with `{"message"}`, as a Smithy server does; a broken pattern or enum stays
        /// `BadRequestException`. Open choice: how a malformed request is refused.
        SerializationErrors,
        /// A valid request whose Username or Email is not of the common form
        /// (`contract::is_common_username`, `contract::is_common_email`) is refused 400
        /// `BadRequestException` ("the input parameters don't match the service's
        /// restrictions") before any state change. Open choice: service restrictions.
        RestrictUnusualInput,
        /// One valid create in seven (the 3rd, 10th, 17th... distinct pair of account and
        /// body) is answered once with 503 `ServiceUnavailableException` before any state change;
        /// the same request again gets through (it is never refused twice). After 100,000
        /// distinct bodies no more are refused. Open choice: transient faults, which the
        /// SDKs retry.
        TransientUnavailable,
        /// Another method on the CreateUser path is answered 405 Method Not Allowed with
        /// `Allow: POST` and a `{"message"}` body, as an HTTP server answers, instead of
        /// 404 `UnknownOperationException`. Open choice: how a probe of the route is refused.
        MethodNotAllowed,
        /// Bodies up to [`LARGE_BODY_BYTES`](crate::LARGE_BODY_BYTES) (8 MiB) are read
        /// and created from, where the plain mock refuses one over 1 MiB: the model sets no
        /// size limit (README, "Malformed requests").
        AcceptLargeBodies,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_round_trips_through_its_name() {
        assert_eq!(Variant::ALL.len(), 22);
        for v in Variant::ALL {
            assert_eq!(v.name().parse::<Variant>(), Ok(*v));
            assert_eq!(v.to_string().to_lowercase().parse::<Variant>(), Ok(*v));
        }
        let unknown = "NoSuchVariant".parse::<Variant>().unwrap_err();
        assert!(unknown.to_string().contains("MinimalUser"), "{unknown}");
    }
}
