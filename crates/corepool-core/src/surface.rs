//! The N-API surface of corepool-core: the `NativePool` class and the functions every addon
//! built on it exports. Only `#[napi]` items live here: the engine is in `pool/`, the JS-thread
//! plumbing in `bridge.rs`; the kernels are the addon's. corepool's `index.js` wraps all of this.

#![deny(clippy::undocumented_unsafe_blocks)]

use std::time::Duration;

use napi::bindgen_prelude::*;
use napi::sys;
use napi_derive::napi;

use crate::bridge::{self, Bridge, SharedBridge, Submitted};
use crate::keyed::Keyed;
use crate::tasks::{self, BatchMode};
use crate::{js, js_tasks, pool};
use js::{Js, Kind};
use pool::{CancelOutcome, EngineConfig, Priority, SchedulingPolicy, Summary, ThreadScheduling, TimingsSnapshot, EXPORT_BOUNDS_NANOS};

/// A registered task, as `lib/pool.js` sees it.
#[napi(object)]
pub struct TaskInfo {
  pub name: String,
  /// The `exec` options the task reads, besides the pool's own.
  pub options: Vec<String>,
}

/// Every registered task; a task's index in this list is its id in `submit`.
#[napi]
pub fn tasks() -> Vec<TaskInfo> {
  tasks::registry()
    .iter()
    .map(|def| TaskInfo { name: def.name.to_string(), options: def.options.iter().map(|name| name.to_string()).collect() })
    .collect()
}

/// What an error message says it got, such as `'x'`, `1n` or `an instance of Map`: the one
/// wording both languages use.
#[napi(ts_args_type = "value: unknown")]
pub fn describe(env: Env, value: Unknown) -> String {
  js_of(&env).describe(value.raw())
}

/// The cores this process may really use: respects CPU affinity and cgroup quota (num_cpus).
#[napi]
pub fn available_cores() -> u32 {
  num_cpus::get() as u32
}

/// A pool's settings as `lib/options.js` validated them; docs/adding-an-option.md lists where
/// an option lives.
#[napi(object)]
pub struct PoolConfig {
  pub threads: u32,
  pub spin_micros: u32,
  /// `Infinity` for no limit.
  pub max_queue: f64,
  pub nice_increment: u32,
  pub scheduling_policy: ThreadPolicy,
  /// Whether queue wait and run time are measured (histograms, utilization).
  pub record_timings: bool,
}

/// `schedulingPolicy` of a pool: its threads' Linux scheduling policy.
#[napi(string_enum = "lowercase")]
pub enum ThreadPolicy {
  Normal,
  Batch,
  Idle,
}

impl From<ThreadPolicy> for SchedulingPolicy {
  fn from(policy: ThreadPolicy) -> Self {
    match policy {
      ThreadPolicy::Normal => SchedulingPolicy::Normal,
      ThreadPolicy::Batch => SchedulingPolicy::Batch,
      ThreadPolicy::Idle => SchedulingPolicy::Idle,
    }
  }
}

/// `options.priority` of a task.
#[napi]
pub enum TaskPriority {
  High,
  Normal,
  Low,
}

impl From<TaskPriority> for Priority {
  fn from(priority: TaskPriority) -> Self {
    match priority {
      TaskPriority::High => Priority::High,
      TaskPriority::Normal => Priority::Normal,
      TaskPriority::Low => Priority::Low,
    }
  }
}

/// What `submit` does with its input: one task, or an `execMany` batch that fails as a whole
/// (`All`) or settles item by item (`Settled`).
#[napi]
pub enum SubmitMode {
  Single,
  All,
  Settled,
}

/// What `cancel` found.
#[napi]
pub enum Cancelled {
  /// Already settled (or never existed): nothing to do.
  AlreadySettled,
  /// Removed from the queue without running: the caller settles its promise.
  Removed,
  /// Running: told to stop at its next cancellation check; it settles through `onSettle`.
  Signalled,
}

/// One set of counters; once drained, completed + failed + cancelled = submitted.
#[napi(object)]
pub struct Counters {
  pub submitted: f64,
  pub completed: f64,
  pub failed: f64,
  pub cancelled: f64,
}

/// The counters of one task name that was submitted at least once.
#[napi(object)]
pub struct TaskCounters {
  /// Its index: a kernel's in `tasks()`, or past them, a user JS task's (lib/js-tasks/).
  pub index: u32,
  /// A kernel's name; empty for a user JS task, which lib/js-tasks/ names.
  pub name: String,
  pub counters: Counters,
}

#[napi(object)]
pub struct NativeStats {
  pub threads: u32,
  pub active: u32,
  pub queued: u32,
  pub total: Counters,
  pub tasks: Vec<TaskCounters>,
}

impl From<pool::CountersSnapshot> for Counters {
  fn from(c: pool::CountersSnapshot) -> Self {
    Counters { submitted: c.submitted as f64, completed: c.completed as f64, failed: c.failed as f64, cancelled: c.cancelled as f64 }
  }
}

/// One pool's native half. `lib/` validates every argument before calling in.
#[napi]
pub struct NativePool {
  pub(crate) bridge: SharedBridge,
  key: u32,
}

thread_local! {
  /// This thread's pools, for the calls made once per task (see keyed.rs).
  static POOLS: Keyed<SharedBridge> = Keyed::new();
}

/// The pool with `key` on this thread, or none once it has been dropped.
pub(crate) fn pool_by_key(key: u32) -> Option<SharedBridge> {
  POOLS.with(|pools| pools.with(key, SharedBridge::clone))
}

pub(crate) fn js_of(env: &Env) -> Js {
  // SAFETY: napi-rs passes the env of the callback now running on this thread.
  unsafe { Js::from_raw(env.raw()) }
}

/// Queues a task on the pool with `pool_key`. Returns its id (a number), or an Error with `code`
/// if it was refused; it never throws for a refused task.
#[napi(ts_return_type = "number | Error & { code: string }")]
#[allow(clippy::too_many_arguments)]
pub fn submit_to<'env>(
  env: &'env Env,
  pool_key: u32,
  task: u32,
  input: Unknown,
  options: Unknown,
  priority: TaskPriority,
  timeout_ms: f64,
  mode: SubmitMode,
) -> Result<Unknown<'env>> {
  let js = js_of(env);
  let options = match js.kind(options.raw()) {
    Ok(Kind::Object) => Some(options.raw()),
    _ => None,
  };
  let priority = Priority::from(priority);
  let timeout = timeout_of(timeout_ms);
  let many = match mode {
    SubmitMode::Single => None,
    SubmitMode::All => Some(BatchMode::All),
    SubmitMode::Settled => Some(BatchMode::Settled),
  };
  let Some(bridge) = pool_by_key(pool_key) else {
    return error_value(env, "ERR_POOL_CLOSED", "the pool is closed");
  };
  let submitted = bridge.borrow_mut().submit(js, task as usize, input.raw(), options, priority, timeout, many);
  submitted_value(env, submitted)
}

/// What a submit returns to JS: the task's id, or the Error (with `code`) that refused it.
pub(crate) fn submitted_value(env: &Env, submitted: Submitted) -> Result<Unknown<'static>> {
  match submitted {
    Submitted::Id(id) => {
      let number = js_of(env).number(id as f64).map_err(failure)?;
      // SAFETY: a number just created in this callback's env.
      Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), number) })
    }
    Submitted::Refused { code, message } => error_value(env, &code, &message),
  }
}

/// A task's `timeout` option in ms (0: none) as a Duration.
pub(crate) fn timeout_of(ms: f64) -> Option<Duration> {
  // lib/ bounds the timeout; a value Duration cannot hold still must not panic.
  (ms > 0.0).then(|| Duration::try_from_secs_f64(ms / 1000.0).ok()).flatten()
}

/// An Error with `code`, returned (not thrown) to JS: a refused task.
pub(crate) fn error_value(env: &Env, code: &str, message: &str) -> Result<Unknown<'static>> {
  let error = create_error(js_of(env), code, message).map_err(failure)?;
  // SAFETY: `error` was just created in this callback's env.
  Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), error) })
}

/// Settles what has finished now, instead of waiting for the wake-up, for an event loop that
/// polls (lib/pool.js `#poll`). With `hold`, finished tasks do not wake the event loop until a
/// call without it; the caller must make that call when it stops polling.
#[napi]
pub fn poll_settled(env: Env, pool_key: u32, hold: bool) {
  if let Some(bridge) = pool_by_key(pool_key) {
    Bridge::poll(&bridge, js_of(&env), hold);
  }
}

/// An N-API call that failed where no task is there to reject (the JS layer rethrows it).
pub(crate) fn failure(status: js::JsFailure) -> Error {
  Error::new(Status::GenericFailure, format!("N-API call failed with status {}", status.0))
}

#[napi]
impl NativePool {
  /// `onSettle(ids, values, errors)` settles one batch (the layout: `lib/settle.js`).
  #[napi(constructor)]
  pub fn new(env: Env, config: PoolConfig, on_settle: Unknown) -> Result<Self, String> {
    let config = EngineConfig {
      threads: config.threads as usize,
      spin: Duration::from_micros(config.spin_micros as u64),
      max_queue: if config.max_queue.is_finite() { config.max_queue as usize } else { usize::MAX },
      task_count: tasks::registry().len() + js_tasks::MAX_TASKS,
      scheduling: ThreadScheduling { policy: config.scheduling_policy.into(), nice_increment: config.nice_increment as i32 },
      record_timings: config.record_timings,
    };
    // SAFETY: `env` is this callback's env, and lib/pool.js passes a function as `onSettle`.
    let bridge = unsafe { Bridge::create(js_of(&env), config, on_settle.raw()) }.map_err(|error| match error {
      // The code reaches JS as `err.code`; the message carries the OS error's text.
      bridge::CreateError::Engine(error) => Error::new(error.code().to_string(), error.to_string()),
      bridge::CreateError::Js(status) => Error::new(Status::GenericFailure.as_ref().to_string(), failure(status).reason),
    })?;
    let key = POOLS.with(|pools| pools.insert(bridge.clone()));
    Ok(NativePool { bridge, key })
  }

  /// What `submitTo`, `submitJsTo` and `pollSettled` name this pool by.
  #[napi(getter)]
  pub fn key(&self) -> u32 {
    self.key
  }

  #[napi]
  pub fn cancel(&self, env: Env, id: f64) -> Cancelled {
    match self.bridge.borrow_mut().cancel(js_of(&env), id as u64) {
      CancelOutcome::Unknown => Cancelled::AlreadySettled,
      CancelOutcome::Removed => Cancelled::Removed,
      CancelOutcome::Signalled => Cancelled::Signalled,
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

  /// True while `maxQueue` tasks wait (queued, or loading their input): a submit is refused.
  #[napi]
  pub fn needs_drain(&self) -> bool {
    self.bridge.borrow().engine().needs_drain()
  }

  /// The pool's counters, and those of each task name submitted at least once.
  #[napi]
  pub fn stats(&self) -> NativeStats {
    let stats = self.bridge.borrow().engine().stats();
    let tasks = stats
      .per_task
      .into_iter()
      .enumerate()
      .filter(|(_, counters)| counters.submitted > 0)
      .map(|(index, counters)| TaskCounters { index: index as u32, name: task_name(index), counters: counters.into() })
      .collect();
    NativeStats {
      threads: stats.threads as u32,
      active: stats.active as u32,
      queued: stats.queued as u32,
      total: stats.total.into(),
      tasks,
    }
  }
}

#[napi]
impl NativePool {
  /// Queue wait and run time histograms, per-thread busy time and the queue's high-water mark.
  #[napi]
  pub fn timings(&self) -> PoolTimings {
    let bridge = self.bridge.borrow();
    let metrics = bridge.engine().metrics();
    let busy = metrics.busy();
    let per_task: Vec<(usize, TimingsSnapshot)> =
      (0..tasks::registry().len() + js_tasks::MAX_TASKS).filter_map(|task| Some((task, metrics.task_timings(task)?))).collect();
    let mut pool = TimingsSnapshot::default();
    for (_, timings) in &per_task {
      pool.merge(timings);
    }
    let tasks = per_task
      .iter()
      .map(|(task, timings)| TaskTimings { index: *task as u32, name: task_name(*task), timings: timings_js(timings) })
      .collect();
    PoolTimings {
      enabled: metrics.enabled(),
      elapsed_ms: busy.elapsed_nanos as f64 / 1e6,
      busy_ms: busy.busy_nanos.iter().map(|&nanos| nanos as f64 / 1e6).collect(),
      queue_high_water: metrics.queue_high_water() as f64,
      pool: timings_js(&pool),
      tasks,
    }
  }

  /// Clears the histograms and the high-water mark, and restarts utilization's clock.
  #[napi]
  pub fn reset_timings(&self) {
    self.bridge.borrow().engine().reset_metrics();
  }
}

/// The upper bounds, in seconds, of the cumulative `buckets` in every `HistogramData`.
#[napi]
pub fn histogram_bounds() -> Vec<f64> {
  EXPORT_BOUNDS_NANOS.iter().map(|&nanos| nanos as f64 / 1e9).collect()
}

/// One histogram: durations in ms, `sumSeconds` in s, `buckets` cumulative at `histogramBounds()`.
#[napi(object)]
pub struct HistogramData {
  pub count: f64,
  pub mean: f64,
  pub min: f64,
  pub max: f64,
  pub p50: f64,
  pub p90: f64,
  pub p99: f64,
  pub p999: f64,
  pub sum_seconds: f64,
  pub buckets: Vec<f64>,
}

/// Queue wait (submit to start) and run time (start to end).
#[napi(object)]
pub struct WaitAndRun {
  pub wait: HistogramData,
  pub run: HistogramData,
}

#[napi(object)]
pub struct TaskTimings {
  /// As in `TaskCounters`.
  pub index: u32,
  pub name: String,
  pub timings: WaitAndRun,
}

#[napi(object)]
pub struct PoolTimings {
  /// False when the pool was made with `recordTimings: false`: everything else is then zero.
  pub enabled: bool,
  /// Since the pool started or `resetTimings()`.
  pub elapsed_ms: f64,
  /// Per thread, ms spent running tasks over `elapsedMs`, counting running tasks up to now.
  pub busy_ms: Vec<f64>,
  pub queue_high_water: f64,
  pub pool: WaitAndRun,
  /// Only the tasks that ran at least once.
  pub tasks: Vec<TaskTimings>,
}

/// A kernel's name by index, or "" past the kernels (a user JS task, named in lib/js-tasks/).
fn task_name(index: usize) -> String {
  tasks::registry().get(index).map(|def| def.name.to_string()).unwrap_or_default()
}

fn histogram_js(histogram: &pool::Snapshot) -> HistogramData {
  let Summary { count, mean, min, max, p50, p90, p99, p999, sum_seconds } = histogram.summary();
  let buckets = histogram.cumulative().into_iter().map(|n| n as f64).collect();
  HistogramData { count: count as f64, mean, min, max, p50, p90, p99, p999, sum_seconds, buckets }
}

fn timings_js(timings: &TimingsSnapshot) -> WaitAndRun {
  WaitAndRun { wait: histogram_js(&timings.wait), run: histogram_js(&timings.run) }
}

impl Drop for NativePool {
  fn drop(&mut self) {
    // `try_with`: at thread exit the registry may be gone already.
    let _ = POOLS.try_with(|pools| pools.remove(self.key));
    // Reached only once the pool is unreachable from JS, which `onSettle` prevents until
    // shutdown; shutting down again is a cheap no-op, and covers a pool that never was.
    let env = self.bridge.borrow().env_raw();
    // SAFETY: napi-rs drops a class instance in its finalizer, on the JS thread of `env`.
    Bridge::shutdown(&self.bridge, unsafe { Js::from_raw(env) });
  }
}

pub(crate) fn create_error(js: Js, code: &str, message: &str) -> js::JsResult<sys::napi_value> {
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
