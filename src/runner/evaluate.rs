//! One generated request, from input to verdict: the input made unique for the run, the
//! call it becomes, the exchange (or no answer), and the checks that apply to it.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::{Run, UsernameTag};
use crate::check::{
    check_user_id_unique, Checked, Expectation, Observation, OpenChoice, Rule, SentFacts, Violation,
};
use crate::contract::pattern::Validity;
use crate::contract::sigv4::SignatureMode;
use crate::contract::{is_common_email, is_common_username, Exception};
use crate::endpoint::Auth;
use crate::http::{
    is_transient, Call, CallBody, CallPurpose, Exchange, ReceivedResponse, Retried, SentRequest,
    Unanswered,
};
use crate::input::cases::AccountRef;
use crate::input::coverage::Facets;
use crate::input::generate::{
    unique_email, Breakage, CreateUserInput, ErrorProbe, InvalidBody, InvalidInput,
};
use crate::input::property::PropertyInput;
use crate::report::coverage::{ProbeFamily, VALUES};
use crate::report::event::{Event, ExchangeEvent, ExchangeRole};
use crate::util::lock;

/// What came of one request: checked, or never answered.
#[derive(Debug)]
pub(crate) enum Answer {
    /// An answer came back and was checked; `violations` is empty when it conforms.
    Checked {
        exchange: Exchange,
        violations: Vec<Violation>,
    },
    /// No complete answer came back (a transport failure).
    Unanswered(Unanswered),
    /// No answer came because the connection closed while a request the target may refuse
    /// that way (a body too large for it) was sent, and that close was judged: `violations`
    /// is empty when it is taken as a refusal the harness could not see (over https), else
    /// it holds the departure (a close with no answer at all).
    ClosedEarly {
        unanswered: Unanswered,
        violations: Vec<Violation>,
    },
}

/// One request's verdict, with a line saying what was being tried.
#[derive(Debug)]
pub(crate) struct Evaluation {
    pub context: Option<String>,
    pub answer: Answer,
    /// Rules broken by other requests of the same trial (a burst's other members, a
    /// batch's other failing inputs, the input before shrinking).
    pub also_broken: Vec<Rule>,
}

impl Answer {
    /// The request, the response if one came, and the violations found.
    pub(super) fn parts(&self) -> (&SentRequest, Option<&ReceivedResponse>, &[Violation]) {
        match self {
            Answer::Checked {
                exchange,
                violations,
            } => (&exchange.request, Some(&exchange.response), violations),
            Answer::Unanswered(u) => (&u.request, None, &[]),
            Answer::ClosedEarly {
                unanswered,
                violations,
            } => (&unanswered.request, None, violations),
        }
    }
}

impl Evaluation {
    pub(super) fn new(context: Option<String>, answer: Answer) -> Evaluation {
        Evaluation {
            context,
            answer,
            also_broken: Vec::new(),
        }
    }

    pub(super) fn failed(&self) -> bool {
        match &self.answer {
            Answer::Checked { violations, .. } | Answer::ClosedEarly { violations, .. } => {
                !violations.is_empty()
            }
            Answer::Unanswered(_) => true,
        }
    }

    pub(super) fn unanswered(&self) -> bool {
        matches!(self.answer, Answer::Unanswered(_))
    }

    /// The rules the shown exchange broke.
    pub(super) fn rules(&self) -> impl Iterator<Item = Rule> + '_ {
        let (_, _, violations) = self.answer.parts();
        violations.iter().map(|v| v.rule)
    }
}

/// What a property's request is meant to get.
enum Aim {
    /// A 201 echoing this input.
    Create(CreateUserInput),
    /// A refusal of an input that breaks the model (the account and body as sent): a 400
    /// BadRequestException where `bad_request`, any restJson1 refusal otherwise.
    Reject {
        account_id: String,
        body: Option<Value>,
        breakage: Breakage,
        bad_request: bool,
    },
    /// A refusal that follows restJson1; accepting it breaks `rule`.
    Refuse(Rule),
    /// Any answer; an error follows restJson1.
    Answer,
}

impl Run {
    /// A tag unique in this run, for emails.
    pub(super) fn next_tag(&self) -> String {
        format!(
            "{}-{}",
            self.options.run_id,
            self.tags.fetch_add(1, Ordering::Relaxed)
        )
    }

    /// A generated input as it is sent: its Email made unique in the run, its Username
    /// tagged with the run id where the target is shared.
    fn as_sent(&self, input: &CreateUserInput) -> CreateUserInput {
        let input = input.made_unique(&self.next_tag());
        match self.options.usernames {
            UsernameTag::RunId => input.with_run_tag(&self.options.run_id),
            UsernameTag::Untagged => input,
        }
    }

    /// What an input covers as it is sent: a Username the run tags is never absent, null or
    /// empty (the tag an Email gets keeps its kind, and is left out).
    fn facets(&self, input: &PropertyInput) -> Facets {
        match (input, self.options.usernames) {
            (PropertyInput::Valid(generated), UsernameTag::RunId) => Facets::of(
                &PropertyInput::Valid(generated.with_run_tag(&self.options.run_id)),
            ),
            _ => Facets::of(input),
        }
    }

    /// Adds a violation when a created user's id was returned before in the run, and
    /// counts the values of the created user judged for plausibility (the coverage table's
    /// `values` row).
    pub(super) fn note_user_id(&self, checked: &mut Checked, response: &ReceivedResponse) {
        if let Some(id) = &checked.user_id {
            match check_user_id_unique(id, &mut lock(&self.user_ids)) {
                Some(v) => checked.violations.push(v),
                None => self.report(&Event::UserCreated { user_id: id }),
            }
        }
        self.note_values(response);
    }

    /// Counts which values of a created user were judged for plausibility, and against
    /// what its timestamps were judged.
    fn note_values(&self, response: &ReceivedResponse) {
        let Ok(body) = response.json() else {
            return;
        };
        let Some(user) = body.get("User") else {
            return;
        };
        let status = Some(response.status);
        let mut timestamps = false;
        for (member, label) in [
            ("UserId", VALUES[0]),
            ("InvitedOn", VALUES[1]),
            ("RegisteredOn", VALUES[2]),
        ] {
            if user.get(member).is_some_and(Value::is_string) {
                self.probed(ProbeFamily::Values, label, status);
                timestamps |= member != "UserId";
            }
        }
        if timestamps {
            let dated = response
                .header("date")
                .is_some_and(|d| chrono::DateTime::parse_from_rfc2822(d.trim()).is_ok());
            let against = if dated { VALUES[3] } else { VALUES[4] };
            self.probed(ProbeFamily::Values, against, status);
        }
    }

    /// Sends a call as an SDK does (a 429 retried unless throttling is what is tested, a
    /// transient 5xx retried where no fault was injected).
    pub(super) async fn exchange(
        &self,
        trial: &str,
        call: &Call,
        throttling_tested: bool,
    ) -> Result<Exchange, Unanswered> {
        let (exchange, _) = self
            .exchange_retried(trial, call, throttling_tested)
            .await?;
        Ok(exchange)
    }

    /// Like [`Run::exchange`], with what was retried.
    pub(super) async fn exchange_retried(
        &self,
        trial: &str,
        call: &Call,
        throttling_tested: bool,
    ) -> Result<(Exchange, Retried), Unanswered> {
        let (exchange, retried) = self.client.send_as_sdk(call, !throttling_tested).await?;
        self.note_transient(trial, &exchange, &retried);
        Ok((exchange, retried))
    }

    /// Records a transient 5xx answered on a retry as [`OpenChoice::TransientRetry`], with
    /// its attempts (a persistent one is left to the checks).
    fn note_transient(&self, trial: &str, exchange: &Exchange, retried: &Retried) {
        let Some(first) = retried.transient.first() else {
            return;
        };
        let status = exchange.response.status;
        if is_transient(status) {
            return;
        }
        let observation = Observation::new(
            OpenChoice::TransientRetry,
            format!(
                "{first}, then {status} on attempt {}",
                retried.transient.len() + 1
            ),
        );
        self.report(&Event::Observed {
            trial,
            observations: &[observation],
            request: &exchange.request,
            response: Some(&exchange.response),
        });
    }

    /// Sends calls as one burst (all at once, see [`crate::http::Client::attempt_together`]);
    /// where throttling is not tested, a 429 among the answers is retried on its own.
    pub(super) async fn exchange_together(
        &self,
        trial: &str,
        calls: &[Call],
        throttling_tested: bool,
    ) -> Vec<Result<Exchange, Unanswered>> {
        let answers = self.client.attempt_together(calls).await;
        let retried = calls.iter().zip(answers).map(|(call, answer)| async move {
            let (exchange, retried) = self
                .client
                .retry_as_sdk(call, answer?, !throttling_tested)
                .await?;
            self.note_transient(trial, &exchange, &retried);
            Ok(exchange)
        });
        futures::future::join_all(retried).await
    }

    /// Sends one property input and checks the answer.
    pub(super) async fn evaluate(
        &self,
        trial: &str,
        input: &PropertyInput,
        sent: &AtomicU64,
    ) -> Evaluation {
        sent.fetch_add(1, Ordering::Relaxed);
        let (call, context, aim) = self.property_call(input);
        let evaluation = match self.exchange_retried(trial, &call, false).await {
            Ok((exchange, retried)) => {
                let throttled = retried.throttles > 0;
                let violations = self.check_property_answer(trial, &aim, &exchange, throttled);
                Evaluation::new(
                    context,
                    Answer::Checked {
                        exchange,
                        violations,
                    },
                )
            }
            Err(unanswered) => Evaluation::new(context, Answer::Unanswered(unanswered)),
        };
        let role = ExchangeRole {
            account: property_account(input),
            step: None,
        };
        let (request, response, violations) = evaluation.answer.parts();
        self.report(&Event::InputCovered {
            facets: self.facets(input),
            status: response.map(|r| r.status),
        });
        self.report_exchange(trial, role, request, response, violations);
        evaluation
    }

    /// Tells the reporters of one request: the exchange, then its verdict.
    pub(super) fn report_exchange(
        &self,
        trial: &str,
        role: ExchangeRole,
        request: &SentRequest,
        response: Option<&ReceivedResponse>,
        violations: &[Violation],
    ) {
        let rules: Vec<Rule> = violations.iter().map(|v| v.rule).collect();
        self.report(&Event::Exchange(&ExchangeEvent {
            trial,
            role,
            request,
            response,
            rules: &rules,
        }));
        let failed = response.is_none() || !rules.is_empty();
        self.report(&Event::RequestFinished { trial, failed });
    }

    fn property_call(&self, input: &PropertyInput) -> (Call, Option<String>, Aim) {
        let fixture = self.client.target().fixtures.account_id.clone();
        let reject = |input: &InvalidInput, bad_request: bool| {
            let call = self.invalid_call(input, &fixture);
            let aim = Aim::Reject {
                account_id: call.account_id.clone(),
                body: call.body.json().cloned(),
                breakage: input.breakage.clone(),
                bad_request,
            };
            (call, Some(input.breakage.label().to_string()), aim)
        };
        match input {
            PropertyInput::Valid(input) => {
                let input = self.as_sent(input);
                (create_call(&fixture, &input), None, Aim::Create(input))
            }
            PropertyInput::Invalid(input) => reject(input, true),
            PropertyInput::Probe(ErrorProbe::Invalid(input)) => reject(input, false),
            PropertyInput::Probe(ErrorProbe::UnknownAccount { input, account_id }) => (
                Call::json(account_id, self.as_sent(input).body()),
                Some("an account that does not exist".to_string()),
                Aim::Refuse(Rule::CaseExpectedException),
            ),
            PropertyInput::Probe(ErrorProbe::Unsigned(input)) => (
                Call {
                    signature: SignatureMode::Unsigned,
                    ..Call::json(&fixture, self.as_sent(input).body())
                },
                Some("no signature".to_string()),
                // A target run with `--auth none` is assumed not to check credentials.
                match self.client.target().auth {
                    Auth::None => Aim::Answer,
                    Auth::SigV4 { .. } => Aim::Refuse(Rule::CaseExpectedException),
                },
            ),
        }
    }

    /// Checks a property's answer; `throttled` when the request was refused with a 429 and
    /// retried first (then a ConflictException is that refusal's trace).
    fn check_property_answer(
        &self,
        trial: &str,
        aim: &Aim,
        exchange: &Exchange,
        throttled: bool,
    ) -> Vec<Violation> {
        let (account_id, body) = match aim {
            Aim::Reject {
                account_id, body, ..
            } => (account_id, body.as_ref()),
            _ => (&self.client.target().fixtures.account_id, None),
        };
        let facts = match aim {
            Aim::Create(input) => SentFacts {
                account_id,
                email: input.email.as_deref(),
                user_type: input.user_type.as_deref(),
            },
            _ => SentFacts::of(account_id, body),
        };
        let expectation = match aim {
            Aim::Create(input) => match refusable(input) {
                Some(choice) => Expectation::CreatedOrRefused {
                    facts: &facts,
                    choice,
                },
                None if throttled => Expectation::CreatedAfterRefusal {
                    facts: &facts,
                    refusal: "ThrottledClientException, then retried",
                },
                None => Expectation::Created(&facts),
            },
            Aim::Reject {
                breakage,
                bad_request,
                ..
            } => match disputed(breakage, account_id, &facts) {
                // A probe whose validity depends on the dialect may be taken or refused.
                Some(_) if !*bad_request => Expectation::AnyError,
                None if !*bad_request => Expectation::Refused {
                    rule: Rule::InputRejected,
                    unparsable: unparsable(breakage),
                },
                Some(also) => Expectation::Disputed {
                    facts: &facts,
                    also,
                },
                None if unparsable(breakage) => Expectation::RejectedUnparsable {
                    rule: Rule::InputRejected,
                },
                None => Expectation::Rejected {
                    exception: Exception::BadRequest,
                    rule: Rule::InputRejected,
                },
            },
            Aim::Refuse(rule) => Expectation::Refused {
                rule: *rule,
                unparsable: false,
            },
            Aim::Answer => Expectation::AnyError,
        };
        let mut checked = self.judge(trial, expectation, exchange, None);
        if exchange.response.is_success() {
            self.note_user_id(&mut checked, &exchange.response);
        }
        checked.violations
    }

    /// An Email whose validity depends on the regex dialect may create a user: it is made
    /// unique in the run like a valid one (when it stays disputed), so that a server that
    /// takes it answers 201 rather than a conflict with an earlier input. Any other
    /// breakage is sent as generated.
    fn disputed_made_unique(&self, breakage: &Breakage) -> Breakage {
        match breakage {
            Breakage::EmailPattern(email) if Validity::of_email(email).is_disputed() => {
                let unique = unique_email(email, &self.next_tag());
                if Validity::of_email(&unique).is_disputed() {
                    Breakage::EmailPattern(unique)
                } else {
                    breakage.clone()
                }
            }
            _ => breakage.clone(),
        }
    }

    fn invalid_call(&self, input: &InvalidInput, fixture: &str) -> Call {
        let sent = InvalidInput {
            base: self.as_sent(&input.base),
            breakage: self.disputed_made_unique(&input.breakage),
        };
        let body = match sent.body() {
            InvalidBody::Json(v) => CallBody::Json(v),
            InvalidBody::Raw(text) => CallBody::Raw {
                bytes: text.into_bytes(),
                content_type: Some("application/json".into()),
            },
        };
        Call {
            account_id: sent.account_id(fixture).to_string(),
            body,
            signature: SignatureMode::AsTarget,
            fault: None,
            purpose: CallPurpose::Probe,
            off_route: None,
        }
    }
}

/// The call a valid input makes: its JSON as `serde_json` writes it in the plain form, else
/// its own text (member order, nulls, unknown members, escapes) sent byte for byte.
fn create_call(account_id: &str, input: &CreateUserInput) -> Call {
    if input.wire.is_plain() {
        return Call::create(account_id, input.body());
    }
    Call {
        body: CallBody::Raw {
            bytes: input.body_text().into_bytes(),
            content_type: Some("application/json".into()),
        },
        ..Call::create(account_id, Value::Null)
    }
}

/// The open choice that lets a conforming server refuse a valid input with 400
/// BadRequestException, if one does: an Email a regex dialect does not match, a JSON null
/// member, a Username or Email outside the common forms (a documented restriction).
fn refusable(input: &CreateUserInput) -> Option<OpenChoice> {
    let email = input.email.as_deref();
    if email.is_some_and(|e| Validity::of_email(e).is_disputed()) {
        Some(OpenChoice::PatternDialect)
    } else if !input.wire.nulls.is_empty() {
        Some(OpenChoice::NullMember)
    } else if !email.is_none_or(is_common_email)
        || !input.username.as_deref().is_none_or(is_common_username)
    {
        Some(OpenChoice::ServiceRestriction)
    } else {
        None
    }
}

/// Whether a breakage leaves a body a server cannot parse into the input (not JSON, not an
/// object, a member of the wrong JSON type): a restJson1 protocol error may refuse it.
fn unparsable(breakage: &Breakage) -> bool {
    matches!(
        breakage,
        Breakage::MemberType { .. } | Breakage::BodyNotObject(_) | Breakage::BodyNotJson(_)
    )
}

/// For an input that breaks a pattern under ECMA-262 but matches it under another regex
/// dialect, what else a conforming server may answer: `Some(None)` for a 201 or a 400,
/// `Some(Some(NotFoundException))` for an AccountId a server may take as an id. `None`
/// when every dialect agrees.
fn disputed(
    breakage: &Breakage,
    account_id: &str,
    facts: &SentFacts<'_>,
) -> Option<Option<Exception>> {
    match breakage {
        Breakage::EmailPattern(_) => facts
            .email
            .is_some_and(|e| Validity::of_email(e).is_disputed())
            .then_some(None),
        Breakage::AccountIdBlank(_) => Validity::of_account_id(account_id)
            .is_disputed()
            .then_some(Some(Exception::NotFound)),
        _ => None,
    }
}

/// Which of the target's accounts a generated input addresses.
fn property_account(input: &PropertyInput) -> AccountRef {
    let invalid = match input {
        PropertyInput::Invalid(i) | PropertyInput::Probe(ErrorProbe::Invalid(i)) => i,
        PropertyInput::Probe(ErrorProbe::UnknownAccount { .. }) => return AccountRef::Unknown,
        _ => return AccountRef::Ordinary,
    };
    match invalid.breakage {
        crate::input::generate::Breakage::AccountIdBlank(_) => AccountRef::Blank,
        _ => AccountRef::Ordinary,
    }
}
