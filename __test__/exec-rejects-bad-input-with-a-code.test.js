'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

test('exec rejects bad input with a code and a message naming the argument', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())

  const rejects = async (promise, code, pattern) => {
    assert.equal(promise instanceof Promise, true)
    await assert.rejects(promise, (error) => {
      assert.equal(error instanceof Error, true)
      assert.equal(error instanceof TypeError || error instanceof RangeError, code === 'ERR_INVALID_ARG')
      assert.equal(error.code, code)
      assert.match(error.message, pattern)
      return true
    })
  }

  await t.test('numeric tasks reject wrong types, negatives, NaN, fractions and values past their bound', async () => {
    for (const task of ['fib', 'sqrtSum', 'countPrimes']) {
      await rejects(pool.exec(task, '10'), 'ERR_INVALID_ARG', /^input must be an integer from 0 to \d+, got '10'$/)
      await rejects(pool.exec(task, -1), 'ERR_INVALID_ARG', /got -1$/)
      await rejects(pool.exec(task, NaN), 'ERR_INVALID_ARG', /got NaN$/)
      await rejects(pool.exec(task, 2.5), 'ERR_INVALID_ARG', /got 2.5$/)
      await rejects(pool.exec(task), 'ERR_INVALID_ARG', /got undefined$/)
      await rejects(pool.exec(task, 10n), 'ERR_INVALID_ARG', /got 10n$/)
    }
    await rejects(pool.exec('fib', 79), 'ERR_INVALID_ARG', /^input must be an integer from 0 to 78, got 79$/)
    await rejects(pool.exec('sqrtSum', 2 ** 41), 'ERR_INVALID_ARG', /from 0 to 1099511627776/)
    await rejects(pool.exec('countPrimes', 2 ** 37), 'ERR_INVALID_ARG', /from 0 to 68719476736/)
  })

  await t.test('sha256 rejects inputs that are not bytes or strings, and bad encodings', async () => {
    for (const input of [undefined, null, 42, {}, [1, 2], true]) {
      await rejects(pool.exec('sha256', input), 'ERR_INVALID_ARG', /^input must be a Buffer, TypedArray, DataView, ArrayBuffer, string or \{ path \}, got /)
    }
    await rejects(pool.exec('sha256', 'x', { encoding: 'latin1' }), 'ERR_INVALID_ARG', /^options.encoding must be one of 'hex', 'base64', 'buffer', got 'latin1'$/)
  })

  await t.test('an unknown task rejects with ERR_UNKNOWN_TASK listing the known tasks', async () => {
    await rejects(pool.exec('sha257', 'x'), 'ERR_UNKNOWN_TASK', /^task must be one of 'sqrtSum', 'fib', .*'sha256'.*, got 'sha257'$/)
    await rejects(pool.exec(undefined), 'ERR_UNKNOWN_TASK', /got undefined$/)
    await rejects(pool.exec({ toString: () => 'fib' }, 1), 'ERR_UNKNOWN_TASK', /got an instance of Object$/)
  })

  await t.test('bad exec options reject with ERR_INVALID_ARG naming the option', async () => {
    await rejects(pool.exec('noop', 0, 'fast'), 'ERR_INVALID_ARG', /^options must be an object, got 'fast'$/)
    await rejects(pool.exec('noop', 0, null), 'ERR_INVALID_ARG', /^options must be an object, got null$/)
    await rejects(pool.exec('noop', 0, { priority: 'urgent' }), 'ERR_INVALID_ARG', /^options.priority must be 'high', 'normal' or 'low', got 'urgent'$/)
    await rejects(pool.exec('noop', 0, { timeout: 0 }), 'ERR_INVALID_ARG', /^options.timeout must be a positive number of milliseconds up to 2147483647, got 0$/)
    await rejects(pool.exec('noop', 0, { timeout: Infinity }), 'ERR_INVALID_ARG', /got Infinity$/)
    await rejects(pool.exec('noop', 0, { timeout: '5' }), 'ERR_INVALID_ARG', /got '5'$/)
    await rejects(pool.exec('noop', 0, { signal: {} }), 'ERR_INVALID_ARG', /^options.signal must be an AbortSignal, got an instance of Object$/)
  })

  await t.test('exec never throws synchronously, even for a throwing options getter', async () => {
    const options = { get priority () { throw new Error('getter exploded') } }
    let promise
    assert.doesNotThrow(() => { promise = pool.exec('noop', 0, options) })
    await assert.rejects(promise, /getter exploded/)
  })

  await t.test('rejected calls are not counted as submitted', async () => {
    const before = pool.stats().submitted
    await pool.exec('fib', -1).catch(() => {})
    assert.equal(pool.stats().submitted, before)
  })
})
