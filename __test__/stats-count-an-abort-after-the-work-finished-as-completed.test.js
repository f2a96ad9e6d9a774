'use strict'

// A task whose work had finished, aborted before JS received its result, used to reject with
// ABORT_ERR while stats() counted it completed.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')

test('an abort that comes after the work finished leaves the result, counted as completed', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const controller = new AbortController()
  const promise = pool.exec('fib', 20, { signal: controller.signal })
  // Synchronously, so the result cannot reach JS before the abort: wait for the native count.
  while (pool.stats().completed === 0);
  controller.abort(new Error('too late'))
  assert.equal(await promise, 6765)
  const { completed, cancelled, failed } = pool.stats()
  assert.deepEqual({ completed, cancelled, failed }, { completed: 1, cancelled: 0, failed: 0 })
})

test('an abort while the work runs rejects with ABORT_ERR, counted as cancelled', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const controller = new AbortController()
  const running = blocker(pool, { signal: controller.signal })
  await running.started()
  controller.abort(new Error('stop'))
  await assert.rejects(running.promise, (error) => error.code === 'ABORT_ERR' && error.cause.message === 'stop')
  const { completed, cancelled, failed } = pool.stats()
  assert.deepEqual({ completed, cancelled, failed }, { completed: 0, cancelled: 1, failed: 0 })
})

test('destroy after the work finished leaves the result; destroy while it runs rejects; stats agree', async () => {
  const pool = new Pool({ threads: 2 })
  const running = blocker(pool)
  await running.started()
  const finished = pool.exec('fib', 20)
  while (pool.stats().completed === 0);
  await pool.destroy()
  assert.equal(await finished, 6765)
  await assert.rejects(running.promise, (error) => error.code === 'ABORT_ERR' && error.cause.code === 'ERR_POOL_DESTROYED')
  const { completed, cancelled, failed } = pool.stats()
  assert.deepEqual({ completed, cancelled, failed }, { completed: 1, cancelled: 1, failed: 0 })
})
