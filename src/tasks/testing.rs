//! Tasks for measuring overhead and for deterministic tests.

use std::sync::atomic::{AtomicI32, Ordering};
use std::time::Duration;

use super::{TaskArgs, TaskDef};
use crate::js::View;
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
  let view = args.js.byte_view(args.input).map_err(|_| bad(args))?;
  // Only shared memory: the task writes and reads the cells while it runs, in place.
  let View::Borrowed { ptr, len, element: Some(napi::sys::TypedarrayType::int32_array), shared: true } = view else {
    return Err(bad(args));
  };
  if len < 8 {
    return Err(bad(args));
  }
  args.keep.push(args.input);
  let cells = SharedCells(ptr as usize);
  Ok(Box::new(move |token| {
    let started = cells.cell(STARTED);
    let release = cells.cell(RELEASE);
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

/// The address of an Int32Array's first cell. Invariant: the array has at least two cells and
/// the surface keeps it referenced until the task settles.
struct SharedCells(usize);

impl SharedCells {
  fn cell(&self, index: usize) -> &AtomicI32 {
    // SAFETY: the address is 4-aligned (an Int32Array's data), `index < 2 <= length`, the memory
    // stays alive while the task runs (type invariant), and JS only touches it through Atomics
    // or plain 32-bit stores, which AtomicI32 has the same layout for.
    unsafe { &*((self.0 as *const AtomicI32).add(index)) }
  }
}

/// Panics with `input` (a string) as the message: proves a panic rejects one promise only.
fn prepare_panic(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let message = match args.js.kind(args.input) {
    Ok(crate::js::Kind::String) => args.js.to_string(args.input).unwrap_or_default(),
    _ => return Err(TaskError::invalid(format!("input must be a string, got {}", args.describe(args.input)))),
  };
  Ok(Box::new(move |_| panic!("{message}")))
}

/// Resolves with 1 when `input` is false; when true, with a result that cannot become a JS
/// value (an object key with a NUL byte): proves such a task rejects alone.
fn prepare_unconvertible(args: &mut TaskArgs) -> Result<Work, TaskError> {
  let unconvertible = match args.js.kind(args.input) {
    Ok(crate::js::Kind::Boolean) => args.js.to_bool(args.input).unwrap_or(false),
    _ => return Err(TaskError::invalid(format!("input must be a boolean, got {}", args.describe(args.input)))),
  };
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
  args.keep.push(args.input);
  Ok(Box::new(|_| Ok(Output::Undefined)))
}
