//! Where settled tasks go: the stats counters and the batch of completions for the JS thread.

use crossbeam_utils::CachePadded;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

use super::{Output, TaskError, TaskId};

/// One settled task, on its way to the JS thread.
#[derive(Debug)]
pub struct Completion {
  pub id: u64,
  pub result: Result<Output, TaskError>,
}

/// Counts for one task name (or for the whole pool).
#[derive(Default)]
pub struct Counters {
  /// Written by the submitting (JS) thread, the others by pool threads: apart, so that neither
  /// waits for the other's cache line.
  pub submitted: CachePadded<AtomicU64>,
  pub completed: AtomicU64,
  pub failed: AtomicU64,
  pub cancelled: AtomicU64,
}

/// A plain copy of `Counters`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountersSnapshot {
  pub submitted: u64,
  pub completed: u64,
  pub failed: u64,
  pub cancelled: u64,
}

impl Counters {
  pub fn snapshot(&self) -> CountersSnapshot {
    CountersSnapshot {
      submitted: self.submitted.load(Ordering::Acquire),
      completed: self.completed.load(Ordering::Acquire),
      failed: self.failed.load(Ordering::Acquire),
      cancelled: self.cancelled.load(Ordering::Acquire),
    }
  }

  fn count(&self, result: &Result<Output, TaskError>) {
    let counter = match result {
      Ok(_) => &self.completed,
      Err(error) if error.is_abort() => &self.cancelled,
      Err(_) => &self.failed,
    };
    counter.fetch_add(1, Ordering::AcqRel);
  }
}

/// Settled tasks wait here for the JS thread; `wake` runs once per batch, when the first
/// completion lands after the JS thread last took the batch.
pub struct Outbox {
  /// Pool threads push, the JS thread takes: its own cache line, apart from the counters.
  pending: CachePadded<Mutex<Vec<Completion>>>,
  wake_scheduled: AtomicBool,
  wake: Box<dyn Fn() + Send + Sync>,
  pub total: Counters,
  pub per_task: Vec<Counters>,
}

impl Outbox {
  pub fn new(task_count: usize, wake: Box<dyn Fn() + Send + Sync>) -> Outbox {
    Outbox {
      pending: CachePadded::new(Mutex::new(Vec::new())),
      wake_scheduled: AtomicBool::new(false),
      wake,
      total: Counters::default(),
      per_task: (0..task_count).map(|_| Counters::default()).collect(),
    }
  }

  pub(super) fn record_submit(&self, task: TaskId) {
    self.total.submitted.fetch_add(1, Ordering::AcqRel);
    self.per_task[task].submitted.fetch_add(1, Ordering::AcqRel);
  }

  pub(super) fn record(&self, task: TaskId, result: &Result<Output, TaskError>) {
    self.total.count(result);
    self.per_task[task].count(result);
  }

  /// Counts a settled task and queues its completion for the JS thread. The engine calls it once
  /// per task.
  pub fn settle(&self, id: u64, task: TaskId, result: Result<Output, TaskError>) {
    self.record(task, &result);
    self.pending.lock().unwrap_or_else(|e| e.into_inner()).push(Completion { id, result });
    self.schedule_wake();
  }

  /// Wakes the JS thread for the next batch, unless a wake is already on its way. The engine
  /// also calls it with no completion, when the queue falls below `maxQueue`: JS then re-reads
  /// the queue and emits `'drain'` even though no task settled.
  pub(super) fn schedule_wake(&self) {
    if !self.wake_scheduled.swap(true, Ordering::AcqRel) {
      (self.wake)();
    }
  }

  /// Takes every completion so far. Called by the JS thread when woken, or when it stops
  /// polling: from here on, a completion wakes it again.
  pub fn take_batch(&self) -> Vec<Completion> {
    // Clear the flag first: a completion pushed after this point schedules a new wake.
    self.wake_scheduled.store(false, Ordering::SeqCst);
    self.take_pending()
  }

  /// Takes every completion so far for a JS thread that polls for them and will call
  /// `take_batch` when it stops: until then no completion wakes it. The wake-up costs the pool
  /// thread a syscall under the threadsafe function's lock, and the JS thread that polls meets
  /// that lock held, and sleeps on it.
  pub fn take_polled(&self) -> Vec<Completion> {
    self.wake_scheduled.store(true, Ordering::SeqCst);
    self.take_pending()
  }

  fn take_pending(&self) -> Vec<Completion> {
    let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
    if pending.is_empty() {
      return Vec::new(); // a poll that finds nothing allocates nothing
    }
    let capacity = pending.len().max(16);
    std::mem::replace(&mut *pending, Vec::with_capacity(capacity))
  }
}
