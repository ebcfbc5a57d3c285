//! The mock's state: the accounts it knows, what kind each is, the token bucket of each
//! throttled account, and the users created in each (kept as CreateUser returned them).
//! Conflict detection is a single check-and-insert under one lock, so of N simultaneous
//! creates with one email exactly one wins.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::throttle::TokenBucket;
use crate::ThrottleConfig;

/// What an account is, for CreateUser.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountKind {
    /// Users are created in it.
    Ordinary,
    /// Disabled: `ForbiddenException`.
    Forbidden,
    /// Low limit: a token bucket before anything else.
    Throttled,
}

impl AccountKind {
    /// The kind named `ordinary`, `forbidden` or `throttled`.
    pub fn from_name(name: &str) -> Option<AccountKind> {
        match name {
            "ordinary" => Some(AccountKind::Ordinary),
            "forbidden" => Some(AccountKind::Forbidden),
            "throttled" => Some(AccountKind::Throttled),
            _ => None,
        }
    }
}

#[derive(Debug)]
struct Account {
    kind: AccountKind,
    bucket: Option<TokenBucket>,
    /// The emails of the users created in the account, as [`Directory::email_key`] keys them.
    emails: HashSet<String>,
    /// The users created in the account, as the JSON text CreateUser returned.
    users: Vec<Arc<str>>,
}

impl Account {
    fn new(kind: AccountKind, throttle: &ThrottleConfig, now: Instant) -> Account {
        Account {
            kind,
            bucket: (kind == AccountKind::Throttled).then(|| TokenBucket::new(throttle, now)),
            emails: HashSet::new(),
            users: Vec::new(),
        }
    }
}

/// A user just created: its value, and its JSON text as stored (shared with the answer,
/// so it is serialized once).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NewUser {
    pub user: Value,
    pub text: Arc<str>,
}

/// A user with this email already exists in the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a user with this email already exists in the account")]
pub(crate) struct EmailTaken;

/// One account as saved: its id, kind and users.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SavedAccount {
    /// The account id.
    pub id: String,
    /// Ordinary, forbidden or throttled.
    pub kind: AccountKind,
    /// Its users, each a `User` as CreateUser answered it.
    #[serde(default)]
    pub users: Vec<Value>,
}

/// All accounts and their users.
#[derive(Debug)]
pub(crate) struct Directory {
    accounts: Mutex<HashMap<String, Account>>,
    throttle: ThrottleConfig,
    users_stored: AtomicUsize,
    /// Emails conflict only when equal (else when equal ignoring case).
    exact_emails: bool,
}

impl Directory {
    /// A directory of the given accounts. An id listed under several kinds takes the
    /// strictest: forbidden, then throttled, then ordinary.
    pub(crate) fn new(
        ordinary: &[String],
        forbidden: &[String],
        throttled: &[String],
        throttle: ThrottleConfig,
        now: Instant,
    ) -> Directory {
        let mut accounts = HashMap::new();
        let lists = [
            (ordinary, AccountKind::Ordinary),
            (throttled, AccountKind::Throttled),
            (forbidden, AccountKind::Forbidden),
        ];
        for (ids, kind) in lists {
            for id in ids {
                accounts.insert(id.clone(), Account::new(kind, &throttle, now));
            }
        }
        Directory {
            accounts: Mutex::new(accounts),
            throttle,
            users_stored: AtomicUsize::new(0),
            exact_emails: false,
        }
    }

    /// The directory with emails compared exactly (`exact`) or ignoring case (the default).
    pub(crate) fn with_exact_emails(mut self, exact: bool) -> Directory {
        self.exact_emails = exact;
        self
    }

    /// An email as conflicts compare it.
    fn email_key(&self, email: &str) -> String {
        if self.exact_emails {
            email.to_string()
        } else {
            email.to_lowercase()
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Account>> {
        // A panic elsewhere while holding the lock leaves the map consistent (every
        // mutation is a single insert or remove), so a poisoned lock is used as it is.
        chime_contract::util::lock(&self.accounts)
    }

    /// The kind of the account, or `None` when it is unknown. With `create_unknown` an
    /// unknown account is created as an ordinary one instead.
    pub(crate) fn account_kind(
        &self,
        account_id: &str,
        create_unknown: bool,
    ) -> Option<AccountKind> {
        let mut accounts = self.lock();
        if let Some(account) = accounts.get(account_id) {
            return Some(account.kind);
        }
        if !create_unknown {
            return None;
        }
        let account = Account::new(AccountKind::Ordinary, &self.throttle, Instant::now());
        accounts.insert(account_id.to_string(), account);
        Some(AccountKind::Ordinary)
    }

    /// Takes a token from the account's bucket at `now`; `Err` says how long until one is
    /// available. Accounts without a bucket are never throttled.
    pub(crate) fn take_token(&self, account_id: &str, now: Instant) -> Result<(), Duration> {
        let mut accounts = self.lock();
        match accounts.get_mut(account_id).and_then(|a| a.bucket.as_mut()) {
            Some(bucket) => bucket.try_take(now),
            None => Ok(()),
        }
    }

    /// Records a new user in the account, made by `make_user` once the email is known to
    /// be free: fails with [`EmailTaken`] when a user with the same email (ignoring case,
    /// unless [`Directory::with_exact_emails`]) exists, unless `allow_duplicates`. Users without an email never conflict. An
    /// unknown account is created as an ordinary one.
    pub(crate) fn insert_user(
        &self,
        account_id: &str,
        email: Option<&str>,
        allow_duplicates: bool,
        make_user: impl FnOnce() -> Value,
    ) -> Result<NewUser, EmailTaken> {
        let mut accounts = self.lock();
        let account = accounts
            .entry(account_id.to_string())
            .or_insert_with(|| Account::new(AccountKind::Ordinary, &self.throttle, Instant::now()));
        if let Some(email) = email {
            let fresh = account.emails.insert(self.email_key(email));
            if !fresh && !allow_duplicates {
                return Err(EmailTaken);
            }
        }
        let user = make_user();
        let text: Arc<str> = Arc::from(user.to_string());
        account.users.push(text.clone());
        self.users_stored.fetch_add(1, Ordering::Relaxed);
        Ok(NewUser { user, text })
    }

    /// How many users were created, in all accounts.
    pub(crate) fn users_stored(&self) -> usize {
        self.users_stored.load(Ordering::Relaxed)
    }

    /// Adds an account of `kind`, or changes an existing one's kind (its users stay).
    /// True when the account is new.
    pub(crate) fn put_account(&self, account_id: &str, kind: AccountKind, now: Instant) -> bool {
        let mut accounts = self.lock();
        match accounts.get_mut(account_id) {
            Some(account) => {
                if account.kind != kind {
                    account.kind = kind;
                    account.bucket = (kind == AccountKind::Throttled)
                        .then(|| TokenBucket::new(&self.throttle, now));
                }
                false
            }
            None => {
                accounts.insert(
                    account_id.to_string(),
                    Account::new(kind, &self.throttle, now),
                );
                true
            }
        }
    }

    /// Forgets an account and its users. False when there was no such account.
    pub(crate) fn remove_account(&self, account_id: &str) -> bool {
        let removed = self.lock().remove(account_id);
        if let Some(account) = &removed {
            self.users_stored
                .fetch_sub(account.users.len(), Ordering::Relaxed);
        }
        removed.is_some()
    }

    /// Forgets every user and refills every throttle bucket; the accounts stay.
    pub(crate) fn reset(&self, now: Instant) {
        let mut accounts = self.lock();
        for account in accounts.values_mut() {
            account.emails.clear();
            account.users = Vec::new();
            if account.bucket.is_some() {
                account.bucket = Some(TokenBucket::new(&self.throttle, now));
            }
        }
        self.users_stored.store(0, Ordering::Relaxed);
    }

    /// The users of one account (`None` when it is unknown), or of all accounts.
    pub(crate) fn users(&self, account_id: Option<&str>) -> Option<Vec<Value>> {
        let accounts = self.lock();
        match account_id {
            Some(id) => Some(accounts.get(id)?.users.iter().map(|u| parse(u)).collect()),
            None => Some(
                accounts
                    .values()
                    .flat_map(|a| a.users.iter().map(|u| parse(u)))
                    .collect(),
            ),
        }
    }

    /// Every account with its kind and users, sorted by id.
    pub(crate) fn save(&self) -> Vec<SavedAccount> {
        let accounts = self.lock();
        let mut saved: Vec<SavedAccount> = accounts
            .iter()
            .map(|(id, account)| SavedAccount {
                id: id.clone(),
                kind: account.kind,
                users: account.users.iter().map(|u| parse(u)).collect(),
            })
            .collect();
        saved.sort_by(|a, b| a.id.cmp(&b.id));
        saved
    }

    /// Adds saved accounts (replacing any of the same id) with their users; a user's
    /// `PrimaryEmail` is taken again for conflict detection.
    pub(crate) fn restore(&self, saved: &[SavedAccount], now: Instant) {
        let mut accounts = self.lock();
        for entry in saved {
            let mut account = Account::new(entry.kind, &self.throttle, now);
            for user in &entry.users {
                if let Some(email) = user.get("PrimaryEmail").and_then(Value::as_str) {
                    account.emails.insert(self.email_key(email));
                }
                account.users.push(Arc::from(user.to_string()));
            }
            if let Some(old) = accounts.insert(entry.id.clone(), account) {
                self.users_stored
                    .fetch_sub(old.users.len(), Ordering::Relaxed);
            }
            self.users_stored
                .fetch_add(entry.users.len(), Ordering::Relaxed);
        }
    }
}

/// A stored user's JSON text as a value (it was written from one, so it parses).
fn parse(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or(Value::Null)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    fn user() -> Value {
        serde_json::json!({"UserId": "u"})
    }

    fn directory() -> Directory {
        Directory::new(
            &ids(&["a", "both"]),
            &ids(&["f", "both"]),
            &ids(&["t"]),
            ThrottleConfig {
                rate_per_second: 1.0,
                burst: 2,
            },
            Instant::now(),
        )
    }

    #[test]
    fn accounts_have_their_kind_and_unknown_ones_are_none_unless_created() {
        let d = directory();
        assert_eq!(d.account_kind("a", false), Some(AccountKind::Ordinary));
        assert_eq!(d.account_kind("f", false), Some(AccountKind::Forbidden));
        assert_eq!(d.account_kind("t", false), Some(AccountKind::Throttled));
        assert_eq!(d.account_kind("both", false), Some(AccountKind::Forbidden));
        assert_eq!(d.account_kind("new", false), None);
        assert_eq!(d.account_kind("new", true), Some(AccountKind::Ordinary));
        assert_eq!(d.account_kind("new", false), Some(AccountKind::Ordinary));
    }

    #[test]
    fn an_email_conflicts_ignoring_case_and_only_within_its_account() {
        let d = directory();
        assert!(d
            .insert_user("a", Some("Jane@Example.com"), false, user)
            .is_ok());
        assert_eq!(
            d.insert_user("a", Some("jane@example.COM"), false, user),
            Err(EmailTaken)
        );
        assert!(d
            .insert_user("t", Some("jane@example.com"), false, user)
            .is_ok());
        assert!(d.insert_user("a", None, false, user).is_ok());
        assert!(d.insert_user("a", None, false, user).is_ok());
        assert!(d
            .insert_user("a", Some("jane@example.com"), true, user)
            .is_ok());
        assert_eq!(d.users_stored(), 5);
    }

    #[test]
    fn with_exact_emails_another_case_is_another_email() {
        let d = directory().with_exact_emails(true);
        assert!(d
            .insert_user("a", Some("Jane@Example.com"), false, user)
            .is_ok());
        assert!(d
            .insert_user("a", Some("jane@example.com"), false, user)
            .is_ok());
        assert_eq!(
            d.insert_user("a", Some("jane@example.com"), false, user),
            Err(EmailTaken)
        );
        let with_email = || serde_json::json!({"UserId": "u", "PrimaryEmail": "X@y.z"});
        let saved = vec![SavedAccount {
            id: "r".into(),
            kind: AccountKind::Ordinary,
            users: vec![with_email()],
        }];
        d.restore(&saved, Instant::now());
        assert!(d.insert_user("r", Some("x@y.z"), false, user).is_ok());
        assert_eq!(
            d.insert_user("r", Some("X@y.z"), false, user),
            Err(EmailTaken)
        );
    }

    #[test]
    fn only_throttled_accounts_run_out_of_tokens() {
        let d = directory();
        let now = Instant::now();
        for _ in 0..10 {
            assert_eq!(d.take_token("a", now), Ok(()));
        }
        assert_eq!(d.take_token("t", now), Ok(()));
        assert_eq!(d.take_token("t", now), Ok(()));
        assert!(d.take_token("t", now).is_err());
    }

    #[test]
    fn simultaneous_inserts_of_one_email_have_exactly_one_winner() {
        let d = std::sync::Arc::new(directory());
        let handles: Vec<_> = (0..32)
            .map(|_| {
                let d = d.clone();
                std::thread::spawn(move || {
                    d.insert_user("a", Some("same@example.com"), false, user)
                        .is_ok()
                })
            })
            .collect();
        let wins = handles
            .into_iter()
            .filter_map(|h| h.join().ok())
            .filter(|won| *won)
            .count();
        assert_eq!(wins, 1);
        assert_eq!(d.users_stored(), 1);
    }

    #[test]
    fn accounts_are_put_removed_reset_saved_and_restored() {
        let d = directory();
        let now = Instant::now();
        assert!(d.put_account("new", AccountKind::Throttled, now));
        assert!(!d.put_account("new", AccountKind::Ordinary, now));
        assert_eq!(d.account_kind("new", false), Some(AccountKind::Ordinary));
        let with_email = || serde_json::json!({"UserId": "u", "PrimaryEmail": "x@y.z"});
        assert!(d
            .insert_user("new", Some("x@y.z"), false, with_email)
            .is_ok());
        let saved = d.save();
        assert_eq!(
            saved.iter().map(|a| a.id.as_str()).collect::<Vec<_>>(),
            ["a", "both", "f", "new", "t"]
        );
        assert!(d.remove_account("new"));
        assert!(!d.remove_account("new"));
        assert_eq!(d.users_stored(), 0);
        assert_eq!(d.users(Some("new")), None);
        d.restore(&saved, now);
        assert_eq!(d.users(Some("new")), Some(vec![with_email()]));
        assert_eq!(d.users_stored(), 1);
        assert_eq!(
            d.insert_user("new", Some("X@y.z"), false, user),
            Err(EmailTaken)
        );
        for _ in 0..2 {
            assert_eq!(d.take_token("t", now), Ok(()));
        }
        d.reset(now);
        assert_eq!(d.users_stored(), 0);
        assert_eq!(d.users(None), Some(vec![]));
        assert_eq!(d.take_token("t", now), Ok(()), "the bucket is full again");
        assert_eq!(d.account_kind("new", false), Some(AccountKind::Ordinary));
        let again = d.insert_user("new", Some("w@y.z"), false, user).unwrap();
        assert_eq!(again.text.as_ref(), again.user.to_string());
    }
}
