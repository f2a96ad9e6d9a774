//! The `corepool` addon: corepool-core's engine and N-API surface (`crates/corepool-core`), with
//! corepool's own kernels registered through the same kernel API that any addon uses.

// The kernels' paths (`crate::pool`, `crate::js::Bytes`) name corepool-core's kernel API.
use corepool_core::{chunks, pool};
mod js {
  pub use corepool_core::kernel::Bytes;
}

mod tasks;
