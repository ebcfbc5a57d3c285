//! Replaying a cassette: every recorded request re-sent to the current target — re-signed
//! with the current credentials, its account mapped by role, its emails re-tagged so a
//! replay never collides with the recording — and each answer compared with the recorded
//! one, as a differential run compares two targets. A case's steps go in order, a burst's
//! requests at once.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use super::gathered::{choice_both_ways, Gathered, Side};
use super::malformed::{may_close_early, NoAnswer};
use super::Run;
use crate::check::diff::{compare_bursts, DiffClass, Observation};
use crate::check::{check_response, Checked, Expectation, Rule, SentFacts};
use crate::contract::redact::redact_body;
use crate::contract::Exception;
use crate::http::{Call, CallBody, CallPurpose, Exchange, ReceivedResponse};
use crate::input::cases::Case;
use crate::input::cassette::{Entry, Har, Verdict};
use crate::input::malformed::{Acceptable, Malformed};
use crate::input::property::Property;
use crate::input::route::RouteFamily;
use crate::report::record::{ExchangeRecord, RequestRecord, ResponseRecord};
use crate::util::lock;

/// A loaded cassette, to be replayed.
pub struct Replay {
    har: Har,
    source: String,
}

impl Replay {
    /// A replay of `har`, loaded from `source` (for reports).
    pub fn new(har: Har, source: impl Into<String>) -> Replay {
        Replay {
            har,
            source: source.into(),
        }
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// Requests the cassette holds.
    pub fn requests(&self) -> usize {
        self.har.log.entries.len()
    }

    /// Re-sends every trial's requests, in the recorded order, and gathers the differences.
    /// A group with a request whose body the cassette withheld is not sent (a placeholder
    /// for the body would not be the request recorded) and is listed as not compared.
    pub(super) fn run(&self, run: &Run, cases: &[Case], gathered: &Mutex<Gathered>) {
        for (trial, groups) in self.trials() {
            if RouteFamily::of_trial(trial).is_some() {
                // Its requests are not CreateUser calls: another method, path or query.
                let why = "a probe of the route is not replayed (another method, path or query than CreateUser's)";
                lock(gathered).skip(trial, why.into());
                continue;
            }
            let tag = run.next_tag();
            for group in groups {
                let calls: Result<Vec<Call>, String> =
                    group.iter().map(|e| replay_call(run, e, &tag)).collect();
                let calls = match calls {
                    Ok(calls) => calls,
                    Err(why) => {
                        lock(gathered).skip(trial, why);
                        continue;
                    }
                };
                let recorded: Vec<Side> = group.iter().map(|e| recorded_side(e)).collect();
                let replayed = run
                    .runtime
                    .block_on(self.send_group(run, cases, trial, &group, calls));
                let observations = |sides: &[Side]| -> Vec<Observation> {
                    sides.iter().map(|s| s.observation.clone()).collect()
                };
                let mut differences =
                    compare_bursts(&observations(&recorded), &observations(&replayed));
                if let ([l], [r]) = (recorded.as_slice(), replayed.as_slice()) {
                    if choice_both_ways(trial, &l.observation, &r.observation) {
                        differences.retain(|d| d.class == DiffClass::ContractRule);
                    }
                }
                let context = group[0]
                    .chime
                    .role
                    .step
                    .map(|n| format!("step {n}, replayed"));
                if let (Some(l), Some(r)) = (Side::merged(&recorded), Side::merged(&replayed)) {
                    lock(gathered).add(trial, context, differences, &l, &r);
                }
            }
        }
    }

    /// The entries by trial (sorted by name), each trial's entries in groups sent at once:
    /// the requests of one case step together, each generated input alone.
    fn trials(&self) -> BTreeMap<&str, Vec<Vec<&Entry>>> {
        let mut trials: BTreeMap<&str, Vec<Vec<&Entry>>> = BTreeMap::new();
        for entry in &self.har.log.entries {
            let groups = trials.entry(entry.chime.trial.as_str()).or_default();
            let step = entry.chime.role.step;
            match groups.last_mut() {
                Some(last) if step.is_some() && last[0].chime.role.step == step => last.push(entry),
                _ => groups.push(vec![entry]),
            }
        }
        for groups in trials.values_mut() {
            groups.sort_by_key(|g| g[0].chime.role.step);
        }
        trials
    }

    /// Sends a group of recorded requests at once; the sides of their answers. A request
    /// that got no answer is judged as the recording's trial judges it (an early close of a
    /// large body, see [`Run::after_no_answer`]).
    async fn send_group(
        &self,
        run: &Run,
        cases: &[Case],
        trial: &str,
        group: &[&Entry],
        calls: Vec<Call>,
    ) -> Vec<Side> {
        let sent = AtomicU64::new(0);
        let throttling = group.iter().any(|e| e.response.status == 429);
        sent.fetch_add(calls.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let answers = run.exchange_together(trial, &calls, throttling).await;
        let burst = group.len();
        let mut sides = Vec::with_capacity(burst);
        for ((call, answer), entry) in calls.iter().zip(answers).zip(group) {
            let answered = |exchange: &Exchange| {
                let checked = check_replayed(run, cases, trial, entry, burst, call, exchange);
                let rules: Vec<Rule> = checked.violations.iter().map(|v| v.rule).collect();
                Side::answered(exchange, &rules)
            };
            let side = match answer {
                Ok(exchange) => answered(&exchange),
                Err(unanswered) => match run.after_no_answer(trial, unanswered).await {
                    NoAnswer::Answered(exchange) => answered(&exchange),
                    NoAnswer::Departed(unanswered, violation) => Side {
                        observation: Observation::no_answer(&[violation.rule]),
                        ..Side::unanswered(&unanswered)
                    },
                    NoAnswer::Unverified(unanswered) => Side {
                        observation: Observation::closed_early(),
                        ..Side::unanswered(&unanswered)
                    },
                    NoAnswer::Failed(unanswered) => Side::unanswered(&unanswered),
                },
            };
            sides.push(side);
        }
        sides
    }
}

/// The call a recorded request becomes against the current target: its body byte for
/// byte as recorded, each email placeholder filled with a fresh address, under the
/// recorded `Content-Type` (or none); an error naming the entry when the cassette withheld
/// the body.
fn replay_call(run: &Run, entry: &Entry, tag: &str) -> Result<Call, String> {
    let note = &entry.chime;
    let bytes = entry.replay_body(tag).map_err(|why| {
        let step = note
            .role
            .step
            .map(|n| format!(" (step {n})"))
            .unwrap_or_default();
        format!("a request{step} is not replayed: {why}")
    })?;
    let content_type = entry
        .request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
        .map(|h| h.value.clone());
    // A JSON body that serde_json writes back to the same bytes goes as JSON, so that the
    // checks know what it held; any other goes as its bytes.
    let json = content_type
        .as_deref()
        .is_some_and(|ct| ct == "application/json")
        .then(|| serde_json::from_slice::<Value>(&bytes).ok())
        .flatten()
        .filter(|value| value.to_string().as_bytes() == bytes.as_slice());
    let body = match json {
        Some(value) => CallBody::Json(value),
        None => CallBody::Raw {
            bytes,
            content_type,
        },
    };
    Ok(Call {
        account_id: run.step_account(note.role.account),
        body,
        signature: note.signature,
        fault: note.fault.as_deref().and_then(Exception::from_shape_name),
        purpose: if (200..300).contains(&entry.response.status) {
            CallPurpose::Create
        } else {
            CallPurpose::Probe
        },
        off_route: None,
    })
}

/// Checks a replayed answer as the recording's trial checked it: a property by what its
/// inputs must get, a case step by what the case says, a malformed class as its class
/// allows.
fn check_replayed(
    run: &Run,
    cases: &[Case],
    trial: &str,
    entry: &Entry,
    burst: usize,
    call: &Call,
    exchange: &Exchange,
) -> Checked {
    let step = cases
        .iter()
        .find(|c| c.name == trial)
        .zip(entry.chime.role.step)
        .and_then(|(case, n)| case.steps.get(n.wrapping_sub(1)));
    if let Some(step) = step {
        let mut step = step.clone();
        step.burst = u32::try_from(burst).unwrap_or(u32::MAX).max(1);
        return run.check_step_response(trial, &step, call, exchange);
    }
    let body: Option<Value> = match &call.body {
        CallBody::Json(value) => Some(value.clone()),
        CallBody::Raw { bytes, .. } => serde_json::from_slice(bytes).ok(),
    };
    let facts = SentFacts::of(&call.account_id, body.as_ref());
    let malformed = Malformed::of_trial(trial).map(Malformed::acceptable);
    let expectation = match trial {
        _ if malformed == Some(Acceptable::Refusal) => Expectation::Malformed,
        _ if malformed == Some(Acceptable::ParsedOrRefused) => Expectation::ParsedOrRefused(&facts),
        t if t == Property::ValidRequestCreatesUser.trial_name() => Expectation::Created(&facts),
        t if t == Property::InvalidRequestIsRejected.trial_name() => Expectation::Rejected {
            exception: Exception::BadRequest,
            rule: Rule::InputRejected,
        },
        _ => Expectation::AnyError,
    };
    let mut checked = check_response(expectation, &exchange.response, call.fault, &run.schemas);
    if exchange.response.is_success() {
        run.note_user_id(&mut checked, &exchange.response);
    }
    checked
}

/// The recorded side of an entry: its answer as the cassette holds it (masked), and the
/// rules the recording found broken.
fn recorded_side(entry: &Entry) -> Side {
    let note = &entry.chime;
    let response = &entry.response;
    let headers: Vec<(String, String)> = response
        .headers
        .iter()
        .map(|h| (h.name.to_ascii_lowercase(), h.value.clone()))
        .collect();
    let body = response.content.text.clone().unwrap_or_default();
    let rules: Vec<Rule> = note
        .rules
        .iter()
        .filter_map(|r| Rule::from_name(r))
        .collect();
    let answered = note.verdict != Verdict::Unanswered && response.status != 0;
    let received = ReceivedResponse {
        status: response.status,
        headers: headers.clone(),
        body: body.clone().into_bytes(),
        elapsed: Duration::from_millis(entry.timings.wait.max(0.0) as u64),
        received_at: std::time::SystemTime::now(),
    };
    let stored = entry.stored_body().unwrap_or_default();
    let request_body = redact_body(&stored);
    Side {
        observation: if answered {
            Observation::of(&received, &rules)
        } else if !rules.is_empty() {
            // No answer where one was due (a close with none): the rules say so.
            Observation::no_answer(&rules)
        } else if may_close_early(&note.trial) {
            Observation::closed_early()
        } else {
            Observation::unanswered()
        },
        exchange: Some(ExchangeRecord {
            request: RequestRecord {
                method: entry.request.method.clone(),
                url: entry.request.url.clone(),
                headers: entry
                    .request
                    .headers
                    .iter()
                    .map(|h| (h.name.clone(), h.value.clone()))
                    .collect(),
                body: request_body,
            },
            response: answered.then_some(ResponseRecord {
                status: response.status,
                headers,
                body,
                elapsed_ms: received.elapsed.as_millis(),
            }),
        }),
        request_bytes: stored.len(),
    }
}
