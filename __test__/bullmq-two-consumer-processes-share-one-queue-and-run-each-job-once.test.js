'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { skipReason, startQueue } = require('./helpers/redis.js')
const { startCluster } = require('./fixtures/harness.js')
const { waitUntil } = require('./helpers/blocker.js')

const JOBS = 60

test('two consumer processes on one queue share the jobs, and each job is done exactly once', { skip: skipReason }, async (t) => {
  const { port, queue, events } = await startQueue(t, 'shared')
  const script = path.join(__dirname, 'fixtures', 'bullmq-consumer.js')
  const machines = [1, 2].map(() => startCluster(t, { port, queue: 'shared', mode: 'pool', threads: 1 }, { script }))
  await Promise.all(machines.map((m) => m.waitFor('ready')))

  const jobs = await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'fib', data: 24 + (i % 3) })))
  await Promise.all(jobs.map((job) => job.waitUntilFinished(events, 60000)))
  // Each consumer reports its completions on its stdout, which may arrive after Redis's event.
  const reported = () => machines.reduce((sum, m) => sum + m.count((e) => e.event === 'completed'), 0)
  await waitUntil(() => reported() >= JOBS)

  const completedBy = machines.map((m) => m.events.filter((e) => e.event === 'completed').map((e) => e.id))
  for (const ids of completedBy) assert.ok(ids.length > 0, `each machine did some jobs: ${completedBy.map((c) => c.length)}`)
  const all = completedBy.flat().sort((x, y) => x - y)
  assert.deepEqual(all, jobs.map((job) => job.id).sort((x, y) => x - y)) // every job, once
  for (const m of machines) assert.equal(m.count((e) => e.event === 'failed' || e.event === 'error'), 0)
  const fib = [46368, 75025, 121393]
  for (const job of jobs) {
    const done = await queue.getJob(job.id)
    assert.equal(done.returnvalue, fib[job.data - 24])
    assert.equal(done.attemptsStarted, 1)
  }
})
