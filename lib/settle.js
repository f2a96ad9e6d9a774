'use strict'

// The one reader of the compact settle format that crates/corepool-core/src/js/settle.rs writes: a batch's failures
// as a flat `[index, code, message, index, code, message, ...]` array, or undefined when none.

/** Entries per failure: index, code, message. */
const STRIDE = 3

/** Calls `fn(index, code, message)` for each failure, in index order. */
function forEachFailure (errors, fn) {
  if (errors === undefined) return
  for (let at = 0; at < errors.length; at += STRIDE) fn(errors[at], errors[at + 1], errors[at + 2])
}

/** A cursor over the failures for a loop over the batch's items, which asks item by item. */
class FailureCursor {
  #errors
  #at = 0
  constructor (errors) { this.#errors = errors }

  /** The index of the next failed item, or -1 when no failure is left. */
  get nextIndex () {
    const errors = this.#errors
    return errors !== undefined && this.#at < errors.length ? errors[this.#at] : -1
  }

  /** The next failure's code and message; moves on to the one after. */
  take () {
    const errors = this.#errors
    const failure = { code: errors[this.#at + 1], message: errors[this.#at + 2] }
    this.#at += STRIDE
    return failure
  }
}

module.exports = { forEachFailure, FailureCursor }
