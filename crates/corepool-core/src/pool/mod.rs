//! The engine: a pool's own rayon threads, its priority queue, cancellation and settle-once
//! bookkeeping. Nothing here knows about N-API; see README.md in this folder for the design.

mod cancel;
mod error;
mod histogram;
mod job;
mod metrics;
mod outbox;
mod queue;
mod thread;

use crossbeam_utils::CachePadded;
use std::any::Any;
use std::collections::HashMap;
use std::sync::atomic::{fence, AtomicBool, AtomicI32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, RwLock};
use std::time::{Duration, Instant};

pub use cancel::CancelToken;
pub use error::{EngineError, TaskError};
pub use histogram::{Histogram, Snapshot, Summary, Timings, TimingsSnapshot, EXPORT_BOUNDS_NANOS};
pub use job::{AfterHook, ExternalWork, Output, TaskId, Work};
pub use metrics::{BusySnapshot, Metrics};
pub use outbox::{Completion, CountersSnapshot, Outbox};
pub use queue::{Priority, AGING_LIMIT};
pub use thread::catch_panic;
use thread::{current_cpu, move_off_cpu};
pub use thread::{PoolScheduling, SchedulingPolicy, ThreadScheduling};

/// A thread moves off its submitter's CPU at most this often (`Engine::leave_submitter_cpu`).
/// Linux may wake the event loop on the CPU a worker moved to, so that they share one again: at
/// 10 ms, a JS worker served such streaks of 150 trips or more at 67-68 µs each.
const MOVE_INTERVAL: Duration = Duration::from_millis(1);

thread_local! {
  /// When this thread (a pool thread or a JS worker) last moved off its submitter's CPU.
  static MOVED_AT: std::cell::RefCell<Option<Instant>> = const { std::cell::RefCell::new(None) };
}

use job::{Job, JobWork};
use metrics::RunStart;
use queue::PriorityQueue;

/// Looks at the queue between two reads of the clock while a thread spins for work.
const SPIN_CHECKS_PER_CLOCK_READ: u32 = 64;

/// How a pool is built; the JS layer validates and documents every field.
#[derive(Debug, Clone)]
pub struct EngineConfig {
  pub threads: usize,
  /// How long a thread that ran out of work polls the queue before it returns to rayon's sleep.
  pub spin: Duration,
  /// Queued (not running) tasks beyond this are refused with `SubmitError::QueueFull`.
  pub max_queue: usize,
  pub task_count: usize,
  /// The pool threads' policy and nice increment (Linux), which its JS workers take too.
  pub scheduling: ThreadScheduling,
  /// Whether tasks' queue wait and run time are measured (histograms and utilization).
  pub record_timings: bool,
}

/// Why `submit` refused a task; the task never ran and was never counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitError {
  QueueFull,
  Closed,
}

/// What `cancel` found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CancelOutcome {
  /// It was still queued: removed, counted as cancelled, and the caller settles its promise.
  Removed,
  /// It is running: its token is set and it will settle through the outbox.
  Signalled,
  /// It has already settled (or never existed).
  Unknown,
}

/// Called once by a `before` stage when the inputs are loaded (or failed to load).
pub type Ready = Box<dyn FnOnce(Result<(), TaskError>) + Send>;
/// A stage that starts loading a task's inputs off the pool, and calls `Ready` when done; the
/// token is the task's, cancelled when the task is, so that the loading can stop.
pub type BeforeStage = Box<dyn FnOnce(CancelToken, Ready) + Send>;

/// I/O stages around a task's CPU work; the engine runs neither itself.
#[derive(Default)]
pub struct Stages {
  /// Starts loading inputs off the pool and calls the callback once, when they are ready.
  pub before: Option<BeforeStage>,
  pub after: Option<AfterHook>,
}

/// The right to settle a task whose result went to an `after` hook; dropping it unused settles
/// the task as `PoolClosed`. Invariant: holds its job until `finish` or drop.
pub struct Settle {
  engine: Arc<Engine>,
  job: Option<Job>,
}

impl Settle {
  pub fn finish(mut self, result: Result<Output, TaskError>) {
    if let Some(job) = self.job.take() {
      job.finish(result);
    }
  }
}

impl Drop for Settle {
  fn drop(&mut self) {
    drop(self.job.take()); // settles as PoolClosed if `finish` did not run
    self.engine.leave_flight();
  }
}

/// One of the pool's `threads` slots, held by a thread outside the pool (a JS worker) while it
/// runs tasks, so that the budget counts them like pool threads. Dropping it gives the slot back,
/// and starts a runner if tasks wait.
pub struct Lease {
  engine: Arc<Engine>,
  /// Which of the `threads` lent slots this is: its busy time counts there.
  index: usize,
}

impl Drop for Lease {
  fn drop(&mut self) {
    let engine = &self.engine;
    lock_ignoring_poison(&engine.free_leases).push(self.index);
    engine.runners.fetch_sub(1, Ordering::AcqRel);
    if engine.queued() > 0 {
      engine.ensure_runner();
    }
  }
}

/// What `take_external` took: the running task, the budget slot, and the external work.
pub struct Taken {
  pub started: Started,
  pub lease: Lease,
  pub work: Box<dyn Any + Send>,
}

/// A task that runs outside the pool. Invariant: settles once, through `finish` or else its
/// Drop (as `PoolClosed`), and only then stops counting as running.
pub struct Started {
  engine: Arc<Engine>,
  job: Option<Job>,
  lease: usize,
  start: RunStart,
}

impl Started {
  pub fn id(&self) -> u64 {
    self.job.as_ref().map_or(0, |job| job.id)
  }

  pub fn token(&self) -> CancelToken {
    self.job.as_ref().map(|job| job.token.clone()).unwrap_or_default()
  }

  pub fn finish(mut self, result: Result<Output, TaskError>) {
    self.end(result);
  }

  fn end(&mut self, result: Result<Output, TaskError>) {
    let Some(job) = self.job.take() else { return };
    let engine = &self.engine;
    let result = job.token.seal(result);
    engine.metrics.finished_on_lease(self.lease, job.task, self.start);
    // Not active any more before JS can see the result, as in `Engine::run`.
    engine.active.fetch_sub(1, Ordering::AcqRel);
    let id = job.id;
    job.finish(result);
    engine.lock().running.remove(&id);
    engine.leave_flight();
  }
}

impl Drop for Started {
  fn drop(&mut self) {
    self.end(Err(TaskError::PoolClosed));
  }
}

fn lock_ignoring_poison<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
  mutex.lock().unwrap_or_else(|e| e.into_inner())
}

/// A plain copy of the pool's counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineStats {
  pub threads: usize,
  pub active: usize,
  pub queued: usize,
  pub total: CountersSnapshot,
  pub per_task: Vec<CountersSnapshot>,
}

/// Owner of one pool's threads and queue. Every submitted job leaves the queue exactly once
/// (to run, to `cancel`, or to shutdown) and settles exactly once.
pub struct Engine {
  /// Taken (and dropped) by `shutdown`, which then waits for every thread to exit.
  threads: RwLock<Option<rayon::ThreadPool>>,
  /// The pool's threads, spawned by us (rayon's own drop does not join them): `shutdown` joins.
  handles: Arc<Mutex<Vec<std::thread::JoinHandle<()>>>>,
  thread_count: usize,
  // The JS thread submits and the pool threads take: counters that one side writes are padded
  // away from the lock and from each other (on shared cache lines, waiting for the line took a
  // third of a no-op submit).
  state: CachePadded<Mutex<State>>,
  /// Signalled when `in_flight` drops to zero while `shutting_down`.
  idle: Condvar,
  /// `shutdown` waits for `in_flight` to drop to zero: only then does the last job out signal
  /// `idle` (a signal is a syscall, which a serial stream of tasks would pay per task).
  shutting_down: AtomicBool,
  /// Jobs taken from the queue whose settlement (including the wake call) is not yet done.
  in_flight: CachePadded<AtomicUsize>,
  /// Jobs running a kernel now.
  active: CachePadded<AtomicUsize>,
  /// Mirror of the queue's length, readable without the lock (spinning threads, `needsDrain`).
  queued: CachePadded<AtomicUsize>,
  /// Rayon jobs now looping in `run_queued`; at most `thread_count`, so that a burst of submits
  /// wakes threads only while some thread is not already draining the queue.
  runners: CachePadded<AtomicUsize>,
  /// Threads outside the pool polling the queue for external work (`start_polling`): while there
  /// are as many as queued tasks, `submit_external` wakes no pool thread, since they take them.
  pollers: CachePadded<AtomicUsize>,
  /// The CPU the submitting (JS) thread last ran on, -1 if unknown (`leave_submitter_cpu`).
  submitter_cpu: CachePadded<AtomicI32>,
  /// Budget slots not lent now (`Lease::index`); at most `threads` are lent at once.
  free_leases: Mutex<Vec<usize>>,
  next_id: CachePadded<AtomicU64>,
  outbox: Arc<Outbox>,
  spin: Duration,
  max_queue: usize,
  scheduling: PoolScheduling,
  metrics: Metrics,
}

struct State {
  queue: PriorityQueue<Job>,
  /// Tokens of the tasks running now, by id (and of ones just finished, until their thread
  /// takes its next task: cancelling those is harmless).
  running: HashMap<u64, CancelToken>,
  /// Jobs whose `before` stage (loading input files) has not ended yet, with their priority.
  loading: HashMap<u64, (Priority, Job)>,
  accepting: bool,
}

impl State {
  /// Tasks not yet running: queued, or loading their input. `max_queue` bounds this number.
  fn waiting(&self) -> usize {
    self.queue.len() + self.loading.len()
  }
}

/// Spawns one of a pool's rayon threads, under rayon's name for it, and keeps its handle.
fn spawn_pool_thread(thread: rayon::ThreadBuilder, handles: &Mutex<Vec<std::thread::JoinHandle<()>>>) -> std::io::Result<()> {
  let mut builder = std::thread::Builder::new();
  if let Some(name) = thread.name() {
    builder = builder.name(name.to_string());
  }
  let handle = builder.spawn(|| thread.run())?;
  handles.lock().unwrap_or_else(|e| e.into_inner()).push(handle);
  Ok(())
}

impl Engine {
  /// Builds the pool's own rayon threads (never rayon's global pool). `wake` is called from any
  /// thread when a batch of completions is ready for `Outbox::take_batch`.
  pub fn new(config: EngineConfig, wake: Box<dyn Fn() + Send + Sync>) -> Result<Arc<Engine>, EngineError> {
    thread::quiet_panics_on_pool_threads();
    let scheduling = config.scheduling.fixed_here();
    // Dropping a rayon ThreadPool does not join its threads: spawn them here and keep handles.
    let handles = Arc::new(Mutex::new(Vec::with_capacity(config.threads + 1)));
    let spawned = handles.clone();
    // A spawn costs about 100 µs here: the first thread is spawned now, so that work can start,
    // and the others by a launcher thread, so that `new Pool({ threads: 8 })` waits for two. The
    // launcher runs at the pool threads' priority: at the JS thread's, it and the threads it
    // starts (until their start handler lowers them) preempted the first task and the JS thread.
    let deferred = Arc::new(Mutex::new(Vec::new()));
    let later = deferred.clone();
    let threads = rayon::ThreadPoolBuilder::new()
      .num_threads(config.threads)
      .thread_name(thread::name)
      .start_handler(move |_| scheduling.apply_to_this_thread())
      .spawn_handler(move |thread| {
        if thread.index() == 0 {
          spawn_pool_thread(thread, &spawned)
        } else {
          later.lock().unwrap_or_else(|e| e.into_inner()).push(thread);
          Ok(())
        }
      })
      .build()
      .map_err(|err| EngineError::Threads(err.to_string()))?;
    let rest = std::mem::take(&mut *deferred.lock().unwrap_or_else(|e| e.into_inner()));
    if !rest.is_empty() {
      let spawned = handles.clone();
      // A spawn that fails here leaves the pool fewer threads; it still runs every task. Not
      // named like a pool thread: its panics (none are expected) go to the usual hook.
      let launcher = std::thread::Builder::new()
        .name("corepool start".into())
        .spawn(move || {
          scheduling.apply_to_this_thread();
          rest.into_iter().for_each(|thread| drop(spawn_pool_thread(thread, &spawned)))
        })
        .map_err(|err| EngineError::Threads(err.to_string()))?;
      handles.lock().unwrap_or_else(|e| e.into_inner()).push(launcher);
    }
    Ok(Arc::new(Engine {
      threads: RwLock::new(Some(threads)),
      handles,
      thread_count: config.threads,
      state: CachePadded::new(Mutex::new(State {
        queue: PriorityQueue::default(),
        running: HashMap::new(),
        loading: HashMap::new(),
        accepting: true,
      })),
      idle: Condvar::new(),
      shutting_down: AtomicBool::new(false),
      in_flight: CachePadded::new(AtomicUsize::new(0)),
      active: CachePadded::new(AtomicUsize::new(0)),
      queued: CachePadded::new(AtomicUsize::new(0)),
      runners: CachePadded::new(AtomicUsize::new(0)),
      pollers: CachePadded::new(AtomicUsize::new(0)),
      submitter_cpu: CachePadded::new(AtomicI32::new(-1)),
      free_leases: Mutex::new((0..config.threads).rev().collect()),
      next_id: CachePadded::new(AtomicU64::new(1)),
      outbox: Arc::new(Outbox::new(config.task_count, wake)),
      spin: config.spin,
      max_queue: config.max_queue,
      scheduling,
      metrics: Metrics::new(config.record_timings, config.threads, config.task_count),
    }))
  }

  pub fn outbox(&self) -> &Outbox {
    &self.outbox
  }

  /// Queues `work`; returns the task's id, which its completion will carry.
  pub fn submit(self: &Arc<Self>, task: TaskId, priority: Priority, timeout: Option<Duration>, work: Work) -> Result<u64, SubmitError> {
    self.submit_staged(task, priority, timeout, work, Stages::default())
  }

  /// Queues work that a thread outside the pool may take itself (`take_external`). While enough
  /// such threads poll the queue, no pool thread is woken for it: a poller takes it, or starts a
  /// runner when it stops polling. Otherwise `wake_poller` may wake an idle outside thread, which
  /// it counts as polling (`start_polling`) first; it returns whether it did. Only if that still
  /// leaves the task without a poller is a pool thread woken: a pool thread would take the task
  /// only to hand it to such a thread, two wake-ups instead of one.
  pub fn submit_external(
    self: &Arc<Self>,
    task: TaskId,
    priority: Priority,
    timeout: Option<Duration>,
    work: Box<dyn ExternalWork>,
    wake_poller: &dyn Fn() -> bool,
  ) -> Result<u64, SubmitError> {
    self.enqueue(task, priority, timeout, JobWork::External(work), Stages::default(), Some(wake_poller))
  }

  /// Like `submit`, with I/O stages around the work: `before` runs first, off the pool, and the
  /// job is queued only once it calls its `ready` callback; `after` receives the result.
  pub fn submit_staged(
    self: &Arc<Self>,
    task: TaskId,
    priority: Priority,
    timeout: Option<Duration>,
    work: Work,
    stages: Stages,
  ) -> Result<u64, SubmitError> {
    self.enqueue(task, priority, timeout, JobWork::Pool(work), stages, None)
  }

  fn enqueue(
    self: &Arc<Self>,
    task: TaskId,
    priority: Priority,
    timeout: Option<Duration>,
    work: JobWork,
    stages: Stages,
    wake_poller: Option<&dyn Fn() -> bool>,
  ) -> Result<u64, SubmitError> {
    let id = self.next_id.fetch_add(1, Ordering::Relaxed);
    self.note_submitter_cpu();
    let mut job = Job::new(id, task, work, timeout, self.outbox.clone());
    job.after = stages.after;
    job.submitted_at = self.metrics.submit_time();
    let token = job.token.clone();
    {
      let mut state = self.lock();
      if !state.accepting {
        job.finish_unsubmitted();
        return Err(SubmitError::Closed);
      }
      if state.waiting() >= self.max_queue {
        job.finish_unsubmitted();
        return Err(SubmitError::QueueFull);
      }
      self.outbox.record_submit(task);
      if stages.before.is_none() {
        state.queue.push(priority, job);
        self.queued.fetch_add(1, Ordering::AcqRel);
        self.metrics.queued(state.queue.len());
      } else {
        state.loading.insert(id, (priority, job));
        self.in_flight.fetch_add(1, Ordering::AcqRel);
      }
    }
    match stages.before {
      None if wake_poller.is_some_and(|wake| self.is_polled() || (wake() && self.is_polled())) => {}
      None => self.ensure_runner(),
      Some(before) => {
        let engine = Arc::clone(self);
        before(token, Box::new(move |loaded| engine.loaded(id, loaded)));
      }
    }
    Ok(id)
  }

  /// The `before` stage of job `id` ended: queue the job (a closing pool still runs what it
  /// took), or settle it with the stage's error. A job cancelled while loading is gone: whoever
  /// removed it already settled it and ended its flight.
  fn loaded(self: &Arc<Self>, id: u64, loaded: Result<(), TaskError>) {
    let held = self.lock().loading.remove(&id);
    let Some((priority, job)) = held else { return };
    match loaded {
      Ok(()) => {
        self.lock().queue.push(priority, job);
        self.queued.fetch_add(1, Ordering::AcqRel);
        self.metrics.queued(self.queued());
        self.ensure_runner();
      }
      Err(error) => job.finish(Err(error)),
    }
    self.leave_flight();
  }

  fn leave_flight(&self) {
    // SeqCst with `shutdown`'s store and load: either it sees zero, or this sees it waiting.
    if self.in_flight.fetch_sub(1, Ordering::SeqCst) == 1 && self.shutting_down.load(Ordering::SeqCst) {
      // Taking the lock orders this wake-up after `shutdown`'s check of `in_flight`.
      let _state = self.lock();
      self.idle.notify_all();
    }
  }

  /// Starts one more runner on the pool's threads unless every thread already has one.
  fn ensure_runner(self: &Arc<Self>) {
    if self.claim_slot() {
      match self.threads.read().unwrap_or_else(|e| e.into_inner()).as_ref() {
        Some(threads) => {
          let engine = Arc::clone(self);
          threads.spawn(move || engine.run_queued());
        }
        None => {
          self.runners.fetch_sub(1, Ordering::AcqRel);
        }
      }
    }
  }

  /// Cancels one task by id, queued or running.
  pub fn cancel(&self, id: u64) -> CancelOutcome {
    let mut state = self.lock();
    if let Some(job) = state.queue.remove_where(|job| job.id == id) {
      self.queued.fetch_sub(1, Ordering::AcqRel);
      drop(state);
      job.finish_silently(TaskError::Cancelled);
      return CancelOutcome::Removed;
    }
    if let Some((_, job)) = state.loading.remove(&id) {
      drop(state);
      job.token.cancel(); // abandons the read
      job.finish_silently(TaskError::Cancelled);
      self.leave_flight();
      return CancelOutcome::Removed;
    }
    match state.running.get(&id) {
      Some(token) if token.cancel() => CancelOutcome::Signalled,
      _ => CancelOutcome::Unknown,
    }
  }

  /// Removes every queued task, counting each as cancelled; returns their ids for the caller to
  /// reject. Running tasks go on.
  pub fn cancel_queued(&self) -> Vec<u64> {
    let (jobs, loading) = {
      let mut state = self.lock();
      self.queued.store(0, Ordering::Release);
      let mut jobs = state.queue.drain_all();
      let loading = state.loading.len();
      jobs.extend(state.loading.drain().map(|(_, (_, job))| {
        job.token.cancel(); // abandons the read
        job
      }));
      (jobs, loading)
    };
    // Their reads are abandoned: nothing waits for them any more.
    for _ in 0..loading {
      self.leave_flight();
    }
    jobs
      .into_iter()
      .map(|job| {
        let id = job.id;
        job.finish_silently(TaskError::PoolClosed);
        id
      })
      .collect()
  }

  /// Sets the token of every running task; each settles through the outbox when it notices.
  pub fn cancel_running(&self) {
    for token in self.lock().running.values() {
      token.cancel();
    }
  }

  /// Stops accepting work. Idempotent.
  pub fn stop_accepting(&self) {
    self.lock().accepting = false;
  }

  /// Stops accepting, cancels everything, blocks until no pool thread is touching a task, then
  /// stops the threads and waits until every one has exited. After this returns, `wake` is
  /// never called again. Idempotent.
  pub fn shutdown(&self) -> Vec<u64> {
    self.stop_accepting();
    let removed = self.cancel_queued();
    self.cancel_running();
    {
      let mut state = self.lock();
      self.shutting_down.store(true, Ordering::SeqCst);
      while self.in_flight.load(Ordering::SeqCst) > 0 {
        state = self.idle.wait(state).unwrap_or_else(|e| e.into_inner());
      }
    }
    let on_own_thread = self.threads.read().unwrap_or_else(|e| e.into_inner()).as_ref().is_some_and(|t| t.current_thread_index().is_some());
    // Dropping the pool tells its threads to exit once idle (they are: nothing is in flight).
    drop(self.threads.write().unwrap_or_else(|e| e.into_inner()).take());
    if !on_own_thread {
      // The launcher pushes the handles of the threads it spawns: join until none is left.
      loop {
        let handles = std::mem::take(&mut *self.handles.lock().unwrap_or_else(|e| e.into_inner()));
        if handles.is_empty() {
          break;
        }
        for handle in handles {
          let _ = handle.join();
        }
      }
    }
    removed
  }

  pub fn queued(&self) -> usize {
    self.queued.load(Ordering::Acquire)
  }

  /// The pool threads' policy and nice value, for other threads that run its tasks.
  pub fn scheduling(&self) -> PoolScheduling {
    self.scheduling
  }

  /// The most tasks that may wait (queued, or loading their input) before a submit is refused.
  pub fn max_queue(&self) -> usize {
    self.max_queue
  }

  /// True while `maxQueue` tasks wait (queued, or loading their input): a submit is refused.
  pub fn needs_drain(&self) -> bool {
    self.lock().waiting() >= self.max_queue
  }

  pub fn stats(&self) -> EngineStats {
    EngineStats {
      threads: self.thread_count,
      active: self.active.load(Ordering::Acquire),
      queued: self.queued.load(Ordering::Acquire),
      total: self.outbox.total.snapshot(),
      per_task: self.outbox.per_task.iter().map(|c| c.snapshot()).collect(),
    }
  }

  /// Histograms, busy time and the queue's high-water mark.
  pub fn metrics(&self) -> &Metrics {
    &self.metrics
  }

  /// Clears the histograms and the high-water mark, and restarts utilization's clock.
  pub fn reset_metrics(&self) {
    self.metrics.reset(self.queued());
  }

  fn lock(&self) -> MutexGuard<'_, State> {
    // A poisoned lock only means a panic elsewhere while holding it; the state stays consistent
    // because every critical section here is panic-free.
    self.state.lock().unwrap_or_else(|e| e.into_inner())
  }

  /// Runs queued tasks until none is left, then polls for `spin` before handing the thread back.
  fn run_queued(self: Arc<Self>) {
    let mut finished = None;
    // A runner starts, or spins, because it had no task: it waited for the one it takes next.
    let mut waited = true;
    loop {
      while let Some(job) = self.take_next(finished.take()) {
        if !matches!(job.work, Some(JobWork::External(_))) {
          if std::mem::take(&mut waited) {
            self.leave_submitter_cpu();
          }
          finished = Some(Engine::run(&self, job));
          continue;
        }
        // External work goes to a thread outside the pool with this runner's budget slot; the
        // runner goes on only if another slot is free.
        let lease = self.lend_slot();
        let (started, work) = self.start_external(job, &lease);
        // Panic-free by design; a panic would settle the task (Started's Drop) and keep the thread.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || work.hand_over(started, lease)));
        if !self.claim_slot() {
          return;
        }
      }
      if self.spin_for_work() {
        waited = true;
        continue;
      }
      self.runners.fetch_sub(1, Ordering::AcqRel);
      // A submit that saw every runner busy did not start one: if its task is still queued,
      // this runner stays (or another was started meanwhile and takes it).
      if self.queued.load(Ordering::Acquire) == 0 || !self.claim_slot() {
        return;
      }
    }
  }

  /// Counts one more runner, if fewer than `threads` run: the one rule of the budget.
  fn claim_slot(&self) -> bool {
    self.runners.fetch_update(Ordering::AcqRel, Ordering::Acquire, |runners| (runners < self.thread_count).then_some(runners + 1)).is_ok()
  }

  /// Under one lock: forgets the token of the task this thread just finished, and takes the next.
  fn take_next(&self, finished: Option<u64>) -> Option<Job> {
    let mut state = self.lock();
    if let Some(id) = finished {
      state.running.remove(&id);
    }
    let job = state.queue.pop()?;
    self.start(state, &job);
    Some(job)
  }

  /// Counts `job`, just taken from the queue, as running.
  fn start(&self, mut state: MutexGuard<'_, State>, job: &Job) {
    self.queued.fetch_sub(1, Ordering::AcqRel);
    self.in_flight.fetch_add(1, Ordering::AcqRel);
    self.active.fetch_add(1, Ordering::AcqRel);
    state.running.insert(job.id, job.token.clone());
    // Taking a job is the one way the queue shrinks without a task settling (an idle thread, or
    // one whose last settle JS has already handled): tell JS, or its 'drain' waits for a settle.
    let fell_below_max = state.waiting() + 1 == self.max_queue;
    drop(state);
    if fell_below_max {
      self.outbox.schedule_wake();
    }
  }

  /// Claims one of the pool's `threads` slots for a thread outside the pool, if one is free.
  fn try_lease(self: &Arc<Self>) -> Option<Lease> {
    self.claim_slot().then(|| self.lend_slot())
  }

  /// Turns one counted runner into a lease.
  fn lend_slot(self: &Arc<Self>) -> Lease {
    // Leases are counted in `runners`, at most `threads`: one is always free.
    let index = lock_ignoring_poison(&self.free_leases).pop().unwrap_or(0);
    Lease { engine: Arc::clone(self), index }
  }

  /// The submitting (JS) thread runs on this CPU now (each submit). Written only when it changes:
  /// the threads that take tasks read this cache line.
  fn note_submitter_cpu(&self) {
    let cpu = current_cpu();
    if self.submitter_cpu.load(Ordering::Relaxed) != cpu {
      self.submitter_cpu.store(cpu, Ordering::Relaxed);
    }
  }

  /// For a pool thread that waited for the task it just took, or a JS worker that took one: if it
  /// runs on the CPU its submitter last ran on, and its task is the submitter's only unsettled
  /// one, it moves to another CPU, at most once every `MOVE_INTERVAL` per thread. Linux wakes
  /// a thread on its previous CPU or its waker's, so the event loop and the thread serving it
  /// can end up sharing one CPU while another stays idle, and stay so: the loop (nice 0) runs
  /// while the task (nice 19) waits. Measured on 2 cores with `perf record -e
  /// sched:sched_switch`: 2,500-4,100 such switches in 10,000 serial JS round trips with the
  /// other CPU idle, and 300-530 in 20,000 native ones. With more tasks out, the CPUs are busy,
  /// and a move would only trade places (it cost fib(25) in JS 10-15%, and native no-op
  /// throughput 6-9%).
  pub fn leave_submitter_cpu(&self) {
    MOVED_AT.with(|moved_at| self.leave_submitter_cpu_since(&mut moved_at.borrow_mut()));
  }

  /// `leave_submitter_cpu` with the time of the thread's last move (`moved_at`) passed in.
  fn leave_submitter_cpu_since(&self, moved_at: &mut Option<Instant>) {
    if self.unsettled() > 1 {
      return;
    }
    let cpu = self.submitter_cpu.load(Ordering::Relaxed);
    if cpu < 0 || cpu != current_cpu() || moved_at.is_some_and(|at| at.elapsed() < MOVE_INTERVAL) {
      return;
    }
    if move_off_cpu(cpu) {
      *moved_at = Some(Instant::now());
    }
  }

  /// Tasks submitted and not yet settled: queued, running, or taken to run outside.
  fn unsettled(&self) -> u64 {
    let total = self.outbox.total.snapshot();
    total.submitted.saturating_sub(total.completed + total.failed + total.cancelled)
  }

  /// Whether the task the queue serves next is external work.
  pub fn external_next(&self) -> bool {
    self.queued() > 0 && self.lock().queue.peek().is_some_and(|job| matches!(job.work, Some(JobWork::External(_))))
  }

  /// For a thread outside the pool: takes the next queued task if it is external work, with a
  /// slot of the budget (`held`, or a free one). Without a task, `held` is given back.
  pub fn take_external(self: &Arc<Self>, held: Option<Lease>) -> Option<Taken> {
    if self.queued() == 0 {
      return None;
    }
    let mut state = self.lock();
    if !matches!(state.queue.peek()?.work, Some(JobWork::External(_))) {
      return None;
    }
    let lease = match held {
      Some(lease) => lease,
      None => self.try_lease()?,
    };
    let job = state.queue.pop()?;
    self.start(state, &job);
    let (started, work) = self.start_external(job, &lease);
    Some(Taken { started, lease, work: work.into_any() })
  }

  /// Starts an external job's clock; the lease's thread will run it.
  fn start_external(self: &Arc<Self>, mut job: Job, lease: &Lease) -> (Started, Box<dyn ExternalWork>) {
    job.token.start_clock(job.timeout);
    let start = self.metrics.started_on_lease(lease.index, job.task, job.submitted_at);
    let work = match job.work.take() {
      Some(JobWork::External(work)) => work,
      _ => unreachable!("only external jobs start outside the pool"),
    };
    (Started { engine: Arc::clone(self), job: Some(job), lease: lease.index, start }, work)
  }

  /// A thread outside the pool polls the queue for external work; see `submit_external`.
  pub fn start_polling(&self) {
    self.pollers.fetch_add(1, Ordering::SeqCst);
  }

  /// Whether threads outside the pool poll the queue now, at least one per queued task. Ordered
  /// with `stop_polling`: a poller that stops after this read sees the task queued before it.
  fn is_polled(&self) -> bool {
    fence(Ordering::SeqCst);
    self.pollers.load(Ordering::SeqCst) >= self.queued.load(Ordering::SeqCst)
  }

  /// It stops polling: a task queued meanwhile without a runner gets one now.
  pub fn stop_polling(self: &Arc<Self>) {
    self.pollers.fetch_sub(1, Ordering::SeqCst);
    fence(Ordering::SeqCst);
    if self.queued.load(Ordering::SeqCst) > 0 {
      self.ensure_runner();
    }
  }

  /// Runs one job and settles it; returns its id, whose token `take_next` then forgets.
  fn run(self: &Arc<Self>, mut job: Job) -> u64 {
    job.token.start_clock(job.timeout);
    let start = self.metrics.started(job.task, job.submitted_at);
    let work = job.work.take().expect("a queued job holds its work until it runs");
    let JobWork::Pool(work) = work else { unreachable!("run_queued hands external work over") };
    let result = job.token.seal(job.token.check().and_then(|()| catch_panic(|| work(&job.token))));
    self.metrics.finished(job.task, start);
    let id = job.id;
    // Not active any more before JS can see the result, so `stats()` after `await` reads 0.
    self.active.fetch_sub(1, Ordering::AcqRel);
    match job.after.take() {
      // Still in flight until the hook settles it: shutdown waits for that too.
      Some(after) => after(result, Settle { engine: Arc::clone(self), job: Some(job) }),
      None => {
        job.finish(result);
        self.leave_flight();
      }
    }
    id
  }

  /// Polls for queued work for up to `spin`: waking a parked thread costs far more than this.
  fn spin_for_work(&self) -> bool {
    if self.spin.is_zero() {
      return false;
    }
    let deadline = Instant::now() + self.spin;
    loop {
      for _ in 0..SPIN_CHECKS_PER_CLOCK_READ {
        if self.queued.load(Ordering::Acquire) > 0 {
          return true;
        }
        std::hint::spin_loop();
      }
      if Instant::now() >= deadline {
        return false;
      }
    }
  }
}

#[cfg(test)]
mod tests;
