//! The store with its commit latency measured: a [`Store`] wrapper the daemon puts around
//! the real store, and the histogram it fills, which `/metrics` reads. The clock is read
//! here, in the actor layer, around the durable commit; the engine and the store never see it.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

use crate::store::{Change, Persisted, Store, StoreError};

/// Upper bounds of the latency buckets, in seconds: a redb commit with its fsync takes from
/// a fraction of a millisecond (tmpfs, a good SSD) to tens of milliseconds (an SD card).
pub const BOUNDS: [f64; 12] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
];

/// A latency histogram of plain atomics: no lock on the commit path.
#[derive(Debug, Default)]
pub struct Latency {
    /// Observations per bucket, not cumulative; the last is above every bound.
    buckets: [AtomicU64; BOUNDS.len() + 1],
    /// Sum of the observations, in nanoseconds.
    sum_nanos: AtomicU64,
}

/// What [`Latency::read`] returns: cumulative counts, as the exposition format wants them.
#[derive(Clone, Debug, PartialEq)]
pub struct LatencyRead {
    /// Observations at or below each of [`BOUNDS`], then the total (`+Inf`).
    pub cumulative: Vec<u64>,
    /// Sum of the observations, in seconds.
    pub sum_seconds: f64,
}

impl Latency {
    /// Records one observation.
    pub fn observe(&self, d: Duration) {
        let secs = d.as_secs_f64();
        let i = BOUNDS
            .iter()
            .position(|b| secs <= *b)
            .unwrap_or(BOUNDS.len());
        self.buckets[i].fetch_add(1, Relaxed);
        let nanos = u64::try_from(d.as_nanos()).unwrap_or(u64::MAX);
        self.sum_nanos.fetch_add(nanos, Relaxed);
    }

    /// The counts now. The total is the sum of the buckets read, so `+Inf` and the count
    /// always agree even while commits go on.
    pub fn read(&self) -> LatencyRead {
        let mut total = 0;
        let cumulative = self
            .buckets
            .iter()
            .map(|b| {
                total += b.load(Relaxed);
                total
            })
            .collect();
        LatencyRead {
            cumulative,
            sum_seconds: Duration::from_nanos(self.sum_nanos.load(Relaxed)).as_secs_f64(),
        }
    }
}

/// A store whose commits are timed into a [`Latency`].
pub struct TimedStore {
    inner: Box<dyn Store>,
    latency: Arc<Latency>,
}

impl TimedStore {
    /// Wraps `inner`; its commits are recorded in `latency`.
    pub fn new(inner: Box<dyn Store>, latency: Arc<Latency>) -> TimedStore {
        TimedStore { inner, latency }
    }
}

impl Store for TimedStore {
    fn load(&self) -> Result<Persisted, StoreError> {
        self.inner.load()
    }

    fn commit(&mut self, changes: &[Change]) -> Result<(), StoreError> {
        let start = Instant::now();
        let r = self.inner.commit(changes);
        self.latency.observe(start.elapsed());
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn observations_fall_in_their_bucket_and_read_cumulatively() {
        let l = Latency::default();
        l.observe(Duration::from_micros(300)); // <= 0.0005
        l.observe(Duration::from_millis(1)); // <= 0.001, on the bound
        l.observe(Duration::from_millis(30)); // <= 0.05
        l.observe(Duration::from_secs(10)); // above every bound
        let r = l.read();
        assert_eq!(r.cumulative.len(), BOUNDS.len() + 1);
        assert_eq!(&r.cumulative[..3], &[1, 2, 2]);
        assert_eq!(r.cumulative[6], 3, "0.05");
        assert_eq!(r.cumulative[BOUNDS.len() - 1], 3, "2.5");
        assert_eq!(r.cumulative[BOUNDS.len()], 4, "+Inf");
        assert!((r.sum_seconds - 10.0313).abs() < 1e-9, "{}", r.sum_seconds);
    }

    #[test]
    fn a_timed_store_counts_each_commit() {
        let latency = Arc::new(Latency::default());
        let mut s = TimedStore::new(Box::new(crate::store::MemStore::new()), latency.clone());
        s.commit(&[]).unwrap();
        s.commit(&[]).unwrap();
        assert_eq!(*latency.read().cumulative.last().unwrap(), 2);
    }
}
