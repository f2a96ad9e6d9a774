//! Typed numeric arrays read (or written) in place, and the option readers the compression and
//! numbers families need beyond `TaskArgs`'s own.

use napi::sys::TypedarrayType as T;
use std::sync::atomic::AtomicI32;

use super::{TaskArgs, Value};
use crate::js::{Kind, View};
use crate::pool::TaskError;

/// The element types the numbers tasks accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Element {
  F64,
  F32,
  I32,
  U32,
  I64,
}

impl Element {
  pub fn size(self) -> usize {
    match self {
      Element::F64 | Element::I64 => 8,
      Element::F32 | Element::I32 | Element::U32 => 4,
    }
  }
}

/// The elements of a numeric TypedArray a task reads. Invariant: `ptr..ptr + len * size` lies
/// either in `copy`, or in a SharedArrayBuffer (which cannot be transferred or shrunk) that
/// `args.keep` holds until the task settles; `ptr` is aligned to the element size (or `len` is
/// 0); and for shared memory the documented contract keeps JS from writing the array meanwhile.
pub struct TypedSlice {
  pub element: Element,
  ptr: usize,
  pub len: usize,
  /// The copy `ptr` points into when the array is not on a SharedArrayBuffer (u64 words, so it
  /// is aligned for every element type); `None` when the array is read in place.
  copy: Option<Vec<u64>>,
}

impl TypedSlice {
  /// `args.input` as a Float64Array, Float32Array, Int32Array, Uint32Array or BigInt64Array. The
  /// input is pushed first onto `args.keep`, so `Output::Input` resolves with it.
  pub fn from_input(args: &mut TaskArgs) -> Result<TypedSlice, TaskError> {
    let bad = |args: &TaskArgs| {
      TaskError::invalid(format!(
        "input must be a Float64Array, Float32Array, Int32Array, Uint32Array or BigInt64Array, got {}",
        describe_input(args)
      ))
    };
    let view = args.js.byte_view(args.input.raw).map_err(|_| bad(args))?;
    let View::Borrowed { ptr, len, element: Some(kind), shared } = view else { return Err(bad(args)) };
    let element = match kind {
      T::float64_array => Element::F64,
      T::float32_array => Element::F32,
      T::int32_array => Element::I32,
      T::uint32_array => Element::U32,
      T::bigint64_array => Element::I64,
      _ => return Err(bad(args)),
    };
    let count = len / element.size();
    if count > 0 && !(ptr as usize).is_multiple_of(element.size()) {
      return Err(TaskError::invalid("input must be aligned to its element size"));
    }
    args.keep.insert(0, args.input.raw);
    if shared {
      return Ok(TypedSlice { element, ptr: ptr as usize, len: count, copy: None });
    }
    let size = count * element.size();
    let mut copy = vec![0u64; size.div_ceil(8)];
    if size > 0 {
      // SAFETY: N-API just reported `ptr..ptr + size` as the array's memory, no JS runs on this
      // thread before the copy ends, and `copy` holds at least `size` bytes.
      unsafe { std::ptr::copy_nonoverlapping(ptr, copy.as_mut_ptr() as *mut u8, size) };
    }
    let ptr = copy.as_mut_ptr() as usize;
    Ok(TypedSlice { element, ptr, len: count, copy: Some(copy) })
  }

  /// Whether the elements are a copy (then work done in place must be written back at settle).
  pub fn is_copy(&self) -> bool {
    self.copy.is_some()
  }

  /// The elements' bytes, for writing a copy back over the input.
  pub fn to_bytes(&self) -> Vec<u8> {
    let size = self.len * self.element.size();
    let mut out = vec![0u8; size];
    if size > 0 {
      // SAFETY: `ptr..ptr + size` is this slice's memory (type invariant), `out` is a new Vec.
      unsafe { std::ptr::copy_nonoverlapping(self.ptr as *const u8, out.as_mut_ptr(), size) };
    }
    out
  }

  /// The elements as `&mut [W]`, for any plain word type of the element's size.
  pub fn words_mut<W: Word>(&mut self) -> &mut [W] {
    self.check_layout::<W>();
    if self.len == 0 {
      return &mut [];
    }
    // SAFETY: the memory is live, aligned for `W` and `len` elements of `W`'s size long (type
    // invariant and `check_layout`); every bit pattern is a valid `W` (`Word`); `&mut self`
    // makes this the only Rust reference, and the input contract keeps JS away from it.
    unsafe { std::slice::from_raw_parts_mut(self.ptr as *mut W, self.len) }
  }

  /// The elements as `&[W]`, for any plain word type of the element's size.
  pub fn words<W: Word>(&self) -> &[W] {
    self.check_layout::<W>();
    if self.len == 0 {
      return &[];
    }
    // SAFETY: as for `words_mut`; shared reads, and no `&mut` can exist while `&self` is held.
    unsafe { std::slice::from_raw_parts(self.ptr as *const W, self.len) }
  }

  /// An Int32Array's elements as atomics, for flags and counters shared with JS's `Atomics`
  /// while the task runs (on a SharedArrayBuffer, read in place); `None` for other types.
  pub fn atomics_i32(&self) -> Option<&[AtomicI32]> {
    if self.element != Element::I32 {
      return None;
    }
    if self.len == 0 {
      return Some(&[]);
    }
    // SAFETY: the memory is live, 4-aligned and `len` i32s long (type invariant); AtomicI32 has
    // the size and alignment of i32, and every access through the slice is atomic.
    Some(unsafe { std::slice::from_raw_parts(self.ptr as *const AtomicI32, self.len) })
  }

  fn check_layout<W: Word>(&self) {
    assert_eq!(std::mem::size_of::<W>(), self.element.size(), "word size matches the element size");
    assert!(std::mem::align_of::<W>() <= self.element.size(), "elements are aligned for the word type");
  }
}

/// Plain number types: every bit pattern is a valid value, so typed-array memory can be viewed
/// as a slice of them. Sealed: implemented for these six types only.
pub trait Word: Copy + Send + Sync + sealed::Sealed {}
mod sealed {
  pub trait Sealed {}
}
macro_rules! words {
  ($($t:ty),*) => {$(impl sealed::Sealed for $t {} impl Word for $t {})*};
}
words!(u32, u64, i32, i64, f32, f64);

fn describe_input(args: &TaskArgs) -> String {
  match args.js.byte_view(args.input.raw) {
    Ok(View::Borrowed { element: Some(_), .. }) => "a TypedArray of another type".into(),
    Ok(View::Borrowed { element: None, .. }) => "a DataView or ArrayBuffer".into(),
    _ => args.describe(args.input),
  }
}

/// `options[key]` as a boolean; `None` when absent.
pub fn option_bool(args: &TaskArgs, key: &str) -> Result<Option<bool>, TaskError> {
  let Some(value) = args.option(key)? else { return Ok(None) };
  if args.js.kind(value.raw).ok() != Some(Kind::Boolean) {
    return Err(TaskError::invalid(format!("options.{key} must be a boolean, got {}", args.describe(value))));
  }
  args.js.to_bool(value.raw).map(Some).map_err(|_| TaskError::invalid(format!("options.{key} could not be read")))
}

/// `options[key]` as an array of at most `max_len` numbers, each in `min..=max`; `None` when absent.
pub fn option_numbers(args: &TaskArgs, key: &str, min: f64, max: f64, max_len: u32) -> Result<Option<Vec<f64>>, TaskError> {
  let Some(value) = args.option(key)? else { return Ok(None) };
  let read = |_| TaskError::invalid(format!("options.{key} could not be read"));
  if !args.js.is_array(value.raw).map_err(read)? {
    return Err(TaskError::invalid(format!("options.{key} must be an array of numbers, got {}", args.describe(value))));
  }
  let len = args.js.array_length(value.raw).map_err(read)?;
  if len > max_len {
    return Err(TaskError::invalid(format!("options.{key} must hold at most {max_len} numbers, got {len}")));
  }
  let mut out = Vec::with_capacity(len as usize);
  for index in 0..len {
    let item = Value::new(args.js.get_element(value.raw, index).map_err(read)?);
    let n = match args.js.kind(item.raw) {
      Ok(Kind::Number) => args.js.to_f64(item.raw).map_err(read)?,
      _ => f64::NAN,
    };
    if !(n >= min && n <= max) {
      return Err(TaskError::invalid(format!("options.{key}[{index}] must be a number from {min} to {max}, got {}", args.describe(item))));
    }
    out.push(n);
  }
  Ok(Some(out))
}
