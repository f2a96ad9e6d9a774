'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { TASKS, jsBlocker } = require('./helpers/js-tasks.js')
const { blocker } = require('./helpers/blocker.js')

test('with threads: 2, never more than 2 tasks run at once, native and JS together', async () => {
  const pool = new Pool({ threads: 2, tasks: TASKS })
  const native = blocker(pool)
  await native.started()
  // One shared set of cells: [started, release, running now, most running at once].
  const cells = new Int32Array(new SharedArrayBuffer(16))
  const js = Array.from({ length: 4 }, () => jsBlocker(pool, 'countRunning', undefined, cells))
  await js[0].started(1)
  // One native and one JS task hold both threads; the other three JS tasks wait in the queue.
  assert.deepEqual([pool.stats().active, pool.stats().queued], [2, 3])
  assert.equal(Atomics.load(cells, 0), 1)
  native.release()
  await native.promise
  await js[0].started(2)
  assert.deepEqual([pool.stats().active, pool.stats().queued], [2, 2])
  assert.equal(Atomics.load(cells, 3), 2, 'two JS tasks at once once the native one left')
  js[0].release()
  const counts = await Promise.all(js.map((task) => task.promise))
  assert.equal(Atomics.load(cells, 3), 2, 'never more than threads')
  assert.ok(counts.every((n) => n >= 1 && n <= 2), `each saw at most 2 running: ${counts}`)
  await pool.close()
})
