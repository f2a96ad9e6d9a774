'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')
const { poolThreads, thisThread } = require('./helpers/threads.js')

test('niceIncrement lowers the priority of every pool thread and only theirs', { skip: process.platform !== 'linux' && 'reads /proc (Linux only)' }, async () => {
  const before = thisThread().nice
  const pool = new Pool({ threads: 2, niceIncrement: 7 })
  const a = blocker(pool)
  const b = blocker(pool)
  await a.started()
  await b.started() // both threads exist and have run their start handler
  assert.deepEqual(poolThreads().map((thread) => thread.nice), [before + 7, before + 7])
  assert.equal(thisThread().nice, before)
  a.release(); b.release()
  await pool.close()
})
