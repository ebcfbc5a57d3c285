//! One generated request, from input to verdict: the input made unique for the run, the
//! call it becomes, the exchange (or no answer), and the checks that apply to it.

use std::sync::atomic::{AtomicU64, Ordering};

use serde_json::Value;

use super::{Run, UsernameTag};
use crate::check::{
    check_response, check_user_id_unique, is_exception, Checked, Expectation, Rule, SentFacts,
    Violation,
};
use crate::contract::sigv4::SignatureMode;
use crate::contract::Exception;
use crate::http::{
    Call, CallBody, CallPurpose, Exchange, ReceivedResponse, SentRequest, Unanswered,
};
use crate::input::cases::AccountRef;
use crate::input::coverage::Facets;
use crate::input::generate::{CreateUserInput, ErrorProbe, InvalidBody, InvalidInput};
use crate::input::property::PropertyInput;
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
    pub fn parts(&self) -> (&SentRequest, Option<&ReceivedResponse>, &[Violation]) {
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
    pub fn new(context: Option<String>, answer: Answer) -> Evaluation {
        Evaluation {
            context,
            answer,
            also_broken: Vec::new(),
        }
    }

    pub fn failed(&self) -> bool {
        match &self.answer {
            Answer::Checked { violations, .. } | Answer::ClosedEarly { violations, .. } => {
                !violations.is_empty()
            }
            Answer::Unanswered(_) => true,
        }
    }

    pub fn unanswered(&self) -> bool {
        matches!(self.answer, Answer::Unanswered(_))
    }

    /// The rules the shown exchange broke.
    pub fn rules(&self) -> impl Iterator<Item = Rule> + '_ {
        let (_, _, violations) = self.answer.parts();
        violations.iter().map(|v| v.rule)
    }
}

/// What a property's request is meant to get.
enum Aim {
    /// A 201 echoing this input.
    Create(CreateUserInput),
    /// A 400 BadRequestException.
    Reject,
    /// Any error that follows restJson1.
    AnyError,
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

    /// Adds a violation when a created user's id was returned before in the run.
    pub(super) fn note_user_id(&self, checked: &mut Checked) {
        if let Some(id) = &checked.user_id {
            if let Some(v) = check_user_id_unique(id, &mut lock(&self.user_ids)) {
                checked.violations.push(v);
            }
        }
    }

    /// Sends a call, retrying a 429 unless throttling is what is tested.
    pub(super) async fn exchange(
        &self,
        call: &Call,
        throttling_tested: bool,
    ) -> Result<Exchange, Unanswered> {
        if throttling_tested {
            self.client.attempt(call).await
        } else {
            self.client
                .send_tolerating_throttle(call)
                .await
                .map(|(exchange, _retries)| exchange)
        }
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
        let evaluation = match self.exchange(&call, false).await {
            Ok(exchange) => {
                let violations = self.check_property_answer(&aim, &exchange);
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
        self.coverage
            .note(self.facets(input), response.map(|r| r.status));
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
        self.count_status(trial, response.map(|r| r.status));
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
        match input {
            PropertyInput::Valid(input) => {
                let input = self.as_sent(input);
                (create_call(&fixture, &input), None, Aim::Create(input))
            }
            PropertyInput::Invalid(input) => (
                self.invalid_call(input, &fixture),
                Some(input.breakage.label().to_string()),
                Aim::Reject,
            ),
            PropertyInput::Probe(probe) => {
                let (call, context) = match probe {
                    ErrorProbe::Invalid(input) => (
                        self.invalid_call(input, &fixture),
                        input.breakage.label().to_string(),
                    ),
                    ErrorProbe::UnknownAccount { input, account_id } => (
                        Call::json(account_id, self.as_sent(input).body()),
                        "an account that does not exist".to_string(),
                    ),
                    ErrorProbe::Unsigned(input) => (
                        Call {
                            signature: SignatureMode::Unsigned,
                            ..Call::json(&fixture, self.as_sent(input).body())
                        },
                        "no signature".to_string(),
                    ),
                };
                (call, Some(context), Aim::AnyError)
            }
        }
    }

    fn check_property_answer(&self, aim: &Aim, exchange: &Exchange) -> Vec<Violation> {
        let response = &exchange.response;
        let expectation = match aim {
            Aim::Create(input) => {
                let facts = SentFacts {
                    account_id: &self.client.target().fixtures.account_id,
                    email: input.email.as_deref(),
                    user_type: input.user_type.as_deref(),
                };
                let mut checked =
                    check_response(Expectation::Created(&facts), response, None, &self.schemas);
                if !input.wire.nulls.is_empty() && refused_as_bad_request(&checked, response) {
                    // A JSON null member may be refused (see README, "Schemas").
                    checked.violations.retain(|v| v.rule != Rule::SuccessStatus);
                }
                self.note_user_id(&mut checked);
                return checked.violations;
            }
            Aim::Reject => Expectation::Rejected {
                exception: Exception::BadRequest,
                rule: Rule::InputRejected,
            },
            Aim::AnyError => Expectation::AnyError,
        };
        check_response(expectation, response, None, &self.schemas).violations
    }

    fn invalid_call(&self, input: &InvalidInput, fixture: &str) -> Call {
        let sent = InvalidInput {
            base: self.as_sent(&input.base),
            breakage: input.breakage.clone(),
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

/// True when an answer is a 400 BadRequestException, by its resolved type or its status.
fn refused_as_bad_request(checked: &Checked, response: &ReceivedResponse) -> bool {
    response.status == Exception::BadRequest.http_status()
        && is_exception(checked, response.status, Exception::BadRequest)
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
