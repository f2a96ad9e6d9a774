//! corepool's engine, for Node.js native addons built with napi-rs v3.
//!
//! An addon that links this crate gets corepool's whole native side: `NativePool` (a rayon pool
//! of its own per JS `Pool`, a priority queue with aging, cancellation, timeouts, promises that
//! settle exactly once, per-task stats and histograms) and the machinery of user JS tasks. What
//! the addon adds are its kernels, registered by name:
//!
//! ```ignore
//! use corepool_core::kernel::*;
//!
//! fn prepare_double(args: &mut TaskArgs) -> Result<Work, TaskError> {
//!   let n = args.input_uint(1 << 40)?; // JS thread: read and validate
//!   Ok(Box::new(move |_token| Ok(Output::Number(2.0 * n as f64)))) // pool thread
//! }
//!
//! const TASKS: &[TaskDef] = &[TaskDef::new("double", prepare_double)];
//! corepool_core::register_tasks!(TASKS);
//! ```
//!
//! In JS, `require('corepool').withBinding(require('./my-addon.node'))` then gives corepool's
//! JS API (`Pool`, `runCluster`, ...) over the addon. The kernel API is [`kernel`]; the guide
//! (safety rules, cancellation, error codes, versioning) is docs/custom-kernels.md in the
//! corepool repository. Pin this crate to an exact version (`corepool-core = "=0.1.0"`): the
//! JS package and this crate speak one protocol, released together.

#![deny(clippy::undocumented_unsafe_blocks)]

mod bridge;
pub mod chunks;
mod files;
mod js;
mod js_tasks;
mod keyed;
pub mod pool;
mod surface;
pub mod tasks;

pub use js_tasks::{plain_of_v8, resolve_task, resolve_task_plain, submit_js_to, take_task};
pub use surface::*;
use surface::{error_value, failure, js_of, submitted_value};

/// Everything a kernel author needs, in one `use corepool_core::kernel::*`.
pub mod kernel {
  pub use crate::chunks::{for_each_piece, ChunkSource, SourceRead};
  pub use crate::js::Bytes;
  pub use crate::pool::{CancelToken, Output, TaskError, Work};
  pub use crate::register_tasks;
  pub use crate::tasks::typed::{option_bool, option_numbers, Element, TypedSlice, Word};
  pub use crate::tasks::{TaskArgs, TaskDef, Value};
}

#[doc(hidden)]
pub mod __private {
  pub use crate::tasks::register;
  pub use napi::ctor;
}

/// Registers task families (each a `&'static [TaskDef]`) when the addon is loaded, before any
/// JS runs. Write it once per addon; a task's index in the concatenated list is its id.
///
/// ```ignore
/// corepool_core::register_tasks!(math::TASKS, hash::TASKS);
/// ```
#[macro_export]
macro_rules! register_tasks {
  ($($family:expr),+ $(,)?) => {
    $crate::__private::ctor::declarative::ctor! {
      #[doc(hidden)]
      #[ctor(unsafe)]
      fn __corepool_register_tasks() {
        $crate::__private::register(&[$($family),+]);
      }
    }
  };
}
