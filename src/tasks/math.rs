//! The reference guide's CPU examples: sqrtSum, fib and countPrimes.

use rayon::prelude::*;

use super::{TaskArgs, TaskDef, CHECK_EVERY};
use crate::pool::{CancelToken, Output, TaskError, Work};

pub const TASKS: &[TaskDef] = &[
  TaskDef { name: "sqrtSum", options: &[], prepare: prepare_sqrt_sum },
  TaskDef { name: "fib", options: &[], prepare: prepare_fib },
  TaskDef { name: "countPrimes", options: &[], prepare: prepare_count_primes },
];

/// Largest n for sqrtSum: about 20 minutes of work on one core; use a signal or timeout.
pub const SQRT_SUM_MAX: u64 = 1 << 40;
/// Largest n for fib: fib(78) is the last Fibonacci number a JS number holds exactly.
pub const FIB_MAX: u64 = 78;
/// Largest n for countPrimes.
pub const COUNT_PRIMES_MAX: u64 = 1 << 36;

fn prepare_sqrt_sum(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let n = args.input_uint(SQRT_SUM_MAX)?;
  Ok(Box::new(move |token| sqrt_sum(n, token).map(Output::Number)))
}

fn prepare_fib(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let n = args.input_uint(FIB_MAX)?;
  Ok(Box::new(move |token| fib(n, token).map(|f| Output::Number(f as f64))))
}

fn prepare_count_primes(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let n = args.input_uint(COUNT_PRIMES_MAX)?;
  Ok(Box::new(move |token| count_primes(n, token).map(|c| Output::Number(c as f64))))
}

/// The sum of `sqrt(i)` for `i < n`, added in order so that it is bit-identical to the JS loop.
pub fn sqrt_sum(n: u64, token: &CancelToken) -> Result<f64, TaskError> {
  let mut sum = 0.0f64;
  let mut start = 0u64;
  while start < n {
    token.check()?;
    let end = n.min(start + CHECK_EVERY * 16);
    for i in start..end {
      sum += (i as f64).sqrt();
    }
    start = end;
  }
  Ok(sum)
}

/// Below this, a recursive fib takes a few tens of microseconds, so it runs without checks.
const FIB_UNCHECKED: u64 = 20;

/// The classic doubly recursive Fibonacci, checking the token on the upper levels only.
pub fn fib(n: u64, token: &CancelToken) -> Result<u64, TaskError> {
  if n <= FIB_UNCHECKED {
    return Ok(fib_plain(n));
  }
  token.check()?;
  Ok(fib(n - 1, token)? + fib(n - 2, token)?)
}

fn fib_plain(n: u64) -> u64 {
  if n < 2 {
    n
  } else {
    fib_plain(n - 1) + fib_plain(n - 2)
  }
}

/// Odd numbers per sieve segment: 256 KiB of flags, about a millisecond of work.
const SEGMENT: u64 = 1 << 18;

/// The number of primes `p <= n`, by a segmented sieve of odd numbers split across the pool.
pub fn count_primes(n: u64, token: &CancelToken) -> Result<u64, TaskError> {
  if n < 2 {
    return Ok(0);
  }
  let base = small_odd_primes((n as f64).sqrt() as u64 + 1);
  // Segment k covers the odd numbers 2*i+1 for i in [k*SEGMENT, (k+1)*SEGMENT).
  let odd_count = (n - 1) / 2 + 1; // odd numbers 1, 3, ..., <= n
  let segments = odd_count.div_ceil(SEGMENT);
  let odd_primes: u64 = (0..segments)
    .into_par_iter()
    .map(|k| -> Result<u64, TaskError> {
      token.check()?;
      let lo = k * SEGMENT;
      let hi = odd_count.min(lo + SEGMENT);
      let mut composite = vec![false; (hi - lo) as usize];
      for &p in &base {
        // First odd multiple of p that is >= max(p*p, 2*lo+1).
        let start_value = (p * p).max(((2 * lo + 1).div_ceil(p)) * p);
        let start_value = if start_value % 2 == 0 { start_value + p } else { start_value };
        let mut i = (start_value - 1) / 2;
        while i < hi {
          composite[(i - lo) as usize] = true;
          i += p;
        }
      }
      let mut count = composite.iter().filter(|c| !**c).count() as u64;
      if lo == 0 {
        count -= 1; // 1 is not a prime
      }
      Ok(count)
    })
    .try_reduce(|| 0, |a, b| Ok(a + b))?;
  Ok(odd_primes + 1) // and 2
}

fn small_odd_primes(limit: u64) -> Vec<u64> {
  let limit = limit as usize;
  let mut composite = vec![false; limit + 1];
  let mut primes = Vec::new();
  for i in 2..=limit {
    if !composite[i] {
      if i > 2 {
        primes.push(i as u64);
      }
      let mut j = i * i;
      while j <= limit {
        composite[j] = true;
        j += i;
      }
    }
  }
  primes
}

#[cfg(test)]
mod tests {
  use super::*;

  fn token() -> CancelToken {
    CancelToken::new()
  }

  #[test]
  fn sqrt_sum_adds_square_roots_in_order() {
    let mut expected = 0.0f64;
    for i in 0..100_000u64 {
      expected += (i as f64).sqrt();
    }
    assert_eq!(sqrt_sum(100_000, &token()).unwrap().to_bits(), expected.to_bits());
    assert_eq!(sqrt_sum(0, &token()).unwrap(), 0.0);
  }

  #[test]
  fn fib_matches_the_known_sequence() {
    let known = [0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55];
    for (n, f) in known.iter().enumerate() {
      assert_eq!(fib(n as u64, &token()).unwrap(), *f);
    }
    assert_eq!(fib(30, &token()).unwrap(), 832_040);
  }

  #[test]
  fn count_primes_matches_known_prime_counts() {
    let known = [(0, 0), (1, 0), (2, 1), (3, 2), (10, 4), (100, 25), (1000, 168), (1_000_000, 78_498), (10_000_000, 664_579)];
    for (n, count) in known {
      assert_eq!(count_primes(n, &token()).unwrap(), count, "countPrimes({n})");
    }
  }

  #[test]
  fn count_primes_agrees_with_trial_division_near_segment_edges() {
    let is_prime = |n: u64| n >= 2 && (2..).take_while(|d| d * d <= n).all(|d| !n.is_multiple_of(d));
    for n in [2 * SEGMENT - 3, 2 * SEGMENT - 1, 2 * SEGMENT, 2 * SEGMENT + 1, 2 * SEGMENT + 7] {
      let expected = (0..=n).filter(|&k| is_prime(k)).count() as u64;
      assert_eq!(count_primes(n, &token()).unwrap(), expected, "countPrimes({n})");
    }
  }

  #[test]
  fn a_cancelled_token_stops_long_math() {
    let token = token();
    token.cancel();
    assert_eq!(sqrt_sum(1 << 30, &token), Err(TaskError::Cancelled));
    assert_eq!(fib(60, &token), Err(TaskError::Cancelled));
    assert_eq!(count_primes(1 << 30, &token), Err(TaskError::Cancelled));
  }
}
