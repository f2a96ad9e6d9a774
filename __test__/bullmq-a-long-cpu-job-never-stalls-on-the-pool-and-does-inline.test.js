'use strict'

require('./helpers/test-tasks.js') // 'test.waitFlag'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { skipReason, startQueue } = require('./helpers/redis.js')
const { startCluster } = require('./fixtures/harness.js')

const JOB_MS = 5000
const LOCK = { lockDuration: 2000, stalledInterval: 500 }

test('a 5 s CPU job with lockDuration 2000 never stalls on the pool; the same job inline stalls', { skip: skipReason }, async (t) => {
  const { Worker } = require('bullmq')
  const { Pool } = require('..')
  const { createConsumer } = require('../bullmq.js')
  const { port, connection, defer, queue, events } = await startQueue(t, 'cpu')
  const stalled = []
  events.on('stalled', ({ jobId }) => stalled.push(jobId))
  // A second worker that only checks for stalled jobs, every 500 ms, as other machines would.
  const observer = new Worker('cpu', null, { connection, autorun: false, ...LOCK })
  defer(() => observer.close())
  observer.startStalledCheckTimer()

  // On the pool: the task holds a pool thread for 5 s (until the flag is set); the event loop
  // stays free, so BullMQ renews the 2 s lock every second.
  const pool = new Pool({ threads: 1 })
  defer(() => pool.close())
  const cells = new Int32Array(new SharedArrayBuffer(8))
  const consumer = createConsumer(pool, 'cpu', { connection, ...LOCK, map: () => ({ task: 'test.waitFlag', input: cells }) })
  defer(() => consumer.close())
  const onPool = await queue.add('cpu', { ms: JOB_MS })
  await waitFor(() => Atomics.load(cells, 0) === 1) // the task started
  const startedAt = Date.now()
  setTimeout(() => Atomics.store(cells, 1, 42), JOB_MS) // the job's length, not a wait for an event
  assert.equal(await onPool.waitUntilFinished(events, 20000), 42)
  assert.ok(Date.now() - startedAt >= JOB_MS)
  await consumer.close()
  const finished = await queue.getJob(onPool.id)
  assert.equal(finished.stalledCounter, 0)
  assert.equal(finished.attemptsStarted, 1)
  assert.deepEqual(stalled, [])

  // Inline, in its own process: the loop is blocked for 5 s, the lock expires, the job stalls.
  const inline = startCluster(t, { port, queue: 'cpu', mode: 'inline', worker: LOCK }, { script: path.join(__dirname, 'fixtures', 'bullmq-consumer.js') })
  await inline.waitFor('ready')
  const blocked = await queue.add('cpu', { ms: JOB_MS })
  await inline.waitFor((e) => e.event === 'active' && e.id === blocked.id)
  await waitFor(() => stalled.includes(blocked.id), 15000)
  assert.deepEqual(stalled, [blocked.id])
})

/** Yields to the event loop until `predicate()` holds, or fails after `timeout` ms. */
async function waitFor (predicate, timeout = 10000) {
  const deadline = Date.now() + timeout
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}
