'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { getEventListeners } = require('node:events')
const { Pool } = require('..')
const { blocker, track, waitUntil } = require('./helpers/blocker.js')
const { counters } = require('./helpers/counters.js')

const isAbortErrorWithCause = (cause) => (error) => {
  assert.equal(error.name, 'AbortError')
  assert.equal(error.code, 'ABORT_ERR')
  assert.equal(error.cause, cause)
  return true
}

test('an aborted queued task is removed and never runs', async () => {
  const pool = new Pool({ threads: 1 })
  const running = blocker(pool)
  await running.started()
  const controller = new AbortController()
  const queued = blocker(pool, { signal: controller.signal })
  const reason = new Error('user went away')
  controller.abort(reason)
  await assert.rejects(queued.promise, isAbortErrorWithCause(reason))
  running.release(7)
  assert.equal(await running.promise, 7)
  await pool.close()
  assert.equal(queued.startedCount(), 0)
  const stats = pool.stats()
  assert.deepEqual([stats.submitted, stats.completed, stats.cancelled, stats.failed], [2, 1, 1, 0])
})

test('an aborted running task stops at its next check and frees its thread', async () => {
  const pool = new Pool({ threads: 1 })
  const controller = new AbortController()
  const running = blocker(pool, { signal: controller.signal })
  await running.started()
  controller.abort()
  await assert.rejects(running.promise, isAbortErrorWithCause(controller.signal.reason))
  // The same single thread serves the next task: the aborted one really stopped.
  assert.equal(await pool.exec('fib', 20), 6765)
  await waitUntil(() => pool.stats().cancelled === 1)
  assert.deepEqual(counters(pool.stats().tasks['test.waitFlag']), { submitted: 1, completed: 0, failed: 0, cancelled: 1 })
  await pool.close()
})

test('an already-aborted signal rejects at once without submitting', async () => {
  const pool = new Pool({ threads: 1 })
  const reason = new Error('too late')
  await assert.rejects(pool.exec('noop', 0, { signal: AbortSignal.abort(reason) }), isAbortErrorWithCause(reason))
  assert.equal(pool.stats().submitted, 0)
  await pool.close()
})

test('the abort listener is removed when the task settles', async () => {
  const pool = new Pool({ threads: 1 })
  const controller = new AbortController()
  await pool.exec('noop', 0, { signal: controller.signal })
  await pool.exec('fib', -1, { signal: controller.signal }).catch(() => {})
  const running = blocker(pool, { signal: controller.signal })
  await running.started()
  assert.equal(getEventListeners(controller.signal, 'abort').length, 1)
  running.release()
  await running.promise
  assert.equal(getEventListeners(controller.signal, 'abort').length, 0)
  await pool.close()
})

test('aborting after the task settled changes nothing', async () => {
  const pool = new Pool({ threads: 1 })
  const controller = new AbortController()
  const record = track(pool.exec('fib', 10, { signal: controller.signal }))
  await record.settled
  controller.abort()
  await new Promise(setImmediate)
  assert.deepEqual([record.fulfilled, record.rejected, record.value], [1, 0, 55])
  await pool.close()
})

test('AbortSignal.timeout cancels a long kernel cooperatively', async () => {
  const pool = new Pool({ threads: 1 })
  const signal = AbortSignal.timeout(20)
  await assert.rejects(pool.exec('sqrtSum', 2 ** 40, { signal }), (error) => {
    assert.equal(error.code, 'ABORT_ERR')
    assert.equal(error.cause.name, 'TimeoutError')
    return true
  })
  assert.equal(await pool.exec('fib', 15), 610)
  await pool.close()
})
