//! Reading and validating a task's JS arguments: `input` and task-specific `options` fields.

use napi::sys;

use std::path::PathBuf;
use std::sync::Arc;

use crate::files::{self, FileInput};
use crate::js::{Bytes, Js, JsFailure, Kind};
use crate::pool::TaskError;

use super::Value;

/// A task's arguments on the JS thread. Objects whose memory a task borrows are pushed to
/// `keep`, and the surface holds a reference to each until the task settles.
pub struct TaskArgs<'a> {
  pub(crate) js: Js,
  pub input: Value<'a>,
  options: Option<sys::napi_value>,
  pub(crate) keep: &'a mut Vec<sys::napi_value>,
  /// `{ path }` inputs, which the task's I/O stage waits on before it is queued if they can block.
  pub(crate) files: &'a mut Vec<Arc<FileInput>>,
}

fn read_failed(name: &str) -> impl Fn(JsFailure) -> TaskError + '_ {
  move |_| TaskError::invalid(format!("{name} could not be read"))
}

impl<'a> TaskArgs<'a> {
  pub(crate) fn new(
    js: Js,
    input: sys::napi_value,
    options: Option<sys::napi_value>,
    keep: &'a mut Vec<sys::napi_value>,
    files: &'a mut Vec<Arc<FileInput>>,
  ) -> Self {
    TaskArgs { js, input: Value::new(input), options, keep, files }
  }

  /// What a message says it got (`Js::describe`): `got -1`, `got 'x'`.
  pub fn describe(&self, value: Value) -> String {
    self.js.describe(value.raw)
  }

  /// The one integer reader: a JS number that is a whole number in `min..=max`. Every message
  /// states the whole range, such as "options.cost must be an integer from 4 to 31, got 32".
  pub fn integer(&self, value: Value, name: &str, min: i64, max: i64) -> Result<i64, TaskError> {
    let bad = || TaskError::invalid(format!("{name} must be an integer from {min} to {max}, got {}", self.describe(value)));
    let value = value.raw;
    if self.js.kind(value).map_err(read_failed(name))? != Kind::Number {
      return Err(bad());
    }
    let n = self.js.to_f64(value).map_err(read_failed(name))?;
    if !(n.is_finite() && n.fract() == 0.0 && n >= min as f64 && n <= max as f64) {
      return Err(bad());
    }
    Ok(n as i64)
  }

  /// `input` as a whole number in `0..=max`.
  pub fn input_uint(&self, max: u64) -> Result<u64, TaskError> {
    self.integer(self.input, "input", 0, max as i64).map(|n| n as u64)
  }

  /// Bytes from a Buffer, TypedArray, DataView or ArrayBuffer (read in place) or a string (UTF-8).
  pub fn bytes(&mut self, value: Value, name: &str) -> Result<Bytes, TaskError> {
    self.bytes_from(value, name, false)
  }

  /// Like `bytes`, or `{ path }`: a file that corepool reads itself, off the JS thread, as the
  /// work consumes it. Only for a kernel that reads its input through `Bytes::chunks`.
  pub fn bytes_or_file(&mut self, value: Value, name: &str) -> Result<Bytes, TaskError> {
    self.bytes_from(value, name, true)
  }

  fn bytes_from(&mut self, value: Value, name: &str, files_allowed: bool) -> Result<Bytes, TaskError> {
    use crate::js::View;
    // Checked whatever the input is, so that a bad value never passes unnoticed.
    let limit = match files_allowed {
      true => self.option_uint("maxInputLength", 1, files::MAX_INPUT_LIMIT)?.unwrap_or(files::DEFAULT_MAX_INPUT),
      false => files::DEFAULT_MAX_INPUT,
    };
    match self.js.byte_view(value.raw).map_err(read_failed(name))? {
      View::Borrowed { ptr, len, shared, .. } => {
        if shared {
          self.keep.push(value.raw);
        }
        // SAFETY: the view `byte_view` just gave; a shared one's object is now in `keep`.
        Ok(unsafe { Js::view_bytes(ptr, len, shared) })
      }
      View::Utf8(text) => Ok(Bytes::owned(text.into_bytes())),
      View::None if files_allowed => match self.path_field(value, name)? {
        Some(path) => {
          let file = Arc::new(FileInput::new(path, limit));
          self.files.push(file.clone());
          Ok(Bytes::file(file))
        }
        None => Err(TaskError::invalid(format!(
          "{name} must be a Buffer, TypedArray, DataView, ArrayBuffer, string or {{ path }}, got {}",
          self.describe(value)
        ))),
      },
      View::None => Err(TaskError::invalid(format!(
        "{name} must be a Buffer, TypedArray, DataView, ArrayBuffer or string, got {}",
        self.describe(value)
      ))),
    }
  }

  /// `value.path` when `value` is an object with a non-empty string `path`.
  pub fn path_field(&self, value: Value, name: &str) -> Result<Option<PathBuf>, TaskError> {
    let value = value.raw;
    if self.js.kind(value).map_err(read_failed(name))? != Kind::Object || self.js.is_array(value).unwrap_or(false) {
      return Ok(None);
    }
    let path = self.js.get(value, "path").map_err(read_failed(name))?;
    if self.js.kind(path).map_err(read_failed(name))? != Kind::String {
      return Ok(None);
    }
    let path = self.js.to_string(path).map_err(read_failed(name))?;
    if path.is_empty() || path.contains('\0') {
      return Err(TaskError::invalid(format!("{name}.path must be a non-empty file path without NUL bytes")));
    }
    Ok(Some(PathBuf::from(path)))
  }

  pub fn input_bytes(&mut self) -> Result<Bytes, TaskError> {
    self.bytes(self.input, "input")
  }

  /// `input` as bytes or `{ path }` (see `bytes_or_file`).
  pub fn input_bytes_or_file(&mut self) -> Result<Bytes, TaskError> {
    self.bytes_or_file(self.input, "input")
  }

  /// A JS string, as UTF-8.
  pub fn string(&self, value: Value, name: &str) -> Result<String, TaskError> {
    match self.js.kind(value.raw).map_err(read_failed(name))? {
      Kind::String => self.js.to_string(value.raw).map_err(read_failed(name)),
      _ => Err(TaskError::invalid(format!("{name} must be a string, got {}", self.describe(value)))),
    }
  }

  /// `input[key]` when `input` is a plain object (not an array or byte view); `name` is how
  /// messages call the input, such as "input must be an object { password, hash }".
  pub fn input_field(&self, key: &str, shape: &str) -> Result<Value<'a>, TaskError> {
    let input = self.input.raw;
    let is_plain = self.js.kind(input).map_err(read_failed("input"))? == Kind::Object
      && !self.js.is_array(input).unwrap_or(true)
      && matches!(self.js.byte_view(input), Ok(crate::js::View::None));
    if !is_plain {
      return Err(TaskError::invalid(format!("input must be an object {shape}, got {}", self.describe(self.input))));
    }
    self.js.get(input, key).map(Value::new).map_err(read_failed(&format!("input.{key}")))
  }

  /// `options[key]` as bytes (see `bytes`); `None` when absent.
  pub fn option_bytes(&mut self, key: &str) -> Result<Option<Bytes>, TaskError> {
    let Some(value) = self.option(key)? else { return Ok(None) };
    self.bytes(value, &format!("options.{key}")).map(Some)
  }

  /// `options[key]`, or `None` when options or the field is absent (undefined).
  pub fn option(&self, key: &str) -> Result<Option<Value<'a>>, TaskError> {
    let Some(options) = self.options else { return Ok(None) };
    let value = self.js.get(options, key).map_err(|_| TaskError::invalid(format!("options.{key} could not be read")))?;
    match self.js.kind(value) {
      Ok(Kind::Undefined) => Ok(None),
      _ => Ok(Some(Value::new(value))),
    }
  }

  /// `options.destination`: `{ path }` of a file the task's bytes result is written to.
  pub fn destination(&self) -> Result<Option<PathBuf>, TaskError> {
    let Some(value) = self.option("destination")? else { return Ok(None) };
    match self.path_field(value, "options.destination")? {
      Some(path) => Ok(Some(path)),
      None => Err(TaskError::invalid(format!("options.destination must be {{ path: string }}, got {}", self.describe(value)))),
    }
  }

  /// `options[key]` as one of `allowed` strings; `None` when absent.
  pub fn option_choice(&self, key: &str, allowed: &[&'static str]) -> Result<Option<&'static str>, TaskError> {
    let Some(value) = self.option(key)? else { return Ok(None) };
    let text = match self.js.kind(value.raw) {
      Ok(Kind::String) => self.js.to_string(value.raw).ok(),
      _ => None,
    };
    match text.and_then(|text| allowed.iter().find(|choice| **choice == text)) {
      Some(choice) => Ok(Some(choice)),
      None => Err(TaskError::invalid(format!("options.{key} must be one of '{}', got {}", allowed.join("', '"), self.describe(value)))),
    }
  }

  /// `options[key]` as a whole number in `min..=max`; `None` when absent.
  pub fn option_int(&self, key: &str, min: i64, max: i64) -> Result<Option<i64>, TaskError> {
    let Some(value) = self.option(key)? else { return Ok(None) };
    self.integer(value, &format!("options.{key}"), min, max).map(Some)
  }

  /// `option_int` for a count or size that is never negative.
  pub fn option_uint(&self, key: &str, min: u64, max: u64) -> Result<Option<u64>, TaskError> {
    Ok(self.option_int(key, min as i64, max as i64)?.map(|n| n as u64))
  }
}
