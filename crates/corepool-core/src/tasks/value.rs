//! `Value`: a JS value among a task's arguments, as kernels hold it.

use std::marker::PhantomData;

use napi::sys;

/// A JS value that `TaskArgs` handed out: its input, an option, a field or an element. Only
/// `TaskArgs` makes one, so every `Value` is a live handle of the call now running `prepare`;
/// it is neither `Send` nor longer-lived than the `TaskArgs` (`'a`), so work on a pool thread
/// cannot hold one. Read it with `TaskArgs`'s readers.
#[derive(Clone, Copy)]
pub struct Value<'a> {
  pub(crate) raw: sys::napi_value,
  scope: PhantomData<&'a ()>,
}

impl Value<'_> {
  pub(crate) fn new(raw: sys::napi_value) -> Self {
    Value { raw, scope: PhantomData }
  }
}
