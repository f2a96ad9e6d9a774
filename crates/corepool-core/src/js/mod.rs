//! Thin, checked wrappers over the raw N-API calls the surface needs. Everything here runs on
//! the JS thread of the environment it was given.

use std::ffi::{c_void, CString};
use std::ptr;

use napi::sys;

/// A live N-API environment on its own JS thread. Invariant: only built from an env that N-API
/// handed to the current callback, and never sent to another thread.
#[derive(Clone, Copy)]
pub struct Js {
  env: sys::napi_env,
}

/// A failed N-API call, or a JS exception now pending.
#[derive(Debug)]
pub struct JsFailure(pub i32);

pub type JsResult<T> = Result<T, JsFailure>;

fn check(status: sys::napi_status) -> JsResult<()> {
  if status == sys::Status::napi_ok {
    Ok(())
  } else {
    Err(JsFailure(status))
  }
}

/// The kind of a JS value, as far as task arguments care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
  Undefined,
  Null,
  Boolean,
  Number,
  String,
  BigInt,
  Object,
  Function,
  Other,
}

macro_rules! raw {
  ($call:expr) => {
    // SAFETY: `Js` holds an env that N-API gave to the running callback on this thread, and every
    // out-pointer passed here is a live local of the caller.
    check(unsafe { $call })
  };
}

mod bytes;
mod convert;
mod describe;
mod settle;

pub use bytes::Bytes;
pub(crate) use bytes::View;
pub use convert::output_to_js;
pub use settle::ErrorList;

impl Js {
  /// # Safety
  /// `env` must be the env N-API passed to the callback now running on this thread.
  pub unsafe fn from_raw(env: sys::napi_env) -> Js {
    Js { env }
  }

  pub fn raw(&self) -> sys::napi_env {
    self.env
  }

  pub fn kind(&self, value: sys::napi_value) -> JsResult<Kind> {
    let mut kind = 0;
    raw!(sys::napi_typeof(self.env, value, &mut kind))?;
    Ok(match kind {
      sys::ValueType::napi_undefined => Kind::Undefined,
      sys::ValueType::napi_null => Kind::Null,
      sys::ValueType::napi_boolean => Kind::Boolean,
      sys::ValueType::napi_number => Kind::Number,
      sys::ValueType::napi_string => Kind::String,
      sys::ValueType::napi_bigint => Kind::BigInt,
      sys::ValueType::napi_object => Kind::Object,
      sys::ValueType::napi_function => Kind::Function,
      _ => Kind::Other,
    })
  }

  pub fn undefined(&self) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_get_undefined(self.env, &mut value))?;
    Ok(value)
  }

  pub fn null(&self) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_get_null(self.env, &mut value))?;
    Ok(value)
  }

  pub fn boolean(&self, b: bool) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_get_boolean(self.env, b, &mut value))?;
    Ok(value)
  }

  pub fn number(&self, n: f64) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_create_double(self.env, n, &mut value))?;
    Ok(value)
  }

  pub fn bigint(&self, n: i64) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_create_bigint_int64(self.env, n, &mut value))?;
    Ok(value)
  }

  pub fn string(&self, s: &str) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_create_string_utf8(self.env, s.as_ptr().cast(), s.len() as isize, &mut value))?;
    Ok(value)
  }

  pub fn string_utf16(&self, units: &[u16]) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_create_string_utf16(self.env, units.as_ptr(), units.len() as isize, &mut value))?;
    Ok(value)
  }

  pub fn object(&self) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_create_object(self.env, &mut value))?;
    Ok(value)
  }

  pub fn array(&self, len: usize) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_create_array_with_length(self.env, len, &mut value))?;
    Ok(value)
  }

  pub fn set_element(&self, array: sys::napi_value, index: u32, value: sys::napi_value) -> JsResult<()> {
    raw!(sys::napi_set_element(self.env, array, index, value))
  }

  pub fn get_element(&self, array: sys::napi_value, index: u32) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_get_element(self.env, array, index, &mut value))?;
    Ok(value)
  }

  pub fn is_array(&self, value: sys::napi_value) -> JsResult<bool> {
    let mut is = false;
    raw!(sys::napi_is_array(self.env, value, &mut is))?;
    Ok(is)
  }

  pub fn array_length(&self, array: sys::napi_value) -> JsResult<u32> {
    let mut len = 0;
    raw!(sys::napi_get_array_length(self.env, array, &mut len))?;
    Ok(len)
  }

  pub fn set(&self, object: sys::napi_value, key: &str, value: sys::napi_value) -> JsResult<()> {
    let key = CString::new(key).map_err(|_| JsFailure(sys::Status::napi_invalid_arg))?;
    raw!(sys::napi_set_named_property(self.env, object, key.as_ptr(), value))
  }

  /// Reads `object[key]`; `undefined` when absent. Runs getters, like any JS property read.
  pub fn get(&self, object: sys::napi_value, key: &str) -> JsResult<sys::napi_value> {
    let key = CString::new(key).map_err(|_| JsFailure(sys::Status::napi_invalid_arg))?;
    let mut value = ptr::null_mut();
    raw!(sys::napi_get_named_property(self.env, object, key.as_ptr(), &mut value))?;
    Ok(value)
  }

  pub fn to_f64(self, value: sys::napi_value) -> JsResult<f64> {
    let mut n = 0.0;
    raw!(sys::napi_get_value_double(self.env, value, &mut n))?;
    Ok(n)
  }

  pub fn to_bool(self, value: sys::napi_value) -> JsResult<bool> {
    let mut b = false;
    raw!(sys::napi_get_value_bool(self.env, value, &mut b))?;
    Ok(b)
  }

  /// A string's UTF-16 code units, as JS holds them (lone surrogates included).
  pub fn to_utf16(self, value: sys::napi_value) -> JsResult<Vec<u16>> {
    let mut len = 0usize;
    raw!(sys::napi_get_value_string_utf16(self.env, value, ptr::null_mut(), 0, &mut len))?;
    let mut units = vec![0u16; len + 1]; // N-API writes a terminating NUL
    let mut written = 0usize;
    raw!(sys::napi_get_value_string_utf16(self.env, value, units.as_mut_ptr(), len + 1, &mut written))?;
    units.truncate(written);
    Ok(units)
  }

  pub fn to_string(self, value: sys::napi_value) -> JsResult<String> {
    let mut len = 0usize;
    raw!(sys::napi_get_value_string_utf8(self.env, value, ptr::null_mut(), 0, &mut len))?;
    let mut buf = vec![0u8; len + 1];
    let mut written = 0usize;
    raw!(sys::napi_get_value_string_utf8(self.env, value, buf.as_mut_ptr().cast(), len + 1, &mut written))?;
    buf.truncate(written);
    String::from_utf8(buf).map_err(|_| JsFailure(sys::Status::napi_string_expected))
  }

  /// A strong reference that keeps `value` alive until `unref`.
  pub fn reference(&self, value: sys::napi_value) -> JsResult<sys::napi_ref> {
    let mut reference = ptr::null_mut();
    raw!(sys::napi_create_reference(self.env, value, 1, &mut reference))?;
    Ok(reference)
  }

  pub fn reference_value(&self, reference: sys::napi_ref) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    raw!(sys::napi_get_reference_value(self.env, reference, &mut value))?;
    Ok(value)
  }

  pub fn unref(&self, reference: sys::napi_ref) {
    let _ = raw!(sys::napi_delete_reference(self.env, reference));
  }

  pub fn call(&self, function: sys::napi_value, args: &[sys::napi_value]) -> JsResult<()> {
    let this = self.undefined()?;
    let mut result = ptr::null_mut();
    raw!(sys::napi_call_function(self.env, this, function, args.len(), args.as_ptr(), &mut result))
  }

  /// Clears a JS exception that a failed call left pending, so that later calls work again.
  pub fn clear_exception(&self) {
    let mut pending = false;
    if raw!(sys::napi_is_exception_pending(self.env, &mut pending)).is_ok() && pending {
      let mut exception = ptr::null_mut();
      let _ = raw!(sys::napi_get_and_clear_last_exception(self.env, &mut exception));
    }
  }

  /// A typed array over `data` (copied, or handed to JS: see `arraybuffer`).
  pub fn typed_array<T: Copy + 'static>(&self, kind: sys::napi_typedarray_type, data: Vec<T>) -> JsResult<sys::napi_value> {
    let len = data.len();
    let buffer = self.arraybuffer(data)?;
    let mut value = ptr::null_mut();
    raw!(sys::napi_create_typedarray(self.env, kind, len, buffer, 0, &mut value))?;
    Ok(value)
  }

  pub fn buffer(&self, data: Vec<u8>) -> JsResult<sys::napi_value> {
    let mut value = ptr::null_mut();
    if data.len() < COPY_LIMIT {
      let mut copy = ptr::null_mut();
      raw!(sys::napi_create_buffer_copy(self.env, data.len(), data.as_ptr().cast(), &mut copy, &mut value))?;
    } else {
      let (data_ptr, len, hint) = leak_vec(data);
      let status = raw!(sys::napi_create_external_buffer(self.env, len, data_ptr, Some(free_vec::<u8>), hint, &mut value));
      if status.is_err() {
        // SAFETY: N-API refused the buffer, so its finalizer will never run; free it here once.
        unsafe { free_vec::<u8>(self.env, data_ptr, hint) };
        return Err(JsFailure(sys::Status::napi_generic_failure));
      }
    }
    Ok(value)
  }

  /// `data` as an ArrayBuffer: a copy below `COPY_LIMIT`, else the Vec itself, freed by V8.
  fn arraybuffer<T: Copy + 'static>(&self, data: Vec<T>) -> JsResult<sys::napi_value> {
    let byte_len = std::mem::size_of_val(data.as_slice());
    if byte_len < COPY_LIMIT {
      let mut value = ptr::null_mut();
      let mut out = ptr::null_mut();
      raw!(sys::napi_create_arraybuffer(self.env, byte_len, &mut out, &mut value))?;
      if byte_len > 0 {
        // SAFETY: `out` is the `byte_len` writable bytes V8 just allocated for this buffer, and
        // `data` holds `byte_len` bytes of plain numbers (`T: Copy`); the two do not overlap.
        unsafe { ptr::copy_nonoverlapping(data.as_ptr().cast::<u8>(), out.cast::<u8>(), byte_len) };
      }
      return Ok(value);
    }
    let (data_ptr, _, hint) = leak_vec(data);
    let mut value = ptr::null_mut();
    let status = raw!(sys::napi_create_external_arraybuffer(self.env, data_ptr, byte_len, Some(free_vec::<T>), hint, &mut value));
    if status.is_err() {
      // SAFETY: N-API refused the buffer, so its finalizer will never run; free it here once.
      unsafe { free_vec::<T>(self.env, data_ptr, hint) };
      return Err(JsFailure(sys::Status::napi_generic_failure));
    }
    Ok(value)
  }
}

/// Bytes below which JS gets a copy in memory V8 allocates rather than the Vec itself: an
/// external buffer costs a second allocation, a weak handle and a finalizer (a batch's ids in a
/// serial loop paid that on every task), and copying this much costs less.
const COPY_LIMIT: usize = 4096;

/// Hands a Vec's allocation to JS: returns its data pointer, length and a hint that `free_vec`
/// turns back into the Vec.
fn leak_vec<T>(data: Vec<T>) -> (*mut c_void, usize, *mut c_void) {
  let len = data.len();
  let boxed: Box<Vec<T>> = Box::new(data);
  let data_ptr = boxed.as_ptr() as *mut c_void;
  (data_ptr, len, Box::into_raw(boxed).cast())
}

unsafe extern "C" fn free_vec<T>(_env: sys::napi_env, _data: *mut c_void, hint: *mut c_void) {
  // SAFETY: `hint` came from `leak_vec::<T>` and N-API calls each finalizer exactly once.
  drop(unsafe { Box::from_raw(hint.cast::<Vec<T>>()) });
}
