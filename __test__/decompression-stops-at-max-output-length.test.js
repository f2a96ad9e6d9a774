'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const zlib = require('node:zlib')
const { Pool } = require('..')

const MiB = 1024 * 1024

test('decompression stops at options.maxOutputLength', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  await t.test('a gzip bomb of 1 GiB of zeros rejects with ERR_OUTPUT_TOO_LARGE at the default limit', async () => {
    // 1 GiB of zeros, gzip'd at level 9 by our own gzip in 64 MiB pieces (a multi-member file):
    // about 1 MB that expands 1000-fold, past the 256 MiB default.
    const piece = await pool.exec('gzip', Buffer.alloc(64 * MiB), { level: 9 })
    const bomb = Buffer.concat(Array.from({ length: 16 }, () => piece))
    assert.equal(bomb.length < 2 * MiB, true, `the bomb is ${bomb.length} bytes`)
    const before = process.memoryUsage().rss
    await assert.rejects(pool.exec('gunzip', bomb), (err) => {
      assert.equal(err.code, 'ERR_OUTPUT_TOO_LARGE')
      assert.equal(err.message, 'the decompressed output is larger than options.maxOutputLength (268435456 bytes)')
      return true
    })
    const grown = process.memoryUsage().rss - before
    assert.equal(grown < 300 * MiB, true, `rss grew by ${Math.round(grown / MiB)} MiB`)
  })

  await t.test('every format stops one byte past the limit, and allows exactly the limit', async () => {
    const input = Buffer.alloc(1 * MiB, 'x')
    const formats = [['gzip', 'gunzip'], ['deflate', 'inflate'], ['deflateRaw', 'inflateRaw'], ['brotliCompress', 'brotliDecompress'], ['zstdCompress', 'zstdDecompress']]
    for (const [compress, decompress] of formats) {
      const packed = await pool.exec(compress, input)
      assert.equal((await pool.exec(decompress, packed, { maxOutputLength: input.length })).length, input.length, decompress)
      await assert.rejects(pool.exec(decompress, packed, { maxOutputLength: input.length - 1 }), { code: 'ERR_OUTPUT_TOO_LARGE' }, decompress)
    }
  })

  await t.test('a zstd bomb stops at a small limit', async () => {
    const bomb = await pool.exec('zstdCompress', Buffer.alloc(256 * MiB), { level: 1 })
    assert.equal(bomb.length < 64 * 1024, true, `the bomb is ${bomb.length} bytes`)
    await assert.rejects(pool.exec('zstdDecompress', bomb, { maxOutputLength: 10 * MiB }), { code: 'ERR_OUTPUT_TOO_LARGE' })
  })

  await t.test('brotli from node:zlib stops at the limit too', async () => {
    const bomb = zlib.brotliCompressSync(Buffer.alloc(64 * MiB), { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } })
    await assert.rejects(pool.exec('brotliDecompress', bomb, { maxOutputLength: MiB }), { code: 'ERR_OUTPUT_TOO_LARGE' })
  })

  await t.test('options.maxOutputLength must be an integer from 1 to 2^32', async () => {
    const packed = zlib.gzipSync('abc')
    for (const bad of [0, -1, 1.5, '10', 2 ** 32 + 1, NaN]) {
      await assert.rejects(pool.exec('gunzip', packed, { maxOutputLength: bad }), { code: 'ERR_INVALID_ARG' }, String(bad))
    }
    await assert.rejects(pool.exec('gunzip', packed, { maxOutputLength: 0 }), {
      message: 'options.maxOutputLength must be an integer from 1 to 4294967296, got 0'
    })
  })
})
