//! The N-API surface of corepool. Only `#[napi]` items live here: the engine is in `pool/`, the
//! kernels in `tasks/`, the JS-thread plumbing in `bridge.rs`. `index.js` wraps all of this.

#![deny(clippy::undocumented_unsafe_blocks)]

mod bridge;
mod files;
mod js;
mod js_tasks;
pub mod pool;
pub mod tasks;

use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use bridge::{Bridge, SharedBridge, Submitted};
use js::{Js, Kind};
use pool::{CancelOutcome, EngineConfig, Priority};
use tasks::BatchMode;

/// The names of every registered task; a task's index in this list is its id in `submit`.
#[napi]
pub fn task_names() -> Vec<String> {
  tasks::registry().iter().map(|def| def.name.to_string()).collect()
}

/// The cores this process may really use: respects CPU affinity and cgroup quota (num_cpus).
#[napi]
pub fn available_cores() -> u32 {
  num_cpus::get() as u32
}

/// One pool's native half. `index.js` validates every argument before calling in.
#[napi]
pub struct NativePool {
  bridge: SharedBridge,
}

fn js_of(env: &Env) -> Js {
  // SAFETY: napi-rs passes the env of the callback now running on this thread.
  unsafe { Js::from_raw(env.raw()) }
}

fn failure(status: js::JsFailure) -> Error {
  Error::new(Status::GenericFailure, format!("N-API call failed with status {}", status.0))
}

#[napi]
impl NativePool {
  /// `onSettle(ids, values, errors)` settles one batch (see `Bridge::take_batch`).
  #[napi(constructor)]
  pub fn new(env: Env, threads: u32, spin_micros: u32, max_queue: f64, nice_increment: u32, on_settle: Unknown) -> Result<Self> {
    let config = EngineConfig {
      threads: threads as usize,
      spin: Duration::from_micros(spin_micros as u64),
      max_queue: if max_queue.is_finite() { max_queue as usize } else { usize::MAX },
      task_count: tasks::registry().len() + js_tasks::MAX_TASKS,
      nice_increment: nice_increment as i32,
    };
    // SAFETY: `env` is this callback's env, and index.js passes a function as `onSettle`.
    let bridge = unsafe { Bridge::create(js_of(&env), config, on_settle.raw()) }.map_err(failure)?;
    Ok(NativePool { bridge })
  }

  /// Queues a task. Returns its id (a number), or an Error with `code` if it was refused; it
  /// never throws for a refused task. `many`: 0 for one input, 1 for an `execMany` batch that
  /// fails as a whole, 2 for one whose items settle one by one.
  #[napi]
  #[allow(clippy::too_many_arguments)]
  pub fn submit<'env>(
    &self,
    env: &'env Env,
    task: u32,
    input: Unknown,
    options: Unknown,
    priority: u32,
    timeout_ms: f64,
    many: u32,
  ) -> Result<Unknown<'env>> {
    let js = js_of(env);
    let options = match js.kind(options.raw()) {
      Ok(Kind::Object) => Some(options.raw()),
      _ => None,
    };
    let priority = Priority::from_index(priority).unwrap_or(Priority::Normal);
    let timeout = (timeout_ms.is_finite() && timeout_ms > 0.0).then(|| Duration::from_secs_f64(timeout_ms / 1000.0));
    let many = match many {
      1 => Some(BatchMode::All),
      2 => Some(BatchMode::Settled),
      _ => None,
    };
    let submitted = self.bridge.borrow_mut().submit(js, task as usize, input.raw(), options, priority, timeout, many);
    let value = match submitted {
      Submitted::Id(id) => js.number(id as f64),
      Submitted::Refused { code, message } => create_error(js, &code, &message),
    }
    .map_err(failure)?;
    // SAFETY: `value` was just created in this callback's env.
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), value) })
  }

  /// 0: already settled; 1: removed from the queue (the caller settles it); 2: running, told to stop.
  #[napi]
  pub fn cancel(&self, env: Env, id: f64) -> u32 {
    match self.bridge.borrow_mut().cancel(js_of(&env), id as u64) {
      CancelOutcome::Unknown => 0,
      CancelOutcome::Removed => 1,
      CancelOutcome::Signalled => 2,
    }
  }

  /// Removes every queued task and returns their ids; the caller settles them.
  #[napi]
  pub fn cancel_queued(&self, env: Env) -> Vec<f64> {
    self.bridge.borrow_mut().cancel_queued(js_of(&env)).into_iter().map(|id| id as f64).collect()
  }

  /// Tells every running task to stop at its next cancellation check.
  #[napi]
  pub fn cancel_running(&self) {
    self.bridge.borrow().engine().cancel_running();
  }

  /// Refuses new tasks from now on; queued and running ones go on.
  #[napi]
  pub fn stop_accepting(&self) {
    self.bridge.borrow().engine().stop_accepting();
  }

  /// Stops the threads (waiting for running tasks) and releases the wake-up. Idempotent.
  /// Returns the ids of tasks removed from the queue, which the caller settles.
  #[napi]
  pub fn shutdown(&self, env: Env) -> Vec<f64> {
    Bridge::shutdown(&self.bridge, js_of(&env)).into_iter().map(|id| id as f64).collect()
  }

  /// Tasks waiting in the queue (not running).
  #[napi]
  pub fn queued(&self) -> u32 {
    self.bridge.borrow().engine().queued() as u32
  }

  /// `[threads, active, queued, submitted, completed, failed, cancelled]` followed by the same
  /// four counters for each task index, in registry order.
  #[napi]
  pub fn stats(&self) -> Vec<f64> {
    let stats = self.bridge.borrow().engine().stats();
    let mut flat = vec![stats.threads as f64, stats.active as f64, stats.queued as f64];
    for counters in std::iter::once(&stats.total).chain(&stats.per_task) {
      flat.extend([counters.submitted, counters.completed, counters.failed, counters.cancelled].map(|n| n as f64));
    }
    flat
  }
}

impl Drop for NativePool {
  fn drop(&mut self) {
    // Reached only once the pool is unreachable from JS, which `onSettle` prevents until
    // shutdown; shutting down again is a cheap no-op, and covers a pool that never was.
    let env = self.bridge.borrow().env_raw();
    // SAFETY: napi-rs drops a class instance in its finalizer, on the JS thread of `env`.
    Bridge::shutdown(&self.bridge, unsafe { Js::from_raw(env) });
  }
}

fn create_error(js: Js, code: &str, message: &str) -> js::JsResult<sys::napi_value> {
  let is_invalid_arg = code == "ERR_INVALID_ARG";
  let code = js.string(code)?;
  let message = js.string(message)?;
  let mut error = std::ptr::null_mut();
  // Invalid arguments are TypeErrors, as when they are found while the task runs (lib/errors.js).
  let create = if is_invalid_arg { sys::napi_create_type_error } else { sys::napi_create_error };
  // SAFETY: a live env on its own thread, two strings just created in it, a live out-pointer.
  let status = unsafe { create(js.raw(), code, message, &mut error) };
  if status != sys::Status::napi_ok {
    return Err(js::JsFailure(status));
  }
  Ok(error)
}
