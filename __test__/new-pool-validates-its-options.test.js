'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool, availableCores, defaults } = require('..')

test('new Pool validates its options with errors that name the option', () => {
  const throwsWith = (options, Type, pattern) => {
    assert.throws(() => new Pool(options), (error) => {
      assert.equal(error instanceof Type, true, `${error.name} is a ${Type.name}`)
      assert.equal(error.code, 'ERR_INVALID_ARG')
      assert.match(error.message, pattern)
      return true
    })
  }
  throwsWith(null, TypeError, /^options must be an object, got null$/)
  throwsWith({ threads: '2' }, TypeError, /^options.threads must be an integer, got '2'$/)
  throwsWith({ threads: 1.5 }, TypeError, /^options.threads must be an integer, got 1.5$/)
  throwsWith({ threads: 0 }, RangeError, /^options.threads must be from 1 to 1024, got 0$/)
  throwsWith({ threads: 1025 }, RangeError, /^options.threads must be from 1 to 1024, got 1025$/)
  throwsWith({ spinMicros: -1 }, RangeError, /^options.spinMicros must be from 0 to 10000, got -1$/)
  throwsWith({ maxQueue: 'lots' }, TypeError, /^options.maxQueue must be a number, got 'lots'$/)
  throwsWith({ niceIncrement: 20 }, RangeError, /^options.niceIncrement must be from 0 to 19, got 20$/)
  throwsWith({ niceIncrement: 'low' }, TypeError, /^options.niceIncrement must be an integer, got 'low'$/)
  throwsWith({ schedulingPolicy: 'fifo' }, TypeError, /^options.schedulingPolicy must be 'normal', 'batch', 'idle', got 'fifo'$/)
  throwsWith({ schedulingPolicy: 5 }, TypeError, /^options.schedulingPolicy must be 'normal', 'batch', 'idle', got 5$/)
  throwsWith({ maxQueue: -1 }, RangeError, /^options.maxQueue must be a non-negative integer or Infinity, got -1$/)
})

test('the default thread count is the cores this process may use', async () => {
  assert.equal(defaults.threads, availableCores())
  const pool = new Pool()
  assert.equal(pool.threads, availableCores())
  assert.equal(pool.stats().threads, availableCores())
  await pool.close()
})

test('threads overrides the default', async () => {
  const pool = new Pool({ threads: 3 })
  assert.equal(pool.stats().threads, 3)
  await pool.close()
})
