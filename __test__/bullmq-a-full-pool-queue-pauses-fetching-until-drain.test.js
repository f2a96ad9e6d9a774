'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('node:events')
const { skipReason, startQueue } = require('./helpers/redis.js')
const { blocker } = require('./helpers/blocker.js')

test("while the pool's queue is full the worker stops fetching, keeps its job, and resumes on 'drain'", { skip: skipReason }, async (t) => {
  const { Pool } = require('..')
  const { createConsumer } = require('../bullmq.js')
  const { connection, defer, queue, events } = await startQueue(t, 'backpressure')

  // Other work in this process fills the pool: one task running, one queued (maxQueue 1).
  const pool = new Pool({ threads: 1, maxQueue: 1 })
  defer(() => pool.close())
  const running = blocker(pool)
  await running.started()
  const queued = pool.exec('fib', 10)
  assert.equal(pool.needsDrain, true)

  const consumer = createConsumer(pool, 'backpressure', { connection })
  defer(() => consumer.close())
  const paused = once(consumer.worker, 'paused')
  const jobs = await queue.addBulk([20, 21, 22].map((n) => ({ name: 'fib', data: n })))
  await paused
  assert.equal(consumer.worker.isPaused(), true)
  const counts = await queue.getJobCounts('active', 'wait', 'failed')
  assert.deepEqual(counts, { active: 1, wait: 2, failed: 0 }) // one job held, none failed

  const resumed = once(consumer.worker, 'resumed')
  running.release()
  assert.equal(await queued, 55)
  await resumed
  assert.deepEqual(await Promise.all(jobs.map((job) => job.waitUntilFinished(events, 10000))), [6765, 10946, 17711])
  assert.equal(consumer.worker.isPaused(), false)
  assert.equal(await queue.getJobCountByTypes('failed'), 0)
})
