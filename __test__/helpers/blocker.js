'use strict'

require('./test-tasks.js')

// A deterministic blocker: the 'test.waitFlag' task bumps cell 0 when it starts and resolves
// with cell 1 once the test stores a non-zero value there. Tests wait on "it started", never
// on a sleep.

function blocker (pool, options) {
  const cells = new Int32Array(new SharedArrayBuffer(8))
  const promise = pool.exec('test.waitFlag', cells, options)
  return {
    cells,
    promise,
    startedCount: () => Atomics.load(cells, 0),
    started: () => waitUntil(() => Atomics.load(cells, 0) > 0),
    release: (value = 1) => Atomics.store(cells, 1, value)
  }
}

/** Yields to the event loop until `predicate()` holds. */
async function waitUntil (predicate) {
  while (!predicate()) await new Promise(setImmediate)
}

/** Counts how often a promise settles, and how. */
function track (promise) {
  const record = { fulfilled: 0, rejected: 0, value: undefined, error: undefined }
  record.settled = promise.then(
    (value) => { record.fulfilled++; record.value = value },
    (error) => { record.rejected++; record.error = error }
  )
  return record
}

module.exports = { blocker, waitUntil, track }
