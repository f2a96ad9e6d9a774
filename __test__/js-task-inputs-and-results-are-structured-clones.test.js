'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { TASKS } = require('./helpers/js-tasks.js')
const { counters } = require('./helpers/counters.js')

test('Buffer, TypedArrays, Map, Set, Date, Error, BigInt and plain objects round-trip', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const error = new TypeError('kept')
  const value = {
    buffer: Buffer.from('hello'),
    floats: new Float64Array([1.5, -2]),
    bytes: new Uint8Array([1, 2, 3]),
    map: new Map([['k', { v: 1 }]]),
    set: new Set([1, 'a']),
    date: new Date(1700000000000),
    error,
    big: 2n ** 70n,
    nested: { list: [null, undefined, true, 'x'] }
  }
  const back = await pool.exec('echo', value)
  assert.deepEqual(back, value)
  assert.ok(Buffer.isBuffer(back.buffer), 'a Buffer stays a Buffer')
  assert.ok(back.floats instanceof Float64Array)
  assert.ok(back.error instanceof TypeError)
  await pool.close()
})

test('primitives round-trip exactly: -0, NaN, int32 bounds, doubles, lone surrogates, undefined and null', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const values = [undefined, null, true, false, 0, -0, NaN, Infinity, -Infinity, 1.5, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1,
    Number.MAX_SAFE_INTEGER, Number.MIN_VALUE, '', 'héllo', '\ud800 lone', 'x'.repeat(100_000)]
  for (const value of values) {
    const back = await pool.exec('echo', value)
    assert.ok(Object.is(back, value), `${String(value).slice(0, 20)} came back as ${String(back).slice(0, 20)}`)
  }
  await pool.close()
})

test('an input a task keeps is its own: later inputs, small or large, do not overwrite it', async () => {
  const pool = new Pool({ threads: 1, jsThreads: 1, tasks: TASKS })
  // Each Buffer and TypedArray decodes as a view over the bytes it came in; the next inputs reuse
  // the worker's memory for small inputs. The first task loads the module.
  const inputs = [0, Buffer.from('first'), 'a string', new Float64Array([1.5, 2.5]), Buffer.from('second'), 7,
    Buffer.alloc(10_000, 1), { nested: Buffer.from('third') }, Buffer.from('last')]
  let kept
  for (const input of inputs) kept = await pool.exec('keep', input)
  assert.deepEqual(kept, inputs)
  await pool.close()
})

test('a view over a SharedArrayBuffer is shared, and transfer leaves the sender\'s buffer detached', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const shared = new SharedArrayBuffer(16)
  const same = await pool.exec('fill', { shared: new Int32Array(shared, 4, 2), value: 7 })
  assert.deepEqual([...new Int32Array(shared)], [0, 7, 7, 0], 'the task wrote into the caller\'s memory')
  assert.equal(same.buffer, shared, 'a view returned is over the same buffer')
  assert.deepEqual([same.byteOffset, same.length], [4, 2])
  await pool.exec('fill', { shared: new Int32Array(shared), value: 9 })
  assert.deepEqual([...new Int32Array(shared)], [9, 9, 9, 9])
  await assert.rejects(pool.exec('echo', shared), {
    code: 'ERR_INVALID_ARG',
    message: 'input could not be cloned: a bare SharedArrayBuffer cannot be sent: send a TypedArray or DataView over it'
  })

  const moved = new ArrayBuffer(1024)
  assert.equal(await pool.exec('byteLength', moved, { transfer: [moved] }), 1024)
  assert.equal(moved.byteLength, 0, 'detached')
  await assert.rejects(pool.exec('byteLength', moved, { transfer: [1] }),
    { code: 'ERR_INVALID_ARG', message: 'options.transfer must be an array of ArrayBuffers, got an array' })
  await pool.close()
})

test('an input that cannot be cloned is ERR_INVALID_ARG, a result that cannot is ERR_TASK_RESULT', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  await assert.rejects(pool.exec('echo', { f () {} }), (error) => {
    assert.equal(error.code, 'ERR_INVALID_ARG')
    assert.match(error.message, /^input could not be cloned: .*could not be cloned/)
    return true
  })
  await assert.rejects(pool.exec('uncloneable'), (error) => {
    assert.equal(error.code, 'ERR_TASK_RESULT')
    assert.match(error.message, /^the task's result could not be cloned: .*could not be cloned/)
    return true
  })
  assert.deepEqual(counters(pool.stats().tasks.uncloneable), { submitted: 1, completed: 0, failed: 1, cancelled: 0 })
  await pool.close()
})
