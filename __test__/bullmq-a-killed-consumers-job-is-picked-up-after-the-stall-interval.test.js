'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { skipReason, startQueue } = require('./helpers/redis.js')
const { startCluster } = require('./fixtures/harness.js')

const LOCK = { lockDuration: 1000, stalledInterval: 500 }

test("a SIGKILLed consumer's job is picked up by another consumer after the stall interval", { skip: skipReason }, async (t) => {
  const { Pool } = require('..')
  const { createConsumer } = require('../bullmq.js')
  const { port, connection, defer, queue, events } = await startQueue(t, 'killed')

  // Consumer A, in its own process, takes the job and runs it until it is killed.
  const a = startCluster(t, { port, queue: 'killed', mode: 'block', worker: LOCK }, { script: path.join(__dirname, 'fixtures', 'bullmq-consumer.js') })
  await a.waitFor('ready')
  const job = await queue.add('sha256', 'the job A never finishes')
  await a.waitFor((e) => e.event === 'active' && e.id === job.id)

  // Consumer B, here, on its own pool: idle until the job comes back.
  const pool = new Pool({ threads: 1 })
  defer(() => pool.close())
  const b = createConsumer(pool, 'killed', { connection, ...LOCK })
  defer(() => b.close())
  const stalled = new Promise((resolve) => events.once('stalled', resolve))
  a.child.kill('SIGKILL')
  assert.deepEqual((await a.exited).signal, 'SIGKILL')

  assert.equal((await stalled).jobId, job.id)
  const digest = require('node:crypto').createHash('sha256').update('the job A never finishes').digest('hex')
  assert.equal(await job.waitUntilFinished(events, 20000), digest)
  const done = await queue.getJob(job.id)
  assert.equal(done.stalledCounter, 1)
  assert.equal(done.attemptsStarted, 2)
  assert.equal(pool.stats().completed, 1) // B ran it
})
