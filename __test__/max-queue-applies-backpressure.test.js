'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('node:events')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')
const { counters } = require('./helpers/counters.js')

test('a task over maxQueue rejects with ERR_QUEUE_FULL and never runs', async () => {
  const pool = new Pool({ threads: 1, maxQueue: 2 })
  const running = blocker(pool)
  await running.started()
  assert.equal(pool.needsDrain, false)
  const first = blocker(pool)
  assert.equal(pool.needsDrain, false)
  const second = blocker(pool)
  assert.equal(pool.needsDrain, true)
  const refused = blocker(pool)
  await assert.rejects(refused.promise, (error) => {
    assert.equal(error.code, 'ERR_QUEUE_FULL')
    assert.match(error.message, /^the task queue is full \(2 queued\)/)
    return true
  })
  assert.equal(pool.stats().queued, 2)

  const drained = once(pool, 'drain')
  let drains = 0
  pool.on('drain', () => drains++)
  running.release()
  await running.promise
  // 'drain' comes once the thread takes `first`, whether or not JS saw `running` settle first.
  await drained
  assert.equal(pool.needsDrain, false)
  first.release()
  second.release()
  await Promise.all([first.promise, second.promise])
  await pool.close()
  assert.equal(drains, 1)
  assert.equal(refused.startedCount(), 0)
  assert.deepEqual(counters(pool.stats().tasks['test.waitFlag']), { submitted: 3, completed: 3, failed: 0, cancelled: 0 })
})

test('maxQueue 0 refuses every task', async () => {
  const pool = new Pool({ threads: 1, maxQueue: 0 })
  await assert.rejects(pool.exec('noop'), { code: 'ERR_QUEUE_FULL' })
  await pool.close()
})
