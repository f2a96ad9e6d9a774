'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { AsyncLocalStorage } = require('node:async_hooks')
const { Pool } = require('..')

test('AsyncLocalStorage keeps its store across await pool.exec', async () => {
  const pool = new Pool({ threads: 2 })
  const storage = new AsyncLocalStorage()
  const seen = await Promise.all(Array.from({ length: 20 }, (_, i) => storage.run({ request: i }, async () => {
    await pool.exec('fib', 15)
    await pool.exec('noop')
    return storage.getStore().request
  })))
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i))
  await pool.close()
})
