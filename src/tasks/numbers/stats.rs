//! `stats`: count, sum, mean, variance, min, max and percentiles of a numeric TypedArray.

use rayon::prelude::*;

use super::sort::{f64_key, f64_unkey, sort_words};
use super::CHUNK;
use crate::pool::{CancelToken, Output, TaskError, Work};
use crate::tasks::typed::{option_bool, option_numbers, Element, TypedSlice};
use crate::tasks::TaskArgs;

/// The percentiles `stats` reports when `options.percentiles` is absent.
pub const DEFAULT_PERCENTILES: [f64; 3] = [50.0, 90.0, 99.0];
/// Most entries `options.percentiles` may hold.
pub const MAX_PERCENTILES: u32 = 1000;

pub fn prepare(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let sample = option_bool(args, "sample")?.unwrap_or(false);
  let percentiles = option_numbers(args, "percentiles", 0.0, 100.0, MAX_PERCENTILES)?.unwrap_or_else(|| DEFAULT_PERCENTILES.to_vec());
  let slice = TypedSlice::from_input(args)?;
  Ok(Box::new(move |token| {
    let stats = match slice.element {
      Element::F64 => stats(slice.words::<f64>(), |x| x, &percentiles, sample, token)?,
      Element::F32 => stats(slice.words::<f32>(), |x| x as f64, &percentiles, sample, token)?,
      Element::I32 => stats(slice.words::<i32>(), |x| x as f64, &percentiles, sample, token)?,
      Element::U32 => stats(slice.words::<u32>(), |x| x as f64, &percentiles, sample, token)?,
      Element::I64 => stats(slice.words::<i64>(), |x| x as f64, &percentiles, sample, token)?,
    };
    Ok(stats.into_output())
  }))
}

/// The summary `stats` resolves with.
#[derive(Debug, Clone, PartialEq)]
pub struct Stats {
  pub count: usize,
  pub sum: f64,
  pub mean: f64,
  pub min: f64,
  pub max: f64,
  pub variance: f64,
  pub stddev: f64,
  pub percentiles: Vec<f64>,
}

impl Stats {
  fn into_output(self) -> Output {
    Output::Object(vec![
      ("count", Output::Number(self.count as f64)),
      ("sum", Output::Number(self.sum)),
      ("mean", Output::Number(self.mean)),
      ("min", Output::Number(self.min)),
      ("max", Output::Number(self.max)),
      ("variance", Output::Number(self.variance)),
      ("stddev", Output::Number(self.stddev)),
      ("percentiles", Output::Array(self.percentiles.into_iter().map(Output::Number).collect())),
    ])
  }
}

/// A compensated (Neumaier) running sum.
#[derive(Clone, Copy, Default)]
struct Sum {
  sum: f64,
  carry: f64,
}

impl Sum {
  fn add(&mut self, x: f64) {
    let t = self.sum + x;
    if self.sum.abs() >= x.abs() {
      self.carry += (self.sum - t) + x;
    } else {
      self.carry += (x - t) + self.sum;
    }
    self.sum = t;
  }
  fn merge(mut self, other: Sum) -> Sum {
    self.add(other.sum);
    self.carry += other.carry;
    self
  }
  fn value(self) -> f64 {
    self.sum + self.carry
  }
}

/// One chunk's first-pass summary.
#[derive(Clone, Copy)]
struct Partial {
  count: usize,
  nan: bool,
  sum: Sum,
  min: f64,
  max: f64,
}

impl Partial {
  const EMPTY: Partial = Partial { count: 0, nan: false, sum: Sum { sum: 0.0, carry: 0.0 }, min: f64::INFINITY, max: f64::NEG_INFINITY };

  fn merge(self, other: Partial) -> Partial {
    Partial {
      count: self.count + other.count,
      nan: self.nan || other.nan,
      sum: self.sum.merge(other.sum),
      min: self.min.min(other.min),
      max: self.max.max(other.max),
    }
  }
}

/// Count, compensated sum, min and max in one parallel pass; then the variance by the corrected
/// two-pass algorithm (sum of squared deviations from the mean, minus the rounding correction
/// `(sum of deviations)^2 / n`); percentiles by linear interpolation between the two nearest
/// ranks of the sorted values (numpy's default). Any NaN makes every result but `count` NaN.
pub fn stats<T: Copy + Send + Sync>(
  data: &[T],
  to_f64: fn(T) -> f64,
  percentiles: &[f64],
  sample: bool,
  token: &CancelToken,
) -> Result<Stats, TaskError> {
  let first = data
    .par_chunks(CHUNK)
    .map(|chunk| {
      token.check()?;
      let mut p: Partial = Partial::EMPTY;
      p.count = chunk.len();
      for &x in chunk {
        let x = to_f64(x);
        p.nan |= x.is_nan();
        p.sum.add(x);
        p.min = p.min.min(x);
        p.max = p.max.max(x);
      }
      Ok::<_, TaskError>(p)
    })
    .try_reduce(|| Partial::EMPTY, |a, b| Ok::<_, TaskError>(a.merge(b)))?;
  let n = first.count;
  let nan = f64::NAN;
  if n == 0 || first.nan {
    let sum = if n == 0 { 0.0 } else { nan };
    return Ok(Stats {
      count: n,
      sum,
      mean: nan,
      min: nan,
      max: nan,
      variance: nan,
      stddev: nan,
      percentiles: vec![nan; percentiles.len()],
    });
  }
  let sum = first.sum.value();
  let mean = sum / n as f64;
  let (squares, deviations) = data
    .par_chunks(CHUNK)
    .map(|chunk| {
      token.check()?;
      let (mut squares, mut deviations) = (0.0f64, 0.0f64);
      for &x in chunk {
        let d = to_f64(x) - mean;
        squares += d * d;
        deviations += d;
      }
      Ok::<_, TaskError>((squares, deviations))
    })
    .try_reduce(|| (0.0, 0.0), |a, b| Ok((a.0 + b.0, a.1 + b.1)))?;
  let m2 = (squares - deviations * deviations / n as f64).max(0.0);
  let divisor = if sample { n as f64 - 1.0 } else { n as f64 };
  let variance = if divisor > 0.0 { m2 / divisor } else { nan };
  let percentiles = if percentiles.is_empty() { Vec::new() } else { percentiles_of(data, to_f64, percentiles, token)? };
  Ok(Stats { count: n, sum, mean, min: first.min, max: first.max, variance, stddev: variance.sqrt(), percentiles })
}

fn percentiles_of<T: Copy + Send + Sync>(
  data: &[T],
  to_f64: fn(T) -> f64,
  percentiles: &[f64],
  token: &CancelToken,
) -> Result<Vec<f64>, TaskError> {
  let mut keys: Vec<u64> = data.par_iter().with_min_len(CHUNK).map(|&x| f64_key(to_f64(x).to_bits())).collect();
  token.check()?;
  sort_words(&mut keys, token)?;
  let at = |i: usize| f64::from_bits(f64_unkey(keys[i]));
  let last = keys.len() - 1;
  Ok(
    percentiles
      .iter()
      .map(|p| {
        let rank = p / 100.0 * last as f64;
        let lo = rank.floor() as usize;
        let frac = rank - lo as f64;
        if frac == 0.0 || lo >= last {
          at(lo.min(last))
        } else {
          let (a, b) = (at(lo), at(lo + 1));
          a + (b - a) * frac
        }
      })
      .collect(),
  )
}

#[cfg(test)]
mod tests {
  use super::*;

  fn token() -> CancelToken {
    CancelToken::new()
  }

  #[test]
  fn stats_of_a_known_sample() {
    let data = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
    let s = stats(&data, |x| x, &[0.0, 50.0, 100.0, 25.0], false, &token()).unwrap();
    assert_eq!((s.count, s.sum, s.mean, s.min, s.max, s.variance, s.stddev), (8, 40.0, 5.0, 2.0, 9.0, 4.0, 2.0));
    assert_eq!(s.percentiles, [2.0, 4.5, 9.0, 4.0]);
    let sample = stats(&data, |x| x, &[], true, &token()).unwrap();
    assert_eq!(sample.variance, 32.0 / 7.0);
  }

  #[test]
  fn the_variance_survives_a_large_offset() {
    let data: Vec<f64> = (0..1_000_000).map(|i| 1e9 + [4.0, 7.0, 13.0, 16.0][i % 4]).collect();
    let s = stats(&data, |x| x, &[], false, &token()).unwrap();
    assert_eq!(s.mean, 1e9 + 10.0);
    assert_eq!(s.variance, 22.5);
  }

  #[test]
  fn the_sum_is_compensated() {
    let s = stats(&[1e16, 1.0, -1e16], |x| x, &[], false, &token()).unwrap();
    assert_eq!(s.sum, 1.0);
  }
}
