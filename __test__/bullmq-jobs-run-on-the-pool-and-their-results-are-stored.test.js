'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const zlib = require('node:zlib')
const { skipReason, startQueue } = require('./helpers/redis.js')

test('jobs run on the pool, by job name and data, and BullMQ stores their JSON-safe results', { skip: skipReason }, async (t) => {
  const { Pool } = require('..')
  const { createConsumer } = require('../bullmq.js')
  const { connection, defer, queue, events } = await startQueue(t, 'results')
  const pool = new Pool({ threads: 2 })
  defer(() => pool.close())

  const consumer = createConsumer(pool, 'results', { connection })
  defer(() => consumer.close())
  assert.equal(consumer.worker.concurrency, 2) // from the pool's threads

  const text = 'corepool '.repeat(1000)
  const jobs = await queue.addBulk([
    { name: 'fib', data: 25 },
    { name: 'sha256', data: 'hello' },
    { name: 'gzip', data: text }, // a Buffer result: stored as base64
    ...Array.from({ length: 20 }, (_, i) => ({ name: 'countPrimes', data: 1000 * (i + 1) }))
  ])
  const results = await Promise.all(jobs.map((job) => job.waitUntilFinished(events, 30000)))

  assert.equal(results[0], 75025)
  assert.equal(results[1], crypto.createHash('sha256').update('hello').digest('hex'))
  assert.equal(zlib.gunzipSync(Buffer.from(results[2], 'base64')).toString(), text)
  const primesUpTo = (n) => { let c = 0; for (let i = 2; i <= n; i++) { let p = true; for (let d = 2; d * d <= i; d++) if (i % d === 0) { p = false; break } if (p) c++ } return c }
  assert.deepEqual(results.slice(3), Array.from({ length: 20 }, (_, i) => primesUpTo(1000 * (i + 1))))
  // Stored in Redis, as read back by a fresh fetch, not only as the completion event carried.
  assert.equal((await queue.getJob(jobs[0].id)).returnvalue, 75025)
  assert.equal(await queue.getJobCountByTypes('completed'), jobs.length)
  // Every job ran on the pool, once.
  const stats = pool.stats()
  assert.deepEqual([stats.submitted, stats.completed], [jobs.length, jobs.length])
  assert.equal(stats.tasks.countPrimes.completed, 20)
})
