'use strict'

// { path } reads had no size limit: sha256 of /dev/zero read until memory ran out.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { Pool } = require('..')

const sha256 = (bytes) => crypto.createHash('sha256').update(bytes).digest('hex')
const MiB = 1024 * 1024

test('a { path } input longer than maxInputLength rejects with ERR_INPUT_TOO_LARGE', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-limit-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const file = path.join(dir, 'exact.bin')
  const bytes = crypto.randomBytes(MiB)
  fs.writeFileSync(file, bytes)

  assert.equal(await pool.exec('sha256', { path: file }, { maxInputLength: MiB }), sha256(bytes))
  await assert.rejects(pool.exec('sha256', { path: file }, { maxInputLength: MiB - 1 }), {
    code: 'ERR_INPUT_TOO_LARGE',
    message: `'${file}' is larger than options.maxInputLength (${MiB - 1} bytes)`
  })
  await assert.rejects(pool.exec('gzip', { path: '/dev/zero' }, { maxInputLength: 4 * MiB }), {
    code: 'ERR_INPUT_TOO_LARGE',
    message: `'/dev/zero' is larger than options.maxInputLength (${4 * MiB} bytes)`
  })
  // The default: 256 MiB.
  await assert.rejects(pool.exec('sha256', { path: '/dev/zero' }), {
    code: 'ERR_INPUT_TOO_LARGE',
    message: `'/dev/zero' is larger than options.maxInputLength (${256 * MiB} bytes)`
  })
  for (const bad of [0, -1, 1.5, 2 ** 32 + 1, '1', null]) {
    await assert.rejects(pool.exec('sha256', { path: file }, { maxInputLength: bad }), { code: 'ERR_INVALID_ARG', message: /^options\.maxInputLength must be/ })
  }
})

test('an abort stops a read of /dev/zero at the next chunk', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const controller = new AbortController()
  const reading = pool.exec('sha256', { path: '/dev/zero' }, { maxInputLength: 2 ** 32, signal: controller.signal })
  controller.abort()
  await assert.rejects(reading, { code: 'ABORT_ERR' })
  assert.deepEqual([pool.stats().cancelled, pool.stats().completed], [1, 0])
})
