//! The task kernels, registered by name. Each family lives in its own file and exports its
//! `TaskDef`s: a `prepare` step that reads and validates the JS arguments on the JS thread, and
//! returns the `Work` that runs on a pool thread.

mod args;
mod batch;
mod compress;
mod deflate;
mod hash;
mod math;
mod numbers;
mod password;
mod testing;
mod typed;

use std::sync::LazyLock;

pub use args::TaskArgs;
pub use batch::{prepare_many, BatchMode};

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

static REGISTRY: LazyLock<Vec<TaskDef>> = LazyLock::new(|| {
  let families: [&[TaskDef]; 6] = [math::TASKS, hash::TASKS, password::TASKS, compress::TASKS, numbers::TASKS, testing::TASKS];
  families.into_iter().flat_map(|family| family.iter()).copied().collect()
});

/// Every task, in a stable order: a task's index is its id for stats.
pub fn registry() -> &'static [TaskDef] {
  &REGISTRY
}

/// Iterations a counting kernel runs between two looks at its cancellation token.
pub(crate) const CHECK_EVERY: u64 = 1 << 16;
