'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { fixture } = require('./helpers/js-tasks.js')
const { thisThread } = require('./helpers/threads.js')

const skip = process.platform !== 'linux' && 'reads /proc (Linux only)'
const tasks = { scheduling: fixture('thread-scheduling.cjs') }

test("a JS task's worker thread takes the pool threads' nice increment and policy, and the caller keeps its own", { skip }, async () => {
  const before = thisThread()
  const pool = new Pool({ threads: 2, niceIncrement: 7, schedulingPolicy: 'batch', tasks })
  assert.deepEqual(await pool.exec('scheduling'), { nice: before.nice + 7, policy: 'batch' })
  assert.deepEqual(thisThread(), before)
  await pool.close()
})

test('with default options a JS task runs 19 nice levels down, like the pool threads', { skip }, async () => {
  const pool = new Pool({ threads: 1, tasks })
  const own = thisThread()
  assert.deepEqual(await pool.exec('scheduling'), { nice: Math.min(19, own.nice + 19), policy: own.policy })
  await pool.close()
})
