//! Tasks for measuring overhead and for deterministic tests.

use std::sync::atomic::Ordering;
use std::time::Duration;

use super::typed::{Element, TypedSlice};
use super::{TaskArgs, TaskDef};
use crate::pool::{Output, TaskError, Work};

pub const TASKS: &[TaskDef] = &[
  TaskDef { name: "noop", options: &[], prepare: prepare_noop },
  TaskDef { name: "test.waitFlag", options: &[], prepare: prepare_wait_flag },
  TaskDef { name: "test.panic", options: &[], prepare: prepare_panic },
  TaskDef { name: "test.unconvertible", options: &[], prepare: prepare_unconvertible },
  TaskDef { name: "test.keepInput", options: &[], prepare: prepare_keep_input },
];

/// Does nothing and resolves with `undefined`: the pool's own overhead.
fn prepare_noop(_args: &mut TaskArgs) -> Result<Work, TaskError> {
  Ok(Box::new(|_| Ok(Output::Undefined)))
}

/// Cells of the Int32Array that `test.waitFlag` shares with the test.
const STARTED: usize = 0;
const RELEASE: usize = 1;

/// `input` is an Int32Array (on a SharedArrayBuffer) of length >= 2. The task adds 1 to cell 0
/// when it starts, then waits until cell 1 is non-zero and resolves with that value. It checks
/// its cancellation token while it waits, so abort and timeout stop it.
fn prepare_wait_flag(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let bad = |args: &TaskArgs| {
    TaskError::invalid(format!(
      "input must be an Int32Array on a SharedArrayBuffer, of length 2 or more, got {}",
      args.describe(args.input)
    ))
  };
  // Only shared memory: the task writes and reads the cells while it runs, in place.
  let cells = match TypedSlice::from_input(args) {
    Ok(slice) if slice.element == Element::I32 && !slice.is_copy() && slice.len >= 2 => slice,
    _ => return Err(bad(args)),
  };
  Ok(Box::new(move |token| {
    let cells = cells.atomics_i32().unwrap_or_default();
    let (started, release) = (&cells[STARTED], &cells[RELEASE]);
    started.fetch_add(1, Ordering::SeqCst);
    loop {
      let value = release.load(Ordering::SeqCst);
      if value != 0 {
        return Ok(Output::Number(value as f64));
      }
      token.check()?;
      std::thread::sleep(Duration::from_micros(50));
    }
  }))
}

/// Panics with `input` (a string) as the message: proves a panic rejects one promise only.
fn prepare_panic(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let message = args.string(args.input, "input")?;
  Ok(Box::new(move |_| panic!("{message}")))
}

/// Resolves with 1 when `input` is false; when true, with a result that cannot become a JS
/// value (an object key with a NUL byte): proves such a task rejects alone.
fn prepare_unconvertible(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let unconvertible = args.boolean(args.input, "input")?;
  Ok(Box::new(move |_| {
    Ok(match unconvertible {
      true => Output::Object(vec![("not\0a key", Output::Number(1.0))]),
      false => Output::Number(1.0),
    })
  }))
}

/// Asks the surface to keep `input` alive while the task runs, whatever it is; N-API refuses
/// to reference a primitive, which proves that a failed reference refuses the task.
fn prepare_keep_input(args: &mut TaskArgs) -> Result<Work, TaskError> {
  args.keep_alive(args.input);
  Ok(Box::new(|_| Ok(Output::Undefined)))
}
