//! Conforming variations for a no-false-positive suite: each variant makes the reference
//! mock answer differently from its usual wire form while still keeping every rule of the
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
        /// Bodies up to [`LARGE_BODY_BYTES`](crate::mock::LARGE_BODY_BYTES) (8 MiB) are read
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
        assert_eq!(Variant::ALL.len(), 10);
        for v in Variant::ALL {
            assert_eq!(v.name().parse::<Variant>(), Ok(*v));
            assert_eq!(v.to_string().to_lowercase().parse::<Variant>(), Ok(*v));
        }
        let unknown = "NoSuchVariant".parse::<Variant>().unwrap_err();
        assert!(unknown.to_string().contains("MinimalUser"), "{unknown}");
    }
}
