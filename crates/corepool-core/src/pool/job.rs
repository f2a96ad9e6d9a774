//! A task between `submit` and its settlement, and the values it can produce.

use std::any::Any;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::outbox::Outbox;
use super::{CancelToken, TaskError};

/// The off-thread part of a task: runs once on a pool thread, checking the token as it goes.
pub type Work = Box<dyn FnOnce(&CancelToken) -> Result<Output, TaskError> + Send>;

/// Work that runs on a thread outside the pool (a JS worker), which takes it from the queue
/// itself (`Engine::take_external`). A pool thread that takes it instead calls `hand_over`,
/// which passes it on to such a thread with the pool thread's budget slot.
pub trait ExternalWork: Send {
  fn hand_over(self: Box<Self>, started: super::Started, lease: super::Lease);
  /// For the taker, which knows the concrete type.
  fn into_any(self: Box<Self>) -> Box<dyn Any + Send>;
}

/// What a job runs: a kernel on a pool thread, or external work.
pub enum JobWork {
  Pool(Work),
  External(Box<dyn ExternalWork>),
}

/// Index of a task kernel in the registry; used for per-task stats.
pub type TaskId = usize;

/// A task's result, built on a pool thread and turned into a JS value on the JS thread.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
  Undefined,
  Null,
  Bool(bool),
  Number(f64),
  BigInt(i64),
  String(String),
  /// A string as UTF-16 code units, lone surrogates kept: a JS task's string result.
  Utf16(Vec<u16>),
  Buffer(Vec<u8>),
  Float64Array(Vec<f64>),
  Float32Array(Vec<f32>),
  Int32Array(Vec<i32>),
  Uint32Array(Vec<u32>),
  BigInt64Array(Vec<i64>),
  /// Resolve with the task's own input object (work done in place).
  Input,
  /// Resolve with the task's input after copying these bytes over its elements: work done in
  /// place on a copy of an input that JS could have transferred or shrunk meanwhile.
  IntoInput(Vec<u8>),
  Array(Vec<Output>),
  Object(Vec<(&'static str, Output)>),
  /// One result per input of a batch (`execMany`), in input order.
  Settled(Vec<Result<Output, TaskError>>),
}

/// Hands a task's result on instead of settling it at once: for I/O after the CPU work (writing
/// a file), which must run off the pool's threads. It settles the task through `Settle`.
pub type AfterHook = Box<dyn FnOnce(Result<Output, TaskError>, super::Settle) + Send>;

/// A submitted task. It settles exactly once: through `finish`, `finish_silently`, or else its Drop,
/// which settles it as `PoolClosed` so that no promise is ever left pending.
pub struct Job {
  pub(super) id: u64,
  pub(super) task: TaskId,
  pub(super) work: Option<JobWork>,
  pub(super) token: CancelToken,
  pub(super) timeout: Option<Duration>,
  pub(super) after: Option<AfterHook>,
  /// When it was submitted, if the pool measures queue wait.
  pub(super) submitted_at: Option<Instant>,
  outbox: Arc<Outbox>,
  settled: bool,
}

impl Job {
  pub(super) fn new(id: u64, task: TaskId, work: JobWork, timeout: Option<Duration>, outbox: Arc<Outbox>) -> Job {
    Job { id, task, work: Some(work), token: CancelToken::new(), timeout, after: None, submitted_at: None, outbox, settled: false }
  }

  /// Settles through the completion queue: the JS thread will see it.
  pub(super) fn finish(mut self, result: Result<Output, TaskError>) {
    self.settled = true;
    self.outbox.settle(self.id, self.task, result);
  }

  /// Drops a job that was never submitted: nothing to count or deliver.
  pub(super) fn finish_unsubmitted(mut self) {
    self.settled = true;
  }

  /// Settles in the stats only: the caller (on the JS thread) settles the promise itself.
  pub(super) fn finish_silently(mut self, error: TaskError) {
    self.settled = true;
    self.outbox.record(self.task, &Err(error));
  }
}

impl Drop for Job {
  fn drop(&mut self) {
    if !self.settled {
      self.outbox.settle(self.id, self.task, Err(TaskError::PoolClosed));
    }
  }
}
