'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

// 128 MiB takes tens of milliseconds for every algorithm, far past a 1 ms timeout; the kernels
// check their cancellation token every 256 KiB (1 MiB for parallel blake3), so each stops early.
const BIG = Buffer.alloc(128 * 1024 * 1024, 0x5a)
const TASKS = ['md5', 'sha1', 'sha256', 'sha512', 'sha3-256', 'blake3', 'xxh64', 'xxh3', 'xxh3-128', 'crc32', 'crc32c', 'hmac-sha256']

test('a long hash stops at its timeout and rejects with ERR_TASK_TIMEOUT', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  for (const task of TASKS) {
    await assert.rejects(pool.exec(task, BIG, { ...(task.startsWith('hmac') ? { key: 'k' } : {}), timeout: 1 }), { code: 'ERR_TASK_TIMEOUT' }, task)
  }
  const stats = pool.stats()
  assert.equal(stats.failed, TASKS.length)
  assert.equal(stats.completed, 0)
})
