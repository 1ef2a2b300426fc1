//! Bounded concurrency: at most `workers` documents are made at once, at most `queue`
//! more requests wait for a worker, and any further request is refused at once (503 with
//! `Retry-After`) instead of piling up.
//!
//! Invariant: a worker permit is held by the blocking task that does the work, not by the
//! request, so a request that timed out still counts until its work ends: the bound is on
//! the threads actually busy.

use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The two bounds: requests admitted (working or waiting) and workers.
pub struct Limiter {
    admitted: Arc<Semaphore>,
    workers: Arc<Semaphore>,
    capacity: usize,
}

/// A request's place among the admitted ones.
pub struct Admission {
    _permit: OwnedSemaphorePermit,
}

impl Limiter {
    /// `workers` documents at once, `queue` more waiting.
    pub fn new(workers: usize, queue: usize) -> Limiter {
        let capacity = workers + queue;
        Limiter {
            admitted: Arc::new(Semaphore::new(capacity)),
            workers: Arc::new(Semaphore::new(workers)),
            capacity,
        }
    }

    /// Admits a request, or `None` when `workers + queue` are already in.
    pub fn admit(&self) -> Option<Admission> {
        let permit = Arc::clone(&self.admitted).try_acquire_owned().ok()?;
        Some(Admission { _permit: permit })
    }

    /// Waits for a free worker; the permit goes to the blocking task.
    pub async fn worker(&self) -> OwnedSemaphorePermit {
        Arc::clone(&self.workers)
            .acquire_owned()
            .await
            .expect("the worker semaphore is never closed")
    }

    /// Requests admitted now (working or waiting).
    pub fn in_flight(&self) -> usize {
        self.capacity - self.admitted.available_permits()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admits_workers_plus_queue_then_refuses_until_one_ends() {
        let limiter = Limiter::new(2, 1);
        let held: Vec<Admission> = (0..3).map(|_| limiter.admit().unwrap()).collect();
        assert_eq!(limiter.in_flight(), 3);
        assert!(limiter.admit().is_none(), "a fourth request is refused");
        drop(held);
        assert_eq!(limiter.in_flight(), 0);
        assert!(limiter.admit().is_some());
    }

    #[test]
    fn no_queue_means_one_request_per_worker() {
        let limiter = Limiter::new(1, 0);
        let first = limiter.admit();
        assert!(first.is_some());
        assert!(limiter.admit().is_none());
    }
}
