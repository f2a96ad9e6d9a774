//! The N-API surface of user JS tasks: the `NativePool` methods that queue them through the
//! engine, and `JsWorkerPort`, the native half of one JS worker (lib/js-tasks/worker.js).
//! The design is in README.md in this folder.

mod dispatch;
mod plain;

use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex};

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use crate::js::Kind;
use crate::keyed::Keyed;
use crate::pool::{Output, Priority, TaskError};
use crate::{error_value, failure, js_of, submitted_value, NativePool};
use dispatch::{Dispatcher, JsWork, Report, Slot};

/// How many JS task names one pool can register (their stats slots are reserved up front).
pub const MAX_TASKS: usize = 256;

/// Every pool's dispatcher, by key: a worker thread finds its pool's through this.
static DISPATCHERS: LazyLock<Mutex<HashMap<u64, Arc<Dispatcher>>>> = LazyLock::new(Default::default);
static NEXT_KEY: AtomicU64 = AtomicU64::new(1);

fn dispatcher(key: f64) -> Option<Arc<Dispatcher>> {
  DISPATCHERS.lock().unwrap_or_else(|e| e.into_inner()).get(&(key as u64)).cloned()
}

fn forget_dispatcher(key: u64) {
  let removed = DISPATCHERS.lock().unwrap_or_else(|e| e.into_inner()).remove(&key);
  if let Some(dispatcher) = removed {
    dispatcher.close();
  }
}

/// The pool's environment is going away: tasks waiting for a worker settle now, and none waits
/// for a worker that Node is stopping itself.
unsafe extern "C" fn on_pool_env_teardown(arg: *mut c_void) {
  forget_dispatcher(arg as u64);
}

/// Queues JS task `task` (0-based among the JS tasks) with its serialized input. Returns its id,
/// or an Error with `code` if it was refused, like `submitTo`.
#[napi]
pub fn submit_js_to(
  env: Env,
  pool_key: u32,
  key: f64,
  task: u32,
  input: BufferSlice,
  priority: crate::TaskPriority,
  timeout_ms: f64,
) -> Result<Unknown<'static>> {
  let (Some(bridge), Some(dispatcher)) = (crate::surface::pool_by_key(pool_key), dispatcher(key)) else {
    return error_value(&env, "ERR_POOL_CLOSED", "the pool is closed");
  };
  let input = input.to_vec();
  let priority = Priority::from(priority);
  let timeout = crate::surface::timeout_of(timeout_ms);
  let index = crate::tasks::registry().len() + task as usize;
  let work = Box::new(JsWork { dispatcher: dispatcher.clone(), task, input });
  let submitted = bridge.borrow_mut().submit_external(index, priority, timeout, work, &|| dispatcher.wake_idle());
  submitted_value(&env, submitted)
}

#[napi]
impl NativePool {
  /// Makes this pool able to run JS tasks; returns the key that its workers attach with.
  #[napi]
  pub fn enable_js_tasks(&self, env: Env) -> f64 {
    let key = NEXT_KEY.fetch_add(1, Ordering::Relaxed);
    let engine = self.bridge.borrow().engine().clone();
    DISPATCHERS.lock().unwrap_or_else(|e| e.into_inner()).insert(key, Arc::new(Dispatcher::new(engine)));
    // SAFETY: registered on this env's thread; the argument is a plain number, not a pointer, so
    // the hook is sound whenever it runs (after `close_js_tasks` it finds nothing to do).
    unsafe { sys::napi_add_env_cleanup_hook(env.raw(), Some(on_pool_env_teardown), key as *mut c_void) };
    key as f64
  }

  /// `[worker index, ms it has run]` for a running JS task, or nothing: for the grace timer.
  #[napi]
  pub fn js_running(&self, key: f64, id: f64) -> Option<Vec<f64>> {
    let (index, elapsed) = dispatcher(key)?.running(id as u64)?;
    Some(vec![index as f64, elapsed.as_secs_f64() * 1000.0])
  }

  /// Task `id` was aborted or timed out: fire the 'abort' event of its signal in its worker.
  #[napi]
  pub fn js_signal(&self, key: f64, id: f64) {
    if let Some(dispatcher) = dispatcher(key) {
      dispatcher.signal(id as u64);
    }
  }

  /// The main thread saw worker `index` exit with `code`; `error` says why if it never started.
  #[napi]
  pub fn js_worker_exited(&self, key: f64, index: u32, code: i32, error: String) {
    if let Some(dispatcher) = dispatcher(key) {
      dispatcher.worker_exited(index, code, error);
    }
  }

  /// No more JS tasks: tasks still waiting for a worker settle as closed. Idempotent.
  #[napi]
  pub fn close_js_tasks(&self, key: f64) {
    forget_dispatcher(key as u64);
  }
}

/// The native half of one JS worker: its mailbox and the wake-up into its event loop.
/// Invariant: lives on that worker's thread; the wake-up is released once, by `retire` or by
/// the environment's teardown.
#[napi]
pub struct JsWorkerPort {
  dispatcher: Arc<Dispatcher>,
  slot: Arc<Slot>,
  tsfn: usize,
  key: u32,
}

/// What a port's per-task functions need: its pool's dispatcher and its own slot.
type PortParts = (Arc<Dispatcher>, Arc<Slot>);

thread_local! {
  /// This worker thread's ports, for `takeTask` and `resolveTask` (see keyed.rs).
  static PORTS: Keyed<PortParts> = Keyed::new();
}

impl Drop for JsWorkerPort {
  fn drop(&mut self) {
    // `try_with`: at thread exit the registry may be gone already.
    let _ = PORTS.try_with(|ports| ports.remove(self.key));
  }
}

/// The next task for the worker whose port has `port_key`: one a pool thread handed over, or the
/// next queued JS task if the budget has room; else nothing. Never blocks. An input that fits in
/// `inbox` is copied there after its length (4 bytes, little-endian) and the task's index is
/// returned; a larger one comes back as `[task index, input Buffer]`.
#[napi]
pub fn take_task(env: Env, port_key: u32, mut inbox: BufferSlice) -> Result<Option<Unknown<'static>>> {
  let taken = PORTS.with(|ports| ports.with(port_key, |(dispatcher, slot)| dispatcher.take(slot))).flatten();
  let Some((task, input)) = taken else {
    return Ok(None);
  };
  let js = js_of(&env);
  let index = js.number(task as f64).map_err(failure)?;
  // V8's format in the plain form where V8 wrote plain data that plain.js would not (a class
  // instance), here on the worker's thread.
  let input = plain::v8_to_plain(&input).unwrap_or(input);
  let value = match inbox.get_mut(..4 + input.len()) {
    Some(area) => {
      area[..4].copy_from_slice(&(input.len() as u32).to_le_bytes());
      area[4..].copy_from_slice(&input);
      index
    }
    None => {
      let pair = js.array(2).map_err(failure)?;
      js.set_element(pair, 0, index).map_err(failure)?;
      js.set_element(pair, 1, js.buffer(input).map_err(failure)?).map_err(failure)?;
      pair
    }
  };
  // SAFETY: a value just created in this callback's env.
  Ok(Some(unsafe { Unknown::from_raw_unchecked(env.raw(), value) }))
}

/// The serialized result of the task that the worker whose port has `port_key` is running; in
/// the plain format when that is exact (plain.rs), for the main thread to read with plain.js.
#[napi]
pub fn resolve_task(port_key: u32, result: BufferSlice) {
  let bytes = plain::v8_to_plain(&result).unwrap_or_else(|| result.to_vec());
  report_to(port_key, Report::Value(Output::Buffer(bytes)));
}

/// `bytes` in V8's format rewritten in the plain format, or null where that would not give the
/// same value: what `takeTask` and `resolveTask` do to inputs and results. For tests.
#[napi]
pub fn plain_of_v8(bytes: BufferSlice) -> Option<Buffer> {
  plain::v8_to_plain(&bytes).map(Buffer::from)
}

/// The result of that task when it crosses as itself (lib/js-tasks/codec.js's `crossesAsItself`):
/// undefined, null, a boolean, a number or a string. The main thread gets it with no Buffer to
/// decode.
#[napi]
pub fn resolve_task_plain(env: Env, port_key: u32, result: Unknown) -> Result<()> {
  let js = js_of(&env);
  let value = result.raw();
  let output = match js.kind(value).map_err(failure)? {
    Kind::Undefined => Output::Undefined,
    Kind::Null => Output::Null,
    Kind::Boolean => Output::Bool(js.to_bool(value).map_err(failure)?),
    Kind::Number => Output::Number(js.to_f64(value).map_err(failure)?),
    Kind::String => Output::Utf16(js.to_utf16(value).map_err(failure)?),
    _ => return Err(Error::new(Status::InvalidArg, "result must be undefined, null, a boolean, a number or a string")),
  };
  report_to(port_key, Report::Value(output));
  Ok(())
}

fn report_to(port_key: u32, report: Report) {
  PORTS.with(|ports| ports.with(port_key, |(dispatcher, slot)| dispatcher.report(slot, report)));
}

/// What the worker's environment teardown hook owns.
struct Attached {
  dispatcher: Arc<Dispatcher>,
  slot: Arc<Slot>,
  tsfn: usize,
}

unsafe extern "C" fn on_worker_env_teardown(arg: *mut c_void) {
  // SAFETY: `arg` is the Box that `JsWorkerPort::new` leaked for this hook, which runs once.
  let attached = unsafe { Box::from_raw(arg as *mut Attached) };
  if attached.dispatcher.detach(&attached.slot).is_some() {
    // Not retired: release the wake-up now that no pool thread can call it.
    // SAFETY: the slot no longer hands out the function, and this is its only release.
    unsafe {
      sys::napi_release_threadsafe_function(attached.tsfn as sys::napi_threadsafe_function, sys::ThreadsafeFunctionReleaseMode::abort)
    };
  }
}

fn stop_code(error: &TaskError) -> &'static str {
  if matches!(error, TaskError::TimedOut) {
    "ERR_TASK_TIMEOUT"
  } else {
    "ABORT_ERR"
  }
}

/// The codes a worker may report; anything else is reported as a thrown error.
fn report_code(code: &str) -> &'static str {
  match code {
    "ERR_TASK_RESULT" => "ERR_TASK_RESULT",
    "ERR_TASK_LOAD" => "ERR_TASK_LOAD",
    _ => "ERR_JS_THROWN",
  }
}

#[napi]
impl JsWorkerPort {
  /// Attaches worker `index` to the pool with `key`; `on_wake()` runs in this worker's event loop
  /// whenever a pool thread hands it a task while it sleeps, or aborts its task.
  #[napi(constructor)]
  pub fn new(env: Env, key: f64, index: u32, on_wake: Unknown) -> Result<Self> {
    let Some(dispatcher) = dispatcher(key) else {
      return Err(Error::new(Status::GenericFailure, "the pool is closed".to_string()));
    };
    let js = js_of(&env);
    let name = js.string("corepool-js-worker").map_err(failure)?;
    let mut tsfn = ptr::null_mut();
    // SAFETY: a live env on its own thread and a function from index.js's worker script; no
    // context or finalizer, and the default call (`on_wake()` with no arguments).
    let status = unsafe {
      sys::napi_create_threadsafe_function(
        env.raw(),
        on_wake.raw(),
        ptr::null_mut(),
        name,
        0,
        1,
        ptr::null_mut(),
        None,
        ptr::null_mut(),
        None,
        &mut tsfn,
      )
    };
    if status != sys::Status::napi_ok {
      return Err(failure(crate::js::JsFailure(status)));
    }
    let tsfn = tsfn as usize;
    let slot = dispatcher.attach(
      index,
      Box::new(move || {
        // SAFETY: the slot calls this only while it holds the wake-up, which it gives up (under its
        // lock) before the function is released; a call racing teardown gets `napi_closing`.
        unsafe {
          sys::napi_call_threadsafe_function(
            tsfn as sys::napi_threadsafe_function,
            ptr::null_mut(),
            sys::ThreadsafeFunctionCallMode::nonblocking,
          )
        };
      }),
    );
    let attached = Box::into_raw(Box::new(Attached { dispatcher: dispatcher.clone(), slot: slot.clone(), tsfn }));
    // SAFETY: registered after the threadsafe function, so it runs before N-API tears that down;
    // `attached` is freed by the hook, which runs exactly once.
    unsafe { sys::napi_add_env_cleanup_hook(env.raw(), Some(on_worker_env_teardown), attached as *mut c_void) };
    let key = PORTS.with(|ports| ports.insert((dispatcher.clone(), slot.clone())));
    Ok(JsWorkerPort { dispatcher, slot, tsfn, key })
  }

  /// What `takeTask` and `resolveTask` name this port by.
  #[napi(getter)]
  pub fn key(&self) -> u32 {
    self.key
  }

  /// The task failed: `code` is ERR_JS_THROWN (message: the error as JSON), ERR_TASK_RESULT or
  /// ERR_TASK_LOAD.
  #[napi]
  pub fn reject(&self, code: String, message: String) {
    self.dispatcher.report(&self.slot, Report::Failed { code: report_code(&code), message });
  }

  /// The worker stops spinning; false if a task arrived meanwhile (take it instead).
  #[napi]
  pub fn sleep(&self) -> bool {
    self.dispatcher.sleep(&self.slot)
  }

  /// What `signal.aborted` reads: the running task was aborted or timed out.
  #[napi]
  pub fn aborted(&self) -> bool {
    self.slot.stop_reason().is_some()
  }

  /// 'ABORT_ERR' or 'ERR_TASK_TIMEOUT' when the running task was told to stop.
  #[napi]
  pub fn stop_reason(&self) -> Option<String> {
    self.slot.stop_reason().map(|error| stop_code(&error).to_string())
  }

  /// Records the code this worker is exiting with (from `process.on('exit')`).
  #[napi]
  pub fn exiting(&self, code: i32) {
    self.slot.set_exit_code(code);
  }

  /// An idle worker stops taking tasks and lets its event loop end; false if a task arrived.
  #[napi]
  pub fn retire(&self) -> bool {
    if self.dispatcher.retire(&self.slot).is_none() {
      return false;
    }
    // SAFETY: on the worker's thread; the slot gave up the wake-up, so no pool thread calls it,
    // and the teardown hook sees it gone and does not release it again.
    unsafe {
      sys::napi_release_threadsafe_function(self.tsfn as sys::napi_threadsafe_function, sys::ThreadsafeFunctionReleaseMode::release);
    }
    true
  }

  /// Whether the worker still takes tasks.
  #[napi]
  pub fn attached(&self) -> bool {
    self.slot.is_attached()
  }
}
