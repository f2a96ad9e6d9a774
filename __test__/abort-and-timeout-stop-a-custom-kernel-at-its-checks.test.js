'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { buildExample } = require('./helpers/custom-kernel.js')
const { counters } = require('./helpers/counters.js')
const corepool = require('..')

const { Pool } = corepool.withBinding(require(buildExample()))

// Minutes of work if nothing stopped it: 40,000 pairs of 2,000-letter strings.
const long = Array.from({ length: 200 }, (_, i) => 'ab'.repeat(1000) + i)
const huge = { left: long, right: long }

/** Resolves once `count` tasks of the pool are running (not merely queued). */
async function running (pool, count) {
  while (pool.stats().active < count) await new Promise(setImmediate)
}

test('an abort stops the running custom kernel at its next check and frees its thread', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const controller = new AbortController()
  const task = pool.exec('levenshtein', huge, { signal: controller.signal })
  await running(pool, 1)
  const reason = new Error('user left')
  controller.abort(reason)
  // The rejection comes from the kernel itself, once it stopped: no thread is still busy.
  await assert.rejects(task, (error) => error.name === 'AbortError' && error.code === 'ABORT_ERR' && error.cause === reason)
  assert.equal(pool.stats().active, 0)
  assert.deepEqual(await pool.exec('levenshtein', { left: ['abc'], right: ['abd'] }), Uint32Array.of(1))
  assert.deepEqual(counters(pool.stats().tasks.levenshtein), { submitted: 2, completed: 1, failed: 0, cancelled: 1 })
})

test('a timeout stops the running custom kernel with ERR_TASK_TIMEOUT', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  await assert.rejects(pool.exec('levenshtein', huge, { timeout: 50 }), { code: 'ERR_TASK_TIMEOUT' })
  assert.equal(pool.stats().active, 0)
  assert.deepEqual(counters(pool.stats().tasks.levenshtein), { submitted: 1, completed: 0, failed: 1, cancelled: 0 })
})

test('destroy stops a running custom kernel and rejects it with the pool\'s AbortError', async () => {
  const pool = new Pool({ threads: 1 })
  const task = pool.exec('levenshtein', huge)
  await running(pool, 1)
  await pool.destroy()
  await assert.rejects(task, (error) => error.code === 'ABORT_ERR' && error.cause.code === 'ERR_POOL_DESTROYED')
})
