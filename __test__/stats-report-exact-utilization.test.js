'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')
const { assertOneOfTwoThreadsBusy } = require('./helpers/utilization.js')

test('one of two threads held busy for an interval gives a utilization of one half over it', async () => {
  const pool = new Pool({ threads: 2 })
  const u = await assertOneOfTwoThreadsBusy(pool, blocker(pool))
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
