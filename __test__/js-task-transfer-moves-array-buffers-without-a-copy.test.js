'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { Pool } = require('..')
const { TASKS, jsBlocker } = require('./helpers/js-tasks.js')

test('a transferred ArrayBuffer reaches the task with its bytes, and views over it share it there', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const buffer = new ArrayBuffer(8)
  const bytes = new Uint8Array(buffer)
  bytes.set([1, 2, 3, 4, 5, 6, 7, 8])
  const words = new Uint16Array(buffer, 2, 2)
  const seen = await pool.exec('inspectTransfer', { buffer, bytes, words }, { transfer: [buffer] })
  assert.deepEqual(seen, { byteLength: 8, viewsShareIt: true, sum: 36, words: [0x0403, 0x0605] })
  await pool.close()
})

test('the caller\'s buffers are detached when exec returns, and a queued task aborted with them settles once', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const blocker = jsBlocker(pool, 'waitFlag')
  await blocker.started()
  const buffer = new ArrayBuffer(64)
  const controller = new AbortController()
  const queued = pool.exec('byteLength', buffer, { transfer: [buffer], signal: controller.signal })
  assert.equal(buffer.byteLength, 0, 'detached before the task ran')
  controller.abort()
  await assert.rejects(queued, { name: 'AbortError' })
  const next = new ArrayBuffer(32)
  const after = pool.exec('byteLength', next, { transfer: [next] })
  blocker.release()
  await blocker.promise
  assert.equal(await after, 32)
  await pool.close()
})

test('a transfer list with a buffer twice or a detached one, or given to execMany, is ERR_INVALID_ARG and detaches nothing', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const kept = new ArrayBuffer(4)
  const twice = new ArrayBuffer(4)
  await assert.rejects(pool.exec('byteLength', kept, { transfer: [kept, twice, twice] }),
    { code: 'ERR_INVALID_ARG', message: 'options.transfer lists an ArrayBuffer twice' })
  const detached = new ArrayBuffer(4)
  structuredClone(detached, { transfer: [detached] })
  await assert.rejects(pool.exec('byteLength', kept, { transfer: [kept, detached] }),
    { code: 'ERR_INVALID_ARG', message: 'options.transfer[1] is detached' })
  await assert.rejects(pool.execMany('byteLength', [kept], { transfer: [kept] }),
    { code: 'ERR_INVALID_ARG', message: 'options.transfer moves buffers to one task: use exec for each input that moves buffers' })
  assert.deepEqual([kept.byteLength, twice.byteLength], [4, 4], 'nothing was detached')
  assert.equal(await pool.exec('byteLength', new ArrayBuffer(0), { transfer: [new ArrayBuffer(0)] }), 0, 'an empty buffer is not a detached one')
  await pool.close()
})

test('a buffer marked untransferable is ERR_INVALID_ARG where postMessage refuses it (Node 21+), and copied where it copies it (Node 20)', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const small = Buffer.from('pooled') // a view over Buffer's shared pool, which Node marks untransferable
  const sent = pool.exec('echo', small, { transfer: [small.buffer] })
  if (Number(process.versions.node.split('.')[0]) >= 21) {
    await assert.rejects(sent, { code: 'ERR_INVALID_ARG', message: 'options.transfer[0] is marked untransferable (as the pool behind small Buffers is)' })
  } else {
    assert.deepEqual(await sent, Buffer.from('pooled'))
  }
  assert.equal(small.toString(), 'pooled', 'the pool stays usable in the caller')
  await pool.close()
})

test('a 128 MiB transfer raises the peak RSS by far less than one copy of it', () => {
  const script = path.join(__dirname, 'fixtures', 'js-tasks', 'transfer-peak-rss.js')
  const { size, byteLength, before, after } = JSON.parse(execFileSync(process.execPath, [script], { encoding: 'utf8' }))
  assert.equal(byteLength, size)
  const grewMiB = (after - before) / 1024
  assert.ok(grewMiB < size / 2 ** 20 / 4, `the peak RSS grew by ${grewMiB.toFixed(1)} MiB`)
})
