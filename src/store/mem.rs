//! An in-memory [`Store`] with the same semantics as the on-disk one, for engine tests.
//!
//! Boundary: like every store, used only by the engine through the [`Store`] trait; `main` opens
//! the real [`RedbStore`](super::RedbStore) instead. It adds failure injection
//! ([`MemStore::fail_next_commit`]) and a commit counter so tests can check how the engine
//! behaves when persistence fails and how often it commits.

use super::{Change, Persisted, Store, StoreError};

/// Keeps [`Persisted`] in memory; nothing survives the value.
#[derive(Clone, Debug, Default)]
pub struct MemStore {
    state: Persisted,
    fail_next: bool,
    commits: usize,
}

impl MemStore {
    /// An empty store, as on a first start.
    pub fn new() -> MemStore {
        MemStore::default()
    }

    /// A store that already holds `state`, as after a restart; no commit is counted.
    pub fn from_persisted(state: Persisted) -> MemStore {
        MemStore {
            state,
            ..MemStore::default()
        }
    }

    /// Makes the next [`Store::commit`] fail with [`StoreError::Backend`] and apply nothing.
    /// Later commits succeed again.
    pub fn fail_next_commit(&mut self) {
        self.fail_next = true;
    }

    /// How many commits have succeeded (failed ones are not counted; an empty batch is).
    pub fn commits(&self) -> usize {
        self.commits
    }
}

impl Store for MemStore {
    fn load(&self) -> Result<Persisted, StoreError> {
        Ok(self.state.clone())
    }

    fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        if std::mem::take(&mut self.fail_next) {
            return Err(StoreError::Backend(
                "commit failed on purpose (MemStore::fail_next_commit)".into(),
            ));
        }
        for change in changes {
            apply(&mut self.state, change);
        }
        self.commits += 1;
        Ok(())
    }
}

/// Applies one change to the in-memory state, with the same semantics as the on-disk tables.
fn apply(state: &mut Persisted, change: &Change) {
    match change {
        Change::PutSession { device, session } => {
            state.sessions.insert(*device, session.clone());
        }
        Change::EndSession { device } => {
            state.sessions.remove(device);
        }
        Change::PutLastUser { device, user } => {
            state.last_users.insert(*device, user.clone());
        }
        Change::PutCredential { user, secret } => {
            state.credentials.insert(user.clone(), secret.clone());
        }
        Change::DeleteCredential { user } => {
            state.credentials.remove(user);
        }
        Change::PutBinding { device, binding } => {
            state.bindings.insert(*device, binding.clone());
        }
        Change::DropBinding { device } => {
            state.bindings.remove(device);
        }
        Change::PutMwi { number, mwi } => {
            state.mwi.insert(number.clone(), mwi.clone());
        }
        Change::DropMwi { number } => {
            state.mwi.remove(number);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::conformance::{self, dev, user};
    use super::*;

    #[test]
    fn every_change_kind_round_trips() {
        conformance::every_change_kind_round_trips(&mut MemStore::new());
    }

    #[test]
    fn ending_a_missing_session_is_harmless() {
        conformance::ending_a_missing_session_is_harmless(&mut MemStore::new());
    }

    #[test]
    fn a_failed_commit_applies_nothing() {
        let mut store = MemStore::new();
        store
            .commit(&[Change::PutLastUser {
                device: dev(1),
                user: user("alice"),
            }])
            .unwrap();
        let before = store.load().unwrap();

        store.fail_next_commit();
        let batch = [
            Change::PutLastUser {
                device: dev(1),
                user: user("bob"),
            },
            Change::PutCredential {
                user: user("bob"),
                secret: "h".into(),
            },
        ];
        assert!(matches!(store.commit(&batch), Err(StoreError::Backend(_))));
        assert_eq!(store.load().unwrap(), before);
        assert_eq!(store.commits(), 1);

        // Only the next commit fails.
        store.commit(&batch).unwrap();
        assert_eq!(store.commits(), 2);
        assert_eq!(store.load().unwrap().last_users[&dev(1)], user("bob"));
    }

    #[test]
    fn from_persisted_starts_with_that_state_and_no_commits() {
        let mut state = Persisted::default();
        state.last_users.insert(dev(4), user("dave"));
        let store = MemStore::from_persisted(state.clone());
        assert_eq!(store.load().unwrap(), state);
        assert_eq!(store.commits(), 0);
    }
}
