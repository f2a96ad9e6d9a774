//! The one wording of "got ..." in error messages, for both languages: `lib/errors.js` calls
//! this through the binding, so a value reads the same whichever side rejects it.

use std::ptr;

use napi::sys;

use super::{check, Js, Kind};

/// Strings longer than this (in UTF-16 units, as JS counts) are cut, with "..." appended.
const QUOTED_MAX: usize = 40;

impl Js {
  /// `'text'`, `-1`, `Infinity`, `1n`, `true`, `undefined`, `null`, `an array`, `a function`,
  /// `an instance of Map`: what a message says it got.
  pub fn describe(&self, value: sys::napi_value) -> String {
    match self.kind(value) {
      Ok(Kind::String) => match self.to_string(value) {
        Ok(text) => quote(&text),
        Err(_) => "a string".into(),
      },
      // JS's own number formatting (`Infinity`, `1e+21`), not Rust's.
      Ok(Kind::Number) | Ok(Kind::Boolean) => self.coerced(value).unwrap_or_else(|| "a number".into()),
      Ok(Kind::BigInt) => self.coerced(value).map(|n| format!("{n}n")).unwrap_or_else(|| "a bigint".into()),
      Ok(Kind::Undefined) => "undefined".into(),
      Ok(Kind::Null) => "null".into(),
      Ok(Kind::Object) if self.is_array(value).unwrap_or(false) => "an array".into(),
      Ok(Kind::Object) => format!("an instance of {}", self.constructor_name(value).unwrap_or_else(|| "Object".into())),
      Ok(Kind::Function) => "a function".into(),
      _ => "a symbol".into(),
    }
  }

  /// `String(value)` for a primitive that converts without running user code.
  fn coerced(&self, value: sys::napi_value) -> Option<String> {
    let mut text = ptr::null_mut();
    raw!(sys::napi_coerce_to_string(self.env, value, &mut text)).ok()?;
    self.to_string(text).ok()
  }

  /// `value.constructor.name` when it is a non-empty string.
  fn constructor_name(&self, value: sys::napi_value) -> Option<String> {
    let constructor = self.get(value, "constructor").ok()?;
    if self.kind(constructor).ok()? != Kind::Function {
      return None;
    }
    let name = self.get(constructor, "name").ok()?;
    if self.kind(name).ok()? != Kind::String {
      return None;
    }
    self.to_string(name).ok().filter(|name| !name.is_empty())
  }
}

fn quote(text: &str) -> String {
  let units: Vec<u16> = text.encode_utf16().collect();
  if units.len() > QUOTED_MAX {
    format!("'{}...'", String::from_utf16_lossy(&units[..QUOTED_MAX]))
  } else {
    format!("'{text}'")
  }
}
