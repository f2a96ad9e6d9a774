//! Readers for kernels outside corepool: arrays, strings, finite numbers and booleans, with the
//! same "must be ..., got ..." wording as `TaskArgs`'s own readers.

use super::{TaskArgs, Value};
use crate::js::Kind;
use crate::pool::TaskError;

fn unreadable(name: &str) -> impl Fn(crate::js::JsFailure) -> TaskError + '_ {
  move |_| TaskError::invalid(format!("{name} could not be read"))
}

impl<'a> TaskArgs<'a> {
  /// The elements of a JS array of at most `max_len` elements, as values to read further.
  pub fn array(&self, value: Value<'a>, name: &str, max_len: u32) -> Result<Vec<Value<'a>>, TaskError> {
    let is_array =
      self.js.kind(value.raw).map_err(unreadable(name))? == Kind::Object && self.js.is_array(value.raw).map_err(unreadable(name))?;
    if !is_array {
      return Err(TaskError::invalid(format!("{name} must be an array, got {}", self.describe(value))));
    }
    let len = self.js.array_length(value.raw).map_err(unreadable(name))?;
    if len > max_len {
      return Err(TaskError::invalid(format!("{name} must hold at most {max_len} elements, got {len}")));
    }
    (0..len).map(|index| self.js.get_element(value.raw, index).map(Value::new).map_err(unreadable(name))).collect()
  }

  /// A JS array of at most `max_len` strings, as UTF-8; a message names the bad element
  /// (`input[2] must be a string, got 1`).
  pub fn strings(&self, value: Value<'a>, name: &str, max_len: u32) -> Result<Vec<String>, TaskError> {
    let items = self.array(value, name, max_len)?;
    items.into_iter().enumerate().map(|(index, item)| self.string(item, &format!("{name}[{index}]"))).collect()
  }

  /// A finite JS number in `min..=max`.
  pub fn number(&self, value: Value, name: &str, min: f64, max: f64) -> Result<f64, TaskError> {
    let n = match self.js.kind(value.raw).map_err(unreadable(name))? {
      Kind::Number => self.js.to_f64(value.raw).map_err(unreadable(name))?,
      _ => f64::NAN,
    };
    if !(n >= min && n <= max) {
      return Err(TaskError::invalid(format!("{name} must be a number from {min} to {max}, got {}", self.describe(value))));
    }
    Ok(n)
  }

  /// A JS boolean.
  pub fn boolean(&self, value: Value, name: &str) -> Result<bool, TaskError> {
    match self.js.kind(value.raw).map_err(unreadable(name))? {
      Kind::Boolean => self.js.to_bool(value.raw).map_err(unreadable(name)),
      _ => Err(TaskError::invalid(format!("{name} must be a boolean, got {}", self.describe(value)))),
    }
  }

  /// `options[key]` as a finite number in `min..=max`; `None` when absent.
  pub fn option_number(&self, key: &str, min: f64, max: f64) -> Result<Option<f64>, TaskError> {
    let Some(value) = self.option(key)? else { return Ok(None) };
    self.number(value, &format!("options.{key}"), min, max).map(Some)
  }
  /// Keeps `value` (an object) alive until the task settles, for a kernel that reads memory it
  /// owns in place, such as a view on a SharedArrayBuffer.
  pub fn keep_alive(&mut self, value: Value) {
    self.keep.push(value.raw);
  }
}
