'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')
const { poolThreads, poolThreadCountOnceItIs, thisThread } = require('./helpers/threads.js')

const linuxOnly = { skip: process.platform !== 'linux' && 'reads /proc (Linux only)' }

/** The policy of each of a new pool's threads, once both have started and run a task. */
async function policiesOf (options) {
  const pool = new Pool({ threads: 2, ...options })
  const held = [blocker(pool), blocker(pool)]
  for (const task of held) await task.started()
  await poolThreadCountOnceItIs(2) // the previous pool's joined threads may still be listed
  const policies = poolThreads().map((thread) => thread.policy)
  for (const task of held) task.release()
  await pool.close()
  return policies
}

for (const policy of ['batch', 'idle', 'normal']) {
  test(`schedulingPolicy '${policy}' is the policy Linux reports for every pool thread`, linuxOnly, async () => {
    assert.deepEqual(await policiesOf({ schedulingPolicy: policy }), [policy, policy])
  })
}

test('the JS thread keeps its own policy', linuxOnly, async () => {
  const before = thisThread().policy
  await policiesOf({ schedulingPolicy: 'idle' })
  assert.equal(thisThread().policy, before)
})
