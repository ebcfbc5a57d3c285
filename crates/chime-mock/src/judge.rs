//! `--judge-clients`: every request to the CreateUser side is also judged as a client's
//! request against the contract (serialisation, signing, retries), and each departure is
//! kept as a [`Verdict`] naming one [`ClientRule`]. Judging never changes an answer. What a
//! verdict shows is masked with `chime_contract::redact` (no email, signature or secret).
//! Bounded: the first [`MAX_KEPT_VERDICTS`] verdicts are kept with a count of all, and the
//! retry history remembers at most [`MAX_TRACKED_REQUESTS`] requests for
//! [`RETRY_WINDOW`].

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};
use wiremock::Request;

use crate::request::{path_and_query, route_account_id, RequestError, EXPECTED_ROUTE};
use chime_contract::pattern::Validity;
use chime_contract::redact::mask_emails_in_text;
use chime_contract::sigv4::{
    parse_amz_date, parse_authorization, verify, AuthError, Lapses, ReceivedRequest,
    SigningCredentials, Verification,
};
use chime_contract::{EMAIL_PATTERN, SIGNING_SERVICE, USER_TYPES};

/// The verdicts kept (later ones are only counted).
pub const MAX_KEPT_VERDICTS: usize = 1000;
/// The distinct requests the retry judge remembers at once.
pub const MAX_TRACKED_REQUESTS: usize = 10_000;
/// How long a request is remembered: the same request sent again later is a new call.
pub const RETRY_WINDOW: Duration = Duration::from_secs(300);
/// The clock skew a client may have: more is a verdict (AWS refuses at 15 minutes; a
/// client should keep well inside that).
pub const MAX_CLIENT_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);
/// More attempts of one request than this is a verdict.
pub const MAX_ATTEMPTS: u32 = 5;
/// A retry of a 429/5xx sent sooner than this after the answer before it has no backoff;
/// two such retries in a row are a verdict (one alone may be full jitter's luck).
pub const HOT_RETRY: Duration = Duration::from_millis(100);
/// The statuses the contract never asks a client to retry.
pub const NOT_RETRYABLE: [u16; 5] = [400, 401, 403, 404, 409];

/// Declares [`ClientRule`] as one table: variant, dotted name, what it catches.
macro_rules! client_rules {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal, $description:literal;)*) => {
        /// One rule a client's requests are judged by (see [`ClientRule::ALL`] for the
        /// table: each rule's name and what it catches).
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum ClientRule {
            $($(#[doc = $doc])* $variant,)*
        }

        impl ClientRule {
            /// Every rule, in the table's order.
            pub const ALL: &'static [ClientRule] = &[$(ClientRule::$variant,)*];

            /// The rule's dotted name, as `/_chime-mock/verdicts` and the reports show it.
            pub fn name(self) -> &'static str {
                match self {
                    $(ClientRule::$variant => $name,)*
                }
            }

            /// What the rule catches, in one sentence.
            pub fn description(self) -> &'static str {
                match self {
                    $(ClientRule::$variant => $description,)*
                }
            }
        }
    };
}

client_rules! {
    /// Not CreateUser's route.
    Route = "client.serialisation.route",
        "The request is not POST /accounts/{accountId}/users?operation=create (another method, path or query, or a label that is not percent-encoded UTF-8).";
    /// A body without `Content-Type: application/json`.
    ContentType = "client.serialisation.content_type",
        "A request with a body does not say Content-Type: application/json (parameters such as charset are fine).";
    /// A body that is not one JSON object of the model's member types.
    Body = "client.serialisation.body",
        "The body is not one JSON object (not JSON, trailing data, an array or a scalar), or Username, Email or UserType is not a string.";
    /// An Email every regex dialect refuses.
    EmailPattern = "client.serialisation.email_pattern",
        "Email breaks the model's pattern .+@.+\\..+ under every regex dialect (where dialects disagree it is no verdict).";
    /// A UserType outside the enum.
    UserType = "client.serialisation.user_type",
        "UserType is not one of the model's enum values PrivateUser, SharedDevice.";
    /// A blank AccountId label.
    AccountId = "client.serialisation.account_id",
        "The accountId label is blank (breaks NonEmptyString .*\\S.* under every regex dialect).";
    /// No usable SigV4 `Authorization`.
    Unsigned = "client.signing.unsigned",
        "No Authorization header, or one that is not AWS4-HMAC-SHA256 Credential=.../SignedHeaders=.../Signature=... (judged only when the mock's auth is on).";
    /// Scoped to another service.
    ScopeService = "client.signing.scope_service",
        "The credential scope names another service than chime.";
    /// Scoped to another region.
    ScopeRegion = "client.signing.scope_region",
        "The credential scope names another region than the mock's (us-east-1).";
    /// Scope date and `X-Amz-Date` disagree, or no usable `X-Amz-Date`.
    ScopeDate = "client.signing.scope_date",
        "X-Amz-Date is missing or not YYYYMMDD'T'HHMMSS'Z', or the credential scope's date is not X-Amz-Date's day.";
    /// A header that must be signed is not.
    SignedHeaders = "client.signing.signed_headers",
        "SignedHeaders leaves out host or x-amz-date, or x-amz-content-sha256 is sent but not signed.";
    /// The client's clock is off.
    ClockSkew = "client.signing.clock_skew",
        "X-Amz-Date is more than 5 minutes from the mock's clock.";
    /// The signature does not verify.
    Signature = "client.signing.signature",
        "The signature does not verify with the mock's credentials (unknown access key, wrong secret, or the request changed after signing).";
    /// A retry of an answer that is never retryable.
    NotRetryable = "client.retry.not_retryable",
        "The same request is sent again after a 400, 401, 403, 404 or 409 answer, which no retry can change.";
    /// A retry of a 429 before its `Retry-After`.
    TooSoon = "client.retry.too_soon",
        "A 429 answer is retried sooner than its Retry-After.";
    /// Retries without backoff.
    NoBackoff = "client.retry.no_backoff",
        "Two retries in a row of a 429/5xx are each sent less than 100 ms after the answer before (no growing backoff).";
    /// Too many attempts.
    TooManyAttempts = "client.retry.too_many",
        "One request is attempted more than 5 times.";
    /// A retry while the first attempt is unanswered.
    InFlight = "client.retry.in_flight",
        "The same request is sent again while an earlier attempt is still waiting for its answer.";
}

impl std::fmt::Display for ClientRule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// One departure of a client's request from the contract.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The rule broken.
    pub rule: ClientRule,
    /// The request id the mock answered the request with (as in the journal).
    pub request_id: String,
    /// What the contract expects, in words.
    pub expected: String,
    /// What the client sent, masked.
    pub seen: String,
}

impl Verdict {
    /// The verdict as `/_chime-mock/verdicts` shows it.
    pub fn to_json(&self) -> Value {
        json!({
            "rule": self.rule.name(),
            "request_id": self.request_id,
            "expected": self.expected,
            "seen": self.seen,
        })
    }
}

/// The verdicts of a run: the first [`MAX_KEPT_VERDICTS`] and a count of all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ClientReport {
    /// Every verdict given, kept or not.
    pub count: u64,
    /// The first verdicts, in the order given.
    pub verdicts: Vec<Verdict>,
}

impl ClientReport {
    /// `{"count": N, "kept_limit": 1000, "verdicts": [{"rule", "request_id", "expected",
    /// "seen"}], "rules": [{"rule", "description"}]}`.
    pub fn to_json(&self) -> Value {
        json!({
            "count": self.count,
            "kept_limit": MAX_KEPT_VERDICTS,
            "verdicts": self.verdicts.iter().map(Verdict::to_json).collect::<Vec<_>>(),
            "rules": ClientRule::ALL
                .iter()
                .map(|r| json!({ "rule": r.name(), "description": r.description() }))
                .collect::<Vec<_>>(),
        })
    }

    /// JUnit XML: one test suite, one test case per rule of the table, failed with one
    /// `<failure>` per verdict of that rule (passed when it has none).
    pub fn to_junit_xml(&self) -> String {
        let failed = ClientRule::ALL
            .iter()
            .filter(|r| self.verdicts.iter().any(|v| v.rule == **r))
            .count();
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        xml.push_str(&format!(
            "<testsuites name=\"chime-mock client verdicts\" tests=\"{}\" failures=\"{failed}\">\n",
            ClientRule::ALL.len()
        ));
        xml.push_str(&format!(
            "  <testsuite name=\"client\" tests=\"{}\" failures=\"{failed}\">\n",
            ClientRule::ALL.len()
        ));
        if self.count > self.verdicts.len() as u64 {
            xml.push_str(&format!(
                "    <properties><property name=\"verdicts_not_kept\" value=\"{}\"/></properties>\n",
                self.count - self.verdicts.len() as u64
            ));
        }
        for rule in ClientRule::ALL {
            let name = xml_escape(rule.name());
            let verdicts: Vec<&Verdict> =
                self.verdicts.iter().filter(|v| v.rule == *rule).collect();
            if verdicts.is_empty() {
                xml.push_str(&format!(
                    "    <testcase classname=\"client\" name=\"{name}\"/>\n"
                ));
                continue;
            }
            xml.push_str(&format!(
                "    <testcase classname=\"client\" name=\"{name}\">\n"
            ));
            for verdict in verdicts {
                let message = format!(
                    "request {}: expected {}; seen {}",
                    verdict.request_id, verdict.expected, verdict.seen
                );
                xml.push_str(&format!(
                    "      <failure message=\"{}\" type=\"{name}\">{}</failure>\n",
                    xml_escape(&message),
                    xml_escape(rule.description())
                ));
            }
            xml.push_str("    </testcase>\n");
        }
        xml.push_str("  </testsuite>\n</testsuites>\n");
        xml
    }
}

/// Text made safe for XML content and attribute values: the five special characters
/// escaped, and characters XML 1.0 cannot hold (most C0 controls, U+FFFE, U+FFFF) replaced
/// with U+FFFD.
pub(crate) fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// What the mock answered a request, as the retry judge needs it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Answer {
    /// The status sent.
    pub(crate) status: u16,
    /// `Retry-After`, when sent.
    pub(crate) retry_after: Option<Duration>,
    /// When the request was answered by the responder.
    pub(crate) at: Instant,
    /// How long the answer is held back (a fault rule's latency).
    pub(crate) delay: Option<Duration>,
}

/// One request's attempts so far.
#[derive(Debug, Clone, Copy)]
struct Attempts {
    count: u32,
    /// When the last attempt's answer leaves the mock.
    last_answered: Instant,
    last_status: u16,
    last_retry_after: Option<Duration>,
    /// The wait before the last attempt, when it was a retry of a 429/5xx.
    last_wait: Option<Duration>,
    no_backoff_given: bool,
    too_many_given: bool,
}

/// The judge of one running mock: its settings, the verdicts so far and the retry history.
#[derive(Debug)]
pub(crate) struct ClientJudge {
    /// The credentials to verify signatures with; `None`: auth is off, signing not judged.
    credentials: Option<Vec<SigningCredentials>>,
    region: &'static str,
    verdicts: Mutex<ClientReport>,
    history: Mutex<HashMap<u64, Attempts>>,
}

/// Verdicts of one request, before they are recorded.
struct Findings<'a> {
    request_id: &'a str,
    found: Vec<Verdict>,
}

impl Findings<'_> {
    fn add(&mut self, rule: ClientRule, expected: impl Into<String>, seen: impl AsRef<str>) {
        self.found.push(Verdict {
            rule,
            request_id: self.request_id.to_string(),
            expected: expected.into(),
            seen: shown(seen.as_ref()),
        });
    }
}

/// Text from a request as a verdict may show it: emails masked, at most 160 characters.
fn shown(text: &str) -> String {
    let masked = mask_emails_in_text(text);
    let mut out: String = masked.chars().take(160).collect();
    if masked.chars().count() > 160 {
        out.push('…');
    }
    out
}

impl ClientJudge {
    /// A judge verifying signatures with `credentials` (none: auth is off) in `region`.
    pub(crate) fn new(
        credentials: Option<Vec<SigningCredentials>>,
        region: &'static str,
    ) -> ClientJudge {
        ClientJudge {
            credentials,
            region,
            verdicts: Mutex::default(),
            history: Mutex::default(),
        }
    }

    /// Judges one request (answered with `answer` and request id `request_id`) and keeps
    /// its verdicts.
    pub(crate) fn judge(&self, request: &Request, request_id: &str, answer: Answer) {
        let mut findings = Findings {
            request_id,
            found: Vec::new(),
        };
        self.judge_serialisation(request, &mut findings);
        if let Some(credentials) = &self.credentials {
            self.judge_signing(request, credentials, &mut findings);
        }
        self.judge_retry(request, answer, &mut findings);
        if findings.found.is_empty() {
            return;
        }
        let mut report = chime_contract::util::lock(&self.verdicts);
        for verdict in findings.found {
            report.count += 1;
            if report.verdicts.len() < MAX_KEPT_VERDICTS {
                report.verdicts.push(verdict);
            }
        }
    }

    /// The verdicts so far.
    pub(crate) fn report(&self) -> ClientReport {
        chime_contract::util::lock(&self.verdicts).clone()
    }

    /// Forgets every verdict and the retry history.
    pub(crate) fn clear(&self) {
        *chime_contract::util::lock(&self.verdicts) = ClientReport::default();
        chime_contract::util::lock(&self.history).clear();
    }

    fn judge_serialisation(&self, request: &Request, findings: &mut Findings<'_>) {
        let method = request.method.as_str();
        let path = request.url.path();
        let query = request.url.query();
        match route_account_id(method, path, query) {
            Ok(account_id) => {
                if Validity::of_account_id(&account_id) == Validity::Invalid {
                    findings.add(
                        ClientRule::AccountId,
                        "an accountId label with a non-space character",
                        format!("the label {:?}", account_id),
                    );
                }
            }
            Err(RequestError::AccountIdEncoding) => findings.add(
                ClientRule::Route,
                "the accountId label percent-encoded as UTF-8",
                format!("{method} {}", path_and_query(request)),
            ),
            Err(_) => {
                findings.add(
                    ClientRule::Route,
                    EXPECTED_ROUTE,
                    format!("{method} {}", path_and_query(request)),
                );
                // Not CreateUser: its body is not judged against CreateUser's input.
                return;
            }
        }
        if request.body.is_empty() {
            return;
        }
        let content_type = request
            .headers
            .get(http::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let is_json = content_type.as_deref().is_some_and(|value| {
            value
                .split(';')
                .next()
                .is_some_and(|media| media.trim().eq_ignore_ascii_case("application/json"))
        });
        if !is_json {
            findings.add(
                ClientRule::ContentType,
                "Content-Type: application/json",
                match content_type {
                    Some(value) => format!("Content-Type: {value}"),
                    None => "no Content-Type".to_string(),
                },
            );
        }
        let body = match serde_json::from_slice::<Value>(&request.body) {
            Ok(Value::Object(members)) => members,
            Ok(other) => {
                findings.add(
                    ClientRule::Body,
                    "one JSON object",
                    format!("a JSON {}", json_type(&other)),
                );
                return;
            }
            Err(_) => {
                findings.add(
                    ClientRule::Body,
                    "one JSON object",
                    format!(
                        "{} bytes that are not one JSON document",
                        request.body.len()
                    ),
                );
                return;
            }
        };
        for member in ["Username", "Email", "UserType"] {
            match body.get(member) {
                None | Some(Value::Null | Value::String(_)) => {}
                Some(other) => findings.add(
                    ClientRule::Body,
                    format!("member {member} a JSON string"),
                    format!("member {member} a JSON {}", json_type(other)),
                ),
            }
        }
        if let Some(Value::String(email)) = body.get("Email") {
            if Validity::of_email(email) == Validity::Invalid {
                findings.add(
                    ClientRule::EmailPattern,
                    format!("an Email matching {EMAIL_PATTERN}"),
                    format!(
                        "an Email of {} characters matching it under no regex dialect (value withheld)",
                        email.chars().count()
                    ),
                );
            }
        }
        if let Some(Value::String(user_type)) = body.get("UserType") {
            if !USER_TYPES.contains(&user_type.as_str()) {
                findings.add(
                    ClientRule::UserType,
                    format!("UserType one of {}", USER_TYPES.join(", ")),
                    format!("UserType {user_type:?}"),
                );
            }
        }
    }

    fn judge_signing(
        &self,
        request: &Request,
        credentials: &[SigningCredentials],
        findings: &mut Findings<'_>,
    ) {
        let header = |name: &str| {
            request
                .headers
                .get(name)
                .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        };
        let Some(authorization) = header("authorization") else {
            findings.add(
                ClientRule::Unsigned,
                "an Authorization header with a SigV4 (AWS4-HMAC-SHA256) signature",
                "no Authorization header",
            );
            return;
        };
        // SignedHeaders is read on its own first: a missing host is this rule's, not a
        // malformed header's.
        let signed = signed_header_names(&authorization);
        if let Some(signed) = &signed {
            let sha_sent = request.headers.contains_key("x-amz-content-sha256");
            let missing: Vec<&str> = ["host", "x-amz-date", "x-amz-content-sha256"]
                .into_iter()
                .filter(|name| *name != "x-amz-content-sha256" || sha_sent)
                .filter(|name| !signed.iter().any(|s| s == name))
                .collect();
            if !missing.is_empty() {
                findings.add(
                    ClientRule::SignedHeaders,
                    "SignedHeaders including host, x-amz-date and (when sent) x-amz-content-sha256",
                    format!(
                        "SignedHeaders={} (missing {})",
                        signed.join(";"),
                        missing.join(", ")
                    ),
                );
            }
        }
        let parsed = match parse_authorization(&authorization) {
            Ok(parsed) => parsed,
            Err(AuthError::Malformed(why)) if why.contains("host") && signed.is_some() => return,
            Err(error) => {
                let scheme = authorization.split(' ').next().unwrap_or("");
                findings.add(
                    ClientRule::Unsigned,
                    "Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=...",
                    format!("an Authorization header ({:?} ...) that is not SigV4: {error}", shown(scheme)),
                );
                return;
            }
        };
        if parsed.service != SIGNING_SERVICE {
            findings.add(
                ClientRule::ScopeService,
                format!("credential scope service {SIGNING_SERVICE}"),
                format!("service {:?}", parsed.service),
            );
        }
        if parsed.region != self.region {
            findings.add(
                ClientRule::ScopeRegion,
                format!("credential scope region {} (the mock's)", self.region),
                format!("region {:?}", parsed.region),
            );
        }
        let amz_date = header("x-amz-date");
        let time = amz_date.as_deref().and_then(parse_amz_date);
        match (&amz_date, time) {
            (None, _) => findings.add(
                ClientRule::ScopeDate,
                "an X-Amz-Date header, the credential scope's date its day",
                "no X-Amz-Date header",
            ),
            (Some(value), None) => findings.add(
                ClientRule::ScopeDate,
                "X-Amz-Date as YYYYMMDD'T'HHMMSS'Z'",
                format!("X-Amz-Date {value:?}"),
            ),
            (Some(value), Some(time)) => {
                if !value.starts_with(&parsed.date) {
                    findings.add(
                        ClientRule::ScopeDate,
                        format!("credential scope date {}", value.get(..8).unwrap_or(value)),
                        format!("scope date {:?} with X-Amz-Date {value}", parsed.date),
                    );
                }
                let skew = match time.duration_since(SystemTime::now()) {
                    Ok(ahead) => ahead,
                    Err(behind) => behind.duration(),
                };
                if skew > MAX_CLIENT_CLOCK_SKEW {
                    findings.add(
                        ClientRule::ClockSkew,
                        "X-Amz-Date within 5 minutes of the mock's clock",
                        format!("X-Amz-Date {value}, {} s away", skew.as_secs()),
                    );
                }
            }
        }
        // The signature alone: the scope and the date are judged above.
        let path_and_query = path_and_query(request);
        let received = ReceivedRequest {
            method: request.method.as_str(),
            path_and_query: &path_and_query,
            headers: &request.headers,
            body: &request.body,
        };
        let checks = Verification {
            region: self.region,
            now: SystemTime::now(),
            lapses: Lapses {
                clock_skew: true,
                scope_service: true,
                scope_region: true,
                ..Lapses::default()
            },
        };
        if let Err(error @ (AuthError::SignatureMismatch | AuthError::UnknownAccessKey)) =
            verify(&received, credentials, &checks)
        {
            findings.add(
                ClientRule::Signature,
                "a signature that verifies with the mock's credentials",
                format!("access key {:?}: {error}", parsed.access_key_id),
            );
        }
    }

    fn judge_retry(&self, request: &Request, answer: Answer, findings: &mut Findings<'_>) {
        let attempt_header = request
            .headers
            .get("amz-sdk-request")
            .and_then(|v| v.to_str().ok())
            .and_then(sdk_attempt);
        let key = request_key(request);
        let now = answer.at;
        let answered = now + answer.delay.unwrap_or_default();
        let mut history = chime_contract::util::lock(&self.history);
        if history.len() >= MAX_TRACKED_REQUESTS {
            history.retain(|_, a| now.saturating_duration_since(a.last_answered) < RETRY_WINDOW);
            if history.len() >= MAX_TRACKED_REQUESTS {
                history.clear();
            }
        }
        let fresh = Attempts {
            count: 1,
            last_answered: answered,
            last_status: answer.status,
            last_retry_after: answer.retry_after,
            last_wait: None,
            no_backoff_given: false,
            too_many_given: false,
        };
        let previous = history.get(&key).copied().filter(|a| {
            // A call the SDK numbers as its first attempt is a new call.
            attempt_header != Some(1)
                && now.saturating_duration_since(a.last_answered) < RETRY_WINDOW
        });
        let Some(mut attempts) = previous else {
            history.insert(key, fresh);
            return;
        };
        attempts.count += 1;
        let mut wait = None;
        if now < attempts.last_answered {
            findings.add(
                ClientRule::InFlight,
                "a retry only after the earlier attempt's answer",
                format!(
                    "attempt {} sent {} ms before the earlier attempt was answered",
                    attempts.count,
                    (attempts.last_answered - now).as_millis()
                ),
            );
        } else {
            let waited = now - attempts.last_answered;
            let status = attempts.last_status;
            if NOT_RETRYABLE.contains(&status) {
                findings.add(
                    ClientRule::NotRetryable,
                    format!("no retry of a {status} answer"),
                    format!(
                        "attempt {} sent {} ms after a {status}",
                        attempts.count,
                        waited.as_millis()
                    ),
                );
            }
            if let (429, Some(retry_after)) = (status, attempts.last_retry_after) {
                if waited < retry_after {
                    findings.add(
                        ClientRule::TooSoon,
                        format!("a retry at least {} s after the 429", retry_after.as_secs()),
                        format!("a retry {} ms after it", waited.as_millis()),
                    );
                }
            }
            if status == 429 || status >= 500 {
                wait = Some(waited);
                let hot = |w: Duration| w < HOT_RETRY;
                if hot(waited) && attempts.last_wait.is_some_and(hot) && !attempts.no_backoff_given
                {
                    attempts.no_backoff_given = true;
                    findings.add(
                        ClientRule::NoBackoff,
                        "a growing backoff between retries of a 429/5xx",
                        format!(
                            "attempts {} and {} each sent under {} ms after the answer before",
                            attempts.count - 1,
                            attempts.count,
                            HOT_RETRY.as_millis()
                        ),
                    );
                }
            }
        }
        if attempts.count > MAX_ATTEMPTS && !attempts.too_many_given {
            attempts.too_many_given = true;
            findings.add(
                ClientRule::TooManyAttempts,
                format!("at most {MAX_ATTEMPTS} attempts of one request"),
                format!("attempt {}", attempts.count),
            );
        }
        attempts.last_answered = attempts.last_answered.max(answered);
        attempts.last_status = answer.status;
        attempts.last_retry_after = answer.retry_after;
        attempts.last_wait = wait;
        history.insert(key, attempts);
    }
}

/// The JSON type of a value, in words.
fn json_type(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The names in an `Authorization` header's `SignedHeaders=` component, if it has one.
fn signed_header_names(authorization: &str) -> Option<Vec<String>> {
    authorization
        .split([',', ' '])
        .find_map(|part| part.trim().strip_prefix("SignedHeaders="))
        .map(|names| names.split(';').map(str::to_ascii_lowercase).collect())
}

/// The attempt number of an `amz-sdk-request: attempt=N; max=M` header.
fn sdk_attempt(value: &str) -> Option<u32> {
    value
        .split(';')
        .find_map(|part| part.trim().strip_prefix("attempt="))
        .and_then(|n| n.trim().parse().ok())
}

/// Which request this is, across retries: the SDK's `amz-sdk-invocation-id` when sent
/// (it stays the same across an operation's attempts), else method, path, query and body.
fn request_key(request: &Request) -> u64 {
    let mut hasher = std::hash::DefaultHasher::new();
    match request.headers.get("amz-sdk-invocation-id") {
        Some(id) => {
            "invocation".hash(&mut hasher);
            id.as_bytes().hash(&mut hasher);
        }
        None => {
            request.method.as_str().hash(&mut hasher);
            path_and_query(request).hash(&mut hasher);
            request.body.hash(&mut hasher);
        }
    }
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_has_a_unique_dotted_name_and_a_description() {
        let mut names: Vec<&str> = ClientRule::ALL.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ClientRule::ALL.len());
        for rule in ClientRule::ALL {
            assert!(rule.name().starts_with("client."), "{rule}");
            assert!(rule.description().ends_with('.'), "{rule}");
        }
    }

    #[test]
    fn xml_is_escaped_and_control_characters_replaced() {
        assert_eq!(
            xml_escape("a<b>&\"c'\u{1}\n"),
            "a&lt;b&gt;&amp;&quot;c&apos;\u{FFFD}&#10;"
        );
    }

    #[test]
    fn the_junit_report_has_one_case_per_rule_and_a_failure_per_verdict() {
        let report = ClientReport {
            count: 2,
            verdicts: vec![
                Verdict {
                    rule: ClientRule::Body,
                    request_id: "r1".into(),
                    expected: "one JSON object".into(),
                    seen: "a JSON <array> & more".into(),
                },
                Verdict {
                    rule: ClientRule::Body,
                    request_id: "r2".into(),
                    expected: "x".into(),
                    seen: "y".into(),
                },
            ],
        };
        let xml = report.to_junit_xml();
        assert_eq!(xml.matches("<testcase ").count(), ClientRule::ALL.len());
        assert_eq!(xml.matches("<failure ").count(), 2);
        assert!(xml.contains("failures=\"1\""), "{xml}");
        assert!(xml.contains("a JSON &lt;array&gt; &amp; more"), "{xml}");
        let json = report.to_json();
        assert_eq!(json["count"], 2);
        assert_eq!(json["verdicts"][0]["rule"], "client.serialisation.body");
    }

    #[test]
    fn sdk_headers_are_read() {
        assert_eq!(sdk_attempt("attempt=2; max=3"), Some(2));
        assert_eq!(sdk_attempt("max=3"), None);
        assert_eq!(
            signed_header_names(
                "AWS4-HMAC-SHA256 Credential=a/b/c/d/aws4_request, SignedHeaders=Host;x-amz-date, Signature=00"
            ),
            Some(vec!["host".to_string(), "x-amz-date".to_string()])
        );
    }
}
