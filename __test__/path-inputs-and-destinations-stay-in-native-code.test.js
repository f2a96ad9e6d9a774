'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Pool } = require('..')

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex')

test('files given as { path } are read by corepool and hashed on the pool', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-files-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  await t.test('a { path } input hashes to the same digest as its bytes', async () => {
    const bytes = crypto.randomBytes(3 * 1024 * 1024 + 17)
    const file = path.join(dir, 'upload.bin')
    fs.writeFileSync(file, bytes)
    assert.equal(await pool.exec('sha256', { path: file }), sha256(bytes))
    const empty = path.join(dir, 'empty')
    fs.writeFileSync(empty, '')
    assert.equal(await pool.exec('sha256', { path: empty }), sha256(''))
  })

  await t.test('execMany mixes { path } inputs with in-memory ones', async () => {
    const files = [0, 1, 2].map((i) => {
      const file = path.join(dir, `part-${i}`)
      fs.writeFileSync(file, `part ${i}`)
      return { path: file }
    })
    assert.deepEqual(await pool.execMany('sha256', [...files, 'part 3']), [0, 1, 2, 3].map((i) => sha256(`part ${i}`)))
  })

  await t.test('a missing file rejects with the OS code, worded like Node', async () => {
    const missing = path.join(dir, 'missing.bin')
    await assert.rejects(pool.exec('sha256', { path: missing }), {
      code: 'ENOENT',
      message: `ENOENT: no such file or directory, open '${missing}'`
    })
    await assert.rejects(pool.exec('sha256', { path: dir }), { code: 'EISDIR' })
  })

  await t.test('options.destination writes a bytes result to a file and resolves with what was written', async () => {
    const out = path.join(dir, 'digest.bin')
    assert.deepEqual(await pool.exec('sha256', 'abc', { encoding: 'buffer', destination: { path: out } }), { path: out, bytesWritten: 32 })
    assert.deepEqual(fs.readFileSync(out), crypto.createHash('sha256').update('abc').digest())
    await assert.rejects(pool.exec('sha256', 'abc', { encoding: 'buffer', destination: { path: path.join(dir, 'no', 'such', 'dir') } }), { code: 'ENOENT' })
  })

  await t.test('bad paths and destinations reject with ERR_INVALID_ARG', async () => {
    await assert.rejects(pool.exec('sha256', { path: '' }), { code: 'ERR_INVALID_ARG', message: 'input.path must be a non-empty file path without NUL bytes' })
    await assert.rejects(pool.exec('sha256', { file: 'x' }), { code: 'ERR_INVALID_ARG', message: /^input must be a Buffer, TypedArray, DataView, ArrayBuffer, string or \{ path \}, got an instance of Object$/ })
    await assert.rejects(pool.exec('sha256', 'abc', { destination: 'out.bin' }), { code: 'ERR_INVALID_ARG', message: "options.destination must be { path: string }, got 'out.bin'" })
    await assert.rejects(pool.exec('sha256', 'abc', { destination: { path: path.join(dir, 'hex.txt') } }), { code: 'ERR_INVALID_ARG', message: 'options.destination needs a task whose result is bytes' })
  })

  await t.test('every file task is counted and settled', async () => {
    const stats = pool.stats()
    assert.equal(stats.completed + stats.failed + stats.cancelled, stats.submitted)
    assert.deepEqual([stats.active, stats.queued], [0, 0])
  })
})
