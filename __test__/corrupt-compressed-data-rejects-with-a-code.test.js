'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

const PAIRS = [['gzip', 'gunzip'], ['deflate', 'inflate'], ['deflateRaw', 'inflateRaw'], ['brotliCompress', 'brotliDecompress'], ['zstdCompress', 'zstdDecompress']]

test('corrupt compressed data rejects with a code', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const input = Buffer.from('corepool compresses text like this sentence. '.repeat(2000))

  await t.test('input cut short rejects with ERR_TRUNCATED_DATA', async () => {
    for (const [compress, decompress] of PAIRS) {
      const packed = await pool.exec(compress, input)
      await assert.rejects(pool.exec(decompress, packed.subarray(0, packed.length >> 1)), { code: 'ERR_TRUNCATED_DATA' }, decompress)
      await assert.rejects(pool.exec(decompress, packed.subarray(0, packed.length - 1)), { code: 'ERR_TRUNCATED_DATA' }, decompress)
      await assert.rejects(pool.exec(decompress, Buffer.alloc(0)), {
        code: 'ERR_TRUNCATED_DATA',
        message: 'the compressed input is empty'
      }, decompress)
    }
  })

  await t.test('bytes that are not a stream reject with ERR_CORRUPT_DATA', async () => {
    const garbage = Buffer.alloc(1000, 0xff)
    for (const [, decompress] of PAIRS) {
      await assert.rejects(pool.exec(decompress, garbage), { code: 'ERR_CORRUPT_DATA' }, decompress)
    }
  })

  await t.test('a flipped byte inside a checksummed stream rejects with ERR_CORRUPT_DATA', async () => {
    for (const [compress, decompress] of [['gzip', 'gunzip'], ['deflate', 'inflate'], ['zstdCompress', 'zstdDecompress']]) {
      const packed = Buffer.from(await pool.exec(compress, input))
      // The last bytes are the checksum of the content (CRC-32, Adler-32, XXH64 low word).
      packed[packed.length - 2] ^= 0x55
      await assert.rejects(pool.exec(decompress, packed), { code: 'ERR_CORRUPT_DATA' }, decompress)
    }
  })

  await t.test('a bad input type or level rejects with ERR_INVALID_ARG naming the argument', async () => {
    await assert.rejects(pool.exec('gzip', 42), {
      code: 'ERR_INVALID_ARG',
      message: 'input must be a Buffer, TypedArray, DataView, ArrayBuffer, string or { path }, got 42'
    })
    await assert.rejects(pool.exec('gzip', 'x', { level: 10 }), { code: 'ERR_INVALID_ARG', message: 'options.level must be an integer from 0 to 9, got 10' })
    await assert.rejects(pool.exec('brotliCompress', 'x', { level: 12 }), { message: 'options.level must be an integer from 0 to 11, got 12' })
    await assert.rejects(pool.exec('zstdCompress', 'x', { level: 23 }), { message: 'options.level must be an integer from -131072 to 22, got 23' })
    await assert.rejects(pool.exec('deflate', 'x', { level: '6' }), { message: 'options.level must be an integer from 0 to 9, got \'6\'' })
  })
})
