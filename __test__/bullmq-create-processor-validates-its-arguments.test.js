'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { createProcessor, createConsumer, toJSONSafe } = require('../bullmq.js')

const invalid = (pattern, Type = TypeError) => (error) => {
  assert.ok(error instanceof Type, `${error} is a ${Type.name}`)
  assert.equal(error.code, 'ERR_INVALID_ARG')
  assert.match(error.message, pattern)
  return true
}

test('createProcessor and createConsumer reject bad arguments with ERR_INVALID_ARG naming them', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  assert.throws(() => createProcessor({}), invalid(/^pool must be a corepool Pool, got an instance of Object/))
  assert.throws(() => createProcessor(pool, 5), invalid(/^options must be an object, got 5/))
  assert.throws(() => createProcessor(pool, { concurrency: 2 }), invalid(/^options\.concurrency is not a createProcessor option/))
  assert.throws(() => createProcessor(pool, { map: 'fib' }), invalid(/^options\.map must be a function, got 'fib'/))
  assert.throws(() => createProcessor(pool, { timeout: -1 }), invalid(/^options\.timeout must be a positive, finite number of milliseconds, got -1/, RangeError))
  assert.throws(() => createProcessor(pool, { timeout: '1s' }), invalid(/^options\.timeout must be .* got '1s'/))
  assert.throws(() => createProcessor(pool, { progressInterval: 0 }), invalid(/^options\.progressInterval must be from 1/, RangeError))
  assert.throws(() => createProcessor(pool, { serialize: null }), invalid(/^options\.serialize must be a function, got null/))
  assert.equal(createProcessor(pool).length, 3) // BullMQ passes its AbortSignal only to 3-parameter processors

  assert.throws(() => createConsumer(null, 'q', {}), invalid(/^target must be a corepool Pool or runCluster's worker context, got null/))
  assert.throws(() => createConsumer(pool, '', {}), invalid(/^queueName must be a non-empty string, got ''/))
  assert.throws(() => createConsumer(pool, 'q'), invalid(/^options must be an object, got undefined/))
  assert.throws(() => createConsumer(pool, 'q', {}), invalid(/^options\.connection is required/))
  assert.throws(() => createConsumer(pool, 'q', { connection: {}, shutdownTimeout: 1.5 }), invalid(/^options\.shutdownTimeout must be an integer, got 1\.5/))
  assert.throws(() => createConsumer(pool, 'q', { connection: {}, timeout: 0 }), invalid(/^options\.timeout must be a positive/, RangeError))
})

test('a job whose mapping is bad fails with ERR_INVALID_ARG naming it, before anything runs', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const job = { name: 'fib', data: 10 }
  await assert.rejects(createProcessor(pool, { map: () => null })(job), invalid(/^options\.map\(job\) must return an object, got null/))
  await assert.rejects(createProcessor(pool, { map: () => ({ task: 7 }) })(job), invalid(/^the job's task must be a string, got 7/))
  await assert.rejects(createProcessor(pool, { map: () => ({ progress: 1 }) })(job), invalid(/^options\.map\(job\)\.progress must be a function, got 1/))
  await assert.rejects(createProcessor(pool)({ name: 'nope', data: 1 }), { code: 'ERR_UNKNOWN_TASK' })
  assert.equal(await createProcessor(pool)(job), 55) // the processor runs without a Worker too
  assert.equal(pool.stats().submitted, 1)
})

test('toJSONSafe turns bytes into base64, typed arrays and Sets into arrays, Maps into objects, bigints into strings', () => {
  assert.deepEqual(toJSONSafe({ a: Buffer.from('hi'), b: new Float64Array([1.5, 2]), c: [10n, undefined], d: new BigInt64Array([3n]) }),
    { a: 'aGk=', b: [1.5, 2], c: ['10', null], d: ['3'] })
  assert.equal(toJSONSafe(new Uint8Array([1, 2, 3]).subarray(1)), Buffer.from([2, 3]).toString('base64'))
  const date = new Date(0)
  assert.deepEqual(toJSONSafe({ at: date, m: new Map([[1, Buffer.from('a')]]), s: new Set([2n]) }), { at: date, m: { 1: 'YQ==' }, s: ['2'] })
  assert.equal(toJSONSafe(undefined), null)
  assert.equal(toJSONSafe('x'), 'x')
})
