//! The cooperative cancellation token that every running task holds.

use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use super::TaskError;

const CANCELLED: u8 = 1;

/// A cheap, cloneable flag plus an optional deadline; once cancelled it stays cancelled.
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

  /// Asks the task to stop at its next check. Idempotent.
  pub fn cancel(&self) {
    self.0.state.store(CANCELLED, Ordering::Release);
  }

  pub fn is_cancelled(&self) -> bool {
    self.0.state.load(Ordering::Acquire) == CANCELLED
  }

  /// Starts the timeout clock; called by the engine when the task leaves the queue.
  pub(crate) fn start_clock(&self, timeout: Option<Duration>) {
    if let Some(timeout) = timeout {
      let _ = self.0.deadline.set(Instant::now() + timeout);
    }
  }

  /// Kernels call this about once per millisecond of work: `Err` means stop now and return it.
  #[inline]
  pub fn check(&self) -> Result<(), TaskError> {
    if self.is_cancelled() {
      return Err(TaskError::Cancelled);
    }
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
}
