'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const zlib = require('node:zlib')
const { Pool } = require('..')

/** Text-like bytes from a seeded generator: compressible, but not a single repeated run. */
function text (length, seed = 1) {
  const words = ['pool', 'thread', 'rayon', 'node', 'promise', 'kernel', 'buffer', 'zlib', 'the', 'of']
  let state = seed
  let out = ''
  while (out.length < length) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    out += words[(state >>> 16) % words.length] + ((state & 15) === 0 ? '.\n' : ' ')
  }
  return Buffer.from(out.slice(0, length))
}

const FORMATS = [
  { compress: 'gzip', decompress: 'gunzip', nodeCompress: zlib.gzipSync, nodeDecompress: zlib.gunzipSync, levels: [0, 1, 9] },
  { compress: 'deflate', decompress: 'inflate', nodeCompress: zlib.deflateSync, nodeDecompress: zlib.inflateSync, levels: [0, 1, 9] },
  { compress: 'deflateRaw', decompress: 'inflateRaw', nodeCompress: zlib.deflateRawSync, nodeDecompress: zlib.inflateRawSync, levels: [0, 1, 9] },
  { compress: 'brotliCompress', decompress: 'brotliDecompress', nodeCompress: zlib.brotliCompressSync, nodeDecompress: zlib.brotliDecompressSync, levels: [0, 5, 11] }
]

/** "corepool " * 1000, compressed by the reference zstd CLI (`zstd -19`, with checksum). */
const ZSTD_CLI_FRAME = Buffer.from('KLUv/QRojQAASGNvcmVwb29sIAEAHIN8OQK7rxQg', 'base64')

test('compression interoperates with node:zlib', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const inputs = [Buffer.alloc(0), Buffer.from('a'), text(300_000)]

  for (const format of FORMATS) {
    await t.test(`node:zlib decompresses ${format.compress}, and ${format.decompress} reads node:zlib's output`, async () => {
      for (const input of inputs) {
        const ours = await pool.exec(format.compress, input)
        assert.equal(Buffer.isBuffer(ours), true)
        assert.deepEqual(format.nodeDecompress(ours), input)
        const theirs = await pool.exec(format.decompress, format.nodeCompress(input))
        assert.deepEqual(theirs, input)
      }
    })

    await t.test(`${format.compress} honours options.level at both ends of its range`, async () => {
      const input = text(100_000, 7)
      const sizes = []
      for (const level of format.levels) {
        const packed = await pool.exec(format.compress, input, { level })
        assert.deepEqual(format.nodeDecompress(packed), input, `level ${level}`)
        sizes.push(packed.length)
      }
      assert.equal(sizes[0] > sizes[1] && sizes[1] > sizes[2], true, `sizes shrink with the level: ${sizes}`)
    })
  }

  await t.test('gzip at the default level matches node:zlib\'s default level in size', async () => {
    const input = text(300_000, 3)
    const ours = await pool.exec('gzip', input)
    const node = zlib.gzipSync(input)
    assert.equal(Math.abs(ours.length - node.length) < node.length * 0.02, true, `ours ${ours.length}, node ${node.length}`)
  })

  await t.test('gunzip reads every member of a multi-member gzip file', async () => {
    const joined = Buffer.concat([zlib.gzipSync('first '), zlib.gzipSync('second')])
    assert.equal((await pool.exec('gunzip', joined)).toString(), 'first second')
  })

  await t.test('every byte input type and strings compress the same bytes', async () => {
    const input = text(10_000, 5)
    const expected = zlib.gunzipSync(await pool.exec('gzip', input))
    const copy = () => Uint8Array.prototype.slice.call(input).buffer
    for (const view of [new Uint8Array(copy()), copy(), new DataView(copy()), input.toString()]) {
      assert.deepEqual(zlib.gunzipSync(await pool.exec('gzip', view)), expected)
    }
  })

  await t.test('zstdDecompress reads a frame made by the reference zstd CLI', async () => {
    assert.equal((await pool.exec('zstdDecompress', ZSTD_CLI_FRAME)).toString(), 'corepool '.repeat(1000))
    const twoFrames = Buffer.concat([ZSTD_CLI_FRAME, ZSTD_CLI_FRAME])
    assert.equal((await pool.exec('zstdDecompress', twoFrames)).toString(), 'corepool '.repeat(2000))
  })

  await t.test('zstd round-trips at negative, default and maximum levels', async () => {
    for (const input of inputs) {
      for (const level of [undefined, -5, 1, 19, 22]) {
        const packed = await pool.exec('zstdCompress', input, level === undefined ? undefined : { level })
        assert.equal(packed.readUInt32LE(0), 0xfd2fb528, 'a zstd frame starts with its magic number')
        assert.deepEqual(await pool.exec('zstdDecompress', packed), input, `level ${level}`)
      }
    }
  })

  await t.test('zstd interoperates with node:zlib where node:zlib has zstd', async (t) => {
    if (typeof zlib.zstdCompressSync !== 'function') {
      t.skip(`node:zlib in Node ${process.version} has no zstd (added in Node 22.15 / 23.8)`)
      return
    }
    for (const input of inputs) {
      assert.deepEqual(zlib.zstdDecompressSync(await pool.exec('zstdCompress', input)), input)
      assert.deepEqual(await pool.exec('zstdDecompress', zlib.zstdCompressSync(input)), input)
    }
  })
})
