'use strict'

const test = require('node:test')
const { Pool } = require('..')
const { TASKS, jsBlocker } = require('./helpers/js-tasks.js')
const { assertOneOfTwoThreadsBusy } = require('./helpers/utilization.js')

test('a JS task holding one of two threads for an interval gives a utilization of one half over it', async () => {
  const pool = new Pool({ threads: 2, tasks: TASKS })
  // The worker's budget slot is busy the whole interval, like a pool thread running a kernel.
  await assertOneOfTwoThreadsBusy(pool, jsBlocker(pool, 'waitFlag'))
  await pool.close()
})
