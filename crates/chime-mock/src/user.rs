//! The `User` of a fresh create, as the model shapes it: its id, the members that echo the
//! request, its statuses and timestamps, and its PIN — with the one rule a [`Defect`]
//! breaks broken, and in the wire form a [`Variant`] asks for.

use chrono::Offset;
use serde_json::{json, Map, Value};

use crate::random::Randomness;
use crate::request::CreateUserRequest;
use crate::{Defect, Variant};
use chime_contract::DEFAULT_USER_TYPE;

/// The `UserId` every user gets under [`Defect::RepeatedUserId`].
const REPEATED_USER_ID: &str = "00000000-0000-4000-8000-000000000000";

/// How the mock shapes users: its defect and variant, if any.
#[derive(Debug, Clone, Copy)]
pub(super) struct UserShape {
    pub defect: Option<Defect>,
    pub variant: Option<Variant>,
}

impl UserShape {
    fn has(self, defect: Defect) -> bool {
        self.defect == Some(defect)
    }

    fn varies(self, variant: Variant) -> bool {
        self.variant == Some(variant)
    }

    /// The `User` of a fresh create in `account_id`.
    pub(crate) fn new_user(
        self,
        account_id: &str,
        request: &CreateUserRequest,
        random: &Randomness,
    ) -> Value {
        let mut user = Map::new();
        if !self.has(Defect::OmitUserId) {
            user.insert("UserId".into(), self.user_id(random));
        }
        if self.varies(Variant::MinimalUser) {
            return Value::Object(user);
        }
        self.echoes(&mut user, account_id, request);
        self.statuses(&mut user);
        self.timestamps(&mut user);
        user.insert("PersonalPIN".into(), json!(random.digits(10)));
        if self.varies(Variant::UnknownResponseMembers) {
            user.insert(
                "UserPreferences".into(),
                json!({ "AlertsEnabled": true, "Locale": "en-US" }),
            );
        }
        Value::Object(user)
    }

    fn user_id(self, random: &Randomness) -> Value {
        match self.defect {
            Some(Defect::RepeatedUserId) => json!(REPEATED_USER_ID),
            Some(Defect::NumericUserId) => json!(random.bits(32).max(1)),
            // 80 random bits: 20 hex digits.
            _ if self.varies(Variant::OpaqueUserIds) => json!(format!(
                "usr-{:016x}{:04x}",
                random.bits(64),
                random.bits(16)
            )),
            _ => json!(random.uuid().to_string()),
        }
    }

    /// The members that echo the request: account, email, name, type.
    fn echoes(self, user: &mut Map<String, Value>, account_id: &str, request: &CreateUserRequest) {
        let account_id = if self.has(Defect::WrongAccountIdEcho) {
            format!("{account_id}-other")
        } else {
            account_id.to_string()
        };
        user.insert("AccountId".into(), json!(account_id));
        if let Some(email) = &request.email {
            let email = if self.has(Defect::WrongPrimaryEmailEcho) {
                format!("other.{email}")
            } else if self.has(Defect::MangleAstralEmailEcho) {
                email
                    .chars()
                    .map(|c| if u32::from(c) > 0xFFFF { '\u{FFFD}' } else { c })
                    .collect()
            } else {
                email.clone()
            };
            user.insert("PrimaryEmail".into(), json!(email));
        }
        if let Some(username) = &request.username {
            user.insert("DisplayName".into(), json!(username));
        }
        let sent_type = request.user_type.as_deref().unwrap_or(DEFAULT_USER_TYPE);
        let user_type = match self.defect {
            Some(Defect::UserTypeOutsideEnum) => "Admin",
            Some(Defect::WrongUserTypeEcho) if sent_type == "SharedDevice" => "PrivateUser",
            Some(Defect::WrongUserTypeEcho) => "SharedDevice",
            _ => sent_type,
        };
        user.insert("UserType".into(), json!(user_type));
    }

    /// License, registration and invitation, each an enum of the model.
    fn statuses(self, user: &mut Map<String, Value>) {
        let pick = |defect, broken: &str, value: &str| {
            if self.has(defect) { broken } else { value }.to_string()
        };
        let members = [
            (
                "LicenseType",
                pick(Defect::LicenseTypeOutsideEnum, "Enterprise", "Pro"),
            ),
            (
                "UserRegistrationStatus",
                pick(
                    Defect::RegistrationStatusOutsideEnum,
                    "Deleted",
                    "Unregistered",
                ),
            ),
            (
                "UserInvitationStatus",
                pick(Defect::InvitationStatusOutsideEnum, "Expired", "Pending"),
            ),
        ];
        for (name, value) in members {
            user.insert(name.into(), json!(value));
        }
    }

    /// `InvitedOn` (and `RegisteredOn` under a variant) as ISO 8601 timestamps.
    fn timestamps(self, user: &mut Map<String, Value>) {
        let now = chrono::Utc::now();
        let invited_on = if self.has(Defect::MalformedInvitedOn) {
            "yesterday".to_string()
        } else if self.has(Defect::InvitedOnIn1970) {
            "1970-01-01T00:00:00Z".to_string()
        } else if self.varies(Variant::FractionalOffsetTimestamps) {
            offset_timestamp(now, 3600)
        } else {
            now.format("%Y-%m-%dT%H:%M:%SZ").to_string()
        };
        user.insert("InvitedOn".into(), json!(invited_on));
        if self.varies(Variant::FractionalOffsetTimestamps) {
            user.insert(
                "RegisteredOn".into(),
                json!(offset_timestamp(now, -(5 * 3600 + 30 * 60))),
            );
        }
    }
}

/// `now` in RFC 3339 with milliseconds and the numeric offset of `offset_seconds` east of
/// UTC (UTC itself when out of range), e.g. `2026-11-28T13:00:00.123+01:00`.
fn offset_timestamp(now: chrono::DateTime<chrono::Utc>, offset_seconds: i32) -> String {
    let offset = chrono::FixedOffset::east_opt(offset_seconds).unwrap_or(chrono::Utc.fix());
    now.with_timezone(&offset)
        .format("%Y-%m-%dT%H:%M:%S%.3f%:z")
        .to_string()
}
