//! Native objects that JS names by a number. The calls made once per task (`submitTo`,
//! `submitJsTo`, `pollSettled`, `takeTask`, `resolveTask`) are plain functions that take such a
//! key: a napi-rs method on `&self` costs about 460 ns a call here (its borrow registry), a plain
//! function about 140 ns.

use std::cell::{Cell, RefCell};
use std::collections::HashMap;

/// One thread's objects by key; each lives in a `thread_local!`, since a JS thread only ever
/// names its own. An object enters when its napi class instance is made, and leaves when that
/// instance is dropped.
pub(crate) struct Keyed<T> {
  items: RefCell<HashMap<u32, T>>,
  next: Cell<u32>,
}

impl<T> Keyed<T> {
  pub(crate) fn new() -> Self {
    Keyed { items: RefCell::new(HashMap::new()), next: Cell::new(1) }
  }

  /// Adds `value` and returns its key.
  pub(crate) fn insert(&self, value: T) -> u32 {
    let key = self.next.replace(self.next.get().wrapping_add(1));
    self.items.borrow_mut().insert(key, value);
    key
  }

  /// `f` of the object with `key`, or none once it has left.
  pub(crate) fn with<R>(&self, key: u32, f: impl FnOnce(&T) -> R) -> Option<R> {
    self.items.borrow().get(&key).map(f)
  }

  pub(crate) fn remove(&self, key: u32) {
    self.items.borrow_mut().remove(&key);
  }
}
