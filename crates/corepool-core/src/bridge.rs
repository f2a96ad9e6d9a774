//! The JS-thread side of one pool: the wake-up that drains completions into one JS callback,
//! the references that keep borrowed inputs alive, and teardown with the environment.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::c_void;
use std::ptr;
use std::rc::Rc;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use napi::sys;

use crate::files;
use crate::js::{output_to_js, ErrorList, Js, JsFailure, JsResult};
use crate::pool::{CancelOutcome, Engine, EngineConfig, EngineError, ExternalWork, Output, Priority, Stages, SubmitError, Work};
use crate::tasks::{prepare_many, registry, BatchMode, TaskArgs};

/// One pool as the JS thread sees it. Invariant: only touched on the JS thread of `env`; it
/// outlives its threadsafe function, which owns one `Rc` to it until its finalizer runs.
pub struct Bridge {
  engine: Arc<Engine>,
  env: sys::napi_env,
  /// The pool-wide wake-up; null once released.
  tsfn: sys::napi_threadsafe_function,
  /// `onSettle(ids, values, errors)`: the JS function that settles a batch; null once shut down.
  on_settle: sys::napi_ref,
  /// Input objects that running or queued tasks borrow memory from, by task id.
  kept: HashMap<u64, Vec<sys::napi_ref>>,
  /// Tasks submitted whose settlement JS has not yet received; the wake-up holds the event loop
  /// open exactly while this is non-zero.
  pending: usize,
  /// JS polls the outbox and holds the wake-up off (`poll` with `hold`): a wake-up that arrives
  /// meanwhile (one sent before the hold began) takes its batch without ending the hold.
  polling: bool,
  /// Whether the environment cleanup hook is still registered (holding one `Rc`).
  hook_registered: bool,
}

pub type SharedBridge = Rc<RefCell<Bridge>>;

/// Why a pool's native half could not be built.
pub enum CreateError {
  /// The engine's threads could not start.
  Engine(EngineError),
  /// An N-API call failed.
  Js(JsFailure),
}

impl From<JsFailure> for CreateError {
  fn from(failure: JsFailure) -> Self {
    CreateError::Js(failure)
  }
}

/// The code of a task whose result could not become a JS value; its promise rejects with it.
const RESULT_NOT_CONVERTED: &str = "ERR_RESULT_CONVERSION";

/// The result of `submit`, for the surface to turn into a JS value.
pub enum Submitted {
  Id(u64),
  Refused { code: String, message: String },
}

impl Bridge {
  /// # Safety
  /// `env` must be the env of the callback now running on this thread; `on_settle` a function.
  pub unsafe fn create(js: Js, config: EngineConfig, on_settle: sys::napi_value) -> Result<SharedBridge, CreateError> {
    let tsfn_cell: Arc<OnceLock<usize>> = Arc::new(OnceLock::new());
    let wake_cell = tsfn_cell.clone();
    let wake = Box::new(move || {
      if let Some(&tsfn) = wake_cell.get() {
        // SAFETY: the engine calls `wake` only while tasks are in flight, and `shutdown` waits
        // for every in-flight task before the threadsafe function is released; a call that
        // loses a race with env teardown gets `napi_closing`, which is harmless.
        unsafe {
          sys::napi_call_threadsafe_function(
            tsfn as sys::napi_threadsafe_function,
            ptr::null_mut(),
            sys::ThreadsafeFunctionCallMode::nonblocking,
          );
        }
      }
    });
    let engine = Engine::new(config, wake).map_err(CreateError::Engine)?;
    let bridge = Rc::new(RefCell::new(Bridge {
      engine,
      env: js.raw(),
      tsfn: ptr::null_mut(),
      on_settle: js.reference(on_settle)?,
      kept: HashMap::new(),
      pending: 0,
      polling: false,
      hook_registered: false,
    }));
    let context = Rc::into_raw(bridge.clone()) as *mut c_void;
    let name = js.string("corepool")?;
    let mut tsfn = ptr::null_mut();
    // SAFETY: a live env on its own thread; `context` is an `Rc` released by `release_context`
    // exactly once, when N-API finalizes the threadsafe function.
    let status = unsafe {
      sys::napi_create_threadsafe_function(
        js.raw(),
        ptr::null_mut(),
        ptr::null_mut(),
        name,
        0,
        1,
        context,
        Some(release_context),
        context,
        Some(deliver),
        &mut tsfn,
      )
    };
    if status != sys::Status::napi_ok {
      // SAFETY: creation failed, so the finalizer will never release this `Rc`; do it once here.
      drop(unsafe { Rc::from_raw(context as *const RefCell<Bridge>) });
      return Err(JsFailure(status).into());
    }
    let _ = tsfn_cell.set(tsfn as usize);
    // SAFETY: a live env on its own thread and the threadsafe function just created on it.
    unsafe { sys::napi_unref_threadsafe_function(js.raw(), tsfn) };
    bridge.borrow_mut().tsfn = tsfn;
    // Registered after the threadsafe function, so that it runs before N-API's own teardown of it
    // (cleanup hooks run in reverse order).
    let hook_arg = Rc::into_raw(bridge.clone()) as *mut c_void;
    // SAFETY: `hook_arg` is an `Rc` released exactly once: by `on_env_teardown` or `shutdown`.
    unsafe { sys::napi_add_env_cleanup_hook(js.raw(), Some(on_env_teardown), hook_arg) };
    bridge.borrow_mut().hook_registered = true;
    Ok(bridge)
  }

  pub fn engine(&self) -> &Arc<Engine> {
    &self.engine
  }

  pub fn env_raw(&self) -> sys::napi_env {
    self.env
  }

  /// Validates the arguments with the task's own `prepare`, then queues the work. With `many`,
  /// `input` is an array and every element becomes one item of a single batch job.
  #[allow(clippy::too_many_arguments)]
  pub fn submit(
    &mut self,
    js: Js,
    task: usize,
    input: sys::napi_value,
    options: Option<sys::napi_value>,
    priority: Priority,
    timeout: Option<Duration>,
    many: Option<BatchMode>,
  ) -> Submitted {
    let Some(def) = registry().get(task) else {
      return Submitted::Refused { code: "ERR_UNKNOWN_TASK".into(), message: format!("no task has the index {task}") };
    };
    let (mut keep, mut files) = (Vec::new(), Vec::new());
    let prepared = match many {
      None => (def.prepare)(&mut TaskArgs::new(js, input, options, &mut keep, &mut files)),
      Some(mode) => prepare_many(def, js, input, options, mode, &mut keep, &mut files),
    };
    let staged = prepared.and_then(|work| {
      let destination = match options {
        Some(options) => TaskArgs::new(js, input, Some(options), &mut Vec::new(), &mut Vec::new()).destination()?,
        None => None,
      };
      Ok((work, files::stages(files, destination)?))
    });
    let (work, stages) = match staged {
      Ok(staged) => staged,
      Err(error) => return Submitted::Refused { code: error.code().into(), message: error.to_string() },
    };
    self.submit_work(js, task, priority, timeout, work, stages, keep)
  }

  /// Queues work already prepared (a kernel's, or a JS task's hand-off), keeping `keep` alive
  /// until it settles.
  #[allow(clippy::too_many_arguments)]
  pub fn submit_work(
    &mut self,
    js: Js,
    task: usize,
    priority: Priority,
    timeout: Option<Duration>,
    work: Work,
    stages: Stages,
    keep: Vec<sys::napi_value>,
  ) -> Submitted {
    // The references come first: a task must never run over memory that nothing keeps alive.
    let refs = match self.reference_all(js, &keep) {
      Ok(refs) => refs,
      Err(_) => {
        return Submitted::Refused { code: "ERR_INPUT_NOT_KEPT".into(), message: "the input could not be kept alive for the task".into() }
      }
    };
    let submitted = self.engine.submit_staged(task, priority, timeout, work, stages);
    match submitted {
      Ok(id) if !refs.is_empty() => drop(self.kept.insert(id, refs)),
      Ok(_) => {}
      Err(_) => refs.iter().for_each(|&reference| js.unref(reference)),
    }
    self.count_submitted(submitted)
  }

  /// Queues work that a thread outside the pool may run (a user JS task); see `submit_work`.
  pub fn submit_external(
    &mut self,
    task: usize,
    priority: Priority,
    timeout: Option<Duration>,
    work: Box<dyn ExternalWork>,
    wake_poller: &dyn Fn() -> bool,
  ) -> Submitted {
    let submitted = self.engine.submit_external(task, priority, timeout, work, wake_poller);
    self.count_submitted(submitted)
  }

  /// Counts an accepted task as pending (the wake-up holds the loop open), or says why not.
  fn count_submitted(&mut self, submitted: Result<u64, SubmitError>) -> Submitted {
    match submitted {
      Ok(id) => {
        self.pending += 1;
        if self.pending == 1 && !self.tsfn.is_null() {
          // SAFETY: JS thread of `env`; the threadsafe function is live (not null).
          unsafe { sys::napi_ref_threadsafe_function(self.env, self.tsfn) };
        }
        Submitted::Id(id)
      }
      Err(SubmitError::QueueFull) => Submitted::Refused {
        code: "ERR_QUEUE_FULL".into(),
        // Refused because this many wait (queued, or loading their input): the limit itself.
        message: format!("the task queue is full ({} queued); wait for 'drain'", self.engine.max_queue()),
      },
      Err(SubmitError::Closed) => Submitted::Refused { code: "ERR_POOL_CLOSED".into(), message: "the pool is closed".into() },
    }
  }

  /// One strong reference per value, or none: on a failure the ones made are deleted again.
  fn reference_all(&self, js: Js, values: &[sys::napi_value]) -> JsResult<Vec<sys::napi_ref>> {
    let mut refs = Vec::with_capacity(values.len());
    for &value in values {
      match js.reference(value) {
        Ok(reference) => refs.push(reference),
        Err(failure) => {
          js.clear_exception();
          refs.into_iter().for_each(|reference| js.unref(reference));
          return Err(failure);
        }
      }
    }
    Ok(refs)
  }

  /// Cancels one task. `Removed` means JS must settle it now: no completion will come.
  pub fn cancel(&mut self, js: Js, id: u64) -> CancelOutcome {
    let outcome = self.engine.cancel(id);
    if outcome == CancelOutcome::Removed {
      self.forget(js, &[id]);
    }
    outcome
  }

  /// Removes every queued task; JS must settle the returned ids itself.
  pub fn cancel_queued(&mut self, js: Js) -> Vec<u64> {
    let ids = self.engine.cancel_queued();
    self.forget(js, &ids);
    ids
  }

  /// Drops what tasks that JS settles itself still hold.
  fn forget(&mut self, js: Js, ids: &[u64]) {
    for id in ids {
      for reference in self.kept.remove(id).unwrap_or_default() {
        js.unref(reference);
      }
    }
    self.settled(ids.len());
  }

  fn settled(&mut self, count: usize) {
    self.pending -= count.min(self.pending);
    if self.pending == 0 && count > 0 && !self.tsfn.is_null() {
      // SAFETY: JS thread of `env`; the threadsafe function is live (not null).
      unsafe { sys::napi_unref_threadsafe_function(self.env, self.tsfn) };
    }
  }

  /// Stops the engine (waiting for running tasks), then lets go of the wake-up and the hook.
  /// Idempotent. Returns the ids of tasks removed from the queue, which JS must settle.
  pub fn shutdown(this: &SharedBridge, js: Js) -> Vec<u64> {
    let engine = this.borrow().engine.clone();
    let removed = engine.shutdown();
    let mut bridge = this.borrow_mut();
    bridge.forget(js, &removed);
    bridge.release(sys::ThreadsafeFunctionReleaseMode::release);
    if bridge.hook_registered {
      bridge.hook_registered = false;
      let arg = Rc::as_ptr(this) as *mut c_void;
      // SAFETY: the same function and argument that `create` registered, on the env's thread;
      // the hook's `Rc` is released here instead of by the hook.
      unsafe {
        sys::napi_remove_env_cleanup_hook(bridge.env, Some(on_env_teardown), arg);
        drop(Rc::from_raw(arg as *const RefCell<Bridge>));
      }
    }
    removed
  }

  fn release(&mut self, mode: sys::napi_threadsafe_function_release_mode) {
    if !self.tsfn.is_null() {
      // SAFETY: the engine is shut down, so no pool thread calls the function any more; this is
      // the only release of the one thread count `create` acquired.
      unsafe { sys::napi_release_threadsafe_function(self.tsfn, mode) };
      self.tsfn = ptr::null_mut();
    }
    if !self.on_settle.is_null() {
      // SAFETY: JS thread of `env`, and the reference was created on it.
      unsafe { sys::napi_delete_reference(self.env, self.on_settle) };
      self.on_settle = ptr::null_mut();
    }
  }

  /// Settles the completions so far through `onSettle`, for a JS thread that polls instead of
  /// waiting for the wake-up: with `hold`, no completion wakes it until it polls without.
  pub fn poll(this: &SharedBridge, js: Js, hold: bool) {
    this.borrow_mut().polling = hold;
    settle_batch(this, js, if hold { Take::Polled } else { Take::EndPoll });
  }

  /// Builds the arguments of `onSettle(ids, values, errors)` for one batch: `ids` a Float64Array;
  /// `values` an array (index-aligned with `ids`) or undefined when every value is undefined;
  /// `errors` written by `ErrorList` (read by lib/settle.js). Every completion taken here settles:
  /// one whose result cannot become a JS value rejects with `ERR_RESULT_CONVERSION`.
  fn take_batch(&mut self, js: Js, take: Take) -> JsResult<Option<[sys::napi_value; 4]>> {
    if self.on_settle.is_null() {
      return Ok(None);
    }
    let outbox = self.engine.outbox();
    let batch = match take {
      Take::Polled => outbox.take_polled(),
      // Not `take_batch` while JS polls: it would re-arm the wake-up, and every completion
      // until the poll ends would call the threadsafe function again, each re-arming it anew.
      Take::Woken if self.polling => outbox.take_polled(),
      Take::Woken | Take::EndPoll => outbox.take_batch(),
    };
    // When woken, an empty batch still calls `onSettle`: the engine wakes JS without a
    // completion when the queue falls below maxQueue, for its 'drain'. A poll's caller checks
    // for 'drain' itself.
    if batch.is_empty() && take != Take::Woken {
      return Ok(None);
    }
    // Taken from the outbox: from here on these tasks are JS's to settle. A failed conversion
    // rejects its own task; only failing to create the batch's arrays (no memory) loses it.
    self.settled(batch.len());
    let undefined = js.undefined()?;
    let mut values = undefined;
    let mut errors = ErrorList::new(js);
    let count = batch.len();
    let mut ids = Vec::with_capacity(count);
    for (index, completion) in batch.into_iter().enumerate() {
      ids.push(completion.id as f64);
      let kept = self.kept.remove(&completion.id).unwrap_or_default();
      let failure = match completion.result {
        Ok(Output::Undefined) => None,
        Ok(output) => {
          let input = kept.first().and_then(|reference| js.reference_value(*reference).ok());
          let set = output_to_js(js, output, input).and_then(|value| {
            if values == undefined {
              values = js.array(count)?;
            }
            js.set_element(values, index as u32, value)
          });
          match set {
            Ok(()) => None,
            Err(_) => {
              js.clear_exception();
              Some((RESULT_NOT_CONVERTED.to_string(), "the task's result could not be converted to a JS value".to_string()))
            }
          }
        }
        Err(error) => Some((error.code().to_string(), error.to_string())),
      };
      for reference in kept {
        js.unref(reference);
      }
      if let Some((code, message)) = failure {
        errors.push(index as u32, &code, &message)?;
      }
    }
    let ids = js.typed_array(sys::TypedarrayType::float64_array, ids)?;
    Ok(Some([js.reference_value(self.on_settle)?, ids, values, errors.finish()?]))
  }
}

/// How the JS thread takes a batch (`Outbox::take_batch`, `Outbox::take_polled`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Take {
  /// By the wake-up.
  Woken,
  /// By a JS thread that polls, and holds the wake-up off meanwhile.
  Polled,
  /// By a JS thread that stops polling: completions wake it again.
  EndPoll,
}

/// The threadsafe function's JS-thread callback: settles one batch through `onSettle`.
unsafe extern "C" fn deliver(env: sys::napi_env, _callback: sys::napi_value, context: *mut c_void, _data: *mut c_void) {
  if env.is_null() {
    return; // the function is being torn down; nothing can be settled now
  }
  // SAFETY: N-API calls this on the env's JS thread; `context` is the `Rc` the function owns
  // until `release_context`, which runs after the last `deliver`.
  let (js, bridge) = unsafe { (Js::from_raw(env), &*(context as *const RefCell<Bridge>)) };
  settle_batch(bridge, js, Take::Woken);
}

/// Takes a batch and settles it through `onSettle`: by the wake-up or by a polling JS thread.
fn settle_batch(bridge: &RefCell<Bridge>, js: Js, take: Take) {
  // The borrow ends before JS runs: `onSettle` may call back into the pool.
  let taken = bridge.borrow_mut().take_batch(js, take);
  if let Ok(Some([on_settle, ids, values, errors])) = taken {
    let _ = js.call(on_settle, &[ids, values, errors]);
  }
}

unsafe extern "C" fn release_context(_env: sys::napi_env, data: *mut c_void, _hint: *mut c_void) {
  // SAFETY: `data` is the `Rc` that `create` gave the threadsafe function; finalized once.
  drop(unsafe { Rc::from_raw(data as *const RefCell<Bridge>) });
}

/// The environment is going away (worker terminated, process exiting): stop the threads before
/// any memory they borrow is freed. No JS can run now, so pending promises are not settled.
unsafe extern "C" fn on_env_teardown(arg: *mut c_void) {
  // SAFETY: `arg` is the `Rc` registered by `create`; the hook runs once and `shutdown` removed
  // it if it ran first, so this is the only release.
  let bridge = unsafe { Rc::from_raw(arg as *const RefCell<Bridge>) };
  let engine = bridge.borrow().engine.clone();
  engine.shutdown();
  let mut inner = bridge.borrow_mut();
  inner.hook_registered = false;
  inner.release(sys::ThreadsafeFunctionReleaseMode::abort);
}
