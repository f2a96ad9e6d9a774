'use strict'

// fib(30) with `timeout: 1` used to resolve: fib checked its token only above fib(27), and a
// result that came after the deadline still counted. Every kernel that can stop midway checks
// about once per millisecond; each runs here on an input that takes far longer than the bound.
const test = require('node:test')
const assert = require('node:assert/strict')
const zlib = require('node:zlib')
const { Pool } = require('..')

const MiB = 1024 * 1024
// Generous for a loaded 2-core machine; every input below runs for a second or more.
const BOUND_MS = 250

// On SharedArrayBuffers, so they are read in place: a copy at exec would be timed too.
const big = new Uint8Array(new SharedArrayBuffer(256 * MiB)).fill(7)
const numbers = new Float64Array(new SharedArrayBuffer(8 * MiB * 8))
for (let i = 0; i < numbers.length; i++) numbers[i] = (i * 2654435761) % 1000003
const cases = [
  ['sqrtSum', 2 ** 36], ['fib', 60], ['countPrimes', 2 ** 34],
  ...['md5', 'sha1', 'sha256', 'sha384', 'sha512', 'sha3-256', 'blake3', 'xxh64', 'xxh3', 'xxh3-128', 'crc32', 'crc32c'].map((name) => [name, big]),
  ['hmac-sha256', big, { key: 'k' }], ['hmac-sha512', big, { key: 'k' }],
  ['gzip', big], ['deflate', big], ['deflateRaw', big], ['brotliCompress', big], ['zstdCompress', big],
  ['gunzip', zlib.gzipSync(Buffer.alloc(256 * MiB), { level: 1 }), { maxOutputLength: 2 ** 32 }],
  ['sort', numbers], ['stats', numbers]
]

test('every kernel rejects with ERR_TASK_TIMEOUT within a few ms of a 1 ms timeout', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const late = []
  for (const [task, input, options] of cases) {
    const started = performance.now()
    await assert.rejects(pool.exec(task, input, { ...options, timeout: 1 }), { code: 'ERR_TASK_TIMEOUT' }, task)
    const took = performance.now() - started
    if (took > BOUND_MS) late.push(`${task}: ${took.toFixed(1)} ms`)
  }
  assert.deepEqual(late, [])
  assert.equal(pool.stats().failed, cases.length)
})

test('fib(30) with a 1 ms timeout rejects, 50 times out of 50', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const results = await Promise.all(Array.from({ length: 50 }, () => pool.exec('fib', 30, { timeout: 1 }).then(() => 'resolved', (error) => error.code)))
  assert.deepEqual(results, Array(50).fill('ERR_TASK_TIMEOUT'))
})
