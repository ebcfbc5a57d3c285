//! Fault rules set through the control plane (`POST /_chime-mock/faults`): the next
//! matching requests get an exception, a delay, or both, without any custom header. A
//! rule matches every account or one, and fires for its next `count` requests or for each
//! request with a `probability`. The first matching rule fires; a rule whose count is used
//! up is removed.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use serde_json::{json, Map, Value};

use crate::random::Randomness;
use chime_contract::Exception;

/// The longest delay a rule may ask for.
pub const MAX_LATENCY_MS: u64 = 60_000;
/// The most rules held at once.
pub const MAX_RULES: usize = 256;

/// How often a rule fires.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Firing {
    /// For the next `n` matching requests.
    Count(u64),
    /// For each matching request, with this probability.
    Probability(f64),
}

/// One fault rule.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FaultRule {
    id: u64,
    exception: Option<Exception>,
    firing: Firing,
    account: Option<String>,
    latency: Option<Duration>,
}

/// What a fired rule asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Fired {
    pub exception: Option<Exception>,
    pub latency: Option<Duration>,
}

impl FaultRule {
    /// A rule from its JSON form, or why it is not one (the message names the member).
    pub(crate) fn parse(body: &Value) -> Result<FaultRule, String> {
        let members = body.as_object().ok_or("the body must be a JSON object")?;
        const KNOWN: [&str; 5] = ["exception", "count", "probability", "account", "latency_ms"];
        if let Some(unknown) = members.keys().find(|k| !KNOWN.contains(&k.as_str())) {
            return Err(format!(
                "unknown member {unknown:?}; known members: {}",
                KNOWN.join(", ")
            ));
        }
        let exception = parse_exception(members)?;
        let firing = parse_firing(members)?;
        let account = match members.get("account") {
            None | Some(Value::Null) => None,
            Some(Value::String(id)) => Some(id.clone()),
            Some(_) => return Err("member account must be a string".into()),
        };
        let latency = match members.get("latency_ms") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(ms) if ms <= MAX_LATENCY_MS => Some(Duration::from_millis(ms)),
                _ => {
                    return Err(format!(
                        "member latency_ms must be a whole number from 0 to {MAX_LATENCY_MS}"
                    ))
                }
            },
        };
        if exception.is_none() && latency.is_none() {
            return Err("a fault rule needs an exception, a latency_ms, or both".into());
        }
        Ok(FaultRule {
            id: 0,
            exception,
            firing,
            account,
            latency,
        })
    }

    /// The rule as shown by the control plane.
    pub(crate) fn to_json(&self) -> Value {
        let mut rule = json!({
            "id": self.id,
            "exception": self.exception.map(|e| e.shape_name()),
            "account": self.account,
            "latency_ms": self.latency.map(|d| d.as_millis() as u64),
        });
        match self.firing {
            Firing::Count(n) => rule["count"] = json!(n),
            Firing::Probability(p) => rule["probability"] = json!(p),
        }
        rule
    }
}

fn parse_exception(members: &Map<String, Value>) -> Result<Option<Exception>, String> {
    match members.get("exception") {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(name)) => Exception::from_shape_name(name).map(Some).ok_or_else(|| {
            format!(
                "member exception must name one of: {}",
                Exception::ALL.map(|e| e.shape_name()).join(", ")
            )
        }),
        Some(_) => Err("member exception must be a string".into()),
    }
}

fn parse_firing(members: &Map<String, Value>) -> Result<Firing, String> {
    let count = members.get("count").filter(|v| !v.is_null());
    let probability = members.get("probability").filter(|v| !v.is_null());
    match (count, probability) {
        (Some(_), Some(_)) => Err("give either count or probability, not both".into()),
        (None, None) => Err("give count (the next N requests) or probability (0 to 1)".into()),
        (Some(n), None) => match n.as_u64() {
            Some(n) if n >= 1 => Ok(Firing::Count(n)),
            _ => Err("member count must be a whole number of at least 1".into()),
        },
        (None, Some(p)) => match p.as_f64() {
            Some(p) if (0.0..=1.0).contains(&p) => Ok(Firing::Probability(p)),
            _ => Err("member probability must be a number from 0 to 1".into()),
        },
    }
}

/// The rules in force.
#[derive(Debug, Default)]
pub(crate) struct FaultRules {
    /// True while there is any rule: requests skip the lock otherwise.
    active: AtomicBool,
    rules: Mutex<(u64, Vec<FaultRule>)>,
}

impl FaultRules {
    /// Adds a rule; returns it with its id, or why there is no room for it.
    pub(crate) fn add(&self, rule: FaultRule) -> Result<FaultRule, String> {
        let mut guard = chime_contract::util::lock(&self.rules);
        let (next_id, rules) = &mut *guard;
        if rules.len() >= MAX_RULES {
            return Err(format!("at most {MAX_RULES} fault rules are held at once"));
        }
        *next_id += 1;
        let rule = FaultRule {
            id: *next_id,
            ..rule
        };
        rules.push(rule.clone());
        self.active.store(true, Ordering::Release);
        Ok(rule)
    }

    /// Removes every rule; returns how many there were.
    pub(crate) fn clear(&self) -> usize {
        let mut guard = chime_contract::util::lock(&self.rules);
        self.active.store(false, Ordering::Release);
        std::mem::take(&mut guard.1).len()
    }

    /// The rules in force, as shown.
    pub(crate) fn list(&self) -> Vec<Value> {
        chime_contract::util::lock(&self.rules)
            .1
            .iter()
            .map(FaultRule::to_json)
            .collect()
    }

    /// Fires the first rule matching a request to `account_id`, if any.
    pub(crate) fn fire(&self, account_id: &str, random: &Randomness) -> Option<Fired> {
        if !self.active.load(Ordering::Acquire) {
            return None;
        }
        let mut guard = chime_contract::util::lock(&self.rules);
        let rules = &mut guard.1;
        let at = rules.iter().position(|rule| {
            rule.account.as_deref().is_none_or(|a| a == account_id)
                && match rule.firing {
                    Firing::Count(_) => true,
                    Firing::Probability(p) => random.unit() < p,
                }
        })?;
        let rule = &mut rules[at];
        let fired = Fired {
            exception: rule.exception,
            latency: rule.latency,
        };
        if let Firing::Count(n) = &mut rule.firing {
            *n -= 1;
            if *n == 0 {
                rules.remove(at);
            }
        }
        if rules.is_empty() {
            self.active.store(false, Ordering::Release);
        }
        Some(fired)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(body: Value) -> FaultRule {
        FaultRule::parse(&body).unwrap()
    }

    #[test]
    fn a_counted_rule_fires_for_its_matching_requests_then_goes() {
        let rules = FaultRules::default();
        let random = Randomness::new(Some(1));
        rules
            .add(rule(
                json!({"exception": "ConflictException", "count": 2, "account": "a"}),
            ))
            .unwrap();
        assert_eq!(rules.fire("b", &random), None);
        let fired = rules.fire("a", &random).unwrap();
        assert_eq!(fired.exception, Some(Exception::Conflict));
        assert!(rules.fire("a", &random).is_some());
        assert_eq!(rules.fire("a", &random), None);
        assert!(rules.list().is_empty());
    }

    #[test]
    fn probability_and_latency_rules_fire_as_asked() {
        let rules = FaultRules::default();
        let random = Randomness::new(Some(1));
        rules
            .add(rule(
                json!({"probability": 0.0, "exception": "ServiceFailureException"}),
            ))
            .unwrap();
        rules
            .add(rule(json!({"probability": 1, "latency_ms": 5})))
            .unwrap();
        for _ in 0..20 {
            let fired = rules.fire("any", &random).unwrap();
            assert_eq!(fired.exception, None);
            assert_eq!(fired.latency, Some(Duration::from_millis(5)));
        }
        assert_eq!(rules.clear(), 2);
        assert_eq!(rules.fire("any", &random), None);
    }

    #[test]
    fn bad_rules_are_refused_naming_the_member() {
        let bad = [
            (json!([]), "object"),
            (json!({"exception": "Nope", "count": 1}), "exception"),
            (json!({"exception": "ConflictException"}), "count"),
            (
                json!({"exception": "ConflictException", "count": 0}),
                "count",
            ),
            (
                json!({"exception": "ConflictException", "count": 1, "probability": 0.5}),
                "not both",
            ),
            (
                json!({"exception": "ConflictException", "probability": 2}),
                "probability",
            ),
            (json!({"count": 1}), "latency_ms"),
            (json!({"count": 1, "latency_ms": 999999}), "latency_ms"),
            (
                json!({"count": 1, "latency_ms": 1, "acount": "x"}),
                "acount",
            ),
            (
                json!({"count": 1, "latency_ms": 1, "account": 7}),
                "account",
            ),
        ];
        for (body, named) in bad {
            let message = FaultRule::parse(&body).unwrap_err();
            assert!(message.contains(named), "{body}: {message}");
        }
    }
}
