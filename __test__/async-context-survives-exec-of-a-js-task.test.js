'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { AsyncLocalStorage } = require('node:async_hooks')
const { Pool } = require('..')
const { TASKS } = require('./helpers/js-tasks.js')

test('AsyncLocalStorage keeps its store across await pool.exec of a JS task', async () => {
  const pool = new Pool({ threads: 2, tasks: TASKS })
  const storage = new AsyncLocalStorage()
  const seen = await Promise.all(Array.from({ length: 20 }, (_, i) => storage.run({ request: i }, async () => {
    assert.equal(await pool.exec('echo', i), i)
    return storage.getStore().request
  })))
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, i) => i))
  await pool.close()
})
