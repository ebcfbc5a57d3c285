//! The mock's state: the accounts it knows, what kind each is, the token bucket of each
//! throttled account, and the users created in each. Conflict detection is a single
//! check-and-insert under one lock, so of N simultaneous creates with one email exactly
//! one wins.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use crate::mock::throttle::TokenBucket;
use crate::mock::ThrottleConfig;

/// What an account is, for CreateUser.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AccountKind {
    /// Users are created in it.
    Ordinary,
    /// Disabled: `ForbiddenException`.
    Forbidden,
    /// Low limit: a token bucket before anything else.
    Throttled,
}

#[derive(Debug)]
struct Account {
    kind: AccountKind,
    bucket: Option<TokenBucket>,
    /// Lower-cased emails of the users created in the account.
    emails: HashSet<String>,
}

/// A user with this email already exists in the account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a user with this email already exists in the account")]
pub struct EmailTaken;

/// All accounts and their users.
#[derive(Debug)]
pub struct Directory {
    accounts: Mutex<HashMap<String, Account>>,
    users_stored: AtomicUsize,
}

impl Directory {
    /// A directory of the given accounts. An id listed under several kinds takes the
    /// strictest: forbidden, then throttled, then ordinary.
    pub fn new(
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
                let bucket =
                    (kind == AccountKind::Throttled).then(|| TokenBucket::new(&throttle, now));
                accounts.insert(
                    id.clone(),
                    Account {
                        kind,
                        bucket,
                        emails: HashSet::new(),
                    },
                );
            }
        }
        Directory {
            accounts: Mutex::new(accounts),
            users_stored: AtomicUsize::new(0),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, Account>> {
        // A panic elsewhere while holding the lock leaves the map consistent (every
        // mutation is a single insert), so a poisoned lock is used as it is.
        crate::util::lock(&self.accounts)
    }

    /// The kind of the account, or `None` when it is unknown. With `create_unknown` an
    /// unknown account is created as an ordinary one instead.
    pub fn account_kind(&self, account_id: &str, create_unknown: bool) -> Option<AccountKind> {
        let mut accounts = self.lock();
        if let Some(account) = accounts.get(account_id) {
            return Some(account.kind);
        }
        if !create_unknown {
            return None;
        }
        accounts.insert(
            account_id.to_string(),
            Account {
                kind: AccountKind::Ordinary,
                bucket: None,
                emails: HashSet::new(),
            },
        );
        Some(AccountKind::Ordinary)
    }

    /// Takes a token from the account's bucket at `now`; `Err` says how long until one is
    /// available. Accounts without a bucket are never throttled.
    pub fn take_token(&self, account_id: &str, now: Instant) -> Result<(), Duration> {
        let mut accounts = self.lock();
        match accounts.get_mut(account_id).and_then(|a| a.bucket.as_mut()) {
            Some(bucket) => bucket.try_take(now),
            None => Ok(()),
        }
    }

    /// Records a new user in the account: fails with [`EmailTaken`] when a user with the
    /// same email (ignoring case) exists, unless `allow_duplicates`. Users without an
    /// email never conflict. An unknown account is created as an ordinary one.
    pub fn insert_user(
        &self,
        account_id: &str,
        email: Option<&str>,
        allow_duplicates: bool,
    ) -> Result<(), EmailTaken> {
        let mut accounts = self.lock();
        let account = accounts
            .entry(account_id.to_string())
            .or_insert_with(|| Account {
                kind: AccountKind::Ordinary,
                bucket: None,
                emails: HashSet::new(),
            });
        if let Some(email) = email {
            let fresh = account.emails.insert(email.to_lowercase());
            if !fresh && !allow_duplicates {
                return Err(EmailTaken);
            }
        }
        self.users_stored.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// How many users were created, in all accounts.
    pub fn users_stored(&self) -> usize {
        self.users_stored.load(Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
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
        assert_eq!(d.insert_user("a", Some("Jane@Example.com"), false), Ok(()));
        assert_eq!(
            d.insert_user("a", Some("jane@example.COM"), false),
            Err(EmailTaken)
        );
        assert_eq!(d.insert_user("t", Some("jane@example.com"), false), Ok(()));
        assert_eq!(d.insert_user("a", None, false), Ok(()));
        assert_eq!(d.insert_user("a", None, false), Ok(()));
        assert_eq!(d.insert_user("a", Some("jane@example.com"), true), Ok(()));
        assert_eq!(d.users_stored(), 5);
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
                    d.insert_user("a", Some("same@example.com"), false).is_ok()
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
}
