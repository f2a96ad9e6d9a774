'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { TASKS } = require('./helpers/js-tasks.js')
const { counters } = require('./helpers/counters.js')

test('a thrown error keeps its class, name, message, stack, code and own properties', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  await assert.rejects(pool.exec('fail', 'bad thing'), (error) => {
    assert.ok(error instanceof RangeError)
    assert.equal(error.name, 'RangeError')
    assert.equal(error.message, 'bad thing')
    assert.equal(error.code, 'E_CUSTOM')
    assert.deepEqual(error.detail, { n: 1 })
    assert.match(error.stack, /^RangeError: bad thing\n\s+at exports\.fail .*controls\.cjs/)
    return true
  })
  assert.deepEqual(counters(pool.stats().tasks.fail), { submitted: 1, completed: 0, failed: 1, cancelled: 0 })
  await pool.close()
})
