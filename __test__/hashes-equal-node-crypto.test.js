'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { Pool } = require('..')

// Task name -> node:crypto algorithm name.
const DIGESTS = { md5: 'md5', sha1: 'sha1', sha256: 'sha256', sha384: 'sha384', sha512: 'sha512', 'sha3-256': 'sha3-256' }
const HMACS = { 'hmac-sha256': 'sha256', 'hmac-sha512': 'sha512' }

test('hashes equal node:crypto', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  // Empty, one byte, one block boundary, and long enough to span several chunks of 256 KiB.
  const inputs = [Buffer.alloc(0), Buffer.from([0]), crypto.randomBytes(64), crypto.randomBytes(1_000_003)]

  await t.test('every digest equals createHash for Buffers, strings and every encoding', async () => {
    for (const [task, algorithm] of Object.entries(DIGESTS)) {
      for (const input of inputs) {
        const expected = crypto.createHash(algorithm).update(input).digest()
        assert.equal(await pool.exec(task, input), expected.toString('hex'), `${task} of ${input.length} bytes`)
        assert.equal(await pool.exec(task, input, { encoding: 'base64' }), expected.toString('base64'))
        assert.deepEqual(await pool.exec(task, input, { encoding: 'buffer' }), expected)
      }
      const text = 'héllo wörld ✓'
      assert.equal(await pool.exec(task, text), crypto.createHash(algorithm).update(text).digest('hex'))
    }
  })

  await t.test('hmac equals createHmac for string and byte keys of every length', async () => {
    const keys = ['', 'key', crypto.randomBytes(200), new Uint8Array(crypto.randomBytes(64))]
    for (const [task, algorithm] of Object.entries(HMACS)) {
      for (const key of keys) {
        for (const input of inputs) {
          const expected = crypto.createHmac(algorithm, key).update(input).digest()
          assert.equal(await pool.exec(task, input, { key }), expected.toString('hex'), `${task} with a ${key.length}-byte key`)
          assert.deepEqual(await pool.exec(task, input, { key, encoding: 'buffer' }), expected)
        }
      }
    }
  })
})
