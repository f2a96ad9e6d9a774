'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { skipReason, startQueue } = require('./helpers/redis.js')
const { waitUntil } = require('./helpers/blocker.js')

test("a task's progress, read from shared memory, reaches job.updateProgress while it runs", { skip: skipReason }, async (t) => {
  const { Pool } = require('..')
  const { createConsumer } = require('../bullmq.js')
  const { connection, defer, queue, events } = await startQueue(t, 'progress')
  const reported = []
  events.on('progress', ({ data }) => reported.push(data))
  const pool = new Pool({ threads: 1 })
  defer(() => pool.close())
  // test.waitFlag adds 1 to cells[0] when it starts: that cell is its progress.
  const cells = new Int32Array(new SharedArrayBuffer(8))
  const consumer = createConsumer(pool, 'progress', {
    connection,
    progressInterval: 20,
    map: () => ({ task: 'test.waitFlag', input: cells, progress: () => Atomics.load(cells, 0) * 50 })
  })
  defer(() => consumer.close())

  const job = await queue.add('work', null)
  await waitUntil(() => reported.length === 1) // 50 reported while the task still runs
  assert.equal((await queue.getJob(job.id)).progress, 50)
  assert.equal(await (await queue.getJob(job.id)).getState(), 'active')
  Atomics.store(cells, 0, 2) // as a task would: 100 %
  Atomics.store(cells, 1, 7)
  assert.equal(await job.waitUntilFinished(events, 10000), 7)
  assert.deepEqual(reported, [50, 100]) // each value once, in order, the last before completion
  assert.equal((await queue.getJob(job.id)).progress, 100)
})

test('a progress reader that throws fails its job with that error, and the process goes on', { skip: skipReason }, async (t) => {
  const { Pool } = require('..')
  const { createConsumer } = require('../bullmq.js')
  const { connection, defer, queue, events } = await startQueue(t, 'progress-throws')
  const pool = new Pool({ threads: 1 })
  defer(() => pool.close())
  const consumer = createConsumer(pool, 'progress-throws', {
    connection,
    progressInterval: 1,
    map: (job) => ({ progress: () => { throw new Error(`no progress for job ${job.id}`) } })
  })
  defer(() => consumer.close())
  const job = await queue.add('fib', 25)
  await assert.rejects(job.waitUntilFinished(events, 10000), new RegExp(`no progress for job ${job.id}`))
  assert.equal(pool.stats().completed, 1) // the task itself ran
})
