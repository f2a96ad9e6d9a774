'use strict'

// PRIORITIES was an object literal, so '__proto__' or 'toString' passed validation.
const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

test('a priority that is not high, normal or low rejects with ERR_INVALID_ARG', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const detached = new Uint8Array(8)
  structuredClone(detached.buffer, { transfer: [detached.buffer] })
  const cases = [
    ['__proto__', "'__proto__'"], ['toString', "'toString'"], ['constructor', "'constructor'"],
    ['hasOwnProperty', "'hasOwnProperty'"], ['HIGH', "'HIGH'"], [0, '0'], [1n, '1n'], [null, 'null'],
    [detached, 'an instance of Uint8Array'], [{ toString: () => 'high' }, 'an instance of Object'], [['high'], 'an array']
  ]
  for (const [priority, shown] of cases) {
    await assert.rejects(pool.exec('noop', 1, { priority }), (error) => {
      assert.equal(error.code, 'ERR_INVALID_ARG')
      assert.equal(error.message, `options.priority must be 'high', 'normal' or 'low', got ${shown}`)
      return true
    })
  }
  assert.equal(pool.stats().submitted, 0)
  assert.equal(await pool.exec('fib', 10, { priority: 'low' }), 55)
})
