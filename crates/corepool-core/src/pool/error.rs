//! What can happen to a task instead of producing a value.

use std::fmt;

/// Why a task settled without a value. Each variant keeps its own JS `err.code`.
#[derive(Debug, Clone, PartialEq)]
pub enum TaskError {
  /// The input was rejected by the kernel (`ERR_INVALID_ARG`); the message names the argument.
  InvalidArg(String),
  /// The kernel panicked; the thread caught it and keeps serving (`ERR_TASK_PANICKED`).
  Panicked(String),
  /// The task's signal aborted it, while queued or at a cancellation check (`ABORT_ERR`).
  Cancelled,
  /// The task ran past `options.timeout` and stopped at a cancellation check (`ERR_TASK_TIMEOUT`).
  TimedOut,
  /// The pool was closed with force, destroyed or torn down before the task could finish (`ABORT_ERR`).
  PoolClosed,
  /// Decompression or another producer would exceed its output limit (`ERR_OUTPUT_TOO_LARGE`).
  OutputTooLarge(String),
  /// The operating system refused an I/O call; `code` is its name, such as `ENOENT`.
  Io { code: String, message: String },
  /// The kernel failed for a reason of its own, such as corrupt compressed data.
  Failed { code: &'static str, message: String },
}

impl TaskError {
  /// The stable `err.code` the JS layer exposes.
  pub fn code(&self) -> &str {
    match self {
      TaskError::InvalidArg(_) => "ERR_INVALID_ARG",
      TaskError::Panicked(_) => "ERR_TASK_PANICKED",
      TaskError::Cancelled | TaskError::PoolClosed => "ABORT_ERR",
      TaskError::TimedOut => "ERR_TASK_TIMEOUT",
      TaskError::OutputTooLarge(_) => "ERR_OUTPUT_TOO_LARGE",
      TaskError::Io { code, .. } => code,
      TaskError::Failed { code, .. } => code,
    }
  }

  /// Whether the task counts as cancelled (an AbortError) rather than failed in the stats.
  pub fn is_abort(&self) -> bool {
    matches!(self, TaskError::Cancelled | TaskError::PoolClosed)
  }

  pub fn invalid(message: impl Into<String>) -> Self {
    TaskError::InvalidArg(message.into())
  }
}

/// Why `Engine::new` could not build a pool.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EngineError {
  /// The operating system refused to start one of the pool's threads; the text is its error's.
  Threads(String),
}

impl EngineError {
  /// The stable `err.code` the JS layer exposes.
  pub fn code(&self) -> &'static str {
    match self {
      EngineError::Threads(_) => "ERR_POOL_THREADS",
    }
  }
}

impl fmt::Display for EngineError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      EngineError::Threads(os) => write!(f, "could not start the pool's threads: {os}"),
    }
  }
}

impl fmt::Display for TaskError {
  fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    match self {
      TaskError::InvalidArg(m) | TaskError::Panicked(m) | TaskError::OutputTooLarge(m) => f.write_str(m),
      TaskError::Cancelled => f.write_str("The operation was aborted"),
      TaskError::TimedOut => f.write_str("The task ran past its timeout"),
      TaskError::PoolClosed => f.write_str("The pool was closed before the task finished"),
      TaskError::Io { message, .. } | TaskError::Failed { message, .. } => f.write_str(message),
    }
  }
}

impl From<std::io::Error> for TaskError {
  fn from(err: std::io::Error) -> Self {
    let code = err.raw_os_error().and_then(errno_name).unwrap_or("EIO").to_string();
    TaskError::Io { code, message: err.to_string() }
  }
}

/// The symbolic name Node uses for an errno value (the common ones for file work), from libc's
/// own constants so that each is right on every platform.
fn errno_name(errno: i32) -> Option<&'static str> {
  const NAMES: &[(i32, &str)] = &[
    (libc::EPERM, "EPERM"),
    (libc::ENOENT, "ENOENT"),
    (libc::EIO, "EIO"),
    (libc::EBADF, "EBADF"),
    (libc::ENOMEM, "ENOMEM"),
    (libc::EACCES, "EACCES"),
    (libc::EEXIST, "EEXIST"),
    (libc::ENOTDIR, "ENOTDIR"),
    (libc::EISDIR, "EISDIR"),
    (libc::EINVAL, "EINVAL"),
    (libc::ENFILE, "ENFILE"),
    (libc::EMFILE, "EMFILE"),
    (libc::EFBIG, "EFBIG"),
    (libc::ENOSPC, "ENOSPC"),
    (libc::EROFS, "EROFS"),
    (libc::ENAMETOOLONG, "ENAMETOOLONG"),
    (libc::ELOOP, "ELOOP"),
  ];
  NAMES.iter().find(|(number, _)| *number == errno).map(|(_, name)| *name)
}
