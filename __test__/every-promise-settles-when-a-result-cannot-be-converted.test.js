'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')

test('a result that cannot become a JS value rejects its own task, and the rest of its batch settles', async () => {
  const pool = new Pool({ threads: 1 })
  // Everything queues behind one blocker, so the tasks finish back to back and settle in few
  // batches, where one bad conversion used to drop every later entry of its batch.
  const gate = blocker(pool)
  await gate.started()
  const bad = (i) => i % 3 === 1
  const outcomes = Array.from({ length: 30 }, (_, i) => pool.exec('test.unconvertible', bad(i)).then(
    (value) => ({ i, value }),
    (error) => ({ i, code: error.code, message: error.message })
  ))
  gate.release()
  const settled = await Promise.all(outcomes)
  assert.equal(settled.length, 30)
  for (const outcome of settled) {
    if (bad(outcome.i)) {
      assert.deepEqual(outcome, { i: outcome.i, code: 'ERR_RESULT_CONVERSION', message: "the task's result could not be converted to a JS value" })
    } else {
      assert.deepEqual(outcome, { i: outcome.i, value: 1 })
    }
  }
  assert.equal(await gate.promise, 1)
  const stats = pool.stats()
  assert.deepEqual([stats.submitted, stats.completed + stats.failed + stats.cancelled, stats.active, stats.queued], [31, 31, 0, 0])
  await pool.close()
})

test('execMany settles when one of its results cannot be converted', async () => {
  const pool = new Pool({ threads: 1 })
  await assert.rejects(pool.execMany('test.unconvertible', [false, true, false]), { code: 'ERR_RESULT_CONVERSION' })
  assert.deepEqual(await pool.execMany('test.unconvertible', [false, false]), [1, 1])
  await pool.close()
})
