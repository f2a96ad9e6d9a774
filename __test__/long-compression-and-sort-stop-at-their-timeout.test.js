'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

// A timeout rejects only when the running kernel reaches a cancellation check, so each of these
// would resolve (seconds later) instead of rejecting if the kernel did not check its token.

function text (length) {
  const words = ['pool', 'thread', 'rayon', 'node', 'promise', 'kernel', 'buffer', 'zlib']
  let state = 11
  let out = ''
  while (out.length < length) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    out += words[(state >>> 16) % words.length] + ' '
  }
  return Buffer.from(out.slice(0, length))
}

test('long compression and sort stop at their timeout', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  await t.test('brotli at level 11 on 4 MiB (seconds of work) rejects with ERR_TASK_TIMEOUT', async () => {
    await assert.rejects(pool.exec('brotliCompress', text(4 * 1024 * 1024), { timeout: 20 }), { code: 'ERR_TASK_TIMEOUT' })
  })

  await t.test('zstd at level 19 rejects with ERR_TASK_TIMEOUT', async () => {
    await assert.rejects(pool.exec('zstdCompress', text(4 * 1024 * 1024), { level: 19, timeout: 20 }), { code: 'ERR_TASK_TIMEOUT' })
  })

  await t.test('gunzip of 1 GiB of zeros with a 2 GiB limit rejects with ERR_TASK_TIMEOUT', async () => {
    const piece = await pool.exec('gzip', Buffer.alloc(64 * 1024 * 1024), { level: 1 })
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => piece))
    await assert.rejects(pool.exec('gunzip', bomb, { maxOutputLength: 2 ** 31, timeout: 20 }), { code: 'ERR_TASK_TIMEOUT' })
  })

  await t.test('an in-place sort of 1e7 values stops, keeping every value', async () => {
    const array = new Float64Array(10_000_000)
    let state = 5
    for (let i = 0; i < array.length; i++) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0
      array[i] = state
    }
    const expected = array.slice().sort()
    await assert.rejects(pool.exec('sort', array, { inPlace: true, timeout: 5 }), { code: 'ERR_TASK_TIMEOUT' })
    assert.deepEqual(array.slice().sort(), expected)
  })
})
