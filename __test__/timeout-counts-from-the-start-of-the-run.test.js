'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { setTimeout: sleep } = require('node:timers/promises')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')
const { counters } = require('./helpers/counters.js')

test('a task that runs past options.timeout rejects with ERR_TASK_TIMEOUT and frees its thread', async () => {
  const pool = new Pool({ threads: 1 })
  const stuck = blocker(pool, { timeout: 30 })
  await assert.rejects(stuck.promise, (error) => {
    assert.equal(error.code, 'ERR_TASK_TIMEOUT')
    assert.equal(error.message, 'The task ran past its timeout')
    return true
  })
  assert.equal(stuck.startedCount(), 1)
  assert.equal(await pool.exec('fib', 12), 144)
  await pool.close()
  assert.deepEqual(counters(pool.stats().tasks['test.waitFlag']), { submitted: 1, completed: 0, failed: 1, cancelled: 0 })
})

test('time spent queued does not count towards options.timeout', async () => {
  const pool = new Pool({ threads: 1 })
  const running = blocker(pool)
  await running.started()
  const queued = pool.exec('fib', 20, { timeout: 20 })
  // Hold the only thread for longer than the queued task's timeout: it must still succeed.
  await sleep(100)
  running.release()
  assert.equal(await queued, 6765)
  await pool.close()
})
