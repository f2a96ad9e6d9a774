'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const { Pool } = require('..')
const { TASKS, jsBlocker } = require('./helpers/js-tasks.js')

test('a JS task holding one of two threads for an interval gives a utilization of one half over it', async () => {
  const pool = new Pool({ threads: 2, tasks: TASKS })
  const running = jsBlocker(pool, 'waitFlag')
  await running.started()
  const before = pool.stats() // starts the interval, with the JS task already running
  assert.deepEqual([before.active, before.idle], [1, 1])
  await sleep(300) // the interval under measurement, not a synchronisation
  const during = pool.stats()
  running.release()
  await running.promise
  const u = during.utilization
  // The worker's budget slot was busy the whole interval, the other idle: 1/2 up to clock reads.
  assert.ok(u.intervalMs >= 300, `interval ${u.intervalMs} ms`)
  assert.ok(Math.abs(u.lastInterval - 0.5) < 0.01, `utilization ${u.lastInterval}`)
  assert.deepEqual(u.perThread.map((r) => Math.round(r)).sort(), [0, 1])
  await pool.close()
})
