//! Sorting and summary statistics of numeric TypedArrays.
//!
//! Sorting maps each element to an unsigned key whose integer order is JS's numeric order
//! (-0 before +0, every NaN last), sorts the keys with a parallel merge sort that checks the
//! token about once per millisecond, and maps back.

use rayon::prelude::*;

use super::typed::{option_bool, option_numbers, Element, TypedSlice};
use super::{TaskArgs, TaskDef};
use crate::pool::{CancelToken, Output, TaskError, Work};

pub const TASKS: &[TaskDef] = &[
  TaskDef { name: "sort", prepare: prepare_sort },
  TaskDef { name: "stats", prepare: prepare_stats },
];

/// Elements per parallel chunk (and per cancellation check) in linear passes: well under 1 ms.
const CHUNK: usize = 1 << 16;
/// Below this many elements a sort runs on one thread, without checks (well under 1 ms).
const PARALLEL_SORT: usize = 1 << 14;
/// The percentiles `stats` reports when `options.percentiles` is absent.
pub const DEFAULT_PERCENTILES: [f64; 3] = [50.0, 90.0, 99.0];
/// Most entries `options.percentiles` may hold.
pub const MAX_PERCENTILES: u32 = 1000;

fn prepare_sort(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let in_place = option_bool(args, "inPlace")?.unwrap_or(false);
  let mut slice = TypedSlice::from_input(args)?;
  Ok(Box::new(move |token| sort(&mut slice, in_place, token)))
}

/// A bijection between an element's bits and a key whose unsigned order is the JS order.
#[derive(Clone, Copy)]
struct Keys<W> {
  to: fn(W) -> W,
  from: fn(W) -> W,
}

const F64_SIGN: u64 = 1 << 63;
const F32_SIGN: u32 = 1 << 31;

fn f64_key(bits: u64) -> u64 {
  let bits = if f64::from_bits(bits).is_nan() { f64::NAN.to_bits() } else { bits };
  if bits & F64_SIGN != 0 {
    !bits
  } else {
    bits | F64_SIGN
  }
}
fn f64_unkey(key: u64) -> u64 {
  if key & F64_SIGN != 0 {
    key ^ F64_SIGN
  } else {
    !key
  }
}
fn f32_key(bits: u32) -> u32 {
  let bits = if f32::from_bits(bits).is_nan() { f32::NAN.to_bits() } else { bits };
  if bits & F32_SIGN != 0 {
    !bits
  } else {
    bits | F32_SIGN
  }
}
fn f32_unkey(key: u32) -> u32 {
  if key & F32_SIGN != 0 {
    key ^ F32_SIGN
  } else {
    !key
  }
}

const F64_KEYS: Keys<u64> = Keys { to: f64_key, from: f64_unkey };
const I64_KEYS: Keys<u64> = Keys { to: |w| w ^ F64_SIGN, from: |w| w ^ F64_SIGN };
const F32_KEYS: Keys<u32> = Keys { to: f32_key, from: f32_unkey };
const I32_KEYS: Keys<u32> = Keys { to: |w| w ^ F32_SIGN, from: |w| w ^ F32_SIGN };
const U32_KEYS: Keys<u32> = Keys { to: |w| w, from: |w| w };

/// Sorts `slice` in place (resolving with the input) or into a new array of the same type.
fn sort(slice: &mut TypedSlice, in_place: bool, token: &CancelToken) -> Result<Output, TaskError> {
  token.check()?;
  if in_place {
    match slice.element {
      Element::F64 => sort_keys(slice.words_mut::<u64>(), F64_KEYS, token)?,
      Element::I64 => sort_keys(slice.words_mut::<u64>(), I64_KEYS, token)?,
      Element::F32 => sort_keys(slice.words_mut::<u32>(), F32_KEYS, token)?,
      Element::I32 => sort_keys(slice.words_mut::<u32>(), I32_KEYS, token)?,
      Element::U32 => sort_keys(slice.words_mut::<u32>(), U32_KEYS, token)?,
    }
    return Ok(if slice.is_copy() { Output::IntoInput(slice.to_bytes()) } else { Output::Input });
  }
  Ok(match slice.element {
    Element::F64 => Output::Float64Array(sorted_copy(slice.words::<u64>(), F64_KEYS, token)?.into_iter().map(f64::from_bits).collect()),
    Element::I64 => Output::BigInt64Array(sorted_copy(slice.words::<u64>(), I64_KEYS, token)?.into_iter().map(|w| w as i64).collect()),
    Element::F32 => Output::Float32Array(sorted_copy(slice.words::<u32>(), F32_KEYS, token)?.into_iter().map(f32::from_bits).collect()),
    Element::I32 => Output::Int32Array(sorted_copy(slice.words::<u32>(), I32_KEYS, token)?.into_iter().map(|w| w as i32).collect()),
    Element::U32 => Output::Uint32Array(sorted_copy(slice.words::<u32>(), U32_KEYS, token)?),
  })
}

/// Sorts words in place by key. A cancellation between phases leaves the same values, in some order.
fn sort_keys<W: Ord + Copy + Send + Sync>(data: &mut [W], keys: Keys<W>, token: &CancelToken) -> Result<(), TaskError> {
  map_words(data, keys.to);
  let sorted = token.check().and_then(|()| sort_words(data, token));
  map_words(data, keys.from);
  sorted
}

fn sorted_copy<W: Ord + Copy + Send + Sync>(data: &[W], keys: Keys<W>, token: &CancelToken) -> Result<Vec<W>, TaskError> {
  let mut copy = copy_checked(data, keys.to, &|| token.check())?;
  sort_words(&mut copy, token)?;
  map_words(&mut copy, keys.from);
  Ok(copy)
}

/// Elements per sorted run: sorting one takes about a millisecond.
const RUN: usize = 1 << 15;

/// Sorts words ascending: runs of `RUN` sorted in parallel, then merged pairwise in passes
/// (each pass's pairs in parallel), checking the token once per run and every `CHUNK` merged
/// elements. On cancellation `data` holds the same words, in some order.
fn sort_words<W: Ord + Copy + Send + Sync>(data: &mut [W], token: &CancelToken) -> Result<(), TaskError> {
  sort_words_with(data, &|| token.check())
}

/// `sort_words` with the cancellation check as a function (tests count calls to it).
fn sort_words_with<W: Ord + Copy + Send + Sync>(data: &mut [W], check: &(dyn Fn() -> Result<(), TaskError> + Sync)) -> Result<(), TaskError> {
  if data.len() < PARALLEL_SORT {
    data.sort_unstable();
    return Ok(());
  }
  data.par_chunks_mut(RUN).try_for_each(|run| {
    check()?;
    run.sort_unstable();
    Ok::<_, TaskError>(())
  })?;
  let mut buffer = copy_checked(data, |w| w, check)?;
  let mut in_buffer = false; // whether the latest complete pass lives in `buffer`
  let mut width = RUN;
  let mut result = Ok(());
  while width < data.len() {
    let (src, dst): (&[W], &mut [W]) = if in_buffer { (&buffer, data) } else { (data, &mut buffer) };
    result = dst.par_chunks_mut(2 * width).zip(src.par_chunks(2 * width)).try_for_each(|(out, pair)| {
      let (a, b) = pair.split_at(width.min(pair.len()));
      merge(a, b, out, check)
    });
    if result.is_err() {
      break; // the source of this pass is intact
    }
    in_buffer = !in_buffer;
    width *= 2;
  }
  if in_buffer {
    data.par_chunks_mut(CHUNK).zip(buffer.par_chunks(CHUNK)).for_each(|(d, b)| d.copy_from_slice(b));
  }
  result
}

/// Merges sorted `a` and `b` into `out` (of their total length), splitting large merges in two
/// around the median of the longer side so that both halves run in parallel.
fn merge<W: Ord + Copy + Send + Sync>(a: &[W], b: &[W], out: &mut [W], check: &(dyn Fn() -> Result<(), TaskError> + Sync)) -> Result<(), TaskError> {
  if out.len() <= 4 * CHUNK {
    return merge_serial(a, b, out, check);
  }
  let (a, b) = if a.len() >= b.len() { (a, b) } else { (b, a) };
  let m = a.len() / 2;
  let p = b.partition_point(|x| *x < a[m]);
  let (low, high) = out.split_at_mut(m + p);
  let (first, second) = rayon::join(|| merge(&a[..m], &b[..p], low, check), || merge(&a[m..], &b[p..], high, check));
  first.and(second)
}

/// One thread's merge, checking the token every `CHUNK` elements.
fn merge_serial<W: Ord + Copy>(a: &[W], b: &[W], out: &mut [W], check: &(dyn Fn() -> Result<(), TaskError> + Sync)) -> Result<(), TaskError> {
  let (mut i, mut j, mut k) = (0, 0, 0);
  while i < a.len() && j < b.len() {
    check()?;
    let end = (k + CHUNK).min(out.len());
    while k < end && i < a.len() && j < b.len() {
      let take_a = a[i] <= b[j];
      out[k] = if take_a { a[i] } else { b[j] };
      i += take_a as usize;
      j += !take_a as usize;
      k += 1;
    }
  }
  out[k..k + a.len() - i].copy_from_slice(&a[i..]);
  let k = k + a.len() - i;
  out[k..].copy_from_slice(&b[j..]);
  Ok(())
}

/// `data` mapped through `f` into a new Vec, checking between chunks: a copy of a large array
/// takes far longer than a millisecond.
fn copy_checked<W: Copy>(data: &[W], f: fn(W) -> W, check: &(dyn Fn() -> Result<(), TaskError> + Sync)) -> Result<Vec<W>, TaskError> {
  let mut copy = Vec::with_capacity(data.len());
  for chunk in data.chunks(4 * CHUNK) {
    check()?;
    copy.extend(chunk.iter().map(|&w| f(w)));
  }
  Ok(copy)
}

fn map_words<W: Copy + Send>(data: &mut [W], f: fn(W) -> W) {
  data.par_chunks_mut(CHUNK).for_each(|chunk| chunk.iter_mut().for_each(|w| *w = f(*w)));
}

fn prepare_stats(args: &mut TaskArgs) -> Result<Work, TaskError> {
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
pub fn stats<T: Copy + Send + Sync>(data: &[T], to_f64: fn(T) -> f64, percentiles: &[f64], sample: bool, token: &CancelToken) -> Result<Stats, TaskError> {
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
    return Ok(Stats { count: n, sum, mean: nan, min: nan, max: nan, variance: nan, stddev: nan, percentiles: vec![nan; percentiles.len()] });
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

fn percentiles_of<T: Copy + Send + Sync>(data: &[T], to_f64: fn(T) -> f64, percentiles: &[f64], token: &CancelToken) -> Result<Vec<f64>, TaskError> {
  let mut keys: Vec<u64> = data.par_iter().with_min_len(CHUNK).map(|&x| f64_key(to_f64(x).to_bits())).collect();
  token.check()?;
  sort_words(&mut keys, token)?;
  let at = |i: usize| f64::from_bits(f64_unkey(keys[i]));
  let last = keys.len() - 1;
  Ok(percentiles
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
    .collect())
}

#[cfg(test)]
mod tests {
  use super::*;

  fn token() -> CancelToken {
    CancelToken::new()
  }

  #[test]
  fn float_keys_order_like_js_numeric_sort() {
    let values = [f64::NEG_INFINITY, -1e300, -1.0, -f64::MIN_POSITIVE, -0.0, 0.0, 5e-324, 1.0, f64::INFINITY, f64::NAN];
    let keys: Vec<u64> = values.iter().map(|v| f64_key(v.to_bits())).collect();
    assert!(keys.windows(2).all(|w| w[0] < w[1]), "keys increase with the JS order");
    assert_eq!(f64_key((-f64::NAN).to_bits()), f64_key(f64::NAN.to_bits()), "every NaN sorts last");
    for v in &values[..9] {
      assert_eq!(f64_unkey(f64_key(v.to_bits())), v.to_bits());
    }
    let values32 = [f32::NEG_INFINITY, -1.0, -0.0, 0.0, 1.0, f32::INFINITY, f32::NAN];
    let keys32: Vec<u32> = values32.iter().map(|v| f32_key(v.to_bits())).collect();
    assert!(keys32.windows(2).all(|w| w[0] < w[1]));
  }

  #[test]
  fn sorting_words_sorts_signed_integers() {
    let mut data: Vec<u64> = [5i64, -3, i64::MIN, 0, i64::MAX, -1].iter().map(|&x| x as u64).collect();
    sort_keys(&mut data, I64_KEYS, &token()).unwrap();
    let back: Vec<i64> = data.iter().map(|&w| w as i64).collect();
    assert_eq!(back, [i64::MIN, -3, -1, 0, 5, i64::MAX]);
  }

  #[test]
  fn a_cancelled_in_place_sort_keeps_every_value() {
    let mut data: Vec<u64> = (0..100_000u64).rev().map(|i| (i as f64 - 500.5).to_bits()).collect();
    let mut before = data.clone();
    let cancelled = token();
    cancelled.cancel();
    assert_eq!(sort_keys(&mut data, F64_KEYS, &cancelled), Err(TaskError::Cancelled));
    before.sort_unstable();
    data.sort_unstable();
    assert_eq!(data, before);
  }

  #[test]
  fn merge_sort_sorts_every_length_around_run_edges() {
    let mut state = 0x2545f491u64;
    for len in [PARALLEL_SORT, RUN + 1, 2 * RUN - 1, 2 * RUN, 3 * RUN + 17, 9 * RUN + 5] {
      let mut data: Vec<u64> = (0..len)
        .map(|_| {
          state ^= state << 13;
          state ^= state >> 7;
          state ^= state << 17;
          state % 1000
        })
        .collect();
      let mut expected = data.clone();
      expected.sort_unstable();
      sort_words(&mut data, &token()).unwrap();
      assert_eq!(data, expected, "length {len}");
    }
  }

  #[test]
  fn a_sort_stopped_at_any_check_keeps_every_value() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let original: Vec<u64> = (0..(8 * RUN as u64)).map(|i| i.wrapping_mul(0x9e37_79b9_7f4a_7c15) % 5000).collect();
    let mut expected = original.clone();
    expected.sort_unstable();
    let calls = AtomicUsize::new(0);
    let mut data = original.clone();
    sort_words_with(&mut data, &|| {
      calls.fetch_add(1, Ordering::Relaxed);
      Ok(())
    })
    .unwrap();
    assert_eq!(data, expected);
    let total = calls.load(Ordering::Relaxed);
    assert!(total > 8 + 3, "checks in the run phase and in each merge pass, got {total}");
    for stop_at in [1, 5, 8, 9, 12, total - 1] {
      let made = AtomicUsize::new(0);
      let mut data = original.clone();
      let result = sort_words_with(&mut data, &|| {
        if made.fetch_add(1, Ordering::SeqCst) + 1 >= stop_at {
          Err(TaskError::Cancelled)
        } else {
          Ok(())
        }
      });
      assert_eq!(result, Err(TaskError::Cancelled), "stopped at check {stop_at}");
      data.sort_unstable();
      assert_eq!(data, expected, "stopped at check {stop_at}: the same values remain");
    }
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
