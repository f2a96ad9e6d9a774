'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { skipReason, startQueue } = require('./helpers/redis.js')
const { waitUntil } = require('./helpers/blocker.js')

const FIXTURES = path.join(__dirname, 'fixtures', 'js-tasks')

test('registered JS tasks run as BullMQ jobs: results stored, progress from shared memory, cancelJob stops them', { skip: skipReason }, async (t) => {
  const { Pool } = require('..')
  const { createConsumer } = require('../bullmq.js')
  const { connection, defer, queue, events } = await startQueue(t, 'js-tasks')
  const pool = new Pool({
    threads: 1,
    tasks: {
      square: path.join(FIXTURES, 'square.mjs'),
      cube: { filename: path.join(FIXTURES, 'square.mjs'), export: 'cube' },
      waitFlag: { filename: path.join(FIXTURES, 'controls.cjs'), export: 'waitFlag' }
    }
  })
  defer(() => pool.close())
  const reported = []
  events.on('progress', ({ data }) => reported.push(data))
  // The waitFlag job gets a shared cell array: cells[0] (its starts) is its progress.
  const cells = new Int32Array(new SharedArrayBuffer(8))
  const consumer = createConsumer(pool, 'js-tasks', {
    connection,
    progressInterval: 20,
    map: (job) => job.name === 'waitFlag'
      ? { task: 'waitFlag', input: cells, progress: () => Atomics.load(cells, 0) * 100 }
      : { task: job.name, input: job.data }
  })
  defer(() => consumer.close())

  const [square, cube] = await queue.addBulk([{ name: 'square', data: 12 }, { name: 'cube', data: 3 }])
  assert.deepEqual(await Promise.all([square.waitUntilFinished(events, 20000), cube.waitUntilFinished(events, 20000)]), [144, 27])
  assert.equal((await queue.getJob(square.id)).returnvalue, 144)

  const stuck = await queue.add('waitFlag', null, { attempts: 3 })
  await waitUntil(() => Atomics.load(cells, 0) === 1) // running in a JS worker
  // Read every 20 ms from the job's start: 0 may come first, while the JS worker still starts.
  await waitUntil(() => reported.at(-1) === 100)
  assert.deepEqual(reported.filter((value) => value !== 0), [100])
  assert.equal(consumer.worker.cancelJob(stuck.id, 'not needed'), true)
  await assert.rejects(stuck.waitUntilFinished(events, 20000), /cancelled: not needed/)
  assert.equal((await queue.getJob(stuck.id)).attemptsMade, 1)
  const stats = pool.stats()
  assert.deepEqual([stats.tasks.square.completed, stats.tasks.cube.completed, stats.tasks.waitFlag.cancelled], [1, 1, 1])
})
