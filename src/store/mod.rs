//! Durable state: who is logged in where, who last used each phone, changed secrets, the
//! SIP phones' registrations, and the numbers with messages waiting.
//!
//! The job of this module is to keep the little state that must survive a restart (architecture
//! §5) and nothing else: the tables `em_sessions` (device name -> user, since, last activity),
//! `em_last_user` (device name -> user), `credentials` (user -> changed secret, already hashed
//! by the caller), `sip_bindings` (device name -> its registration), `mwi` (number -> its
//! message counts, since when, from where) and `meta` (schema version; a table added
//! later is created on open, so older files need no migration). EM changes are committed
//! before they are announced; SIP bindings and message waiting are written behind, a batch
//! a second (a daemon restarted after a crash may miss the last second of them, which the
//! phones' next refresh and the voicemail server's next NOTIFY restore).
//!
//! Boundary: the engine decides what to write (its `Persist` effects carry [`Change`]s) and
//! the actor commits them through the [`Store`] trait; the store is opened once, by the
//! daemon. It holds no policy and never reads the clock: every time is a count of unix
//! seconds passed in by the caller. [`RedbStore`] is the real, on-disk implementation;
//! [`MemStore`] has the same semantics in memory, for engine tests.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::ids::{DeviceName, Extension, UserName};

mod mem;
mod redb_store;

pub use mem::MemStore;
pub use redb_store::{FILE_NAME, RedbStore};

/// The layout version this build reads and writes; recorded in `meta` on first open.
pub const SCHEMA_VERSION: u32 = 1;

/// An Extension Mobility login on one phone.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmLogin {
    /// The user logged in on the phone.
    pub user: UserName,
    /// When the login happened, in unix seconds.
    pub since: u64,
    /// When the user last did something on the phone, in unix seconds (for idle logout).
    pub last_activity: u64,
}

/// Everything the store holds, as read back at start-up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Persisted {
    /// Open Extension Mobility sessions, by phone.
    pub sessions: BTreeMap<DeviceName, EmLogin>,
    /// The last user who logged in on each phone, kept after logout.
    pub last_users: BTreeMap<DeviceName, UserName>,
    /// Secrets users have changed from the configured ones, already hashed by the caller.
    pub credentials: BTreeMap<UserName, String>,
    /// SIP registrations, by device.
    pub bindings: BTreeMap<DeviceName, StoredBinding>,
    /// The numbers with messages waiting.
    pub mwi: BTreeMap<Extension, StoredMwi>,
}

/// Messages waiting for a number: what the voicemail server last said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredMwi {
    /// New and old voice messages (RFC 3842 `Voice-Message: new/old`), when it said.
    pub new: u32,
    /// See [`StoredMwi::new`].
    pub old: u32,
    /// When the lamp went on, unix seconds.
    pub since: u64,
    /// Who said so: the NOTIFY's source address, or the outcall number called.
    pub source: String,
}

/// A SIP phone's registration as the store keeps it: enough to reach the phone again after
/// a restart (its contact, its address, whether it came over TCP) and to say when it ends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBinding {
    /// The `voice register pool` it registered as.
    pub pool: u32,
    /// Its registered contact URI.
    pub contact: String,
    /// The Call-ID of its REGISTER (the restart NOTIFY's `RegisterCallId`).
    pub call_id: String,
    /// Where its REGISTER came from.
    pub peer: std::net::SocketAddr,
    /// It registered over TCP (the connection itself does not survive a restart).
    pub tcp: bool,
    /// When it first registered, unix seconds.
    pub since: u64,
    /// When the binding expires, unix seconds.
    pub expires_at: u64,
}

/// One modification of the persisted state; a batch of them is applied by [`Store::commit`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// Records (or replaces) the session on `device`.
    PutSession {
        /// The phone the session is on.
        device: DeviceName,
        /// The session to record.
        session: EmLogin,
    },
    /// Removes the session on `device`; harmless if there is none. Does not touch the
    /// last user, which the caller records with [`Change::PutLastUser`] if it wants to.
    EndSession {
        /// The phone whose session ends.
        device: DeviceName,
    },
    /// Records (or replaces) the last user of `device`.
    PutLastUser {
        /// The phone.
        device: DeviceName,
        /// Its most recent user.
        user: UserName,
    },
    /// Records (or replaces) the changed secret of `user`. The store keeps the string as given;
    /// hashing is the caller's job.
    PutCredential {
        /// Whose secret changed.
        user: UserName,
        /// The new secret, already hashed.
        secret: String,
    },
    /// Forgets the changed secret of `user`, so the configured one applies again; harmless if
    /// there is none.
    DeleteCredential {
        /// Whose changed secret to forget.
        user: UserName,
    },
    /// Records (or replaces) the SIP registration of `device`.
    PutBinding {
        /// The SIP phone.
        device: DeviceName,
        /// Its registration.
        binding: StoredBinding,
    },
    /// Forgets the SIP registration of `device`; harmless if there is none.
    DropBinding {
        /// The SIP phone.
        device: DeviceName,
    },
    /// Records (or replaces) that `number` has messages waiting.
    PutMwi {
        /// The number.
        number: Extension,
        /// Its messages.
        mwi: StoredMwi,
    },
    /// `number` has no messages waiting any more; harmless if it had none.
    DropMwi {
        /// The number.
        number: Extension,
    },
}

/// Why the store could not open, load or commit.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process (or another handle in this process) has the database file open.
    #[error("database {} is in use by another cmed process", .path.display())]
    Locked {
        /// The database file.
        path: PathBuf,
    },
    /// The file was written by a newer cmed with a layout this build does not know.
    #[error(
        "database schema version {found} is newer than version {supported}, the newest this \
         cmed supports; run a newer cmed or move the database aside"
    )]
    NewerSchema {
        /// The version recorded in the file.
        found: u32,
        /// [`SCHEMA_VERSION`] of this build.
        supported: u32,
    },
    /// The file holds something this build cannot make sense of.
    #[error("database is corrupt: {0}")]
    Corrupt(String),
    /// Reading or writing the file (or creating its directory) failed.
    #[error("database I/O failed: {0}")]
    Io(String),
    /// Any other failure of the storage engine.
    #[error("database error: {0}")]
    Backend(String),
}

/// Durable storage of [`Persisted`], used only by the engine.
pub trait Store: Send + 'static {
    /// Everything persisted, for recovery at start-up.
    fn load(&self) -> Result<Persisted, StoreError>;
    /// Applies all changes in one durable transaction: when this returns Ok, a crash cannot lose
    /// them; on Err nothing was applied.
    fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError>;
}

/// Checks every implementation of [`Store`] against the same expectations.
#[cfg(test)]
pub(crate) mod conformance {
    use super::*;

    /// A device name for tests, `SEP0000000000NN`.
    pub(crate) fn dev(n: u8) -> DeviceName {
        DeviceName::parse(&format!("SEP0000000000{n:02X}")).expect("valid device name")
    }

    /// A user name for tests.
    pub(crate) fn user(s: &str) -> UserName {
        UserName(s.to_owned())
    }

    /// A SIP binding for tests.
    pub(crate) fn binding(pool: u32, expires_at: u64, tcp: bool) -> StoredBinding {
        StoredBinding {
            pool,
            contact: format!("sip:20{pool:02}@127.0.0.1:5062"),
            call_id: format!("call-{pool}"),
            peer: "127.0.0.1:5062".parse().expect("socket address"),
            tcp,
            since: 10,
            expires_at,
        }
    }

    fn mwi(new: u32, since: u64) -> StoredMwi {
        StoredMwi {
            new,
            old: 1,
            since,
            source: "192.0.2.10".into(),
        }
    }

    fn session(u: &str, since: u64, last_activity: u64) -> EmLogin {
        EmLogin {
            user: user(u),
            since,
            last_activity,
        }
    }

    /// Commits every kind of change, checking `load` after each batch.
    pub(crate) fn every_change_kind_round_trips(store: &mut dyn Store) {
        assert_eq!(store.load().unwrap(), Persisted::default());

        store
            .commit(&[
                Change::PutSession {
                    device: dev(1),
                    session: session("alice", 100, 150),
                },
                Change::PutSession {
                    device: dev(2),
                    session: session("bob", 200, 200),
                },
                Change::PutLastUser {
                    device: dev(1),
                    user: user("alice"),
                },
                Change::PutLastUser {
                    device: dev(3),
                    user: user("carol"),
                },
                Change::PutCredential {
                    user: user("alice"),
                    secret: "hash-a".into(),
                },
                Change::PutCredential {
                    user: user("bob"),
                    secret: "hash-b".into(),
                },
                Change::PutBinding {
                    device: dev(4),
                    binding: binding(1, 3600, false),
                },
                Change::PutBinding {
                    device: dev(5),
                    binding: binding(2, 7200, true),
                },
                Change::PutMwi {
                    number: Extension("1003".into()),
                    mwi: mwi(2, 10),
                },
                Change::PutMwi {
                    number: Extension("2001".into()),
                    mwi: mwi(0, 20),
                },
            ])
            .unwrap();

        let mut want = Persisted::default();
        want.sessions.insert(dev(1), session("alice", 100, 150));
        want.sessions.insert(dev(2), session("bob", 200, 200));
        want.last_users.insert(dev(1), user("alice"));
        want.last_users.insert(dev(3), user("carol"));
        want.credentials.insert(user("alice"), "hash-a".into());
        want.credentials.insert(user("bob"), "hash-b".into());
        want.bindings.insert(dev(4), binding(1, 3600, false));
        want.bindings.insert(dev(5), binding(2, 7200, true));
        want.mwi.insert(Extension("1003".into()), mwi(2, 10));
        want.mwi.insert(Extension("2001".into()), mwi(0, 20));
        assert_eq!(store.load().unwrap(), want);

        store
            .commit(&[
                Change::EndSession { device: dev(2) },
                Change::PutLastUser {
                    device: dev(2),
                    user: user("bob"),
                },
                Change::PutSession {
                    device: dev(1),
                    session: session("alice", 100, 999),
                },
                Change::DeleteCredential { user: user("bob") },
                Change::PutCredential {
                    user: user("alice"),
                    secret: "hash-a2".into(),
                },
                Change::DropBinding { device: dev(4) },
                Change::PutBinding {
                    device: dev(5),
                    binding: binding(2, 9000, true),
                },
                Change::DropMwi {
                    number: Extension("2001".into()),
                },
                Change::PutMwi {
                    number: Extension("1003".into()),
                    mwi: mwi(3, 10),
                },
            ])
            .unwrap();

        want.sessions.remove(&dev(2));
        want.last_users.insert(dev(2), user("bob"));
        want.sessions.insert(dev(1), session("alice", 100, 999));
        want.credentials.remove(&user("bob"));
        want.credentials.insert(user("alice"), "hash-a2".into());
        want.bindings.remove(&dev(4));
        want.bindings.insert(dev(5), binding(2, 9000, true));
        want.mwi.remove(&Extension("2001".into()));
        want.mwi.insert(Extension("1003".into()), mwi(3, 10));
        assert_eq!(store.load().unwrap(), want);
    }

    /// Ending a session that does not exist, or deleting a missing credential, changes nothing
    /// and does not fail.
    pub(crate) fn ending_a_missing_session_is_harmless(store: &mut dyn Store) {
        store
            .commit(&[Change::PutSession {
                device: dev(1),
                session: session("alice", 1, 2),
            }])
            .unwrap();
        let before = store.load().unwrap();
        store
            .commit(&[
                Change::EndSession { device: dev(9) },
                Change::DeleteCredential {
                    user: user("nobody"),
                },
                Change::DropBinding { device: dev(9) },
            ])
            .unwrap();
        assert_eq!(store.load().unwrap(), before);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locked_error_names_the_file() {
        let e = StoreError::Locked {
            path: PathBuf::from("/var/lib/cmed/cmed.redb"),
        };
        assert_eq!(
            e.to_string(),
            "database /var/lib/cmed/cmed.redb is in use by another cmed process"
        );
    }

    #[test]
    fn newer_schema_error_names_both_versions() {
        let e = StoreError::NewerSchema {
            found: 7,
            supported: SCHEMA_VERSION,
        };
        let msg = e.to_string();
        assert!(msg.contains("version 7"), "{msg}");
        assert!(msg.contains(&format!("version {SCHEMA_VERSION}")), "{msg}");
    }
}
