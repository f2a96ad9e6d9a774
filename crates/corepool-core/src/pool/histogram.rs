//! Latency histograms that pool threads record into without a lock: log-scale buckets (eight per
//! power of two, so a bucket is at most 12.5% wide) over nanoseconds, each a relaxed atomic.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// Sub-buckets per power of two, as a bit count: 2^3 = 8.
const SUB_BITS: u32 = 3;
const SUB_BUCKETS: u64 = 1 << SUB_BITS;
/// Durations past this (about 73 minutes) are counted in the last bucket.
const MAX_NANOS: u64 = (1 << 42) - 1;
const BUCKETS: usize = bucket_of(MAX_NANOS) + 1;

/// The bucket upper bounds (in ns) that `cumulative` reports: powers of 4 from ~1 µs to ~69 s.
/// Each is a bucket edge, so the cumulative counts at these bounds are exact.
pub const EXPORT_BOUNDS_NANOS: [u64; 14] =
  [1 << 10, 1 << 12, 1 << 14, 1 << 16, 1 << 18, 1 << 20, 1 << 22, 1 << 24, 1 << 26, 1 << 28, 1 << 30, 1 << 32, 1 << 34, 1 << 36];

const fn bucket_of(nanos: u64) -> usize {
  let nanos = if nanos > MAX_NANOS { MAX_NANOS } else { nanos };
  if nanos < SUB_BUCKETS {
    return nanos as usize;
  }
  let exponent = 63 - nanos.leading_zeros();
  let sub = (nanos >> (exponent - SUB_BITS)) & (SUB_BUCKETS - 1);
  (((exponent - SUB_BITS + 1) as u64) << SUB_BITS | sub) as usize
}

/// The range `[low, high)` of durations that fall in bucket `index`.
const fn bucket_range(index: usize) -> (u64, u64) {
  let index = index as u64;
  if index < SUB_BUCKETS {
    return (index, index + 1);
  }
  let shift = (index >> SUB_BITS) - 1;
  let sub = index & (SUB_BUCKETS - 1);
  ((SUB_BUCKETS + sub) << shift, (SUB_BUCKETS + sub + 1) << shift)
}

/// Counts of durations, written by one thread at a time (see `record`) and read by any.
pub struct Histogram {
  buckets: [AtomicU64; BUCKETS],
  sum_nanos: AtomicU64,
  min_nanos: AtomicU64,
  max_nanos: AtomicU64,
}

/// A plain copy of one or more histograms, merged: what summaries and exports are read from.
#[derive(Clone)]
pub struct Snapshot {
  buckets: [u64; BUCKETS],
  sum_nanos: u64,
  min_nanos: u64,
  max_nanos: u64,
}

/// What `summary` reads from a histogram; durations in ms.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Summary {
  pub count: u64,
  pub mean: f64,
  pub min: f64,
  pub max: f64,
  pub p50: f64,
  pub p90: f64,
  pub p99: f64,
  pub p999: f64,
  /// Sum of all durations, in seconds (for Prometheus' `_sum`).
  pub sum_seconds: f64,
}

impl Default for Histogram {
  fn default() -> Self {
    Histogram {
      buckets: std::array::from_fn(|_| AtomicU64::new(0)),
      sum_nanos: AtomicU64::new(0),
      min_nanos: AtomicU64::new(u64::MAX),
      max_nanos: AtomicU64::new(0),
    }
  }
}

impl Histogram {
  /// Counts one duration. Only one thread records into a histogram (its owner, see
  /// `metrics::Shard`), so plain loads and stores do: no read-modify-write on the hot path. A
  /// reader racing with it sees each field either before or after the sample.
  pub fn record(&self, duration: Duration) {
    let nanos = u64::try_from(duration.as_nanos()).unwrap_or(u64::MAX);
    let add = |field: &AtomicU64, amount: u64| field.store(field.load(Ordering::Relaxed).wrapping_add(amount), Ordering::Relaxed);
    add(&self.buckets[bucket_of(nanos)], 1);
    add(&self.sum_nanos, nanos);
    if nanos < self.min_nanos.load(Ordering::Relaxed) {
      self.min_nanos.store(nanos, Ordering::Relaxed);
    }
    if nanos > self.max_nanos.load(Ordering::Relaxed) {
      self.max_nanos.store(nanos, Ordering::Relaxed);
    }
  }

  /// Empties the histogram; called by its owner only, like `record`.
  pub fn reset(&self) {
    for bucket in &self.buckets {
      bucket.store(0, Ordering::Relaxed);
    }
    self.sum_nanos.store(0, Ordering::Relaxed);
    self.min_nanos.store(u64::MAX, Ordering::Relaxed);
    self.max_nanos.store(0, Ordering::Relaxed);
  }

  /// A plain copy, to merge and read.
  pub fn snapshot(&self) -> Snapshot {
    Snapshot {
      buckets: std::array::from_fn(|index| self.buckets[index].load(Ordering::Relaxed)),
      sum_nanos: self.sum_nanos.load(Ordering::Relaxed),
      min_nanos: self.min_nanos.load(Ordering::Relaxed),
      max_nanos: self.max_nanos.load(Ordering::Relaxed),
    }
  }
}

impl Default for Snapshot {
  fn default() -> Self {
    Snapshot { buckets: [0; BUCKETS], sum_nanos: 0, min_nanos: u64::MAX, max_nanos: 0 }
  }
}

impl Snapshot {
  /// Adds `other`'s counts to this one.
  pub fn merge(&mut self, other: &Snapshot) {
    for (sum, bucket) in self.buckets.iter_mut().zip(&other.buckets) {
      *sum += bucket;
    }
    self.sum_nanos += other.sum_nanos;
    self.min_nanos = self.min_nanos.min(other.min_nanos);
    self.max_nanos = self.max_nanos.max(other.max_nanos);
  }

  /// Count, mean, extremes and percentiles. A percentile is the middle of the bucket that holds
  /// its rank, clamped to the observed min and max, so it is off by at most 6.25% of its value.
  pub fn summary(&self) -> Summary {
    let count: u64 = self.buckets.iter().sum();
    if count == 0 {
      return Summary::default();
    }
    let (min, max) = (self.min_nanos, self.max_nanos);
    let sum = self.sum_nanos;
    let percentile = |fraction: f64| {
      let rank = ((fraction * count as f64).ceil() as u64).max(1);
      let mut seen = 0;
      for (index, &in_bucket) in self.buckets.iter().enumerate() {
        seen += in_bucket;
        if seen >= rank {
          let (low, high) = bucket_range(index);
          return ((low + high) / 2).clamp(min.min(max), max);
        }
      }
      max
    };
    let ms = |nanos: u64| nanos as f64 / 1e6;
    Summary {
      count,
      mean: sum as f64 / count as f64 / 1e6,
      min: ms(min.min(max)),
      max: ms(max),
      p50: ms(percentile(0.5)),
      p90: ms(percentile(0.9)),
      p99: ms(percentile(0.99)),
      p999: ms(percentile(0.999)),
      sum_seconds: sum as f64 / 1e9,
    }
  }

  /// For each bound in `EXPORT_BOUNDS_NANOS`, how many durations were below it (exactly: each
  /// bound is a bucket edge; a duration of exactly the bound, to the nanosecond, counts above).
  pub fn cumulative(&self) -> Vec<u64> {
    let mut below = 0;
    let mut bucket = 0;
    EXPORT_BOUNDS_NANOS
      .iter()
      .map(|&bound| {
        while bucket < BUCKETS && bucket_range(bucket).1 <= bound {
          below += self.buckets[bucket];
          bucket += 1;
        }
        below
      })
      .collect()
  }
}

/// Queue wait (submit to start) and run time (start to end) of one task name on one thread.
#[derive(Default)]
pub struct Timings {
  pub wait: Histogram,
  pub run: Histogram,
}

impl Timings {
  pub fn reset(&self) {
    self.wait.reset();
    self.run.reset();
  }
}

/// Wait and run histograms merged over threads (and, for the pool, over task names).
#[derive(Clone, Default)]
pub struct TimingsSnapshot {
  pub wait: Snapshot,
  pub run: Snapshot,
}

impl TimingsSnapshot {
  pub fn add(&mut self, timings: &Timings) {
    self.wait.merge(&timings.wait.snapshot());
    self.run.merge(&timings.run.snapshot());
  }

  pub fn merge(&mut self, other: &TimingsSnapshot) {
    self.wait.merge(&other.wait);
    self.run.merge(&other.run);
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn every_duration_falls_in_the_bucket_whose_range_holds_it() {
    for nanos in (0..5000).chain([1 << 20, (1 << 20) + 1, 123_456_789, MAX_NANOS]) {
      let (low, high) = bucket_range(bucket_of(nanos));
      assert!(low <= nanos && nanos < high, "{nanos} not in [{low}, {high})");
    }
  }

  #[test]
  fn buckets_are_contiguous_and_at_most_an_eighth_wide() {
    for index in 1..BUCKETS {
      let (low, high) = bucket_range(index);
      assert_eq!(low, bucket_range(index - 1).1);
      assert!((high - low) * 8 <= low.max(8), "bucket {index} is [{low}, {high})");
    }
  }

  #[test]
  fn percentiles_land_within_a_bucket_of_the_true_value() {
    let histogram = Histogram::default();
    for ms in 1..=1000u64 {
      histogram.record(Duration::from_millis(ms));
    }
    let summary = histogram.snapshot().summary();
    assert_eq!(summary.count, 1000);
    assert_eq!((summary.min, summary.max), (1.0, 1000.0));
    assert!((summary.mean - 500.5).abs() < 1e-9);
    for (got, want) in [(summary.p50, 500.0), (summary.p90, 900.0), (summary.p99, 990.0), (summary.p999, 999.0)] {
      assert!((got - want).abs() <= want * 0.0625, "got {got}, want about {want}");
    }
  }

  #[test]
  fn cumulative_counts_at_the_export_bounds_are_exact() {
    let histogram = Histogram::default();
    for nanos in [1000, 1024, 1025, 4096, 5000, 1 << 36, u64::MAX] {
      histogram.record(Duration::from_nanos(nanos));
    }
    let cumulative = histogram.snapshot().cumulative();
    assert_eq!(&cumulative[..3], &[1, 3, 5]);
    assert_eq!(cumulative[13], 5);
  }

  #[test]
  fn reset_empties_the_histogram() {
    let histogram = Histogram::default();
    histogram.record(Duration::from_millis(3));
    histogram.reset();
    assert_eq!(histogram.snapshot().summary(), Summary::default());
    assert!(histogram.snapshot().cumulative().iter().all(|&n| n == 0));
  }
}
