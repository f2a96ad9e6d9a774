'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')

test('one of two threads held busy for an interval gives a utilization of one half over it', async () => {
  const pool = new Pool({ threads: 2 })
  const running = blocker(pool)
  await running.started()
  const before = pool.stats() // starts the interval, with the blocker already running
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
  assert.ok(u.sinceStart > 0 && u.sinceStart <= 0.5, `since start ${u.sinceStart}`)
  const after = pool.stats()
  assert.deepEqual([after.active, after.idle], [0, 2])
  await pool.close()
})

test('an idle pool has a utilization of zero', async () => {
  const pool = new Pool({ threads: 2 })
  pool.stats()
  await sleep(20)
  const { utilization } = pool.stats()
  assert.deepEqual([utilization.lastInterval, utilization.sinceStart, utilization.perThread], [0, 0, [0, 0]])
  await pool.close()
})
