//! What the pool measures about itself besides counters: queue wait and run time histograms (for
//! the pool and per task name), busy time per thread for exact utilization, and the queue's
//! high-water mark. Pool threads record with relaxed atomics only: no lock on the hot path.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use super::histogram::Timings;
use super::TaskId;

/// One pool thread's busy time. Invariant: only its own thread writes it.
#[derive(Default)]
struct ThreadClock {
  /// Busy nanoseconds of the tasks this thread finished.
  busy_nanos: AtomicU64,
  /// Nanoseconds since the epoch at which the running task started, plus one; 0 while idle.
  running_since: AtomicU64,
  /// Tasks running on this thread now: more than one when a kernel's parallel loop lets the
  /// thread take another queued task while it waits for its helpers.
  depth: AtomicU32,
}

/// A plain copy of the busy clocks, for utilization.
#[derive(Debug, Clone, PartialEq)]
pub struct BusySnapshot {
  /// Nanoseconds since the pool started (or since the last reset).
  pub elapsed_nanos: u64,
  /// Per thread, busy nanoseconds over the same span, counting running tasks up to now.
  pub busy_nanos: Vec<u64>,
}

pub struct Metrics {
  enabled: bool,
  epoch: Instant,
  /// Nanoseconds since `epoch` at the last reset; utilization counts from there.
  reset_at: AtomicU64,
  /// Busy nanoseconds per thread at the last reset.
  busy_at_reset: Vec<AtomicU64>,
  threads: Vec<ThreadClock>,
  pool: Timings,
  per_task: Vec<OnceLock<Box<Timings>>>,
  queue_high_water: AtomicUsize,
}

/// When a task started running, as `Metrics::started` saw it; `None` with recording off.
pub type RunStart = Option<Instant>;

impl Metrics {
  pub fn new(enabled: bool, threads: usize, task_count: usize) -> Metrics {
    Metrics {
      enabled,
      epoch: Instant::now(),
      reset_at: AtomicU64::new(0),
      busy_at_reset: (0..threads).map(|_| AtomicU64::new(0)).collect(),
      threads: (0..threads).map(|_| ThreadClock::default()).collect(),
      pool: Timings::default(),
      per_task: (0..task_count).map(|_| OnceLock::new()).collect(),
      queue_high_water: AtomicUsize::new(0),
    }
  }

  pub fn enabled(&self) -> bool {
    self.enabled
  }

  /// The submit time a job carries, from which its queue wait is measured.
  pub fn submit_time(&self) -> Option<Instant> {
    self.enabled.then(Instant::now)
  }

  /// The queue holds `queued` tasks after a push.
  pub fn queued(&self, queued: usize) {
    self.queue_high_water.fetch_max(queued, Ordering::Relaxed);
  }

  /// A task leaves the queue and starts running on the current pool thread.
  pub fn started(&self, task: TaskId, submitted: Option<Instant>) -> RunStart {
    let submitted = submitted?;
    let now = Instant::now();
    let wait = now.saturating_duration_since(submitted);
    self.pool.wait.record(wait);
    self.task(task).wait.record(wait);
    if let Some(clock) = self.current_thread() {
      if clock.depth.fetch_add(1, Ordering::Relaxed) == 0 {
        clock.running_since.store(self.nanos_at(now) + 1, Ordering::Relaxed);
      }
    }
    Some(now)
  }

  /// The task that `started` returned `start` for has finished running.
  pub fn finished(&self, task: TaskId, start: RunStart) {
    let Some(start) = start else { return };
    let now = Instant::now();
    let run = now.saturating_duration_since(start);
    self.pool.run.record(run);
    self.task(task).run.record(run);
    if let Some(clock) = self.current_thread() {
      if clock.depth.fetch_sub(1, Ordering::Relaxed) == 1 {
        let since = clock.running_since.swap(0, Ordering::Relaxed).saturating_sub(1);
        clock.busy_nanos.fetch_add(self.nanos_at(now).saturating_sub(since), Ordering::Relaxed);
      }
    }
  }

  pub fn pool_timings(&self) -> &Timings {
    &self.pool
  }

  /// A task's timings, or `None` if it never ran since the pool started.
  pub fn task_timings(&self, task: TaskId) -> Option<&Timings> {
    self.per_task.get(task)?.get().map(|boxed| &**boxed)
  }

  pub fn queue_high_water(&self) -> usize {
    self.queue_high_water.load(Ordering::Relaxed)
  }

  /// Busy time per thread since the last reset, counting running tasks up to now.
  pub fn busy(&self) -> BusySnapshot {
    let now = self.nanos_at(Instant::now());
    let busy_nanos = self
      .threads
      .iter()
      .zip(&self.busy_at_reset)
      .map(|(clock, at_reset)| self.busy_until(clock, now).saturating_sub(at_reset.load(Ordering::Relaxed)))
      .collect();
    BusySnapshot { elapsed_nanos: now.saturating_sub(self.reset_at.load(Ordering::Relaxed)), busy_nanos }
  }

  /// Clears the histograms and the high-water mark (to the queue's length now), and starts
  /// counting utilization afresh.
  pub fn reset(&self, queued_now: usize) {
    self.pool.reset();
    for timings in self.per_task.iter().filter_map(OnceLock::get) {
      timings.reset();
    }
    self.queue_high_water.store(queued_now, Ordering::Relaxed);
    let now = self.nanos_at(Instant::now());
    for (clock, at_reset) in self.threads.iter().zip(&self.busy_at_reset) {
      at_reset.store(self.busy_until(clock, now), Ordering::Relaxed);
    }
    self.reset_at.store(now, Ordering::Relaxed);
  }

  fn busy_until(&self, clock: &ThreadClock, now: u64) -> u64 {
    let since = clock.running_since.load(Ordering::Relaxed);
    let running = if since == 0 { 0 } else { now.saturating_sub(since - 1) };
    clock.busy_nanos.load(Ordering::Relaxed) + running
  }

  fn task(&self, task: TaskId) -> &Timings {
    self.per_task[task].get_or_init(Box::default)
  }

  fn current_thread(&self) -> Option<&ThreadClock> {
    self.threads.get(rayon::current_thread_index()?)
  }

  fn nanos_at(&self, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
  }
}
