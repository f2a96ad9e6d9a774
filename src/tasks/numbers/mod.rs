//! Sorting (`sort.rs`) and summary statistics (`stats.rs`) of numeric TypedArrays.

mod sort;
mod stats;

use super::TaskDef;

pub const TASKS: &[TaskDef] = &[
  TaskDef { name: "sort", options: &["inPlace"], prepare: sort::prepare },
  TaskDef { name: "stats", options: &["sample", "percentiles"], prepare: stats::prepare },
];

/// Elements per parallel chunk (and per cancellation check) in linear passes: well under 1 ms.
const CHUNK: usize = 1 << 16;
