//! The on-disk [`Store`]: one redb file, `cmed.redb`, in the state directory.
//!
//! Its job is to map [`Persisted`] and [`Change`] onto five redb tables, encoded with redb's
//! built-in `&str`/`u64`/`u32`/tuple value types, and to refuse a file it must not touch (in use
//! by another process, or written by a newer schema). Every commit uses redb's default
//! `Durability::Immediate`, so a commit that returned Ok survives a crash.
//!
//! Boundary: used only by the engine through the [`Store`] trait; opened once in `main`.

use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};

use super::{
    Change, EmLogin, Persisted, SCHEMA_VERSION, Store, StoreError, StoredBinding, StoredMwi,
};
use crate::ids::{DeviceName, Extension, UserName};

/// The file name inside the state directory.
/// The store file's name in the data directory.
pub const FILE_NAME: &str = "cmed.redb";

/// Device name -> (user, since, last activity).
const SESSIONS: TableDefinition<&str, (&str, u64, u64)> = TableDefinition::new("em_sessions");
/// Device name -> user.
const LAST_USERS: TableDefinition<&str, &str> = TableDefinition::new("em_last_user");
/// User -> changed secret (hashed by the caller).
const CREDENTIALS: TableDefinition<&str, &str> = TableDefinition::new("credentials");
/// Device name -> (pool, contact, Call-ID, peer address, over TCP, since, expires at). A
/// table added after schema version 1 was first written: `prepare` creates it in older
/// files, and an older cmed never opens it.
const BINDINGS: TableDefinition<&str, BindingRow> = TableDefinition::new("sip_bindings");
/// A row of [`BINDINGS`].
type BindingRow<'a> = (u32, &'a str, &'a str, &'a str, bool, u64, u64);
/// number -> (new, old, since, source).
const MWI: TableDefinition<&str, (u32, u32, u64, &str)> = TableDefinition::new("mwi");
/// Key -> number; holds [`SCHEMA_KEY`].
const META: TableDefinition<&str, u32> = TableDefinition::new("meta");
/// The `meta` key of the schema version.
const SCHEMA_KEY: &str = "schema_version";

/// The persistent store, holding the redb database open (and locked) for its lifetime.
pub struct RedbStore {
    db: Database,
    path: PathBuf,
}

impl std::fmt::Debug for RedbStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedbStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl RedbStore {
    /// Opens `dir/cmed.redb`, creating `dir` and the file if missing.
    ///
    /// Creates all tables and records [`SCHEMA_VERSION`] on first open. Fails with
    /// [`StoreError::Locked`] if another process (or another `RedbStore` in this one) has the
    /// file open, with [`StoreError::NewerSchema`] if a newer cmed wrote it, and with
    /// [`StoreError::Io`] naming `dir` if the directory cannot be created.
    pub fn open(dir: &Path) -> Result<RedbStore, StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| {
            StoreError::Io(format!(
                "cannot create database directory {}: {e}",
                dir.display()
            ))
        })?;
        let path = dir.join(FILE_NAME);
        let db = Database::create(&path).map_err(|e| store_error(&path, "open", e))?;
        let store = RedbStore { db, path };
        store.prepare()?;
        Ok(store)
    }

    /// The database file (`dir/cmed.redb`).
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks or records the schema version, then creates any missing table, in one
    /// transaction. Nothing is written if the schema is refused.
    fn prepare(&self) -> Result<(), StoreError> {
        let txn = self.db.begin_write().map_err(self.fail("begin write"))?;
        {
            let mut meta = txn.open_table(META).map_err(self.fail("open meta"))?;
            let found = meta
                .get(SCHEMA_KEY)
                .map_err(self.fail("read schema version"))?
                .map(|v| v.value());
            match found {
                None => {
                    meta.insert(SCHEMA_KEY, SCHEMA_VERSION)
                        .map_err(self.fail("record schema version"))?;
                }
                Some(v) if v == SCHEMA_VERSION => {}
                // Dropping the transaction aborts it.
                Some(v) if v > SCHEMA_VERSION => {
                    return Err(StoreError::NewerSchema {
                        found: v,
                        supported: SCHEMA_VERSION,
                    });
                }
                Some(v) => {
                    return Err(StoreError::Corrupt(format!(
                        "{}: schema version {v} was never written by any cmed",
                        self.path.display()
                    )));
                }
            }
        }
        txn.open_table(SESSIONS)
            .map_err(self.fail("create em_sessions"))?;
        txn.open_table(LAST_USERS)
            .map_err(self.fail("create em_last_user"))?;
        txn.open_table(CREDENTIALS)
            .map_err(self.fail("create credentials"))?;
        txn.open_table(BINDINGS)
            .map_err(self.fail("create sip_bindings"))?;
        txn.open_table(MWI).map_err(self.fail("create mwi"))?;
        txn.commit().map_err(self.fail("commit schema"))
    }

    /// Turns a redb error during `what` into a [`StoreError`] naming this file.
    fn fail<E: Into<redb::Error>>(&self, what: &'static str) -> impl FnOnce(E) -> StoreError + '_ {
        move |e| store_error(&self.path, what, e)
    }
}

/// Classifies a redb error during `what` on the file at `path`.
fn store_error(path: &Path, what: &str, e: impl Into<redb::Error>) -> StoreError {
    let e: redb::Error = e.into();
    let context = format!("{} ({what})", path.display());
    match e {
        redb::Error::DatabaseAlreadyOpen | redb::Error::LockProtocolMismatch => {
            StoreError::Locked {
                path: path.to_path_buf(),
            }
        }
        redb::Error::Io(io) => StoreError::Io(format!("{context}: {io}")),
        redb::Error::Corrupted(msg) => StoreError::Corrupt(format!("{context}: {msg}")),
        e @ (redb::Error::TableTypeMismatch { .. }
        | redb::Error::TableIsMultimap(_)
        | redb::Error::TableIsNotMultimap(_)
        | redb::Error::TypeDefinitionChanged { .. }
        | redb::Error::TableDoesNotExist(_)
        | redb::Error::RepairAborted) => StoreError::Corrupt(format!("{context}: {e}")),
        e => StoreError::Backend(format!("{context}: {e}")),
    }
}

/// A stored device name, or [`StoreError::Corrupt`] naming the table it came from.
fn device(path: &Path, table: &str, key: &str) -> Result<DeviceName, StoreError> {
    DeviceName::parse(key).ok_or_else(|| {
        StoreError::Corrupt(format!(
            "{}: table {table} holds an invalid device name {key:?}",
            path.display()
        ))
    })
}

impl Store for RedbStore {
    fn load(&self) -> Result<Persisted, StoreError> {
        let txn = self.db.begin_read().map_err(self.fail("begin read"))?;
        let mut out = Persisted::default();

        let sessions = txn
            .open_table(SESSIONS)
            .map_err(self.fail("open em_sessions"))?;
        for entry in sessions.iter().map_err(self.fail("read em_sessions"))? {
            let (k, v) = entry.map_err(self.fail("read em_sessions"))?;
            let (user, since, last_activity) = v.value();
            out.sessions.insert(
                device(&self.path, "em_sessions", k.value())?,
                EmLogin {
                    user: UserName(user.to_owned()),
                    since,
                    last_activity,
                },
            );
        }

        let last_users = txn
            .open_table(LAST_USERS)
            .map_err(self.fail("open em_last_user"))?;
        for entry in last_users.iter().map_err(self.fail("read em_last_user"))? {
            let (k, v) = entry.map_err(self.fail("read em_last_user"))?;
            out.last_users.insert(
                device(&self.path, "em_last_user", k.value())?,
                UserName(v.value().to_owned()),
            );
        }

        let credentials = txn
            .open_table(CREDENTIALS)
            .map_err(self.fail("open credentials"))?;
        for entry in credentials.iter().map_err(self.fail("read credentials"))? {
            let (k, v) = entry.map_err(self.fail("read credentials"))?;
            out.credentials
                .insert(UserName(k.value().to_owned()), v.value().to_owned());
        }

        let bindings = txn
            .open_table(BINDINGS)
            .map_err(self.fail("open sip_bindings"))?;
        for entry in bindings.iter().map_err(self.fail("read sip_bindings"))? {
            let (k, v) = entry.map_err(self.fail("read sip_bindings"))?;
            let (pool, contact, call_id, peer, tcp, since, expires_at) = v.value();
            let peer = peer.parse().map_err(|_| {
                StoreError::Corrupt(format!(
                    "{}: table sip_bindings holds an invalid address {peer:?}",
                    self.path.display()
                ))
            })?;
            out.bindings.insert(
                device(&self.path, "sip_bindings", k.value())?,
                StoredBinding {
                    pool,
                    contact: contact.to_owned(),
                    call_id: call_id.to_owned(),
                    peer,
                    tcp,
                    since,
                    expires_at,
                },
            );
        }

        let mwi = txn.open_table(MWI).map_err(self.fail("open mwi"))?;
        for entry in mwi.iter().map_err(self.fail("read mwi"))? {
            let (k, v) = entry.map_err(self.fail("read mwi"))?;
            let (new, old, since, source) = v.value();
            out.mwi.insert(
                Extension(k.value().to_owned()),
                StoredMwi {
                    new,
                    old,
                    since,
                    source: source.to_owned(),
                },
            );
        }

        Ok(out)
    }

    fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        if changes.is_empty() {
            return Ok(());
        }
        // Any early return drops `txn`, which aborts it: nothing is applied.
        let txn = self.db.begin_write().map_err(self.fail("begin write"))?;
        {
            let mut sessions = txn
                .open_table(SESSIONS)
                .map_err(self.fail("open em_sessions"))?;
            let mut last_users = txn
                .open_table(LAST_USERS)
                .map_err(self.fail("open em_last_user"))?;
            let mut credentials = txn
                .open_table(CREDENTIALS)
                .map_err(self.fail("open credentials"))?;
            let mut bindings = txn
                .open_table(BINDINGS)
                .map_err(self.fail("open sip_bindings"))?;
            let mut mwi = txn.open_table(MWI).map_err(self.fail("open mwi"))?;
            for change in changes {
                match change {
                    Change::PutSession { device, session } => {
                        sessions
                            .insert(
                                device.as_str(),
                                (
                                    session.user.0.as_str(),
                                    session.since,
                                    session.last_activity,
                                ),
                            )
                            .map_err(self.fail("write em_sessions"))?;
                    }
                    Change::EndSession { device } => {
                        sessions
                            .remove(device.as_str())
                            .map_err(self.fail("write em_sessions"))?;
                    }
                    Change::PutLastUser { device, user } => {
                        last_users
                            .insert(device.as_str(), user.0.as_str())
                            .map_err(self.fail("write em_last_user"))?;
                    }
                    Change::PutCredential { user, secret } => {
                        credentials
                            .insert(user.0.as_str(), secret.as_str())
                            .map_err(self.fail("write credentials"))?;
                    }
                    Change::DeleteCredential { user } => {
                        credentials
                            .remove(user.0.as_str())
                            .map_err(self.fail("write credentials"))?;
                    }
                    Change::PutBinding { device, binding: b } => {
                        let peer = b.peer.to_string();
                        bindings
                            .insert(
                                device.as_str(),
                                (
                                    b.pool,
                                    b.contact.as_str(),
                                    b.call_id.as_str(),
                                    peer.as_str(),
                                    b.tcp,
                                    b.since,
                                    b.expires_at,
                                ),
                            )
                            .map_err(self.fail("write sip_bindings"))?;
                    }
                    Change::DropBinding { device } => {
                        bindings
                            .remove(device.as_str())
                            .map_err(self.fail("write sip_bindings"))?;
                    }
                    Change::PutMwi { number, mwi: m } => {
                        mwi.insert(
                            number.0.as_str(),
                            (m.new, m.old, m.since, m.source.as_str()),
                        )
                        .map_err(self.fail("write mwi"))?;
                    }
                    Change::DropMwi { number } => {
                        mwi.remove(number.0.as_str())
                            .map_err(self.fail("write mwi"))?;
                    }
                }
            }
        }
        txn.commit().map_err(self.fail("commit"))
    }
}

#[cfg(test)]
mod tests {
    use super::super::conformance::{self, dev, user};
    use super::*;

    fn schema_version_in(path: &Path) -> Option<u32> {
        let db = Database::open(path).unwrap();
        let txn = db.begin_read().unwrap();
        let meta = txn.open_table(META).unwrap();
        meta.get(SCHEMA_KEY).unwrap().map(|v| v.value())
    }

    #[test]
    fn every_change_kind_round_trips() {
        let dir = tempfile::tempdir().unwrap();
        conformance::every_change_kind_round_trips(&mut RedbStore::open(dir.path()).unwrap());
    }

    #[test]
    fn ending_a_missing_session_is_harmless() {
        let dir = tempfile::tempdir().unwrap();
        conformance::ending_a_missing_session_is_harmless(
            &mut RedbStore::open(dir.path()).unwrap(),
        );
    }

    #[test]
    fn reopened_store_sees_committed_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = RedbStore::open(dir.path()).unwrap();
        store
            .commit(&[
                Change::PutSession {
                    device: dev(1),
                    session: EmLogin {
                        user: user("alice"),
                        since: 10,
                        last_activity: 20,
                    },
                },
                Change::PutLastUser {
                    device: dev(2),
                    user: user("bob"),
                },
                Change::PutCredential {
                    user: user("alice"),
                    secret: "hash".into(),
                },
            ])
            .unwrap();
        let before = store.load().unwrap();
        assert_eq!(before.sessions.len(), 1);
        drop(store);

        let store = RedbStore::open(dir.path()).unwrap();
        assert_eq!(store.load().unwrap(), before);
    }

    #[test]
    fn open_creates_the_dir_and_records_the_schema_version() {
        let dir = tempfile::tempdir().unwrap();
        let state = dir.path().join("var/lib/cmed");
        let store = RedbStore::open(&state).unwrap();
        assert_eq!(store.path(), state.join("cmed.redb"));
        assert_eq!(store.load().unwrap(), Persisted::default());
        drop(store);
        assert_eq!(
            schema_version_in(&state.join("cmed.redb")),
            Some(SCHEMA_VERSION)
        );
    }

    #[test]
    fn uncreatable_dir_is_named_in_the_error() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("not-a-dir");
        std::fs::write(&file, b"").unwrap();
        let bad = file.join("state");
        match RedbStore::open(&bad) {
            Err(StoreError::Io(msg)) => {
                assert!(msg.contains(&bad.display().to_string()), "{msg}")
            }
            other => panic!("expected Io, got {other:?}"),
        }
    }

    #[test]
    fn second_open_of_the_same_file_is_locked() {
        let dir = tempfile::tempdir().unwrap();
        let first = RedbStore::open(dir.path()).unwrap();
        match RedbStore::open(dir.path()) {
            Err(StoreError::Locked { path }) => assert_eq!(path, first.path()),
            other => panic!("expected Locked, got {other:?}"),
        }
        // The first handle still works, and the lock goes with it.
        assert_eq!(first.load().unwrap(), Persisted::default());
        drop(first);
        RedbStore::open(dir.path()).unwrap();
    }

    #[test]
    fn newer_schema_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let path = RedbStore::open(dir.path()).unwrap().path().to_path_buf();
        {
            let db = Database::open(&path).unwrap();
            let txn = db.begin_write().unwrap();
            txn.open_table(META)
                .unwrap()
                .insert(SCHEMA_KEY, SCHEMA_VERSION + 1)
                .unwrap();
            txn.commit().unwrap();
        }
        match RedbStore::open(dir.path()) {
            Err(StoreError::NewerSchema { found, supported }) => {
                assert_eq!((found, supported), (SCHEMA_VERSION + 1, SCHEMA_VERSION));
            }
            other => panic!("expected NewerSchema, got {other:?}"),
        }
        // The refused open wrote nothing.
        assert_eq!(schema_version_in(&path), Some(SCHEMA_VERSION + 1));
    }
}
