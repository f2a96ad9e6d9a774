'use strict'

// Shrinking a resizable ArrayBuffer, or transferring an input's ArrayBuffer and running a GC,
// while a task read it used to crash the process with SIGSEGV. Inputs not on a
// SharedArrayBuffer are now copied at exec, so the task reads the bytes as they were then.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const v8 = require('node:v8')
const vm = require('node:vm')
const { Pool } = require('..')

v8.setFlagsFromString('--expose-gc')
const gc = vm.runInNewContext('gc')
const MiB = 1024 * 1024
const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex')

function filled (buffer) {
  const bytes = new Uint8Array(buffer)
  for (let i = 0; i < bytes.length; i += 4096) bytes[i] = i & 0xff
  return bytes
}

test('shrinking a resizable ArrayBuffer while a task reads it leaves the result as of exec', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  for (const size of [1, 64, 256]) {
    const buffer = new ArrayBuffer(size * MiB, { maxByteLength: size * MiB })
    const bytes = filled(buffer)
    const expected = sha256(bytes)
    const hashing = pool.exec('sha256', bytes)
    buffer.resize(0)
    gc()
    assert.equal(await hashing, expected)
  }
})

test('transferring an input\'s ArrayBuffer and collecting it leaves the result as of exec', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  for (const task of ['sha256', 'gzip', 'xxh3']) {
    let bytes = filled(new ArrayBuffer(128 * MiB))
    const expected = task === 'gzip' ? null : await pool.exec(task, bytes.slice())
    const running = pool.exec(task, bytes)
    structuredClone(bytes.buffer, { transfer: [bytes.buffer] })
    bytes = null
    gc()
    const result = await running
    if (task === 'gzip') assert.equal(require('node:zlib').gunzipSync(result).length, 128 * MiB)
    else assert.equal(result, expected)
  }
})

test('an in-place sort writes its result back, and keeps away from an array resized meanwhile', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const values = Float64Array.from({ length: 4 * MiB }, (_, i) => (i * 7919) % 1000003)
  const sorted = values.slice().sort()
  const plain = values.slice()
  assert.equal(await pool.exec('sort', plain, { inPlace: true }), plain)
  assert.deepEqual(plain, sorted)

  const buffer = new ArrayBuffer(values.byteLength, { maxByteLength: values.byteLength })
  const resizable = new Float64Array(buffer)
  resizable.set(values)
  const sorting = pool.exec('sort', resizable, { inPlace: true })
  buffer.resize(8 * 1024)
  gc()
  assert.equal(await sorting, resizable)
  assert.deepEqual(Array.from(resizable), Array.from(values.subarray(0, 1024)))

  const shared = new Float64Array(new SharedArrayBuffer(values.byteLength))
  shared.set(values)
  assert.equal(await pool.exec('sort', shared, { inPlace: true }), shared)
  assert.deepEqual(shared, new Float64Array(sorted))
})

test('bytes written after exec do not change the result', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const bytes = Buffer.alloc(32 * MiB, 1)
  const expected = sha256(bytes)
  const hashing = pool.exec('sha256', bytes)
  bytes.fill(2)
  assert.equal(await hashing, expected)
})
