'use strict'

// A closed pool's threads used to outlive close(): pool churn piled up hundreds of threads.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')
const { poolThreadCount, poolThreadCountOnceItIs } = require('./helpers/threads.js')

const skip = process.platform !== 'linux' && 'reads /proc/self/task (Linux only)'

test('after close() resolves, none of the pool\'s threads is alive', { skip }, async () => {
  const before = poolThreadCount()
  const pool = new Pool({ threads: 4 })
  await Promise.all(Array.from({ length: 100 }, (_, i) => pool.exec('fib', i % 20)))
  // Three of the threads are started by a launcher at the pool threads' low priority: wait for it.
  assert.equal(await poolThreadCountOnceItIs(before + 4), before + 4)
  await pool.close()
  assert.equal(await poolThreadCountOnceItIs(before), before)
})

test('after destroy() resolves with a task running, none of the pool\'s threads is alive', { skip }, async () => {
  const before = poolThreadCount()
  const pool = new Pool({ threads: 3 })
  const running = blocker(pool)
  await running.started()
  await pool.destroy()
  await assert.rejects(running.promise, { code: 'ABORT_ERR' })
  assert.equal(await poolThreadCountOnceItIs(before), before)
})

test('500 pools made, used and closed leave no thread behind', { skip }, async () => {
  const before = poolThreadCount()
  for (let round = 0; round < 500; round++) {
    const pool = new Pool({ threads: 2 })
    await Promise.all(Array.from({ length: 10 }, () => pool.exec('noop')))
    await (round % 2 === 0 ? pool.close() : pool.destroy())
  }
  assert.equal(await poolThreadCountOnceItIs(before), before)
})
