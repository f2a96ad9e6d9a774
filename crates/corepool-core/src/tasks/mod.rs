//! The kernel API: a task is a name, the `exec` options it reads, and a `prepare` function that
//! reads and validates its JS arguments on the JS thread and returns the `Work` that runs on a
//! pool thread. Addons register their tasks with `register_tasks!`.

mod args;
mod batch;
mod read;
pub mod typed;
mod value;

use std::sync::{LazyLock, Mutex};

pub use args::TaskArgs;
pub(crate) use batch::{prepare_many, BatchMode};
pub use value::Value;

use crate::pool::{TaskError, Work};

/// One named task: `prepare` validates on the JS thread and returns what runs off it.
#[derive(Clone, Copy)]
pub struct TaskDef {
  pub name: &'static str,
  /// The `exec` options `prepare` reads, besides the pool's own (`lib/options.js`): `exec`
  /// refuses any other name.
  pub options: &'static [&'static str],
  pub prepare: fn(&mut TaskArgs) -> Result<Work, TaskError>,
}

impl TaskDef {
  /// A task that reads no options of its own.
  pub const fn new(name: &'static str, prepare: fn(&mut TaskArgs) -> Result<Work, TaskError>) -> Self {
    TaskDef { name, options: &[], prepare }
  }

  /// The same task, declaring the `exec` options its `prepare` reads.
  pub const fn with_options(self, options: &'static [&'static str]) -> Self {
    TaskDef { options, ..self }
  }
}

/// Families registered at load, in order. Read once, by the first `registry()`.
static FAMILIES: Mutex<Vec<&'static [TaskDef]>> = Mutex::new(Vec::new());

static REGISTRY: LazyLock<Vec<TaskDef>> = LazyLock::new(|| {
  let families = FAMILIES.lock().unwrap_or_else(|e| e.into_inner());
  families.iter().flat_map(|family| family.iter()).copied().collect()
});

/// Adds task families; `register_tasks!` calls this when the addon loads. Families registered
/// after the first `registry()` (after JS first asked for the tasks) are not seen.
pub fn register(families: &[&'static [TaskDef]]) {
  FAMILIES.lock().unwrap_or_else(|e| e.into_inner()).extend_from_slice(families);
}

/// Every task, in a stable order: a task's index is its id for stats.
pub fn registry() -> &'static [TaskDef] {
  &REGISTRY
}
