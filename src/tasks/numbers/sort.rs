//! `sort`: maps each element to an unsigned key whose integer order is JS's numeric order
//! (-0 before +0, every NaN last), sorts the keys with a parallel merge sort that checks the
//! token about once per millisecond, and maps back.

use rayon::prelude::*;

use super::CHUNK;
use crate::pool::{CancelToken, Output, TaskError, Work};
use crate::tasks::typed::{option_bool, Element, TypedSlice};
use crate::tasks::TaskArgs;

/// Below this many elements a sort runs on one thread, without checks (well under 1 ms).
const PARALLEL_SORT: usize = 1 << 14;

pub fn prepare(args: &mut TaskArgs) -> Result<Work, TaskError> {
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

pub(super) fn f64_key(bits: u64) -> u64 {
  let bits = if f64::from_bits(bits).is_nan() { f64::NAN.to_bits() } else { bits };
  if bits & F64_SIGN != 0 {
    !bits
  } else {
    bits | F64_SIGN
  }
}
pub(super) fn f64_unkey(key: u64) -> u64 {
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
pub(super) fn sort_words<W: Ord + Copy + Send + Sync>(data: &mut [W], token: &CancelToken) -> Result<(), TaskError> {
  sort_words_with(data, &|| token.check())
}

/// `sort_words` with the cancellation check as a function (tests count calls to it).
fn sort_words_with<W: Ord + Copy + Send + Sync>(
  data: &mut [W],
  check: &(dyn Fn() -> Result<(), TaskError> + Sync),
) -> Result<(), TaskError> {
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
fn merge<W: Ord + Copy + Send + Sync>(
  a: &[W],
  b: &[W],
  out: &mut [W],
  check: &(dyn Fn() -> Result<(), TaskError> + Sync),
) -> Result<(), TaskError> {
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
fn merge_serial<W: Ord + Copy>(
  a: &[W],
  b: &[W],
  out: &mut [W],
  check: &(dyn Fn() -> Result<(), TaskError> + Sync),
) -> Result<(), TaskError> {
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
}
