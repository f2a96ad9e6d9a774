//! The task kernels, registered by name. Each family lives in its own file and exports its
//! `TaskDef`s: a `prepare` step that reads and validates the JS arguments on the JS thread, and
//! returns the `Work` that runs on a pool thread.

mod args;
mod compress;
mod hash;
mod math;
mod numbers;
mod testing;
mod typed;

use std::sync::LazyLock;

pub use args::TaskArgs;

use crate::pool::{TaskError, Work};

/// One named task: `prepare` validates on the JS thread and returns what runs off it.
pub struct TaskDef {
  pub name: &'static str,
  pub prepare: fn(&mut TaskArgs) -> Result<Work, TaskError>,
}

static REGISTRY: LazyLock<Vec<TaskDef>> = LazyLock::new(|| {
  let families: [&[TaskDef]; 5] = [math::TASKS, hash::TASKS, testing::TASKS, compress::TASKS, numbers::TASKS];
  families.into_iter().flat_map(|family| family.iter()).map(|def| TaskDef { ..*def }).collect()
});

/// Every task, in a stable order: a task's index is its id for stats.
pub fn registry() -> &'static [TaskDef] {
  &REGISTRY
}

impl Clone for TaskDef {
  fn clone(&self) -> Self {
    TaskDef { ..*self }
  }
}
impl Copy for TaskDef {}

/// Runs a loop body `count` times in chunks, checking the token between chunks.
pub(crate) const CHECK_EVERY: u64 = 1 << 16;
