'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { skipReason, startQueue } = require('./helpers/redis.js')

test("the processor's timeout, or the job's own from map(), stops its task with ERR_TASK_TIMEOUT", { skip: skipReason }, async (t) => {
  const { Pool } = require('..')
  const { createConsumer } = require('../bullmq.js')
  const { connection, defer, queue, events } = await startQueue(t, 'timeout')
  const pool = new Pool({ threads: 2 })
  defer(() => pool.close())
  const consumer = createConsumer(pool, 'timeout', {
    connection,
    timeout: 100,
    // A job may carry its own limit in its data: { n, timeout }.
    map: (job) => ({ task: 'fib', input: job.data.n, options: { timeout: job.data.timeout } })
  })
  defer(() => consumer.close())

  const [defaulted, own, longer] = await queue.addBulk([
    { name: 'fib', data: { n: 70 } }, // years of CPU: stopped at the processor's 100 ms
    { name: 'fib', data: { n: 70, timeout: 50 } },
    { name: 'fib', data: { n: 40, timeout: 60000 } } // far more than 100 ms of CPU, within its own limit
  ])
  await assert.rejects(defaulted.waitUntilFinished(events, 10000), /ran past its timeout/)
  await assert.rejects(own.waitUntilFinished(events, 10000), /ran past its timeout/)
  assert.equal(await longer.waitUntilFinished(events, 60000), 102334155)
  const stats = pool.stats()
  assert.deepEqual([stats.failed, stats.completed], [2, 1])
})
