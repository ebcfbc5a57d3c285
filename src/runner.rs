//! Turns properties and exception cases into libtest-mimic trials and runs them against a
//! target: generation, concurrent sending, checking, shrinking, regressions replay. Each
//! trial leaves a [`TrialRecord`]; the reporters (console matrix, JSON) read only those.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use futures::{stream, StreamExt};
use libtest_mimic::{Completion, Failed, Trial};
use proptest::strategy::{BoxedStrategy, Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use serde::{Deserialize, Serialize};

use crate::cases::{AccountRef, Case, Expected, Permissions, Step};
use crate::checks::{
    check_response, check_user_id_unique, is_exception, Checked, Expect, Rule, SentFacts, Violation,
};
use crate::client::{Call, CallBody, Client, Credentials, Unanswered};
use crate::contract::{Exception, TriggerClass};
use crate::exchange::Exchange;
use crate::generate::{
    error_probe, invalid_input, valid_input, CreateUserInput, ErrorProbe, InvalidBody, InvalidInput,
};
use crate::regressions::Regressions;
use crate::render::{render_failure, Failure};
use crate::schema::Schemas;

/// The most shrink steps spent on one failure.
pub const MAX_SHRINK_STEPS: u32 = 256;
/// The most time spent shrinking one failure.
pub const SHRINK_BUDGET: Duration = Duration::from_secs(30);

/// Settings of a run that are not about the target.
#[derive(Debug, Clone)]
pub struct RunOptions {
    pub seed: u64,
    /// Generated inputs per property.
    pub cases_per_property: u32,
    /// Where failing inputs are kept and replayed from; `None` keeps none.
    pub regressions: Option<PathBuf>,
    pub permissions: Permissions,
    /// A short id of this run, carried by created users' emails and usernames.
    pub run_id: String,
    /// Put the run id in every Username (for targets shared with others).
    pub tag_usernames: bool,
    /// Trials the target is known to fail, with the reason.
    pub expected_failures: std::collections::BTreeMap<String, String>,
}

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

    fn strategy(self) -> BoxedStrategy<PropertyInput> {
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

/// A generated input of any property; plain data, so it persists as a regression.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum PropertyInput {
    Valid(CreateUserInput),
    Invalid(InvalidInput),
    Probe(ErrorProbe),
}

/// How a trial ended, as the reporters see it.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum RecordedOutcome {
    Passed,
    Failed {
        rules: Vec<String>,
        transport: bool,
        message: String,
    },
    Ignored {
        reason: String,
    },
    /// Listed as an expected failure of the target, and failed.
    ExpectedFailure {
        reason: String,
        rules: Vec<String>,
        transport: bool,
        message: String,
    },
    /// Listed as an expected failure of the target, but passed: the list can shrink.
    UnexpectedPass {
        reason: String,
    },
}

/// What kind of trial a record is of.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TrialKind {
    Property,
    Case {
        exception: String,
        trigger: TriggerClass,
    },
}

/// What a trial leaves behind for the reporters.
#[derive(Debug, Clone, Serialize)]
pub struct TrialRecord {
    pub name: String,
    #[serde(flatten)]
    pub kind: TrialKind,
    #[serde(flatten)]
    pub outcome: RecordedOutcome,
    /// Requests the trial sent.
    pub requests: u64,
    pub duration_ms: u128,
}

/// The state every trial of a run shares.
pub struct Run {
    runtime: tokio::runtime::Handle,
    client: Client,
    schemas: Schemas,
    options: RunOptions,
    regressions: Option<Regressions>,
    /// Every UserId a 201 returned in this run.
    user_ids: Mutex<HashSet<String>>,
    records: Mutex<Vec<TrialRecord>>,
    tags: AtomicU64,
}

/// Locks a mutex whose data stays usable even if a holder panicked.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Why a trial failed: the rendered message and, for the reporters, its rules.
#[derive(Debug, Clone)]
pub struct TrialFailure {
    pub message: String,
    pub rules: Vec<Rule>,
    pub transport: bool,
}

/// What one request of a property came to.
struct Evaluation {
    context: Option<String>,
    exchange: Option<Exchange>,
    /// The request that got no complete answer (a transport failure).
    unanswered: Option<Unanswered>,
    violations: Vec<Violation>,
}

impl Evaluation {
    fn failed(&self) -> bool {
        !self.violations.is_empty() || self.unanswered.is_some()
    }

    fn rules(&self) -> HashSet<Rule> {
        self.violations.iter().map(|v| v.rule).collect()
    }
}

impl Run {
    pub fn new(
        runtime: tokio::runtime::Handle,
        client: Client,
        schemas: Schemas,
        options: RunOptions,
    ) -> Arc<Run> {
        let regressions = options.regressions.clone().map(Regressions::new);
        Arc::new(Run {
            runtime,
            client,
            schemas,
            options,
            regressions,
            user_ids: Mutex::default(),
            records: Mutex::default(),
            tags: AtomicU64::new(0),
        })
    }

    pub fn client(&self) -> &Client {
        &self.client
    }

    pub fn options(&self) -> &RunOptions {
        &self.options
    }

    /// Records of the trials that ran, sorted by name.
    pub fn records(&self) -> Vec<TrialRecord> {
        let mut records = lock(&self.records).clone();
        records.sort_by(|a, b| a.name.cmp(&b.name));
        records
    }

    /// Every UserId a 201 returned in this run, sorted.
    pub fn created_users(&self) -> Vec<String> {
        let mut ids: Vec<String> = lock(&self.user_ids).iter().cloned().collect();
        ids.sort();
        ids
    }

    /// A tag unique in this run, for emails.
    fn next_tag(&self) -> String {
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
        if self.options.tag_usernames {
            input.with_run_tag(&self.options.run_id)
        } else {
            input
        }
    }

    fn note_user_id(&self, checked: &mut Checked) {
        if let Some(id) = &checked.user_id {
            if let Some(v) = check_user_id_unique(id, &mut lock(&self.user_ids)) {
                checked.violations.push(v);
            }
        }
    }

    fn record(
        &self,
        name: &str,
        kind: TrialKind,
        outcome: RecordedOutcome,
        requests: u64,
        started: Instant,
    ) {
        lock(&self.records).push(TrialRecord {
            name: name.to_string(),
            kind,
            outcome,
            requests,
            duration_ms: started.elapsed().as_millis(),
        });
    }

    /// Sends a call, tolerating throttling unless `throttling_tested`.
    async fn exchange(&self, call: &Call, throttling_tested: bool) -> Result<Exchange, Unanswered> {
        if throttling_tested {
            self.client.attempt(call).await
        } else {
            self.client
                .send_tolerating_throttle(call)
                .await
                .map(|(exchange, _retries)| exchange)
        }
    }

    async fn evaluate(&self, input: &PropertyInput, sent: &AtomicU64) -> Evaluation {
        sent.fetch_add(1, Ordering::Relaxed);
        let fixture = self.client.target().fixtures.account_id.clone();
        let (call, context, expect_kind) = match input {
            PropertyInput::Valid(input) => {
                let input = self.as_sent(input);
                (
                    Call::create(&fixture, input.body()),
                    None,
                    ExpectKind::Created(input),
                )
            }
            PropertyInput::Invalid(input) => (
                self.invalid_call(input, &fixture),
                Some(input.breakage.label().to_string()),
                ExpectKind::BadRequest,
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
                            credentials: Credentials::Unsigned,
                            ..Call::json(&fixture, self.as_sent(input).body())
                        },
                        "no signature".to_string(),
                    ),
                };
                (call, Some(context), ExpectKind::AnyError)
            }
        };
        let exchange = match self.exchange(&call, false).await {
            Ok(exchange) => exchange,
            Err(unanswered) => {
                return Evaluation {
                    context,
                    exchange: None,
                    unanswered: Some(unanswered),
                    violations: Vec::new(),
                }
            }
        };
        let mut checked = match &expect_kind {
            ExpectKind::Created(input) => {
                let facts = SentFacts {
                    account_id: &fixture,
                    email: input.email.as_deref(),
                    user_type: input.user_type.as_deref(),
                };
                check_response(
                    Expect::Created(&facts),
                    &exchange.response,
                    None,
                    &self.schemas,
                )
            }
            ExpectKind::BadRequest => check_response(
                Expect::Rejected {
                    exception: Exception::BadRequest,
                    rule: Rule::InputRejected,
                },
                &exchange.response,
                None,
                &self.schemas,
            ),
            ExpectKind::AnyError => {
                check_response(Expect::AnyError, &exchange.response, None, &self.schemas)
            }
        };
        if matches!(expect_kind, ExpectKind::Created(_)) {
            self.note_user_id(&mut checked);
        }
        Evaluation {
            context,
            exchange: Some(exchange),
            unanswered: None,
            violations: checked.violations,
        }
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
            credentials: Credentials::Target,
            fault: None,
            may_create: false,
        }
    }

    fn failure(
        &self,
        trial: &str,
        evaluation: &Evaluation,
        provenance: Option<String>,
    ) -> TrialFailure {
        let mut rules: Vec<Rule> = evaluation.rules().into_iter().collect();
        rules.sort();
        let message = render_failure(&Failure {
            trial,
            context: evaluation.context.clone(),
            violations: &evaluation.violations,
            transport: evaluation.unanswered.as_ref().map(|u| &u.error),
            exchange: evaluation.exchange.as_ref(),
            unanswered: evaluation.unanswered.as_ref().map(|u| &u.request),
            provenance,
            seed: self.options.seed,
            target: self.client.target(),
        });
        TrialFailure {
            message,
            rules,
            transport: evaluation.unanswered.is_some(),
        }
    }

    /// Runs one property: replays its regressions, then generates inputs, sends them
    /// concurrently, and shrinks the first failure.
    fn run_property(&self, property: Property, sent: &AtomicU64) -> Result<(), TrialFailure> {
        let name = property.trial_name();
        if let Some(regressions) = &self.regressions {
            for input in regressions.inputs_for(name) {
                let evaluation = self.runtime.block_on(self.evaluate(&input, sent));
                if evaluation.failed() {
                    return Err(self.failure(
                        name,
                        &evaluation,
                        Some(format!(
                            "replayed from the regressions file {}",
                            regressions.path().display()
                        )),
                    ));
                }
            }
        }
        let strategy = property.strategy();
        let mut runner = TestRunner::new_with_rng(
            Config::default(),
            TestRng::from_seed(RngAlgorithm::ChaCha, &seed_bytes(self.options.seed, name)),
        );
        let total = self.options.cases_per_property as usize;
        let concurrency = self.client.target().concurrency.max(1);
        // Inputs are generated, sent and checked a batch at a time, so memory stays flat
        // however many cases a property runs; the generator's sequence, and so each case,
        // depends only on the seed.
        let batch = (concurrency * 8).max(64);
        let stop = AtomicBool::new(false);
        let mut done = 0;
        let (index, first, mut trees) = loop {
            if done >= total {
                return Ok(());
            }
            let size = batch.min(total - done);
            let mut trees = Vec::with_capacity(size);
            for _ in 0..size {
                trees.push(strategy.new_tree(&mut runner).map_err(|e| TrialFailure {
                    message: format!("failed to generate an input: {e}"),
                    rules: Vec::new(),
                    transport: false,
                })?);
            }
            let inputs: Vec<PropertyInput> = trees.iter().map(|t| t.current()).collect();
            // Only failures are kept; a passing exchange is dropped as soon as it is checked.
            let mut failures: Vec<(usize, Evaluation)> = self.runtime.block_on(
                stream::iter(inputs.iter().enumerate())
                    .map(|(i, input)| {
                        let stop = &stop;
                        async move {
                            if stop.load(Ordering::Relaxed) {
                                return None;
                            }
                            let evaluation = self.evaluate(input, sent).await;
                            if evaluation.unanswered.is_some() {
                                // The target is not answering: pile no more requests on it.
                                stop.store(true, Ordering::Relaxed);
                            }
                            evaluation.failed().then_some((i, evaluation))
                        }
                    })
                    .buffer_unordered(concurrency)
                    .filter_map(|failure| async move { failure })
                    .collect(),
            );
            failures.sort_by_key(|(i, _)| *i);
            if let Some((i, first)) = failures.into_iter().next() {
                break (i, first, trees);
            }
            done += size;
        };
        let case_number = done + index + 1;
        if first.unanswered.is_some() {
            return Err(self.failure(
                name,
                &first,
                Some(format!(
                    "case {case_number} of {total} (not shrunk: no answer)"
                )),
            ));
        }
        let tree = trees.swap_remove(index);
        let (minimal, evaluation, steps) = self.shrink(tree, first, sent);
        if let Some(regressions) = &self.regressions {
            if let Err(e) = regressions.add(name, self.options.seed, &minimal) {
                eprintln!("chime-conformance: {e}");
            }
        }
        Err(self.failure(
            name,
            &evaluation,
            Some(format!(
                "case {case_number} of {total}, shrunk in {steps} steps"
            )),
        ))
    }

    /// Shrinks a failing input to a minimal one that still breaks one of the same rules.
    fn shrink(
        &self,
        mut tree: Box<dyn ValueTree<Value = PropertyInput>>,
        first: Evaluation,
        sent: &AtomicU64,
    ) -> (PropertyInput, Evaluation, u32) {
        let rules = first.rules();
        let mut best = (tree.current(), first);
        let mut steps = 0;
        let started = Instant::now();
        if !tree.simplify() {
            return (best.0, best.1, steps);
        }
        while steps < MAX_SHRINK_STEPS && started.elapsed() < SHRINK_BUDGET {
            steps += 1;
            let candidate = tree.current();
            let evaluation = self.runtime.block_on(self.evaluate(&candidate, sent));
            let same_failure = evaluation.unanswered.is_none()
                && evaluation
                    .violations
                    .iter()
                    .any(|v| rules.contains(&v.rule));
            if same_failure {
                best = (candidate, evaluation);
                if !tree.simplify() {
                    break;
                }
            } else if !tree.complicate() {
                break;
            }
        }
        (best.0, best.1, steps)
    }

    /// Runs one exception case.
    fn run_case(&self, case: &Case) -> Result<Completion, TrialFailure> {
        if let Some(reason) = case.unmet_need(self.client.target(), self.options.permissions) {
            return Ok(Completion::ignored_with(reason));
        }
        let case_email = format!("chime-conformance+{}@example.com", self.next_tag());
        for (i, step) in case.steps.iter().enumerate() {
            let context = format!(
                "step {} of {}: expect {}",
                i + 1,
                case.steps.len(),
                step.expect
            );
            let outcome = self.runtime.block_on(self.run_step(step, &case_email));
            if let Err(mut evaluation) = outcome {
                evaluation.context = Some(format!("{} ({context})", case.description));
                return Err(self.failure(&case.name, &evaluation, None));
            }
        }
        Ok(Completion::Completed)
    }

    fn step_call(&self, step: &Step, case_email: &str) -> Call {
        let fixtures = &self.client.target().fixtures;
        let account_id = match step.account {
            AccountRef::Ordinary => fixtures.account_id.clone(),
            AccountRef::Forbidden => fixtures.forbidden_account_id.clone().unwrap_or_default(),
            AccountRef::Throttled => fixtures.throttled_account_id.clone().unwrap_or_default(),
            AccountRef::Unknown => format!("chime-conformance-unknown-{}", self.options.run_id),
            AccountRef::Blank => " ".to_string(),
        };
        let body = match &step.raw_body {
            Some(raw) => CallBody::Raw {
                bytes: raw.clone().into_bytes(),
                content_type: Some(
                    step.content_type
                        .clone()
                        .unwrap_or_else(|| "application/json".into()),
                ),
            },
            None => {
                let fill = |s: &str| {
                    let mut s = s
                        .replace("{case_email_upper}", &case_email.to_uppercase())
                        .replace("{case_email}", case_email)
                        .replace("{run_id}", &self.options.run_id);
                    if s.contains("{fresh_email}") {
                        let fresh = format!("chime-conformance+{}@example.com", self.next_tag());
                        s = s.replace("{fresh_email}", &fresh);
                    }
                    s
                };
                let mut body = Case::step_body(step, &fill);
                if let (true, Some(members)) = (self.options.tag_usernames, body.as_object_mut()) {
                    members.entry("Username").or_insert_with(|| {
                        format!("chime-conformance {}", self.options.run_id).into()
                    });
                }
                CallBody::Json(body)
            }
        };
        Call {
            account_id,
            body,
            credentials: step.credentials,
            fault: step.fault,
            may_create: step.expect == Expected::Created || step.burst > 1,
        }
    }

    /// Runs one step; `Err` carries the evaluation that failed it.
    async fn run_step(&self, step: &Step, case_email: &str) -> Result<(), Evaluation> {
        let throttling_tested = step.expect == Expected::Exception(Exception::Throttled);
        let calls: Vec<Call> = (0..step.burst)
            .map(|_| self.step_call(step, case_email))
            .collect();
        let exchanges: Vec<_> = futures::future::join_all(
            calls
                .iter()
                .map(|call| self.exchange(call, throttling_tested)),
        )
        .await;
        let mut matched = 0;
        let mut statuses = Vec::new();
        let mut last = None;
        for (call, exchange) in calls.iter().zip(exchanges) {
            let exchange = match exchange {
                Ok(e) => e,
                Err(unanswered) => {
                    return Err(Evaluation {
                        context: None,
                        exchange: None,
                        unanswered: Some(unanswered),
                        violations: Vec::new(),
                    })
                }
            };
            let checked = self.check_step_response(step, call, &exchange);
            statuses.push(exchange.response.status);
            if let Expected::Exception(e) = step.expect {
                if !exchange.response.is_success()
                    && is_exception(&checked, exchange.response.status, e)
                {
                    matched += 1;
                }
            }
            if !checked.violations.is_empty() {
                return Err(Evaluation {
                    context: None,
                    exchange: Some(exchange),
                    unanswered: None,
                    violations: checked.violations,
                });
            }
            last = Some(exchange);
        }
        if let (Expected::Exception(e), true) = (step.expect, step.burst > 1) {
            if matched == 0 {
                return Err(Evaluation {
                    context: None,
                    exchange: last,
                    unanswered: None,
                    violations: vec![Violation {
                        rule: Rule::CaseExpectedException,
                        detail: format!(
                            "none of {} simultaneous requests drew {e}; statuses: {statuses:?}",
                            step.burst
                        ),
                    }],
                });
            }
        }
        Ok(())
    }

    fn check_step_response(&self, step: &Step, call: &Call, exchange: &Exchange) -> Checked {
        let response = &exchange.response;
        let body = match &call.body {
            CallBody::Json(v) => Some(v),
            CallBody::Raw { .. } => None,
        };
        let member = |m: &str| body.and_then(|b| b.get(m)).and_then(|v| v.as_str());
        let facts = SentFacts {
            account_id: &call.account_id,
            email: member("Email"),
            user_type: member("UserType"),
        };
        let mut checked = match step.expect {
            Expected::Created => {
                check_response(Expect::Created(&facts), response, call.fault, &self.schemas)
            }
            // In a burst, the requests that were not throttled must have created users.
            Expected::Exception(_) if step.burst > 1 && response.is_success() => {
                check_response(Expect::Created(&facts), response, call.fault, &self.schemas)
            }
            Expected::Exception(_) if step.burst > 1 => {
                check_response(Expect::AnyError, response, call.fault, &self.schemas)
            }
            Expected::Exception(exception) => check_response(
                Expect::Rejected {
                    exception,
                    rule: Rule::CaseExpectedException,
                },
                response,
                call.fault,
                &self.schemas,
            ),
        };
        if response.is_success() {
            self.note_user_id(&mut checked);
        }
        checked
    }
}

enum ExpectKind {
    Created(CreateUserInput),
    BadRequest,
    AnyError,
}

/// A 32-byte RNG seed from the run seed and the trial name, so each trial's inputs depend
/// only on the seed, whatever else runs.
fn seed_bytes(seed: u64, trial: &str) -> [u8; 32] {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    // FNV-1a of the name, spread over the rest.
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for b in trial.bytes() {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    for chunk in bytes[8..].chunks_mut(8) {
        chunk.copy_from_slice(&hash.to_le_bytes()[..chunk.len()]);
        hash = hash.rotate_left(17).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
    bytes
}

/// The trials of a run: every property, then every case, sorted by name.
pub fn trials(run: &Arc<Run>, cases: &[Case]) -> Vec<Trial> {
    let mut trials = Vec::new();
    for property in Property::ALL {
        let run = Arc::clone(run);
        trials.push(Trial::ignorable_test(property.trial_name(), move || {
            let started = Instant::now();
            let sent = AtomicU64::new(0);
            let result = run
                .run_property(property, &sent)
                .map(|()| Completion::Completed);
            let requests = sent.load(Ordering::Relaxed);
            run.conclude(
                property.trial_name(),
                TrialKind::Property,
                result,
                requests,
                started,
            )
        }));
    }
    for case in cases {
        let run = Arc::clone(run);
        let case = case.clone();
        trials.push(Trial::ignorable_test(case.name.clone(), move || {
            let started = Instant::now();
            let result = run.run_case(&case);
            let kind = TrialKind::Case {
                exception: case.exception.shape_name().to_string(),
                trigger: case.trigger,
            };
            let requests = u64::from(case.steps.iter().map(|s| s.burst).sum::<u32>());
            run.conclude(&case.name, kind, result, requests, started)
        }));
    }
    trials.sort_by(|a, b| a.name().cmp(b.name()));
    trials
}

impl Run {
    /// Records how a trial ended and tells libtest, turning a listed expected failure that
    /// failed into an ignored trial (not red), and noting one that passed.
    fn conclude(
        &self,
        name: &str,
        kind: TrialKind,
        result: Result<Completion, TrialFailure>,
        requests: u64,
        started: Instant,
    ) -> Result<Completion, Failed> {
        let Some(reason) = self.options.expected_failures.get(name).cloned() else {
            self.record(name, kind, outcome_of(&result), requests, started);
            return result.map_err(|f| Failed::from(f.message));
        };
        let plain = outcome_of(&result);
        match result {
            Err(failure) => {
                self.record(
                    name,
                    kind,
                    RecordedOutcome::ExpectedFailure {
                        reason: reason.clone(),
                        rules: failure.rules.iter().map(|r| r.name().to_string()).collect(),
                        transport: failure.transport,
                        message: failure.message,
                    },
                    requests,
                    started,
                );
                Ok(Completion::ignored_with(format!(
                    "expected failure, failed as expected: {reason}"
                )))
            }
            Ok(Completion::Completed) => {
                self.record(
                    name,
                    kind,
                    RecordedOutcome::UnexpectedPass {
                        reason: reason.clone(),
                    },
                    requests,
                    started,
                );
                eprintln!(
                    "chime-conformance: {name} is listed as an expected failure ({reason}) but passed: remove it from expected_failures"
                );
                Ok(Completion::Completed)
            }
            Ok(ignored) => {
                self.record(name, kind, plain, requests, started);
                Ok(ignored)
            }
        }
    }
}

/// The trial names, without a run (for `--list`).
pub fn trial_names(cases: &[Case]) -> Vec<String> {
    let mut names: Vec<String> = Property::ALL
        .iter()
        .map(|p| p.trial_name().to_string())
        .chain(cases.iter().map(|c| c.name.clone()))
        .collect();
    names.sort();
    names
}

fn outcome_of(result: &Result<Completion, TrialFailure>) -> RecordedOutcome {
    match result {
        Ok(Completion::Completed) => RecordedOutcome::Passed,
        Ok(Completion::Ignored { reason }) => RecordedOutcome::Ignored {
            reason: reason.clone().unwrap_or_default(),
        },
        Err(failure) => RecordedOutcome::Failed {
            rules: failure.rules.iter().map(|r| r.name().to_string()).collect(),
            transport: failure.transport,
            message: failure.message.clone(),
        },
    }
}
