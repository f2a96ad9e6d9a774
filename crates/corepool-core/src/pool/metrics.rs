//! What the pool measures about itself besides counters: queue wait and run time histograms (for
//! the pool and per task name), busy time per thread for exact utilization, and the queue's
//! high-water mark. Each pool thread records into histograms of its own (a `Shard`) with relaxed
//! loads and stores: no lock and no cache line shared between threads on the hot path. Readers
//! merge the shards; the pool-wide histograms are the merge of every task's.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::OnceLock;
use std::time::Instant;

use super::histogram::{Timings, TimingsSnapshot};
use super::TaskId;

/// One pool thread's busy time. Invariant: only its own thread writes it, so it updates with plain
/// loads and stores, like `Histogram::record`.
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

/// The histograms that one thread records into. Invariant: only that thread writes them, and it
/// alone empties them, when it sees that `Metrics::generation` has moved past `generation`.
struct Shard {
  /// The reset generation that the histograms hold samples of; readers skip an older shard.
  generation: AtomicU64,
  per_task: Vec<OnceLock<Box<Timings>>>,
}

pub struct Metrics {
  enabled: bool,
  epoch: Instant,
  /// Nanoseconds since `epoch` at the last reset; utilization counts from there.
  reset_at: AtomicU64,
  /// Busy nanoseconds per thread at the last reset.
  busy_at_reset: Vec<AtomicU64>,
  threads: Vec<ThreadClock>,
  /// One per pool thread, and a last one for work run elsewhere (an engine's tests).
  shards: Vec<Shard>,
  /// Counts `reset` calls: a shard from an older generation is stale.
  generation: AtomicU64,
  /// Serialises recording into the last shard, which threads outside the pool share.
  outside: std::sync::Mutex<()>,
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
      busy_at_reset: (0..threads).map(|_| AtomicU64::new(0)).collect(),
      threads: (0..threads).map(|_| ThreadClock::default()).collect(),
      shards: (0..=threads)
        .map(|_| Shard { generation: AtomicU64::new(0), per_task: (0..task_count).map(|_| OnceLock::new()).collect() })
        .collect(),
      generation: AtomicU64::new(0),
      outside: std::sync::Mutex::new(()),
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
    let submitted = submitted?;
    let now = Instant::now();
    let wait = now.saturating_duration_since(submitted);
    self.record(task, |timings| timings.wait.record(wait));
    if let Some(clock) = self.current_thread() {
      let depth = clock.depth.load(Ordering::Relaxed);
      clock.depth.store(depth + 1, Ordering::Relaxed);
      if depth == 0 {
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
    self.record(task, |timings| timings.run.record(run));
    if let Some(clock) = self.current_thread() {
      let depth = clock.depth.load(Ordering::Relaxed).saturating_sub(1);
      clock.depth.store(depth, Ordering::Relaxed);
      if depth == 0 {
        let since = clock.running_since.load(Ordering::Relaxed).saturating_sub(1);
        let busy = clock.busy_nanos.load(Ordering::Relaxed) + self.nanos_at(now).saturating_sub(since);
        // A reader between the two stores misses this task for a moment, which never shows a
        // thread busier than the time elapsed.
        clock.running_since.store(0, Ordering::Relaxed);
        clock.busy_nanos.store(busy, Ordering::Relaxed);
      }
    }
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
    self.generation.fetch_add(1, Ordering::AcqRel);
    self.queue_high_water.0.store(queued_now, Ordering::Relaxed);
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

  /// Records into the current thread's shard, emptying it first if a reset happened since.
  fn record(&self, task: TaskId, record: impl FnOnce(&Timings)) {
    let pool_thread = rayon::current_thread_index().filter(|&index| index < self.threads.len());
    let _outside = pool_thread.is_none().then(|| self.outside.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    let shard = &self.shards[pool_thread.unwrap_or(self.threads.len())];
    let generation = self.generation.load(Ordering::Acquire);
    if shard.generation.load(Ordering::Relaxed) != generation {
      for timings in shard.per_task.iter().filter_map(OnceLock::get) {
        timings.reset();
      }
      shard.generation.store(generation, Ordering::Release);
    }
    record(shard.per_task[task].get_or_init(Box::default));
  }

  fn current_thread(&self) -> Option<&ThreadClock> {
    self.threads.get(rayon::current_thread_index()?)
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
