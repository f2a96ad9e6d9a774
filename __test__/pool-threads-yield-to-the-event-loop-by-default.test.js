'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool, defaults } = require('..')
const { blocker } = require('./helpers/blocker.js')
const { poolThreads, thisThread } = require('./helpers/threads.js')

test('the defaults are niceIncrement 19 and the normal policy', () => {
  assert.equal(defaults.niceIncrement, 19)
  assert.equal(defaults.schedulingPolicy, 'normal')
})

test('a pool made with no options runs its threads 19 nice levels below the JS thread, at the least favoured level', { skip: process.platform !== 'linux' && 'reads /proc (Linux only)' }, async () => {
  const js = thisThread()
  const pool = new Pool({ threads: 2 })
  const held = [blocker(pool), blocker(pool)]
  for (const task of held) await task.started()
  const expected = { nice: Math.min(js.nice + 19, 19), policy: 'normal' }
  assert.deepEqual(poolThreads(), [expected, expected])
  assert.deepEqual(thisThread(), js)
  for (const task of held) task.release()
  await pool.close()
})
