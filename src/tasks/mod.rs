//! corepool's own kernels, registered by name through corepool-core's kernel API, as any addon
//! built on it registers its own. Each family lives in its own file and exports its `TaskDef`s:
//! a `prepare` step that reads and validates the JS arguments on the JS thread, and returns the
//! `Work` that runs on a pool thread.

mod compress;
mod deflate;
mod hash;
mod math;
mod numbers;
mod password;
mod testing;

pub use corepool_core::tasks::{typed, TaskArgs, TaskDef};

// Every family, in a stable order: a task's index is its id for stats.
corepool_core::register_tasks!(math::TASKS, hash::TASKS, password::TASKS, compress::TASKS, numbers::TASKS, testing::TASKS);

/// Iterations a counting kernel runs between two looks at its cancellation token.
pub(crate) const CHECK_EVERY: u64 = 1 << 16;
