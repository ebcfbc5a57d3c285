//! Replaying a cassette: every recorded request re-sent to the current target — re-signed
//! with the current credentials, its account mapped by role, its emails re-tagged so a
//! replay never collides with the recording — and each answer compared with the recorded
//! one, as a differential run compares two targets. A case's steps go in order, a burst's
//! requests at once.

use std::collections::BTreeMap;
use std::sync::atomic::AtomicU64;
use std::sync::Mutex;
use std::time::Duration;

use super::compare::{Gathered, Side};
use super::malformed::{closed_early, may_close_early};
use super::Run;
use crate::check::diff::{compare_bursts, Observation};
use crate::check::{check_response, Checked, Expectation, Rule, SentFacts};
use crate::contract::Exception;
use crate::http::{Call, CallBody, CallPurpose, Exchange, ReceivedResponse};
use crate::input::cases::Case;
use crate::input::cassette::{fill_emails, Entry, Har, Verdict};
use crate::input::property::Property;
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
    pub(super) fn run(&self, run: &Run, cases: &[Case], gathered: &Mutex<Gathered>) {
        for (trial, groups) in self.trials() {
            let tag = run.next_tag();
            for group in groups {
                let recorded: Vec<Side> = group.iter().map(|e| recorded_side(e)).collect();
                let replayed = run
                    .runtime
                    .block_on(self.send_group(run, cases, trial, &group, &tag));
                let observations = |sides: &[Side]| -> Vec<Observation> {
                    sides.iter().map(|s| s.observation.clone()).collect()
                };
                let differences =
                    compare_bursts(&observations(&recorded), &observations(&replayed));
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

    /// Sends a group of recorded requests at once; the sides of their answers.
    async fn send_group(
        &self,
        run: &Run,
        cases: &[Case],
        trial: &str,
        group: &[&Entry],
        tag: &str,
    ) -> Vec<Side> {
        let sent = AtomicU64::new(0);
        let calls: Vec<Call> = group.iter().map(|e| replay_call(run, e, tag)).collect();
        let throttling = group.iter().any(|e| e.response.status == 429);
        sent.fetch_add(calls.len() as u64, std::sync::atomic::Ordering::Relaxed);
        let answers = run.exchange_together(trial, &calls, throttling).await;
        let burst = group.len();
        calls
            .iter()
            .zip(answers)
            .zip(group)
            .map(|((call, answer), entry)| match answer {
                Ok(exchange) => {
                    let checked = check_replayed(run, cases, trial, entry, burst, call, &exchange);
                    let rules: Vec<Rule> = checked.violations.iter().map(|v| v.rule).collect();
                    Side::answered(&exchange, &rules)
                }
                Err(unanswered) => {
                    let mut side = Side::unanswered(&unanswered);
                    if closed_early(trial, &unanswered) {
                        side.observation = Observation::closed_early();
                    }
                    side
                }
            })
            .collect()
    }
}

/// The call a recorded request becomes against the current target.
fn replay_call(run: &Run, entry: &Entry, tag: &str) -> Call {
    let note = &entry.chime;
    let text = entry
        .request
        .post_data
        .as_ref()
        .map(|p| fill_emails(&p.text, &note.emails, tag))
        .unwrap_or_default();
    let content_type = entry
        .request
        .headers
        .iter()
        .find(|h| h.name.eq_ignore_ascii_case("content-type"))
        .map(|h| h.value.clone());
    let json = content_type
        .as_deref()
        .is_some_and(|ct| ct.starts_with("application/json"))
        .then(|| serde_json::from_str(&text).ok())
        .flatten();
    let body = match json {
        Some(value) => CallBody::Json(value),
        None => CallBody::Raw {
            bytes: text.into_bytes(),
            content_type,
        },
    };
    Call {
        account_id: run.step_account(note.role.account),
        body,
        signature: note.signature,
        fault: note.fault.as_deref().and_then(Exception::from_shape_name),
        purpose: if (200..300).contains(&entry.response.status) {
            CallPurpose::Create
        } else {
            CallPurpose::Probe
        },
    }
}

/// Checks a replayed answer as the recording's trial checked it: a property by what its
/// inputs must get, a case step by what the case says.
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
    let facts = SentFacts::of(&call.account_id, call.body.json());
    let expectation = match trial {
        t if t == Property::ValidRequestCreatesUser.trial_name() => Expectation::Created(&facts),
        t if t == Property::InvalidRequestIsRejected.trial_name() => Expectation::Rejected {
            exception: Exception::BadRequest,
            rule: Rule::InputRejected,
        },
        _ => Expectation::AnyError,
    };
    let mut checked = check_response(expectation, &exchange.response, call.fault, &run.schemas);
    if exchange.response.is_success() {
        run.note_user_id(&mut checked);
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
    };
    let request_body = entry
        .request
        .post_data
        .as_ref()
        .map(|p| p.text.clone())
        .unwrap_or_default();
    Side {
        observation: if answered {
            Observation::of(&received, &rules)
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
                body: request_body.clone(),
            },
            response: answered.then_some(ResponseRecord {
                status: response.status,
                headers,
                body,
                elapsed_ms: received.elapsed.as_millis(),
            }),
        }),
        request_bytes: request_body.len(),
    }
}
