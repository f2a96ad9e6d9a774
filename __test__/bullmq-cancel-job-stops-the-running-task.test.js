'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { skipReason, startQueue } = require('./helpers/redis.js')
const { waitUntil } = require('./helpers/blocker.js')

test('worker.cancelJob stops the running task at its next check, and the job fails for good', { skip: skipReason }, async (t) => {
  const { Pool } = require('..')
  const { createConsumer } = require('../bullmq.js')
  const { connection, defer, queue, events } = await startQueue(t, 'cancel')
  const pool = new Pool({ threads: 1 })
  defer(() => pool.close())
  // The task waits, checking its cancellation, on a flag that is never set.
  const cells = new Int32Array(new SharedArrayBuffer(8))
  const consumer = createConsumer(pool, 'cancel', { connection, map: () => ({ task: 'test.waitFlag', input: cells }) })
  defer(() => consumer.close())

  const job = await queue.add('stuck', null, { attempts: 3 }) // retries left: a cancel must not use them
  await waitUntil(() => Atomics.load(cells, 0) === 1)
  assert.equal(pool.stats().active, 1)
  assert.equal(consumer.worker.cancelJob(job.id, 'user asked'), true)
  await assert.rejects(job.waitUntilFinished(events, 10000), /cancelled: user asked/)

  const failed = await queue.getJob(job.id)
  assert.equal(await failed.getState(), 'failed')
  assert.equal(failed.attemptsMade, 1)
  assert.equal(failed.failedReason, 'cancelled: user asked')
  const stats = pool.stats()
  assert.deepEqual([stats.active, stats.cancelled, stats.completed], [0, 1, 0])
  assert.equal(Atomics.load(cells, 1), 0) // it stopped without the flag
})
