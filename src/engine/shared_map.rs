//! A map the engine changes and readers share: cloning it is one reference count, and a
//! change copies only the one shard (of 64) it touches.
//!
//! The published snapshot carries the EM logins; with a plain `BTreeMap` every login copied
//! the whole map (and every key and value in it) to publish the new state, which a login
//! storm measured as most of its CPU. Readers hold a clone for as long as they need it and
//! never see a change half made.

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::Arc;

const SHARDS: usize = 64;

/// A copy-on-write map in shards.
#[derive(Clone, Debug)]
pub struct SharedMap<K, V> {
    shards: Arc<Vec<Arc<BTreeMap<K, V>>>>,
}

impl<K, V> Default for SharedMap<K, V> {
    fn default() -> Self {
        SharedMap {
            shards: Arc::new((0..SHARDS).map(|_| Arc::new(BTreeMap::new())).collect()),
        }
    }
}

fn shard<K: Hash>(k: &K) -> usize {
    // DefaultHasher::new() has fixed keys: the same key always lands in the same shard.
    let mut h = DefaultHasher::new();
    k.hash(&mut h);
    (h.finish() % SHARDS as u64) as usize
}

impl<K: Ord + Hash + Clone, V: Clone> SharedMap<K, V> {
    /// The value of `k`.
    pub fn get(&self, k: &K) -> Option<&V> {
        self.shards[shard(k)].get(k)
    }

    /// Sets `k` to `v`, copying only `k`'s shard if a reader still holds it.
    pub fn insert(&mut self, k: K, v: V) {
        let i = shard(&k);
        Arc::make_mut(&mut Arc::make_mut(&mut self.shards)[i]).insert(k, v);
    }

    /// Removes `k`.
    pub fn remove(&mut self, k: &K) {
        let i = shard(k);
        if self.shards[i].contains_key(k) {
            Arc::make_mut(&mut Arc::make_mut(&mut self.shards)[i]).remove(k);
        }
    }

    /// Every entry, in no particular order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.shards.iter().flat_map(|s| s.iter())
    }
}

impl<K: Ord + Hash + Clone, V: Clone> FromIterator<(K, V)> for SharedMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(it: I) -> Self {
        let mut m = SharedMap::default();
        for (k, v) in it {
            m.insert(k, v);
        }
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_clone_does_not_see_later_changes() {
        let mut m: SharedMap<u32, &str> = (0..1000).map(|i| (i, "a")).collect();
        let held = m.clone();
        m.insert(7, "b");
        m.remove(&8);
        assert_eq!(held.get(&7), Some(&"a"));
        assert_eq!(held.get(&8), Some(&"a"));
        assert_eq!(m.get(&7), Some(&"b"));
        assert_eq!(m.get(&8), None);
        assert_eq!((held.iter().count(), m.iter().count()), (1000, 999));
        // Only the touched shards were copied; the others are still shared.
        let shared = m
            .shards
            .iter()
            .zip(held.shards.iter())
            .filter(|(a, b)| Arc::ptr_eq(a, b))
            .count();
        assert!(shared >= SHARDS - 2, "{shared}");
    }
}
