//! Turns a task's `Output` into a JS value on the JS thread.

use napi::sys;

use super::{ErrorList, Js, JsResult};
use crate::pool::Output;

/// `input` is the task's input object, for outputs that resolve with it (work done in place).
pub fn output_to_js(js: Js, output: Output, input: Option<sys::napi_value>) -> JsResult<sys::napi_value> {
  use sys::TypedarrayType::*;
  match output {
    Output::Undefined => js.undefined(),
    Output::Null => js.null(),
    Output::Bool(b) => js.boolean(b),
    Output::Number(n) => js.number(n),
    Output::BigInt(n) => js.bigint(n),
    Output::String(s) => js.string(&s),
    Output::Utf16(units) => js.string_utf16(&units),
    Output::Buffer(bytes) => js.buffer(bytes),
    Output::Float64Array(v) => js.typed_array(float64_array, v),
    Output::Float32Array(v) => js.typed_array(float32_array, v),
    Output::Int32Array(v) => js.typed_array(int32_array, v),
    Output::Uint32Array(v) => js.typed_array(uint32_array, v),
    Output::BigInt64Array(v) => js.typed_array(bigint64_array, v),
    Output::Input => match input {
      Some(value) => Ok(value),
      None => js.undefined(),
    },
    Output::IntoInput(bytes) => match input {
      Some(value) => write_back(js, value, &bytes),
      None => js.undefined(),
    },
    Output::Array(items) => {
      let array = js.array(items.len())?;
      for (index, item) in items.into_iter().enumerate() {
        let value = output_to_js(js, item, input)?;
        js.set_element(array, index as u32, value)?;
      }
      Ok(array)
    }
    Output::Settled(items) => settled_to_js(js, items, input),
    Output::Object(fields) => {
      let object = js.object()?;
      for (key, item) in fields {
        let value = output_to_js(js, item, input)?;
        js.set(object, key, value)?;
      }
      Ok(object)
    }
  }
}

/// Copies `bytes` over the elements of the view `target` and returns it. A view whose length
/// changed since the task copied it (resized, or transferred and so detached) keeps its values.
fn write_back(js: Js, target: sys::napi_value, bytes: &[u8]) -> JsResult<sys::napi_value> {
  if let super::View::Borrowed { ptr, len, .. } = js.byte_view(target)? {
    if len == bytes.len() && !ptr.is_null() {
      // SAFETY: on the JS thread that owns the buffer, N-API just reported `ptr..ptr+len` as the
      // view's live memory, and no JS runs before the copy ends; `bytes` is a separate Vec.
      unsafe { std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr as *mut u8, len) };
    }
  }
  Ok(target)
}

/// A batch's results as `[values, errors]`: `values[i]` for each item (a hole where it is
/// undefined or failed, which JS fills), and `errors` as flat `[index, code, message, ...]`, or undefined when none failed.
/// `inputs` is the batch's input array: an item resolving with its input gets `inputs[i]`.
fn settled_to_js(js: Js, items: Vec<Result<Output, crate::pool::TaskError>>, inputs: Option<sys::napi_value>) -> JsResult<sys::napi_value> {
  let values = js.array(items.len())?;
  let undefined = js.undefined()?;
  let mut errors = ErrorList::new(js);
  for (index, item) in items.into_iter().enumerate() {
    let index = index as u32;
    let value = match item {
      // Left a hole, which `settleMany` (lib/pool.js) fills in one pass: a napi_set_element each
      // cost 12 ms per 200,000 no-op results, the fill under 1 ms.
      Ok(Output::Undefined) => continue,
      Ok(Output::Input) => match inputs {
        Some(array) => js.get_element(array, index)?,
        None => undefined,
      },
      Ok(Output::IntoInput(bytes)) => match inputs {
        Some(array) => write_back(js, js.get_element(array, index)?, &bytes)?,
        None => undefined,
      },
      Ok(output) => output_to_js(js, output, None)?,
      Err(error) => {
        errors.push(index, error.code(), &error.to_string())?;
        continue;
      }
    };
    js.set_element(values, index, value)?;
  }
  let errors = errors.finish()?;
  let pair = js.array(2)?;
  js.set_element(pair, 0, values)?;
  js.set_element(pair, 1, errors)?;
  Ok(pair)
}
