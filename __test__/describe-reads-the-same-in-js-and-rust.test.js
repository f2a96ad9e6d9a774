'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { describe } = require('../lib/errors.js')

// One wording, the native one (crates/corepool-core/src/js/describe.rs); lib/errors.js calls it.
test('describe words every kind of value one way', () => {
  const cases = [
    ['x', "'x'"],
    ['a'.repeat(41), `'${'a'.repeat(40)}...'`],
    ['😀'.repeat(21), `'${'😀'.repeat(20)}...'`],
    [-1, '-1'],
    [1.5, '1.5'],
    [Infinity, 'Infinity'],
    [-0, '0'],
    [1e21, '1e+21'],
    [NaN, 'NaN'],
    [1n, '1n'],
    [-(2n ** 70n), '-1180591620717411303424n'],
    [true, 'true'],
    [undefined, 'undefined'],
    [null, 'null'],
    [[1], 'an array'],
    [{}, 'an instance of Object'],
    [Object.create(null), 'an instance of Object'],
    [new Map(), 'an instance of Map'],
    [Buffer.alloc(1), 'an instance of Buffer'],
    [() => {}, 'a function'],
    [Symbol('s'), 'a symbol']
  ]
  for (const [value, expected] of cases) assert.equal(describe(value), expected, String(expected))
})

test('a value rejected in JS and the same value rejected in Rust read the same', async () => {
  const pool = new Pool({ threads: 1 })
  const tail = (message) => message.slice(message.lastIndexOf(', got ') + 6)
  for (const value of [1n, {}, new Map(), 'text', 2.5, [], true]) {
    let js
    try { new Pool({ threads: value }) } catch (error) { js = tail(error.message) } // eslint-disable-line no-new
    const rust = await pool.exec('fib', value).catch((error) => tail(error.message))
    assert.equal(rust, js, `${js} from both sides`)
  }
  await pool.close()
})
