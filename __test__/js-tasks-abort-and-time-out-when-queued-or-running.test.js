'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { TASKS, jsBlocker } = require('./helpers/js-tasks.js')
const { blocker, track } = require('./helpers/blocker.js')
const { counters } = require('./helpers/counters.js')

test('aborting a queued JS task rejects it at once; it never runs', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const running = blocker(pool)
  await running.started()
  const controller = new AbortController()
  const queued = jsBlocker(pool, 'waitFlag', { signal: controller.signal })
  controller.abort(new Error('changed my mind'))
  await assert.rejects(queued.promise, (error) => {
    assert.deepEqual([error.name, error.code, error.cause.message], ['AbortError', 'ABORT_ERR', 'changed my mind'])
    return true
  })
  running.release()
  await running.promise
  assert.equal(queued.startedCount(), 0)
  assert.deepEqual(counters(pool.stats().tasks.waitFlag), { submitted: 1, completed: 0, failed: 0, cancelled: 1 })
  await pool.close()
})

test('a running task sees signal.aborted inside its synchronous loop and stops; the promise rejects once', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const controller = new AbortController()
  const task = jsBlocker(pool, 'waitFlag', { signal: controller.signal })
  const record = track(task.promise)
  await task.started()
  controller.abort()
  await record.settled
  assert.deepEqual([record.fulfilled, record.rejected, record.error.name], [0, 1, 'AbortError'])
  assert.deepEqual(counters(pool.stats().tasks.waitFlag), { submitted: 1, completed: 0, failed: 0, cancelled: 1 })
  assert.equal(await pool.exec('echo', 1), 1, 'the same worker serves on')
  await pool.close()
})

test('the abort event fires in an awaiting task', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const controller = new AbortController()
  const task = jsBlocker(pool, 'awaitAbort', { signal: controller.signal })
  await task.started()
  controller.abort()
  await assert.rejects(task.promise, { name: 'AbortError' })
  await pool.close()
})

test('a running task past its timeout sees signal.aborted and rejects with ERR_TASK_TIMEOUT', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  await pool.exec('echo', 0) // a worker is up: the timeout also counts a worker's start-up
  const task = jsBlocker(pool, 'waitFlag', { timeout: 20 })
  await assert.rejects(task.promise, { code: 'ERR_TASK_TIMEOUT', message: 'The task ran past its timeout' })
  assert.equal(task.startedCount(), 1)
  assert.deepEqual(counters(pool.stats().tasks.waitFlag), { submitted: 1, completed: 0, failed: 1, cancelled: 0 })
  await pool.close()
})

test('a task that ignores its signal is terminated after terminateAfter, rejects once, and its worker is replaced', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS, terminateAfter: 50 })
  const first = await pool.exec('threadId')
  const controller = new AbortController()
  const aborted = jsBlocker(pool, 'ignoreSignal', { signal: controller.signal })
  const record = track(aborted.promise)
  await aborted.started()
  controller.abort()
  await record.settled
  assert.deepEqual([record.fulfilled, record.rejected, record.error.code], [0, 1, 'ABORT_ERR'])
  const second = await pool.exec('threadId')
  assert.notEqual(second, first)

  const timed = jsBlocker(pool, 'ignoreSignal', { timeout: 20 })
  const timedRecord = track(timed.promise)
  await timedRecord.settled
  assert.deepEqual([timedRecord.fulfilled, timedRecord.rejected, timedRecord.error.code], [0, 1, 'ERR_TASK_TIMEOUT'])
  assert.notEqual(await pool.exec('threadId'), second)
  const stats = pool.stats().tasks.ignoreSignal
  assert.deepEqual(counters(stats), { submitted: 2, completed: 0, failed: 1, cancelled: 1 })
  await pool.close()
})
