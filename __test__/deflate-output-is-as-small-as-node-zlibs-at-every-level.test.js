'use strict'

// gzip, deflate and deflateRaw use zlib's level table (src/tasks/deflate.rs), so at every level
// their output is at most 2% larger than node:zlib's (at levels 1 to 3 it is sometimes smaller). Compression is deterministic, so these sizes are
// exact facts about the build, not samples.

const test = require('node:test')
const assert = require('node:assert/strict')
const zlib = require('node:zlib')
const { Pool } = require('..')
const { repetitiveText, repetitiveJson } = require('./fixtures/compressible')

const FORMATS = [
  { task: 'gzip', compress: zlib.gzipSync, decompress: zlib.gunzipSync },
  { task: 'deflate', compress: zlib.deflateSync, decompress: zlib.inflateSync },
  { task: 'deflateRaw', compress: zlib.deflateRawSync, decompress: zlib.inflateRawSync }
]
const INPUTS = { 'repetitive text': repetitiveText(), 'repetitive JSON': repetitiveJson() }

test('deflate output is as small as node:zlib\'s at every level', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  for (const { task, compress, decompress } of FORMATS) {
    for (const [name, input] of Object.entries(INPUTS)) {
      await t.test(`${task} of ${name}`, async () => {
        for (const level of [undefined, 1, 2, 3, 4, 5, 6, 7, 8, 9]) {
          const ours = await pool.exec(task, input, level === undefined ? undefined : { level })
          const node = compress(input, level === undefined ? undefined : { level })
          assert.deepEqual(decompress(ours), input, `level ${level ?? 'default'} decompresses with node:zlib`)
          assert.ok(ours.length <= node.length * 1.02,
            `level ${level ?? 'default'}: ${ours.length} bytes against node:zlib's ${node.length}`)
        }
      })
    }
  }
})
