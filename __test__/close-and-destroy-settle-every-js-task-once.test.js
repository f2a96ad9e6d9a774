'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { TASKS, jsBlocker } = require('./helpers/js-tasks.js')
const { track } = require('./helpers/blocker.js')

const drained = (pool) => {
  const s = pool.stats()
  assert.equal(s.completed + s.failed + s.cancelled, s.submitted)
  assert.deepEqual([s.active, s.queued], [0, 0])
}

test('close lets running and queued JS tasks finish, then stops the workers', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const running = jsBlocker(pool, 'waitFlag')
  await running.started()
  const queued = [1, 2, 3].map((n) => track(pool.exec('echo', n)))
  const closing = pool.close()
  await assert.rejects(pool.exec('echo', 4), { code: 'ERR_POOL_CLOSED' })
  running.release()
  await closing
  assert.equal(await running.promise, 'released')
  assert.deepEqual(queued.map((r) => [r.fulfilled, r.rejected, r.value]), [[1, 0, 1], [1, 0, 2], [1, 0, 3]])
  drained(pool)
})

test('close({ force: true }) rejects queued JS tasks once; the running one finishes', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const running = jsBlocker(pool, 'waitFlag')
  await running.started()
  const queued = Array.from({ length: 4 }, () => track(pool.exec('echo', 1)))
  const closing = pool.close({ force: true })
  running.release()
  await closing
  await Promise.all(queued.map((r) => r.settled))
  assert.deepEqual(queued.map((r) => [r.fulfilled, r.rejected, r.error.code]), Array(4).fill([0, 1, 'ABORT_ERR']))
  assert.equal(await running.promise, 'released')
  drained(pool)
  assert.deepEqual([pool.stats().completed, pool.stats().cancelled], [1, 4])
})

test('destroy rejects queued and running JS tasks once, even one that ignores its signal', async () => {
  const pool = new Pool({ threads: 2, tasks: TASKS })
  const cooperative = jsBlocker(pool, 'waitFlag')
  const stubborn = jsBlocker(pool, 'ignoreSignal')
  await cooperative.started()
  await stubborn.started()
  const records = [track(cooperative.promise), track(stubborn.promise), track(pool.exec('echo', 1))]
  await pool.destroy()
  await Promise.all(records.map((r) => r.settled))
  for (const r of records) {
    assert.deepEqual([r.fulfilled, r.rejected, r.error.name], [0, 1, 'AbortError'])
    assert.equal(r.error.cause.code, 'ERR_POOL_DESTROYED')
  }
  drained(pool)
  await assert.rejects(pool.exec('echo', 1), { code: 'ERR_POOL_CLOSED' })
})
