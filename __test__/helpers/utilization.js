'use strict'

const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')

/**
 * With one task of a two-thread `pool` running (it `started()` and settles on `release()`),
 * measures an interval of 300 ms and asserts a utilization of exactly one half over it, one
 * thread busy and one idle.
 */
async function assertOneOfTwoThreadsBusy (pool, running) {
  await running.started()
  const before = pool.stats() // starts the interval, with the task already running
  assert.deepEqual([before.active, before.idle], [1, 1])
  await sleep(300) // the interval under measurement, not a synchronisation
  const during = pool.stats()
  running.release()
  await running.promise
  const u = during.utilization
  // Busy the whole interval on one thread, idle on the other: exactly 1/2 up to clock reads.
  assert.ok(u.intervalMs >= 300, `interval ${u.intervalMs} ms`)
  assert.ok(Math.abs(u.lastInterval - 0.5) < 0.01, `utilization ${u.lastInterval}`)
  assert.deepEqual(u.perThread.map((r) => Math.round(r)).sort(), [0, 1])
  return u
}

module.exports = { assertOneOfTwoThreadsBusy }
