'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { Pool } = require('..')

test('exec resolves with each kernel\'s result', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  await t.test('sqrtSum is bit-identical to the same loop in JS', async () => {
    for (const n of [0, 1, 2, 1000, 123457]) {
      let expected = 0
      for (let i = 0; i < n; i++) expected += Math.sqrt(i)
      assert.equal(Object.is(await pool.exec('sqrtSum', n), expected), true, `sqrtSum(${n})`)
    }
  })

  await t.test('fib is the classic Fibonacci number', async () => {
    const fib = (n) => (n < 2 ? n : fib(n - 1) + fib(n - 2))
    for (const n of [0, 1, 2, 10, 25]) assert.equal(await pool.exec('fib', n), fib(n))
    assert.equal(await pool.exec('fib', 32), 2178309)
  })

  await t.test('countPrimes counts the primes up to and including n', async () => {
    assert.deepEqual(
      await Promise.all([0, 1, 2, 10, 100, 1_000_000].map((n) => pool.exec('countPrimes', n))),
      [0, 0, 1, 4, 25, 78498]
    )
  })

  await t.test('sha256 equals node:crypto for every input type', async () => {
    const bytes = crypto.randomBytes(100_000)
    const hex = crypto.createHash('sha256').update(bytes).digest('hex')
    assert.equal(await pool.exec('sha256', bytes), hex)
    assert.equal(await pool.exec('sha256', new Uint8Array(bytes)), hex)
    assert.equal(await pool.exec('sha256', bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length)), hex)
    assert.equal(await pool.exec('sha256', new DataView(bytes.buffer, bytes.byteOffset, bytes.length)), hex)
    const words = new Uint32Array(25_000).fill(0xdeadbeef)
    assert.equal(await pool.exec('sha256', words), crypto.createHash('sha256').update(words).digest('hex'))
    const text = 'héllo wörld ✓'.repeat(1000)
    assert.equal(await pool.exec('sha256', text), crypto.createHash('sha256').update(text).digest('hex'))
    assert.equal(await pool.exec('sha256', ''), crypto.createHash('sha256').update('').digest('hex'))
  })

  await t.test('sha256 returns a Buffer or base64 when options.encoding asks', async () => {
    const digest = crypto.createHash('sha256').update('abc').digest()
    const buffer = await pool.exec('sha256', 'abc', { encoding: 'buffer' })
    assert.equal(Buffer.isBuffer(buffer), true)
    assert.deepEqual(buffer, digest)
    assert.equal(await pool.exec('sha256', 'abc', { encoding: 'base64' }), digest.toString('base64'))
  })

  await t.test('a sub-view of a larger buffer hashes only its own bytes', async () => {
    const whole = crypto.randomBytes(4096)
    const view = whole.subarray(100, 1100)
    assert.equal(await pool.exec('sha256', view), crypto.createHash('sha256').update(view).digest('hex'))
  })

  await t.test('noop resolves with undefined', async () => {
    assert.equal(await pool.exec('noop'), undefined)
  })
})
