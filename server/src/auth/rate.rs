//! Per-device rate limiting: a token bucket per key, in memory. A phone that has been offline
//! for a day may burst (the bucket is full), a runaway client is slowed to the refill rate.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most keys kept; beyond it, full buckets are forgotten (they would start full anyway).
const MAX_KEYS: usize = 100_000;

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets by key (a device id, or a remote address for unauthenticated attempts).
#[derive(Debug)]
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    buckets: Mutex<HashMap<String, Bucket>>,
}

impl RateLimiter {
    /// Buckets of `capacity` requests refilled at `per_second`.
    #[must_use]
    pub fn new(capacity: u32, per_second: f64) -> Self {
        Self {
            capacity: f64::from(capacity.max(1)),
            per_second: per_second.max(0.001),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `key` has a token at `now` (takes none).
    #[must_use]
    pub fn has_token(&self, key: &str, now: Instant) -> bool {
        let Ok(buckets) = self.buckets.lock() else {
            return true;
        };
        buckets.get(key).is_none_or(|b| {
            b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * self.per_second >= 1.0
        })
    }

    /// Takes one token for `key` at `now`; `Err(wait)` says how long until one is there.
    pub fn check(&self, key: &str, now: Instant) -> Result<(), Duration> {
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        if buckets.len() >= MAX_KEYS && !buckets.contains_key(key) {
            let (capacity, rate) = (self.capacity, self.per_second);
            buckets.retain(|_, b| {
                b.tokens + now.saturating_duration_since(b.at).as_secs_f64() * rate < capacity
            });
        }
        let bucket = buckets.entry(key.to_owned()).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_bucket_bursts_then_refills_at_the_rate() {
        let limiter = RateLimiter::new(3, 2.0);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check("phone", t0).is_ok());
        }
        let wait = limiter.check("phone", t0).expect_err("empty");
        assert!(wait <= Duration::from_millis(500) && wait > Duration::ZERO);
        assert!(!limiter.has_token("phone", t0));
        assert!(limiter.has_token("other", t0));
        assert!(limiter.check("other", t0).is_ok(), "buckets are per key");
        let later = t0 + Duration::from_millis(500);
        assert!(limiter.check("phone", later).is_ok());
        assert!(limiter.check("phone", later).is_err());
        let much_later = t0 + Duration::from_secs(3600);
        for _ in 0..3 {
            assert!(
                limiter.check("phone", much_later).is_ok(),
                "capped at capacity"
            );
        }
        assert!(limiter.check("phone", much_later).is_err());
    }
}
