'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

const TYPES = 'input must be a Float64Array, Float32Array, Int32Array, Uint32Array or BigInt64Array'

test('numbers tasks reject bad input with a code', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  await t.test('inputs that are not a supported typed array are named in the message', async () => {
    const cases = [
      [[3, 1, 2], 'an array'],
      [Buffer.from([3, 1, 2]), 'a TypedArray of another type'],
      [new Uint8Array(4), 'a TypedArray of another type'],
      [new BigUint64Array(4), 'a TypedArray of another type'],
      [new ArrayBuffer(8), 'a DataView or ArrayBuffer'],
      ['1,2,3', "'1,2,3'"],
      [undefined, 'undefined'],
      [7, '7']
    ]
    for (const task of ['sort', 'stats']) {
      for (const [input, got] of cases) {
        await assert.rejects(pool.exec(task, input), { code: 'ERR_INVALID_ARG', message: `${TYPES}, got ${got}` }, `${task}: ${got}`)
      }
    }
  })

  await t.test('options are checked by name', async () => {
    const input = new Float64Array([1, 2])
    await assert.rejects(pool.exec('sort', input, { inPlace: 'yes' }), { code: 'ERR_INVALID_ARG', message: 'options.inPlace must be a boolean, got \'yes\'' })
    await assert.rejects(pool.exec('stats', input, { sample: 1 }), { code: 'ERR_INVALID_ARG', message: 'options.sample must be a boolean, got 1' })
    await assert.rejects(pool.exec('stats', input, { percentiles: 50 }), { code: 'ERR_INVALID_ARG', message: 'options.percentiles must be an array of numbers, got 50' })
    await assert.rejects(pool.exec('stats', input, { percentiles: [50, 101] }), { code: 'ERR_INVALID_ARG', message: 'options.percentiles[1] must be a number from 0 to 100, got 101' })
    await assert.rejects(pool.exec('stats', input, { percentiles: [NaN] }), { code: 'ERR_INVALID_ARG', message: 'options.percentiles[0] must be a number from 0 to 100, got NaN' })
    await assert.rejects(pool.exec('stats', input, { percentiles: ['50'] }), { code: 'ERR_INVALID_ARG', message: 'options.percentiles[0] must be a number from 0 to 100, got \'50\'' })
    await assert.rejects(pool.exec('stats', input, { percentiles: new Array(1001).fill(1) }), { code: 'ERR_INVALID_ARG', message: 'options.percentiles must hold at most 1000 numbers, got 1001' })
  })

  await t.test('a rejected in-place sort leaves the input untouched', async () => {
    const input = new Float64Array([3, 2, 1])
    await assert.rejects(pool.exec('sort', input, { inPlace: 1 }), { code: 'ERR_INVALID_ARG' })
    assert.deepEqual([...input], [3, 2, 1])
  })
})
