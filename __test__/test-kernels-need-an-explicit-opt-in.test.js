'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

test('without COREPOOL_TEST_TASKS=1, the test.* kernels are neither listed nor reachable', async () => {
  delete process.env.COREPOOL_TEST_TASKS
  assert.deepEqual(Pool.tasks.filter((name) => name.startsWith('test.')), [])
  assert.ok(Pool.tasks.includes('noop'))
  const pool = new Pool({ threads: 1 })
  await assert.rejects(pool.exec('test.panic', 'x'), (error) => {
    assert.equal(error.code, 'ERR_UNKNOWN_TASK')
    assert.doesNotMatch(error.message.split(', got ')[0], /test\./)
    return true
  })
  process.env.COREPOOL_TEST_TASKS = '1'
  await assert.rejects(pool.exec('test.panic', 'x'), { code: 'ERR_TASK_PANICKED', message: 'x' })
  delete process.env.COREPOOL_TEST_TASKS
  await pool.close()
})
