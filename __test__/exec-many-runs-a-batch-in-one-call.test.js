'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { Pool } = require('..')
const { waitUntil } = require('./helpers/blocker.js')
const { counters } = require('./helpers/counters.js')

test('execMany resolves with every result in input order', async () => {
  const pool = new Pool({ threads: 2 })
  const inputs = Array.from({ length: 5000 }, (_, i) => i % 30)
  const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2))
  assert.deepEqual(await pool.execMany('fib', inputs), inputs.map(fib))
  const buffers = Array.from({ length: 50 }, (_, i) => crypto.randomBytes(1000 + i))
  assert.deepEqual(
    await pool.execMany('sha256', buffers, { encoding: 'base64' }),
    buffers.map((b) => crypto.createHash('sha256').update(b).digest('base64'))
  )
  assert.deepEqual(await pool.execMany('noop', []), [])
  assert.deepEqual(await pool.execMany('noop', [1, 2, 3]), [undefined, undefined, undefined])
  await pool.close()
})

test('execMany rejects the whole batch for one invalid input, naming its index, and runs nothing', async () => {
  const pool = new Pool({ threads: 1 })
  await assert.rejects(pool.execMany('fib', [1, 2, 'x', 4]), {
    code: 'ERR_INVALID_ARG',
    message: "inputs[2]: input must be an integer from 0 to 78, got 'x'"
  })
  assert.equal(pool.stats().submitted, 0)
  await pool.close()
})

test('execMany with settled: true settles each input on its own', async () => {
  const pool = new Pool({ threads: 2 })
  const results = await pool.execMany('fib', [10, -1, 12], { settled: true })
  assert.equal(results.length, 3)
  assert.deepEqual(results[0], { status: 'fulfilled', value: 55 })
  assert.equal(results[1].status, 'rejected')
  assert.equal(results[1].reason.code, 'ERR_INVALID_ARG')
  assert.equal(results[1].reason.message, 'inputs[1]: input must be an integer from 0 to 78, got -1')
  assert.deepEqual(results[2], { status: 'fulfilled', value: 144 })
  assert.deepEqual(await pool.execMany('noop', [1, 2], { settled: true }), [
    { status: 'fulfilled', value: undefined },
    { status: 'fulfilled', value: undefined }
  ])
  const panics = await pool.execMany('test.panic', ['first', 'second'], { settled: true })
  assert.deepEqual(panics.map((r) => [r.status, r.reason.code, r.reason.message]), [
    ['rejected', 'ERR_TASK_PANICKED', 'first'],
    ['rejected', 'ERR_TASK_PANICKED', 'second']
  ])
  await pool.close()
})

test('execMany without settled rejects with the first failing item', async () => {
  const pool = new Pool({ threads: 2 })
  await assert.rejects(pool.execMany('test.panic', ['a', 'b']), { code: 'ERR_TASK_PANICKED', message: 'a' })
  await pool.close()
})

test('one signal cancels the whole batch, running items included', async () => {
  const pool = new Pool({ threads: 2 })
  const cells = Array.from({ length: 6 }, () => new Int32Array(new SharedArrayBuffer(8)))
  const controller = new AbortController()
  const batch = pool.execMany('test.waitFlag', cells, { signal: controller.signal })
  await waitUntil(() => cells.some((c) => Atomics.load(c, 0) > 0))
  controller.abort(new Error('batch no longer needed'))
  await assert.rejects(batch, (error) => {
    assert.equal(error.code, 'ABORT_ERR')
    assert.equal(error.cause.message, 'batch no longer needed')
    return true
  })
  // The pool's threads were freed: a new task runs on them.
  assert.equal(await pool.exec('fib', 20), 6765)
  await waitUntil(() => pool.stats().active === 0)
  assert.equal(cells.every((c) => Atomics.load(c, 1) === 0), true)
  await pool.close()
  assert.deepEqual(counters(pool.stats().tasks['test.waitFlag']), { submitted: 1, completed: 0, failed: 0, cancelled: 1 })
})

test('execMany validates its arguments', async () => {
  const pool = new Pool({ threads: 1 })
  await assert.rejects(pool.execMany('noop', 'abc'), { code: 'ERR_INVALID_ARG', message: "inputs must be an array, got 'abc'" })
  await assert.rejects(pool.execMany('noop', [], { settled: 1 }), { code: 'ERR_INVALID_ARG', message: 'options.settled must be a boolean, got 1' })
  await assert.rejects(pool.execMany('nope', []), { code: 'ERR_UNKNOWN_TASK' })
  await pool.close()
})
