'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')
const { counters } = require('./helpers/counters.js')

test('stats count threads, active and queued tasks while they run', async () => {
  const pool = new Pool({ threads: 2 })
  const a = blocker(pool)
  const b = blocker(pool)
  await a.started()
  await b.started()
  const c = blocker(pool)
  assert.deepEqual(
    { threads: pool.stats().threads, active: pool.stats().active, queued: pool.stats().queued },
    { threads: 2, active: 2, queued: 1 }
  )
  a.release(); b.release(); c.release()
  await Promise.all([a.promise, b.promise, c.promise])
  assert.deepEqual([pool.stats().active, pool.stats().queued], [0, 0])
  await pool.close()
})

test('stats count submitted, completed, failed and cancelled per pool and per task name', async () => {
  const pool = new Pool({ threads: 1 })
  await Promise.all([pool.exec('fib', 5), pool.exec('fib', 6), pool.exec('sha256', 'x')])
  await pool.exec('test.panic', 'boom').catch(() => {})
  const controller = new AbortController()
  const running = blocker(pool)
  await running.started()
  const aborted = pool.exec('noop', 0, { signal: controller.signal })
  controller.abort()
  await aborted.catch(() => {})
  running.release()
  await running.promise
  await pool.close()
  const stats = pool.stats()
  assert.deepEqual({
    threads: stats.threads,
    active: stats.active,
    queued: stats.queued,
    ...counters(stats),
    tasks: Object.fromEntries(Object.entries(stats.tasks).map(([name, task]) => [name, counters(task)]))
  }, {
    threads: 1,
    active: 0,
    queued: 0,
    submitted: 6,
    completed: 4,
    failed: 1,
    cancelled: 1,
    tasks: {
      fib: { submitted: 2, completed: 2, failed: 0, cancelled: 0 },
      sha256: { submitted: 1, completed: 1, failed: 0, cancelled: 0 },
      noop: { submitted: 1, completed: 0, failed: 0, cancelled: 1 },
      'test.waitFlag': { submitted: 1, completed: 1, failed: 0, cancelled: 0 },
      'test.panic': { submitted: 1, completed: 0, failed: 1, cancelled: 0 }
    }
  })
})
