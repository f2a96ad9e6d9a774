'use strict'

// A { path } read of a FIFO with no writer used to block close() (and the JS thread) forever,
// and nine such reads filled the I/O threads so that every later { path } read waited.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { Pool } = require('..')

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex')
const skip = process.platform !== 'linux' && 'uses mkfifo (Linux)'

function fifos (t, count) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-fifo-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  return Array.from({ length: count }, (_, i) => {
    const file = path.join(dir, `fifo-${i}`)
    execFileSync('mkfifo', [file])
    return file
  })
}

test('an abort rejects a read blocked on a FIFO, and 16 blocked reads do not stall a regular one', { skip }, async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const controller = new AbortController()
  const blocked = fifos(t, 16).map((fifo) => pool.exec('sha256', { path: fifo }, { signal: controller.signal }))
  const file = path.join(path.dirname(fifos(t, 1)[0]), 'regular.bin')
  fs.writeFileSync(file, 'regular')
  assert.equal(await pool.exec('sha256', { path: file }), sha256('regular'))
  controller.abort(new Error('give up'))
  for (const promise of blocked) {
    await assert.rejects(promise, (error) => error.code === 'ABORT_ERR' && error.cause.message === 'give up')
  }
  const { submitted, completed, cancelled } = pool.stats()
  assert.deepEqual({ submitted, completed, cancelled }, { submitted: 17, completed: 1, cancelled: 16 })
})

test('close({ force: true }) and destroy() resolve while reads are blocked on FIFOs', { skip }, async (t) => {
  for (const stop of ['force', 'destroy']) {
    const pool = new Pool({ threads: 1 })
    const reads = fifos(t, 3).map((fifo) => pool.exec('sha256', { path: fifo }).catch((error) => error.code))
    await (stop === 'force' ? pool.close({ force: true }) : pool.destroy())
    assert.deepEqual(await Promise.all(reads), ['ABORT_ERR', 'ABORT_ERR', 'ABORT_ERR'])
    assert.equal(pool.stats().cancelled, 3)
  }
})

test('close() waits for a FIFO read without holding the JS thread, and the read completes', { skip }, async (t) => {
  const pool = new Pool({ threads: 1 })
  const [fifo] = fifos(t, 1)
  const read = pool.exec('sha256', { path: fifo })
  let closed = false
  const closing = pool.close().then(() => { closed = true })
  await new Promise(setImmediate) // the JS thread runs while the read waits
  assert.equal(closed, false)
  await fs.promises.writeFile(fifo, 'through the pipe')
  assert.equal(await read, sha256('through the pipe'))
  await closing
  assert.equal(closed, true)
})
