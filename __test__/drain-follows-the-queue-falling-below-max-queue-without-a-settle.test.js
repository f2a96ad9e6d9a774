'use strict'

// 'drain' used to be checked only when a task settled, and needsDrain counted queued tasks but
// not those loading a { path } input, which maxQueue counts. Here the queue falls below maxQueue
// when an idle thread takes a task, while no task settles at all: a FIFO read keeps the taken
// task running, and a blocker keeps the other thread busy.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { once } = require('node:events')
const { execFileSync } = require('node:child_process')
const { Pool } = require('..')
const { blocker, track } = require('./helpers/blocker.js')

const skip = process.platform !== 'linux' && 'uses mkfifo (Linux)'

test("a queue that falls below maxQueue emits 'drain' though no task settles", { skip, timeout: 60_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-drain-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const fifo = path.join(dir, 'input')
  execFileSync('mkfifo', [fifo])

  const pool = new Pool({ threads: 2, maxQueue: 1 })
  const busy = blocker(pool)
  await busy.started()
  let drains = 0
  pool.on('drain', () => drains++)

  // Waiting for its writer, the read holds the one queue slot.
  const read = track(pool.exec('sha256', { path: fifo }))
  assert.equal(pool.needsDrain, true)
  await assert.rejects(pool.exec('noop'), { code: 'ERR_QUEUE_FULL', message: "the task queue is full (1 queued); wait for 'drain'" })

  // Data arrives: the task is queued, and the idle thread takes it and waits for the rest.
  const drained = once(pool, 'drain')
  const writer = await fs.promises.open(fifo, 'w')
  await writer.write('abc')
  await drained
  assert.equal(pool.needsDrain, false)
  assert.equal(drains, 1)
  assert.deepEqual({ read: read.fulfilled + read.rejected, busy: busy.startedCount() }, { read: 0, busy: 1 })
  assert.equal(pool.stats().completed, 0)

  await writer.close()
  await read.settled
  assert.equal(read.value, crypto.createHash('sha256').update('abc').digest('hex'))
  busy.release()
  await busy.promise
  await pool.close()
  assert.equal(drains, 1)
})
