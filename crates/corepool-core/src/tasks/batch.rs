//! `execMany`: many inputs of one task, prepared in one crossing into native code and run as one
//! job whose items are spread over the pool's own threads.

use napi::sys;
use rayon::prelude::*;

use super::{TaskArgs, TaskDef};
use std::sync::Arc;

use crate::files::FileInput;
use crate::js::{Js, Kind};
use crate::pool::{catch_panic, Output, TaskError, Work};

/// How a batch reports failures of single items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BatchMode {
  /// Like `Promise.all`: an invalid input refuses the whole batch at submit.
  All,
  /// Like `Promise.allSettled`: each item settles on its own, invalid inputs included.
  Settled,
}

/// The fewest items one rayon job of a batch takes: finer splits cost more than they balance.
const MIN_ITEMS_PER_JOB: usize = 64;

/// Prepares every element of the `inputs` array with the task's own `prepare`. The array itself
/// is kept first in `keep`, so that items resolving with their input (`Output::Input`) find it.
pub fn prepare_many(
  def: &TaskDef,
  js: Js,
  inputs: sys::napi_value,
  options: Option<sys::napi_value>,
  mode: BatchMode,
  keep: &mut Vec<sys::napi_value>,
  files: &mut Vec<Arc<FileInput>>,
) -> Result<Work, TaskError> {
  let not_array = || TaskError::invalid("inputs must be an array");
  if js.kind(inputs).map_err(|_| not_array())? != Kind::Object || !js.is_array(inputs).map_err(|_| not_array())? {
    return Err(not_array());
  }
  let count = js.array_length(inputs).map_err(|_| not_array())? as usize;
  keep.push(inputs);
  let mut items: Vec<Result<Work, TaskError>> = Vec::with_capacity(count);
  for index in 0..count {
    let input = js.get_element(inputs, index as u32).map_err(|_| TaskError::invalid(format!("inputs[{index}] could not be read")))?;
    let mut item_keep = Vec::new();
    let prepared = (def.prepare)(&mut TaskArgs::new(js, input, options, &mut item_keep, files)).map_err(|error| match error {
      TaskError::InvalidArg(message) => TaskError::InvalidArg(format!("inputs[{index}]: {message}")),
      other => other,
    });
    keep.extend(item_keep);
    match (prepared, mode) {
      (Err(error), BatchMode::All) => return Err(error),
      (prepared, _) => items.push(prepared),
    }
  }
  Ok(Box::new(move |token| {
    let results: Vec<Result<Output, TaskError>> = items
      .into_par_iter()
      .with_min_len(MIN_ITEMS_PER_JOB)
      .map(|item| {
        let work = item?;
        token.check()?;
        catch_panic(|| work(token))
      })
      .collect();
    // An abort or timeout of the batch rejects it as a whole, even if some items finished.
    token.check()?;
    Ok(Output::Settled(results))
  }))
}
