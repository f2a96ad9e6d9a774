'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
require('./helpers/test-tasks.js')

// 'test.keepInput' asks the native side to keep its input alive while it runs, whatever the
// input is. N-API cannot hold a reference to a primitive, which is how this test makes the
// reference fail; a real kernel only keeps objects whose memory it reads.
test('a task whose input cannot be kept alive is refused with a code, and never runs', async () => {
  const pool = new Pool({ threads: 1 })
  await assert.rejects(pool.exec('test.keepInput', 42), {
    code: 'ERR_INPUT_NOT_KEPT',
    message: 'the input could not be kept alive for the task'
  })
  assert.equal(pool.stats().submitted, 0, 'a refused task is never counted or run')
  // An object can be kept: the same task runs.
  assert.equal(await pool.exec('test.keepInput', {}), undefined)
  assert.equal(pool.stats().completed, 1)
  await pool.close()
})
