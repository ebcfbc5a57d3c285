//! The responder's checks past the signature: the account (blank, unknown, forbidden,
//! throttled), the body against the model, and where a [`Defect`] bends one of them.

use std::time::Instant;

use wiremock::Request;

use super::request::{parse_body, BodyRules, CreateUserRequest};
use super::respond::{CreateUserResponder, ErrorReply, Outcome, RACE_WINDOW};
use super::state::AccountKind;
use super::throttle::retry_after_seconds;
use super::{Defect, Variant};
use chime_contract::pattern::account_id_matches;
use chime_contract::Exception;

impl CreateUserResponder {
    /// The request body, parsed and checked against the model (a defect turns a check off).
    pub(super) fn parse_request_body(
        &self,
        request: &Request,
    ) -> Result<CreateUserRequest, Outcome> {
        let rules = BodyRules {
            check_email_pattern: !self.has(Defect::AcceptInvalidEmail),
            check_user_type_enum: !self.has(Defect::AcceptInvalidUserType),
            refuse_trailing_data: !self.has(Defect::AcceptTrailingData),
            null_is_absent: !self.varies(Variant::RefuseNullMembers),
            max_body_bytes: self.max_body_bytes,
            dialect: self.dialect(),
            require_content_type: self.varies(Variant::UnsupportedMediaType),
        };
        let content_type = request
            .headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.as_bytes());
        parse_body(content_type, &request.body, rules).map_err(|e| self.request_refusal(e))
    }

    /// The answer a defect gives a valid body in place of a create, if it gives one.
    pub(super) fn body_defect(
        &self,
        body: &CreateUserRequest,
    ) -> Option<Result<Outcome, ErrorReply>> {
        let username = body.username.as_deref();
        if self.has(Defect::AwsCommonErrorOnSharedDevice)
            && body.user_type.as_deref() == Some("SharedDevice")
        {
            return Some(Ok(Outcome::Undocumented {
                name: "RequestExpired",
                status: 400,
                message: "Request has expired.".to_string(),
            }));
        }
        if self.has(Defect::RejectLongUsername) && username.is_some_and(|u| u.chars().count() > 255)
        {
            return Some(Err(ErrorReply::new(
                Exception::BadRequest,
                "member Username is longer than 255 characters",
            )));
        }
        if self.has(Defect::ServerErrorOnValidInput) && username.is_some_and(|u| !u.is_ascii()) {
            return Some(Err(ErrorReply::new(
                Exception::ServiceFailure,
                "internal error while creating the user",
            )));
        }
        None
    }

    /// The account checks, in the contract's order: blank, unknown, forbidden, throttled.
    pub(super) fn check_account(&self, account_id: &str, now: Instant) -> Result<(), ErrorReply> {
        if !account_id_matches(self.dialect(), account_id) {
            return Err(ErrorReply::new(
                Exception::BadRequest,
                "AccountId must not be empty or only whitespace",
            ));
        }
        let kind = self
            .directory
            .account_kind(account_id, self.has(Defect::NeverNotFound))
            .ok_or_else(|| ErrorReply::new(Exception::NotFound, "the account does not exist"))?;
        if kind == AccountKind::Forbidden && !self.has(Defect::NeverForbidden) {
            return Err(ErrorReply::new(
                Exception::Forbidden,
                "the account is disabled: the caller may not create users in it",
            ));
        }
        if kind == AccountKind::Throttled && !self.has(Defect::NeverThrottle) {
            self.directory
                .take_token(account_id, now)
                .map_err(|wait| self.throttled(wait))?;
        }
        Ok(())
    }

    /// The refusal of a throttled request (under a defect, every second one a 400).
    pub(super) fn throttled(&self, wait: std::time::Duration) -> ErrorReply {
        let refusals = self
            .refusals
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if self.has(Defect::ThrottleSomeAsBadRequest) && refusals.is_multiple_of(2) {
            return ErrorReply::new(Exception::BadRequest, "the request could not be handled");
        }
        ErrorReply {
            retry_after: Some(retry_after_seconds(wait)),
            ..ErrorReply::new(
                Exception::Throttled,
                "the request rate for this account is exceeded",
            )
        }
    }

    /// Under a defect whose refusal takes the Email (see [`Defect`]), writes the refused
    /// request's Email to the index of taken ones. The invalid-input defect takes it only
    /// from a body whose one fault is a `UserType` outside the enum.
    pub(super) fn leave_trace(&self, defect: Defect, request: &Request) {
        if !self.has(defect) {
            return;
        }
        let rules = BodyRules {
            check_user_type_enum: false,
            max_body_bytes: self.max_body_bytes,
            ..BodyRules::default()
        };
        let content_type = request
            .headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| v.as_bytes());
        let Ok(body) = parse_body(content_type, &request.body, rules) else {
            return;
        };
        if let Some(email) = body.email {
            chime_contract::util::lock(&self.taken).insert(email.to_lowercase());
        }
    }

    /// A `ConflictException` for an Email a refused request took (under a defect only).
    pub(super) fn check_taken(&self, email: Option<&str>) -> Result<(), ErrorReply> {
        let Some(email) = email else {
            return Ok(());
        };
        if chime_contract::util::lock(&self.taken).contains(&email.to_lowercase()) {
            return Err(ErrorReply::new(
                Exception::Conflict,
                "a user with that email already exists",
            ));
        }
        Ok(())
    }

    /// Whether this create may duplicate an email: never, unless a defect says so. The
    /// correct path checks and inserts under one lock ([`Directory::insert_user`]), so of
    /// simultaneous creates of one email exactly one wins.
    pub(super) fn duplicates_allowed(&self, account_id: &str, email: Option<&str>) -> bool {
        if self.has(Defect::NeverConflict) {
            return true;
        }
        let (true, Some(email)) = (self.has(Defect::RacyConflictCheck), email) else {
            return false;
        };
        // A store whose writes take a moment to be seen: a duplicate that arrives within
        // the window after the first create is created too.
        let mut recent = chime_contract::util::lock(&self.recent_creates);
        let key = format!("{account_id}\n{}", email.to_lowercase());
        let now = Instant::now();
        let unseen = recent
            .get(&key)
            .is_some_and(|at| now.duration_since(*at) < RACE_WINDOW);
        recent.retain(|_, at| now.duration_since(*at) < RACE_WINDOW);
        recent.entry(key).or_insert(now);
        unseen
    }
}
