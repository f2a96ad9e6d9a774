//! File I/O around tasks: `{ path }` inputs are read, and `options.destination` outputs written,
//! with tokio's async file API on corepool's own I/O runtime, so that neither the pool's CPU
//! threads nor libuv's threadpool (shared with Node's fs, dns and zlib) wait on the disk. The
//! bytes never cross into JS.

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};

use crate::js::FileSlot;
use crate::pool::{AfterHook, Output, Stages, TaskError};

/// One I/O runtime per process, started on first use: a single async worker (I/O needs no more)
/// and tokio's blocking file threads, named so they are easy to find in a profiler.
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
    let runtime = io()?;
    stages.before = Some(Box::new(move |ready| {
      runtime.spawn(async move { ready(read_all(inputs).await) });
    }));
  }
  if let Some(path) = destination {
    stages.after = Some(write_result(io()?, path));
  }
  Ok(stages)
}

async fn read_all(inputs: Vec<Arc<FileSlot>>) -> Result<(), TaskError> {
  for slot in inputs {
    let data = tokio::fs::read(&slot.path).await.map_err(|err| with_path(err, "open", &slot.path))?;
    let _ = slot.data.set(data);
  }
  Ok(())
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
