'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { buildExample } = require('./helpers/custom-kernel.js')
const { counters } = require('./helpers/counters.js')
const corepool = require('..')

const { Pool } = corepool.withBinding(require(buildExample()))

test('a panic in a custom kernel rejects its promise with ERR_TASK_PANICKED, and the one thread keeps serving', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const settled = await Promise.allSettled(Array.from({ length: 40 }, (_, i) => i % 2
    ? pool.exec('demo.panic', `bug ${i}`)
    : pool.exec('levenshtein', { left: ['kitten'], right: ['sitting'] })))
  for (const [i, result] of settled.entries()) {
    if (i % 2) {
      assert.equal(result.status, 'rejected')
      assert.equal(result.reason.code, 'ERR_TASK_PANICKED')
      assert.equal(result.reason.message, `bug ${i}`)
    } else {
      assert.deepEqual(result, { status: 'fulfilled', value: Uint32Array.of(3) })
    }
  }
  assert.equal(pool.stats().threads, 1)
  assert.deepEqual(counters(pool.stats().tasks['demo.panic']), { submitted: 20, completed: 0, failed: 20, cancelled: 0 })
  assert.deepEqual(counters(pool.stats().tasks.levenshtein), { submitted: 20, completed: 20, failed: 0, cancelled: 0 })
})
