'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

/** The BLAKE3 test_vectors.json input: bytes 0, 1, ..., 250, 0, 1, ... of length `n`. */
function blake3Input (n) {
  const bytes = Buffer.alloc(n)
  for (let i = 0; i < n; i++) bytes[i] = i % 251
  return bytes
}

test('hashes match published vectors', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  await t.test('blake3 matches the official test vectors', async () => {
    assert.equal(await pool.exec('blake3', blake3Input(0)), 'af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262')
    assert.equal(await pool.exec('blake3', blake3Input(1)), '2d3adedff11b61f14c886e35afa036736dcd87a74d27b5c1510225d0f592e213')
    assert.equal(await pool.exec('blake3', blake3Input(1024)), '42214739f095a406f3fc83deb889744ac00df831c10daa55189b5d121c855af7')
    assert.equal(await pool.exec('blake3', blake3Input(102400)), 'bc3e3d41a1146b069abffad3c0d44860cf664390afce4d9661f7902e7943e085')
  })

  await t.test('xxh64 matches the reference vectors, as canonical big-endian hex', async () => {
    assert.equal(await pool.exec('xxh64', ''), 'ef46db3751d8e999')
    assert.equal(await pool.exec('xxh64', 'abc'), '44bc2cf5ad770999')
    assert.deepEqual(await pool.exec('xxh64', '', { encoding: 'buffer' }), Buffer.from('ef46db3751d8e999', 'hex'))
  })

  await t.test('xxh3 and xxh3-128 match the reference vectors for the empty input', async () => {
    assert.equal(await pool.exec('xxh3', ''), '2d06800538d394c2')
    assert.equal(await pool.exec('xxh3-128', ''), '99aa06d3014798d86001c324468d497f')
  })

  await t.test('options.seed changes xxh64 and xxh3, and seed 0 equals no seed', async () => {
    for (const task of ['xxh64', 'xxh3', 'xxh3-128']) {
      assert.equal(await pool.exec(task, 'abc', { seed: 0 }), await pool.exec(task, 'abc'))
      assert.notEqual(await pool.exec(task, 'abc', { seed: 1 }), await pool.exec(task, 'abc'))
    }
  })

  await t.test('crc32 and crc32c match their check values', async () => {
    assert.equal(await pool.exec('crc32', '123456789'), 'cbf43926')
    assert.equal(await pool.exec('crc32c', '123456789'), 'e3069283')
    assert.equal(await pool.exec('crc32', ''), '00000000')
    assert.equal(await pool.exec('crc32c', '123456789', { encoding: 'base64' }), Buffer.from('e3069283', 'hex').toString('base64'))
  })

  await t.test('crc32 equals zlib.crc32 where Node has it', { skip: typeof require('node:zlib').crc32 !== 'function' && 'zlib.crc32 needs Node 20.15 or 22.2' }, async () => {
    const zlib = require('node:zlib')
    const data = require('node:crypto').randomBytes(700_001)
    assert.equal(await pool.exec('crc32', data), zlib.crc32(data).toString(16).padStart(8, '0'))
  })
})
