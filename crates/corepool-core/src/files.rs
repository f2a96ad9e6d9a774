//! File I/O around tasks: `{ path }` inputs are read, and `options.destination` outputs written,
//! off libuv's threadpool (shared with Node's fs, dns and zlib). The bytes never cross into JS.
//!
//! An input is read as its kernel consumes it (`FileReader`, a `ChunkSource`): one chunk at a
//! time, on the pool thread that runs the task, checking between chunks that the task is still
//! wanted and that the input stays within `maxInputLength`. Memory holds one chunk of it, not the
//! file. A file that can block (a FIFO, a socket, a terminal, a device) is opened non-blocking
//! and polled with a short timeout, so a read that never completes is abandoned at abort, close
//! or destroy; such a file is also opened, and waited on until it has data, before its task is
//! queued (on a thread of its own), so that a writer that never comes holds no pool thread.

use std::fs::File;
use std::io::{ErrorKind, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::os::unix::io::AsRawFd;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};

use crate::chunks::ChunkSource;
use crate::pool::{AfterHook, CancelToken, Output, Stages, TaskError};

/// Default `options.maxInputLength` for `{ path }` inputs: 256 MiB.
pub const DEFAULT_MAX_INPUT: u64 = 256 * 1024 * 1024;
/// Largest `options.maxInputLength`: 4 GiB, Node 20's largest Buffer.
pub const MAX_INPUT_LIMIT: u64 = 1 << 32;
/// Bytes per read: the most of a file that is in memory at once.
pub const CHUNK: usize = 256 * 1024;
/// How long one poll of a file that can block waits before the reader checks for cancellation.
const POLL_MS: i32 = 20;

/// One I/O runtime per process for writing destinations, started on first use.
static IO: LazyLock<Option<tokio::runtime::Runtime>> = LazyLock::new(|| {
  tokio::runtime::Builder::new_multi_thread().worker_threads(1).max_blocking_threads(8).thread_name("corepool-io").build().ok()
});

fn io() -> Result<&'static tokio::runtime::Runtime, TaskError> {
  IO.as_ref().ok_or_else(|| TaskError::Failed { code: "ERR_IO_RUNTIME", message: "corepool could not start its I/O threads".into() })
}

/// A `{ path }` input of a task. Invariant: `waited` holds a reader only if the task's `before`
/// stage opened the file (because it can block) and saw it readable; the work takes it from there.
pub struct FileInput {
  pub path: PathBuf,
  /// `options.maxInputLength`: reading stops with `ERR_INPUT_TOO_LARGE` past this many bytes.
  pub limit: u64,
  waited: Mutex<Option<FileReader>>,
}

impl FileInput {
  pub fn new(path: PathBuf, limit: u64) -> FileInput {
    FileInput { path, limit, waited: Mutex::new(None) }
  }

  /// The reader the work consumes: the one the `before` stage opened, or one that opens the file
  /// at its first read.
  pub fn reader(&self) -> FileReader {
    self.waited.lock().unwrap_or_else(|e| e.into_inner()).take().unwrap_or_else(|| FileReader::new(self.path.clone(), self.limit))
  }

  /// When the file can block, opens it and waits until it has data or has ended, so that the
  /// task is queued only then. Other files (regular ones, missing ones) are left to the work.
  fn wait_if_blocking(&self, token: &CancelToken) -> Result<(), TaskError> {
    let can_block = std::fs::metadata(&self.path).is_ok_and(|metadata| !metadata.is_file() && !metadata.is_dir());
    if can_block {
      let mut reader = FileReader::new(self.path.clone(), self.limit);
      reader.wait_readable(token)?;
      *self.waited.lock().unwrap_or_else(|e| e.into_inner()) = Some(reader);
    }
    Ok(())
  }
}

/// The I/O stages for a task that reads `inputs` and, with `destination`, writes its result.
pub fn stages(inputs: Vec<Arc<FileInput>>, destination: Option<PathBuf>) -> Result<Stages, TaskError> {
  let mut stages = Stages::default();
  if !inputs.is_empty() {
    stages.before = Some(Box::new(move |token, ready| {
      // Shared so that `ready` still runs, with the error, if the thread cannot start.
      let ready = Arc::new(std::sync::Mutex::new(Some(ready)));
      let for_thread = ready.clone();
      let waiter = std::thread::Builder::new().name("corepool-read".into());
      let started = waiter.spawn(move || {
        let result = inputs.iter().try_for_each(|input| input.wait_if_blocking(&token));
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

/// A file read one chunk at a time as it is consumed; it stops with the token's error once the
/// token is cancelled, and with `ERR_INPUT_TOO_LARGE` past `limit` bytes. The file is opened at
/// the first read (or by `wait_readable`) and closed on drop.
pub struct FileReader {
  path: PathBuf,
  limit: u64,
  file: Option<File>,
  /// Not a regular file: polled before each read, since a read may have nothing to return yet.
  may_block: bool,
  /// A regular file's length when opened (a `/proc` file says 0).
  size: u64,
  chunk: Vec<u8>,
  /// The unconsumed bytes of the last read: `chunk[start..end]`.
  start: usize,
  end: usize,
  /// Bytes read so far.
  read: u64,
  ended: bool,
}

impl FileReader {
  pub fn new(path: PathBuf, limit: u64) -> FileReader {
    FileReader { path, limit, file: None, may_block: false, size: 0, chunk: Vec::new(), start: 0, end: 0, read: 0, ended: false }
  }

  fn open(&mut self) -> Result<&mut File, TaskError> {
    if self.file.is_none() {
      let path = &self.path;
      let file =
        std::fs::OpenOptions::new().read(true).custom_flags(libc::O_NONBLOCK).open(path).map_err(|err| with_path(err, "open", path))?;
      let metadata = file.metadata().map_err(|err| with_path(err, "fstat", path))?;
      if metadata.is_dir() {
        return Err(with_path(std::io::Error::from_raw_os_error(libc::EISDIR), "read", path));
      }
      self.may_block = !metadata.is_file();
      self.size = if metadata.is_file() { metadata.len() } else { 0 };
      // A small file needs no whole chunk: its length and one byte to see the end.
      let capacity = if self.size > 0 { (self.size.saturating_add(1)).min(CHUNK as u64) as usize } else { CHUNK };
      self.chunk = vec![0; capacity];
      self.file = Some(file);
    }
    Ok(self.file.as_mut().expect("opened above"))
  }

  /// Opens the file and, if it can block, waits until it has data or has ended.
  fn wait_readable(&mut self, token: &CancelToken) -> Result<(), TaskError> {
    self.open()?;
    let file = self.file.as_ref().expect("opened above");
    while self.may_block && !poll_readable(file, token)? {}
    Ok(())
  }

  /// Reads the next chunk into `chunk[start..end]`, or marks the end.
  fn read_chunk(&mut self, token: &CancelToken) -> Result<(), TaskError> {
    self.open()?;
    let file = self.file.as_mut().expect("opened above");
    loop {
      token.check()?;
      if self.may_block && !poll_readable(file, token)? {
        continue;
      }
      // One byte past the limit at most, to tell a file of exactly `limit` bytes from a longer one.
      let wanted = (self.chunk.len() as u64).min((self.limit + 1).saturating_sub(self.read)) as usize;
      match file.read(&mut self.chunk[..wanted]) {
        Ok(0) => {
          self.ended = true;
          return Ok(());
        }
        Ok(n) => {
          self.read += n as u64;
          if self.read > self.limit {
            return Err(TaskError::Failed {
              code: "ERR_INPUT_TOO_LARGE",
              message: format!("'{}' is larger than options.maxInputLength ({} bytes)", self.path.display(), self.limit),
            });
          }
          (self.start, self.end) = (0, n);
          return Ok(());
        }
        Err(err) if err.kind() == ErrorKind::WouldBlock || err.kind() == ErrorKind::Interrupted => {}
        Err(err) => return Err(with_path(err, "read", &self.path)),
      }
    }
  }
}

impl ChunkSource for FileReader {
  fn fill(&mut self, token: &CancelToken) -> Result<&[u8], TaskError> {
    if self.start == self.end && !self.ended {
      self.read_chunk(token)?;
    }
    Ok(&self.chunk[self.start..self.end])
  }

  fn consume(&mut self, amount: usize) {
    self.start = (self.start + amount).min(self.end);
  }

  fn exact_len(&self) -> Option<usize> {
    None
  }

  fn len_hint(&self) -> usize {
    self.size.min(self.limit) as usize
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
