'use strict'

// A timeout too large for the native clock once panicked in submit and aborted the process.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

const MAX = 2 ** 31 - 1

test('a timeout past 2^31 - 1 ms rejects with ERR_INVALID_ARG, and the bound itself is accepted', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  for (const timeout of [2e22, 9.3e21, MAX + 1, Infinity, Number.MAX_VALUE]) {
    await assert.rejects(pool.exec('noop', 1, { timeout }), (error) => {
      assert.equal(error.code, 'ERR_INVALID_ARG')
      assert.equal(error instanceof RangeError, true)
      assert.equal(error.message, `options.timeout must be a positive number of milliseconds up to ${MAX}, got ${timeout}`)
      return true
    })
  }
  assert.equal(await pool.exec('fib', 10, { timeout: MAX }), 55)
  assert.deepEqual(await pool.execMany('fib', [1, 2], { timeout: MAX }), [1, 1])
  assert.equal(pool.stats().submitted, 2)
})
