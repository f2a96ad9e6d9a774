//! The cooperative cancellation token that every running task holds.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::TaskError;

const RUNNING: u8 = 0;
const CANCELLED: u8 = 1;
const FINISHED: u8 = 2;

/// A cheap, cloneable flag plus an optional deadline. It moves once, from running to cancelled
/// or to finished, so a cancel and the end of the work agree on which came first.
#[derive(Clone, Default)]
pub struct CancelToken(Arc<TokenState>);

#[derive(Default)]
struct TokenState {
  state: AtomicU8,
  /// Set once, when the task starts running: `options.timeout` counts from there.
  deadline: OnceLock<Instant>,
}

impl CancelToken {
  pub fn new() -> Self {
    Self::default()
  }

  /// Asks the task to stop at its next check. Returns false if its work had already finished
  /// (then its result stands). Idempotent.
  pub fn cancel(&self) -> bool {
    match self.0.state.compare_exchange(RUNNING, CANCELLED, Ordering::AcqRel, Ordering::Acquire) {
      Ok(_) => true,
      Err(state) => state == CANCELLED,
    }
  }

  /// Ends the work: a value produced after a cancel or past the deadline does not count, so that
  /// the task settles as the caller was told (a signalled task rejects) and is counted so.
  pub(crate) fn seal<T>(&self, result: Result<T, TaskError>) -> Result<T, TaskError> {
    let cancelled = self.0.state.compare_exchange(RUNNING, FINISHED, Ordering::AcqRel, Ordering::Acquire).is_err();
    match result {
      Ok(_) if cancelled => Err(TaskError::Cancelled),
      Ok(value) => self.check_deadline().map(|()| value),
      Err(error) => Err(error),
    }
  }

  pub fn is_cancelled(&self) -> bool {
    self.0.state.load(Ordering::Acquire) == CANCELLED
  }

  /// Starts the timeout clock; called by the engine when the task leaves the queue.
  pub(crate) fn start_clock(&self, timeout: Option<Duration>) {
    if let Some(deadline) = timeout.and_then(|timeout| Instant::now().checked_add(timeout)) {
      let _ = self.0.deadline.set(deadline);
    }
  }

  /// Kernels call this about once per millisecond of work: `Err` means stop now and return it.
  #[inline]
  pub fn check(&self) -> Result<(), TaskError> {
    if self.is_cancelled() {
      return Err(TaskError::Cancelled);
    }
    self.check_deadline()
  }

  fn check_deadline(&self) -> Result<(), TaskError> {
    match self.0.deadline.get() {
      Some(deadline) if Instant::now() >= *deadline => Err(TaskError::TimedOut),
      _ => Ok(()),
    }
  }
}

#[cfg(test)]
mod tests {
  use super::*;

  #[test]
  fn a_new_token_passes_its_check() {
    assert!(CancelToken::new().check().is_ok());
  }

  #[test]
  fn a_cancelled_token_fails_every_later_check_with_cancelled() {
    let token = CancelToken::new();
    let clone = token.clone();
    token.cancel();
    assert!(matches!(clone.check(), Err(TaskError::Cancelled)));
    assert!(matches!(clone.check(), Err(TaskError::Cancelled)));
  }

  #[test]
  fn an_expired_deadline_fails_the_check_with_timed_out() {
    let token = CancelToken::new();
    token.start_clock(Some(Duration::ZERO));
    assert!(matches!(token.check(), Err(TaskError::TimedOut)));
  }

  #[test]
  fn cancellation_wins_over_an_expired_deadline() {
    let token = CancelToken::new();
    token.start_clock(Some(Duration::ZERO));
    token.cancel();
    assert!(matches!(token.check(), Err(TaskError::Cancelled)));
  }

  #[test]
  fn a_value_sealed_after_a_cancel_becomes_cancelled() {
    let token = CancelToken::new();
    assert!(token.cancel());
    assert_eq!(token.seal(Ok(1)), Err(TaskError::Cancelled));
  }

  #[test]
  fn a_cancel_after_the_seal_is_refused_and_the_value_stands() {
    let token = CancelToken::new();
    assert_eq!(token.seal(Ok(1)), Ok(1));
    assert!(!token.cancel());
    assert!(!token.is_cancelled());
  }

  #[test]
  fn a_value_sealed_past_the_deadline_times_out() {
    let token = CancelToken::new();
    token.start_clock(Some(Duration::ZERO));
    assert_eq!(token.seal(Ok(1)), Err(TaskError::TimedOut));
  }

  #[test]
  fn a_timeout_too_large_for_the_clock_means_no_deadline() {
    let token = CancelToken::new();
    token.start_clock(Some(Duration::MAX));
    assert_eq!(token.seal(Ok(1)), Ok(1));
  }
}
