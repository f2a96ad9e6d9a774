//! What the pool measures about itself besides counters: queue wait and run time histograms (for
//! the pool and per task name), busy time per thread for exact utilization, and the queue's
//! high-water mark. Each pool thread records into histograms of its own (a `Shard`) with relaxed
//! loads and stores: no lock and no cache line shared between threads on the hot path. Readers
//! merge the shards; the pool-wide histograms are the merge of every task's.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

use super::histogram::{Timings, TimingsSnapshot};
use super::TaskId;

/// One thread's busy time. Invariant: one thread writes it at a time (its shard's), so it
/// updates with plain loads and stores, like `Histogram::record`.
#[derive(Default)]
struct ThreadClock {
  /// Busy nanoseconds of the tasks this thread finished.
  busy_nanos: AtomicU64,
  /// Nanoseconds since the epoch at which the running task started, plus one; 0 while idle.
  running_since: AtomicU64,
  /// Tasks running on this thread now: more than one when a kernel's parallel loop lets the
  /// thread take another queued task while it waits for its helpers.
  depth: AtomicU32,
  /// `busy_nanos` plus the running task's time at the last reset; written by the reader.
  busy_at_reset: AtomicU64,
}

impl ThreadClock {
  fn start(&self, now: u64) {
    let depth = self.depth.load(Ordering::Relaxed);
    self.depth.store(depth + 1, Ordering::Relaxed);
    if depth == 0 {
      self.running_since.store(now + 1, Ordering::Relaxed);
    }
  }

  fn stop(&self, now: u64) {
    let depth = self.depth.load(Ordering::Relaxed).saturating_sub(1);
    self.depth.store(depth, Ordering::Relaxed);
    if depth == 0 {
      let since = self.running_since.load(Ordering::Relaxed).saturating_sub(1);
      let busy = self.busy_nanos.load(Ordering::Relaxed) + now.saturating_sub(since);
      // A reader between the two stores misses this task for a moment, which never shows a
      // thread busier than the time elapsed.
      self.running_since.store(0, Ordering::Relaxed);
      self.busy_nanos.store(busy, Ordering::Relaxed);
    }
  }

  /// Busy nanoseconds up to `now`, counting the running task.
  fn busy_until(&self, now: u64) -> u64 {
    let since = self.running_since.load(Ordering::Relaxed);
    let running = if since == 0 { 0 } else { now.saturating_sub(since - 1) };
    self.busy_nanos.load(Ordering::Relaxed) + running
  }
}

/// A plain copy of the busy clocks, for utilization.
#[derive(Debug, Clone, PartialEq)]
pub struct BusySnapshot {
  /// Nanoseconds since the pool started (or since the last reset).
  pub elapsed_nanos: u64,
  /// Per thread, busy nanoseconds over the same span, counting running tasks up to now.
  pub busy_nanos: Vec<u64>,
}

/// What one thread records into: its busy clock and its histograms. Invariant: only that thread
/// writes them, and it alone empties the histograms, when it sees that `Metrics::generation` has
/// moved past `generation`.
#[derive(Default)]
struct Shard {
  clock: ThreadClock,
  /// The reset generation that the histograms hold samples of; readers skip an older shard.
  generation: AtomicU64,
  per_task: Vec<OnceLock<Box<Timings>>>,
}

pub struct Metrics {
  enabled: bool,
  epoch: Instant,
  /// Nanoseconds since `epoch` at the last reset; utilization counts from there.
  reset_at: AtomicU64,
  /// One per pool thread, then one per budget slot lent to a thread outside the pool (a JS
  /// worker, see `Lease`), and a last one for work run elsewhere (an engine's tests), which
  /// utilization leaves out.
  shards: Vec<Shard>,
  threads: usize,
  /// Counts `reset` calls: a shard from an older generation is stale.
  generation: AtomicU64,
  /// Serialises recording into the last shard, which threads outside the pool share.
  outside: Mutex<()>,
  /// Written by the submitting thread; on a cache line of its own, away from what pool threads read.
  queue_high_water: HighWater,
}

#[repr(align(64))]
#[derive(Default)]
struct HighWater(AtomicUsize);

/// When a task started running, as `Metrics::started` saw it; `None` with recording off.
pub type RunStart = Option<Instant>;

impl Metrics {
  pub fn new(enabled: bool, threads: usize, task_count: usize) -> Metrics {
    Metrics {
      enabled,
      epoch: Instant::now(),
      reset_at: AtomicU64::new(0),
      threads,
      shards: (0..=2 * threads)
        .map(|_| Shard { per_task: (0..task_count).map(|_| OnceLock::new()).collect(), ..Shard::default() })
        .collect(),
      generation: AtomicU64::new(0),
      outside: Mutex::new(()),
      queue_high_water: HighWater::default(),
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
    // Read first: in a steady state the mark does not move, and a read does not take the line.
    if queued > self.queue_high_water.0.load(Ordering::Relaxed) {
      self.queue_high_water.0.fetch_max(queued, Ordering::Relaxed);
    }
  }

  /// A task leaves the queue and starts running on the current pool thread.
  pub fn started(&self, task: TaskId, submitted: Option<Instant>) -> RunStart {
    self.started_on(None, task, submitted)
  }

  /// The task that `started` returned `start` for has finished running.
  pub fn finished(&self, task: TaskId, start: RunStart) {
    self.finished_on(None, task, start)
  }

  /// Like `started`, for a task run outside the pool with budget slot `lease`
  /// (`0..threads`, held by one thread at a time).
  pub fn started_on_lease(&self, lease: usize, task: TaskId, submitted: Option<Instant>) -> RunStart {
    self.started_on(Some(self.threads + lease), task, submitted)
  }

  pub fn finished_on_lease(&self, lease: usize, task: TaskId, start: RunStart) {
    self.finished_on(Some(self.threads + lease), task, start)
  }

  fn started_on(&self, shard: Option<usize>, task: TaskId, submitted: Option<Instant>) -> RunStart {
    let submitted = submitted?;
    let now = Instant::now();
    self.on_shard(shard, task, |shard, timings| {
      timings.wait.record(now.saturating_duration_since(submitted));
      shard.clock.start(self.nanos_at(now));
    });
    Some(now)
  }

  fn finished_on(&self, shard: Option<usize>, task: TaskId, start: RunStart) {
    let Some(start) = start else { return };
    let now = Instant::now();
    self.on_shard(shard, task, |shard, timings| {
      timings.run.record(now.saturating_duration_since(start));
      shard.clock.stop(self.nanos_at(now));
    });
  }

  /// A task's timings since the last reset, merged over threads, or `None` if it never ran since
  /// the pool started.
  pub fn task_timings(&self, task: TaskId) -> Option<TimingsSnapshot> {
    let generation = self.generation.load(Ordering::Acquire);
    let mut merged = None;
    for shard in &self.shards {
      let Some(timings) = shard.per_task.get(task)?.get() else { continue };
      let merged = merged.get_or_insert_with(TimingsSnapshot::default);
      if shard.generation.load(Ordering::Acquire) == generation {
        merged.add(timings);
      }
    }
    merged
  }

  pub fn queue_high_water(&self) -> usize {
    self.queue_high_water.0.load(Ordering::Relaxed)
  }

  /// Busy time per pool thread since the last reset, counting running tasks up to now. Thread
  /// `i` counts budget slot `i` too while a JS worker holds it: their sum is the pool's busy time.
  pub fn busy(&self) -> BusySnapshot {
    let now = self.nanos_at(Instant::now());
    let mut busy_nanos = vec![0; self.threads];
    for (index, clock) in self.pool_clocks().enumerate() {
      busy_nanos[index % self.threads] += clock.busy_until(now).saturating_sub(clock.busy_at_reset.load(Ordering::Relaxed));
    }
    BusySnapshot { elapsed_nanos: now.saturating_sub(self.reset_at.load(Ordering::Relaxed)), busy_nanos }
  }

  /// Clears the histograms and the high-water mark (to the queue's length now), and starts
  /// counting utilization afresh.
  pub fn reset(&self, queued_now: usize) {
    self.generation.fetch_add(1, Ordering::AcqRel);
    self.queue_high_water.0.store(queued_now, Ordering::Relaxed);
    let now = self.nanos_at(Instant::now());
    for clock in self.pool_clocks() {
      clock.busy_at_reset.store(clock.busy_until(now), Ordering::Relaxed);
    }
    self.reset_at.store(now, Ordering::Relaxed);
  }

  fn pool_clocks(&self) -> impl Iterator<Item = &ThreadClock> {
    self.shards[..self.shards.len() - 1].iter().map(|shard| &shard.clock)
  }

  /// Runs `record` on a shard (by default the current thread's) and its histograms of `task`,
  /// emptying the shard's histograms first if a reset happened since it last recorded.
  fn on_shard(&self, shard: Option<usize>, task: TaskId, record: impl FnOnce(&Shard, &Timings)) {
    let outside = self.shards.len() - 1;
    let index = shard.or_else(|| rayon::current_thread_index().filter(|&index| index < self.threads));
    let _serialised = index.is_none().then(|| self.outside.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    let shard = &self.shards[index.unwrap_or(outside)];
    let generation = self.generation.load(Ordering::Acquire);
    if shard.generation.load(Ordering::Relaxed) != generation {
      for timings in shard.per_task.iter().filter_map(OnceLock::get) {
        timings.reset();
      }
      shard.generation.store(generation, Ordering::Release);
    }
    record(shard, shard.per_task[task].get_or_init(Box::default));
  }

  fn nanos_at(&self, at: Instant) -> u64 {
    u64::try_from(at.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
  }
}

#[cfg(test)]
mod tests {
  use super::*;
  use std::time::Duration;

  fn run_on_pool_threads(metrics: &Metrics, tasks_each: usize) {
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    let barrier = std::sync::Barrier::new(2);
    pool.broadcast(|_| {
      barrier.wait();
      for _ in 0..tasks_each {
        let start = metrics.started(0, Some(Instant::now() - Duration::from_millis(2)));
        metrics.finished(0, start);
      }
    });
  }

  #[test]
  fn every_threads_samples_are_merged_when_read() {
    let metrics = Metrics::new(true, 2, 1);
    run_on_pool_threads(&metrics, 500);
    let timings = metrics.task_timings(0).expect("task 0 ran");
    assert_eq!(timings.wait.summary().count, 1000);
    assert_eq!(timings.run.summary().count, 1000);
    assert!(timings.wait.summary().min >= 2.0);
  }

  #[test]
  fn a_reset_hides_the_samples_of_threads_that_have_not_recorded_since() {
    let metrics = Metrics::new(true, 2, 1);
    run_on_pool_threads(&metrics, 10);
    metrics.reset(0);
    assert_eq!(metrics.task_timings(0).expect("task 0 ran").wait.summary().count, 0);
    let start = metrics.started(0, Some(Instant::now()));
    metrics.finished(0, start);
    let timings = metrics.task_timings(0).unwrap();
    assert_eq!((timings.wait.summary().count, timings.run.summary().count), (1, 1));
  }

  #[test]
  fn a_task_that_never_ran_has_no_timings() {
    let metrics = Metrics::new(true, 2, 2);
    run_on_pool_threads(&metrics, 1);
    assert!(metrics.task_timings(1).is_none());
    assert!(metrics.task_timings(0).is_some());
  }
}
