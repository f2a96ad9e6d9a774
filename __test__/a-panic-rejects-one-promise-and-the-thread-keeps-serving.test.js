'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
require('./helpers/test-tasks.js')

test('a panicking task rejects with ERR_TASK_PANICKED and its message', async () => {
  const pool = new Pool({ threads: 1 })
  await assert.rejects(pool.exec('test.panic', 'kernel bug #42'), (error) => {
    assert.equal(error.code, 'ERR_TASK_PANICKED')
    assert.equal(error.message, 'kernel bug #42')
    return true
  })
  await pool.close()
})

test('after many panics the same thread keeps serving and nothing else fails', async () => {
  const pool = new Pool({ threads: 1 })
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, (_, i) => (i % 2 ? pool.exec('fib', 10) : pool.exec('test.panic', `panic ${i}`)))
  )
  results.forEach((result, i) => {
    if (i % 2) assert.deepEqual(result, { status: 'fulfilled', value: 55 })
    else assert.equal(result.reason.message, `panic ${i}`)
  })
  await pool.close()
  const stats = pool.stats()
  assert.deepEqual([stats.submitted, stats.completed, stats.failed, stats.cancelled], [50, 25, 25, 0])
})
