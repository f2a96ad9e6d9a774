//! File I/O around tasks: `{ path }` inputs are read, and `options.destination` outputs written,
//! off the pool's CPU threads and off libuv's threadpool (shared with Node's fs, dns and zlib).
//! The bytes never cross into JS.
//!
//! Each input is read on a thread of its own, in chunks, checking between chunks that the task
//! still wants it and that it stays within `maxInputLength`. Files that can block (a FIFO, a
//! socket, a terminal) are opened non-blocking and polled with a short timeout, so a read that
//! never completes is abandoned at abort, close or destroy instead of holding anything.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock};

use crate::js::FileSlot;
use crate::pool::{AfterHook, CancelToken, Output, Stages, TaskError};

/// Default `options.maxInputLength` for `{ path }` inputs: 256 MiB.
pub const DEFAULT_MAX_INPUT: u64 = 256 * 1024 * 1024;
/// Largest `options.maxInputLength`: 4 GiB, Node 20's largest Buffer.
pub const MAX_INPUT_LIMIT: u64 = 1 << 32;
/// Bytes per read: between two reads the reader checks for cancellation and the limit.
const CHUNK: usize = 256 * 1024;
/// How long one poll of a file that can block waits before the reader checks for cancellation.
const POLL_MS: i32 = 20;

/// One I/O runtime per process for writing destinations, started on first use.
static IO: LazyLock<Option<tokio::runtime::Runtime>> = LazyLock::new(|| {
  tokio::runtime::Builder::new_multi_thread().worker_threads(1).max_blocking_threads(8).thread_name("corepool-io").build().ok()
});

fn io() -> Result<&'static tokio::runtime::Runtime, TaskError> {
  IO.as_ref().ok_or_else(|| TaskError::Failed { code: "ERR_IO_RUNTIME", message: "corepool could not start its I/O threads".into() })
}

/// The I/O stages for a task that reads `inputs` and, with `destination`, writes its result.
pub fn stages(inputs: Vec<Arc<FileSlot>>, destination: Option<PathBuf>) -> Result<Stages, TaskError> {
  let mut stages = Stages::default();
  if !inputs.is_empty() {
    stages.before = Some(Box::new(move |token, ready| {
      // Shared so that `ready` still runs, with the error, if the thread cannot start.
      let ready = Arc::new(std::sync::Mutex::new(Some(ready)));
      let for_thread = ready.clone();
      let reader = std::thread::Builder::new().name("corepool-read".into());
      let started = reader.spawn(move || {
        let result = read_all(&inputs, &token);
        if let Some(ready) = for_thread.lock().unwrap_or_else(|e| e.into_inner()).take() {
          ready(result);
        }
      });
      if let Err(err) = started {
        if let Some(ready) = ready.lock().unwrap_or_else(|e| e.into_inner()).take() {
          ready(Err(TaskError::from(err)));
        }
      }
    }));
  }
  if let Some(path) = destination {
    stages.after = Some(write_result(io()?, path));
  }
  Ok(stages)
}

fn read_all(inputs: &[Arc<FileSlot>], token: &CancelToken) -> Result<(), TaskError> {
  for slot in inputs {
    let data = read_file(&slot.path, slot.limit, token)?;
    let _ = slot.data.set(data);
  }
  Ok(())
}

/// Reads `path` in chunks; stops with `Cancelled` once `token` is cancelled, and with
/// `ERR_INPUT_TOO_LARGE` past `limit` bytes.
fn read_file(path: &Path, limit: u64, token: &CancelToken) -> Result<Vec<u8>, TaskError> {
  let mut file =
    std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|err| with_path(err, "open", path))?;
  let metadata = file.metadata().map_err(|err| with_path(err, "fstat", path))?;
  if metadata.is_dir() {
    return Err(with_path(std::io::Error::from_raw_os_error(libc::EISDIR), "read", path));
  }
  let may_block = !metadata.is_file();
  // A regular file's size is a good first guess (a /proc file says 0: grow as it comes).
  let mut data = Vec::with_capacity((metadata.len().min(limit) as usize).min(64 * 1024 * 1024));
  loop {
    token.check()?;
    if may_block && !poll_readable(&file, token)? {
      continue;
    }
    let before = data.len();
    let wanted = CHUNK.min((limit + 1).saturating_sub(before as u64) as usize).max(1);
    data.reserve(wanted);
    match (&mut file).take(wanted as u64).read_to_end(&mut data) {
      Ok(0) => return Ok(data),
      Ok(_) => {}
      Err(err) if err.kind() == ErrorKind::WouldBlock || err.kind() == ErrorKind::Interrupted => {}
      Err(err) => return Err(with_path(err, "read", path)),
    }
    if data.len() as u64 > limit {
      return Err(TaskError::Failed {
        code: "ERR_INPUT_TOO_LARGE",
        message: format!("'{}' is larger than options.maxInputLength ({limit} bytes)", path.display()),
      });
    }
  }
}

/// Waits up to `POLL_MS` for `file` to be readable (or at its end); false if it is not yet.
fn poll_readable(file: &File, token: &CancelToken) -> Result<bool, TaskError> {
  let mut poll = libc::pollfd { fd: file.as_raw_fd(), events: libc::POLLIN, revents: 0 };
  // SAFETY: one valid pollfd for a descriptor `file` keeps open during the call.
  let ready = unsafe { libc::poll(&mut poll, 1, POLL_MS) };
  token.check()?;
  Ok(ready > 0)
}

/// Writes a bytes result to `path` and resolves with `{ path, bytesWritten }`.
fn write_result(runtime: &'static tokio::runtime::Runtime, path: PathBuf) -> AfterHook {
  Box::new(move |result, settle| match result {
    Ok(Output::Buffer(bytes)) => {
      runtime.spawn(async move {
        let written = tokio::fs::write(&path, &bytes).await.map_err(|err| with_path(err, "open", &path));
        settle.finish(written.map(|()| {
          Output::Object(vec![
            ("path", Output::String(path.to_string_lossy().into_owned())),
            ("bytesWritten", Output::Number(bytes.len() as f64)),
          ])
        }));
      });
    }
    Ok(_) => settle.finish(Err(TaskError::invalid("options.destination needs a task whose result is bytes"))),
    Err(error) => settle.finish(Err(error)),
  })
}

/// An OS error worded like Node's own (`ENOENT: no such file or directory, open '/x'`), keeping
/// the OS code as `err.code`.
fn with_path(err: std::io::Error, syscall: &str, path: &std::path::Path) -> TaskError {
  let description = err.to_string();
  let description = description.split(" (os error").next().unwrap_or(&description).to_lowercase();
  match TaskError::from(err) {
    TaskError::Io { code, .. } => TaskError::Io { message: format!("{code}: {description}, {syscall} '{}'", path.display()), code },
    other => other,
  }
}
