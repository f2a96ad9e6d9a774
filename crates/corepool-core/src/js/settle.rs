//! The one writer of the compact settle format that `lib/settle.js` reads: a batch's failures as
//! a flat `[index, code, message, index, code, message, ...]` array, or `undefined` when nothing
//! failed. The hot path of settling stays one array per batch instead of one object per task.

use napi::sys;

use super::{Js, JsResult};

/// Entries per failure in the flat array: index, code, message.
const STRIDE: u32 = 3;

/// The failures of one batch, written as they are found. Invariant: `array` is created on the
/// first `push`, and holds `count * STRIDE` elements.
pub struct ErrorList {
  js: Js,
  array: Option<sys::napi_value>,
  count: u32,
}

impl ErrorList {
  pub fn new(js: Js) -> Self {
    ErrorList { js, array: None, count: 0 }
  }

  /// Records that item `index` of the batch failed with `code` and `message`.
  pub fn push(&mut self, index: u32, code: &str, message: &str) -> JsResult<()> {
    let js = self.js;
    let array = match self.array {
      Some(array) => array,
      None => *self.array.insert(js.array(0)?),
    };
    let at = self.count * STRIDE;
    js.set_element(array, at, js.number(index as f64)?)?;
    js.set_element(array, at + 1, js.string(code)?)?;
    js.set_element(array, at + 2, js.string(message)?)?;
    self.count += 1;
    Ok(())
  }

  /// The flat array, or `undefined` when nothing failed.
  pub fn finish(self) -> JsResult<sys::napi_value> {
    match self.array {
      Some(array) => Ok(array),
      None => self.js.undefined(),
    }
  }
}
