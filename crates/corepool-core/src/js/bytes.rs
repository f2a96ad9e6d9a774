//! Byte inputs. A view on a SharedArrayBuffer is read in place: shared memory cannot be
//! transferred or shrunk, so it stays where it is while a task reads it. Any other Buffer,
//! TypedArray, DataView or ArrayBuffer is copied at submit, because JS could transfer it (and a
//! GC then free it) or shrink it (if resizable) while a pool thread reads it, and N-API offers
//! no way to hold its memory alive. A string is encoded to UTF-8 once.

use std::ptr;
use std::sync::Arc;

use napi::sys;

use super::{check, Js, JsResult};
use crate::chunks::Chunks;
use crate::files::FileInput;

/// Bytes a task reads on a pool thread.
pub struct Bytes(Source);

enum Source {
  /// A view on a SharedArrayBuffer, read in place. Invariant: it points into memory that the
  /// surface keeps referenced until the task's promise settles, and the engine's shutdown waits
  /// for running tasks before the environment can free it.
  Shared {
    ptr: *const u8,
    len: usize,
  },
  Owned(Vec<u8>),
  /// A `{ path }` input, read by the work through `chunks` as it consumes it.
  File(Arc<FileInput>),
}

// SAFETY: shared memory is only read, and stays alive and in place until the task settles (the
// invariant of `Source::Shared`); the documented input contract (as for Node's async fs and zlib)
// forbids JS from mutating it meanwhile. The other sources are plain owned values.
unsafe impl Send for Bytes {}
// SAFETY: as for Send: shared reads of memory that outlives the task.
unsafe impl Sync for Bytes {}

impl Bytes {
  pub fn owned(data: Vec<u8>) -> Bytes {
    Bytes(Source::Owned(data))
  }

  /// A `{ path }` input, read by the work through `chunks` as it consumes it.
  pub fn file(input: Arc<FileInput>) -> Bytes {
    Bytes(Source::File(input))
  }

  /// The input piece by piece: from memory, or read from its file as it is consumed. The one
  /// way a kernel that takes `{ path }` reads its input.
  pub fn chunks(&self) -> Chunks<'_> {
    match &self.0 {
      Source::File(file) => Chunks::File(file.reader()),
      _ => Chunks::Memory(self.as_slice()),
    }
  }

  /// The bytes in memory. A `{ path }` input has none: it is read through `chunks`.
  pub fn as_slice(&self) -> &[u8] {
    match &self.0 {
      Source::Owned(data) => data,
      Source::Shared { len: 0, .. } => &[],
      // SAFETY: `ptr..ptr+len` lies in live shared memory kept by the surface (the invariant).
      Source::Shared { ptr, len } => unsafe { std::slice::from_raw_parts(*ptr, *len) },
      Source::File(_) => panic!("a {{ path }} input is read through Bytes::chunks"),
    }
  }

  /// The length in memory (see `as_slice`).
  pub fn len(&self) -> usize {
    self.as_slice().len()
  }

  pub fn is_empty(&self) -> bool {
    self.len() == 0
  }
}

/// Which kind of byte view a value is, if any.
pub(crate) enum View {
  /// Memory inside a JS object; keep the object referenced while the view is used. `shared`:
  /// on a SharedArrayBuffer, so it may be read in place; otherwise it must be copied now.
  Borrowed {
    ptr: *const u8,
    len: usize,
    element: Option<sys::napi_typedarray_type>,
    shared: bool,
  },
  Utf8(String),
  None,
}

impl Js {
  /// Classifies `value` as a byte view without copying it.
  pub(crate) fn byte_view(&self, value: sys::napi_value) -> JsResult<View> {
    let env = self.raw();
    let (mut data, mut len) = (ptr::null_mut(), 0usize);
    let mut is = false;
    raw!(sys::napi_is_typedarray(self.env, value, &mut is))?;
    if is {
      let (mut kind, mut arraybuffer, mut offset) = (0, ptr::null_mut(), 0usize);
      raw!(sys::napi_get_typedarray_info(env, value, &mut kind, &mut len, &mut data, &mut arraybuffer, &mut offset))?;
      let byte_len = len * element_size(kind);
      let shared = self.is_shared(arraybuffer)?;
      return Ok(View::Borrowed { ptr: data as *const u8, len: byte_len, element: Some(kind), shared });
    }
    raw!(sys::napi_is_dataview(env, value, &mut is))?;
    if is {
      let (mut arraybuffer, mut offset) = (ptr::null_mut(), 0usize);
      raw!(sys::napi_get_dataview_info(env, value, &mut len, &mut data, &mut arraybuffer, &mut offset))?;
      let shared = self.is_shared(arraybuffer)?;
      return Ok(View::Borrowed { ptr: data as *const u8, len, element: None, shared });
    }
    raw!(sys::napi_is_arraybuffer(env, value, &mut is))?;
    if is {
      raw!(sys::napi_get_arraybuffer_info(env, value, &mut data, &mut len))?;
      return Ok(View::Borrowed { ptr: data as *const u8, len, element: None, shared: false });
    }
    if self.kind(value)? == super::Kind::String {
      return Ok(View::Utf8(self.to_string(value)?));
    }
    Ok(View::None)
  }

  /// Whether a view's buffer is a SharedArrayBuffer (N-API's is_arraybuffer is false for one).
  fn is_shared(&self, buffer: sys::napi_value) -> JsResult<bool> {
    let mut is = false;
    raw!(sys::napi_is_arraybuffer(self.env, buffer, &mut is))?;
    Ok(!is && !buffer.is_null())
  }

  /// `Bytes` over a view: in place when it is shared, else a copy made now.
  ///
  /// # Safety
  /// `ptr..ptr + len` must be the memory of a view that `byte_view` just gave, with no JS run
  /// since; when `shared`, the caller must push the view's JS object to the task's `keep`, so
  /// that the surface holds it until the task settles (the invariant of `Bytes`).
  pub(crate) unsafe fn view_bytes(ptr: *const u8, len: usize, shared: bool) -> Bytes {
    if !shared {
      // SAFETY: the caller's contract: a view's memory, with no JS run since.
      return Bytes::owned(unsafe { Js::copy_view(ptr, len) });
    }
    Bytes(Source::Shared { ptr, len })
  }

  /// A copy of a view's bytes, taken on the JS thread while the view is valid.
  ///
  /// # Safety
  /// `ptr..ptr + len` must be the memory of a view that `byte_view` just gave, with no JS run
  /// since (so nothing resized, detached or freed it).
  pub(crate) unsafe fn copy_view(ptr: *const u8, len: usize) -> Vec<u8> {
    if len == 0 || ptr.is_null() {
      return Vec::new();
    }
    // SAFETY: N-API just reported `ptr..ptr+len` as the view's memory, and no JS can run on this
    // thread (which owns the buffer) before the copy ends.
    unsafe { std::slice::from_raw_parts(ptr, len) }.to_vec()
  }
}

fn element_size(kind: sys::napi_typedarray_type) -> usize {
  use sys::TypedarrayType as T;
  match kind {
    T::int8_array | T::uint8_array | T::uint8_clamped_array => 1,
    T::int16_array | T::uint16_array => 2,
    T::int32_array | T::uint32_array | T::float32_array => 4,
    _ => 8,
  }
}
