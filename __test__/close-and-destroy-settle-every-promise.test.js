'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { blocker, track } = require('./helpers/blocker.js')

const drainedInvariant = (pool) => {
  const s = pool.stats()
  assert.equal(s.completed + s.failed + s.cancelled, s.submitted)
  assert.deepEqual([s.active, s.queued], [0, 0])
}

test('close finishes running and queued tasks, then resolves', async () => {
  const pool = new Pool({ threads: 1 })
  const running = blocker(pool)
  await running.started()
  const queued = [1, 2, 3].map((n) => track(pool.exec('fib', n + 10)))
  let closed = false
  const closing = pool.close().then(() => { closed = true })
  await assert.rejects(pool.exec('noop'), { code: 'ERR_POOL_CLOSED', message: 'the pool is closed' })
  assert.equal(closed, false)
  running.release()
  await closing
  assert.deepEqual(queued.map((r) => [r.fulfilled, r.rejected, r.value]), [[1, 0, 89], [1, 0, 144], [1, 0, 233]])
  drainedInvariant(pool)
  assert.equal(pool.stats().completed, 4)
})

test('close({ force: true }) rejects queued tasks with an AbortError whose cause says the pool closed', async () => {
  const pool = new Pool({ threads: 1 })
  const running = blocker(pool)
  await running.started()
  const queued = Array.from({ length: 5 }, () => blocker(pool))
  const closing = pool.close({ force: true })
  for (const task of queued) {
    await assert.rejects(task.promise, (error) => {
      assert.equal(error.name, 'AbortError')
      assert.equal(error.code, 'ABORT_ERR')
      assert.equal(error.cause.code, 'ERR_POOL_CLOSED')
      assert.match(error.cause.message, /closed with \{ force: true \}/)
      return true
    })
  }
  running.release(3)
  assert.equal(await running.promise, 3)
  await closing
  assert.equal(queued.every((task) => task.startedCount() === 0), true)
  drainedInvariant(pool)
  assert.deepEqual([pool.stats().completed, pool.stats().cancelled], [1, 5])
})

test('destroy rejects queued tasks at once, running ones as soon as their kernels stop, and stops the threads', async () => {
  const pool = new Pool({ threads: 1 })
  const running = blocker(pool)
  await running.started()
  const queued = blocker(pool)
  const records = [track(running.promise), track(queued.promise)]
  await pool.destroy()
  await Promise.all(records.map((r) => r.settled))
  for (const record of records) {
    assert.deepEqual([record.fulfilled, record.rejected], [0, 1])
    assert.equal(record.error.code, 'ABORT_ERR')
    assert.equal(record.error.cause.code, 'ERR_POOL_DESTROYED')
  }
  assert.equal(queued.startedCount(), 0)
  drainedInvariant(pool)
  assert.equal(pool.stats().cancelled, 2)
})

test('close is idempotent and exec after close rejects with ERR_POOL_CLOSED', async () => {
  const pool = new Pool({ threads: 1 })
  const first = pool.close()
  assert.equal(pool.close(), first)
  await first
  await pool.close()
  await assert.rejects(pool.exec('fib', 1), { code: 'ERR_POOL_CLOSED' })
  await assert.rejects(pool.close({ force: 'yes' }), { code: 'ERR_INVALID_ARG', message: "options.force must be a boolean, got 'yes'" })
})

test('Symbol.asyncDispose closes the pool, for `await using`', async () => {
  const pool = new Pool({ threads: 1 })
  assert.equal(typeof pool[Symbol.asyncDispose], 'function')
  const pending = track(pool.exec('fib', 22))
  await pool[Symbol.asyncDispose]()
  assert.deepEqual([pending.fulfilled, pending.value], [1, 17711])
  await assert.rejects(pool.exec('noop'), { code: 'ERR_POOL_CLOSED' })
})

test('every promise settles exactly once under a mix of results, errors, aborts and a forced close', async () => {
  const pool = new Pool({ threads: 2 })
  const controllers = []
  const records = []
  for (let i = 0; i < 2000; i++) {
    const controller = new AbortController()
    controllers.push(controller)
    const kind = i % 4
    const promise = kind === 0
      ? pool.exec('fib', 18, { signal: controller.signal })
      : kind === 1
        ? pool.exec('test.panic', 'x')
        : kind === 2 ? pool.exec('sha256', 'abc', { signal: controller.signal }) : pool.exec('countPrimes', 2000)
    records.push(track(promise))
  }
  controllers.forEach((c, i) => { if (i % 8 === 0) c.abort() })
  await pool.close({ force: true })
  await Promise.all(records.map((r) => r.settled))
  assert.equal(records.every((r) => r.fulfilled + r.rejected === 1), true)
  const fulfilled = records.filter((r) => r.fulfilled).length
  const stats = pool.stats()
  assert.equal(stats.submitted, 2000)
  assert.equal(stats.completed + stats.failed + stats.cancelled, 2000)
  // A task aborted while it ran may still have completed natively; otherwise the counts agree.
  assert.equal(stats.completed >= fulfilled, true)
  assert.equal(stats.failed, records.filter((r) => r.rejected && r.error.code === 'ERR_TASK_PANICKED').length)
})
