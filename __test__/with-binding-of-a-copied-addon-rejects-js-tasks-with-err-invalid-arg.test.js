'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { withBinding } = require('..')
const { fixture } = require('./helpers/js-tasks.js')

const MESSAGE = 'binding must be the object that require() returned for the addon (JS task workers load the same file), got an object that is not in require.cache'

test('JS tasks on withBinding({ ...addon }) are refused with ERR_INVALID_ARG at registration, since workers cannot load a copy', async () => {
  const copy = { ...require('../lib/native.js') }
  const { Pool } = withBinding(copy)
  assert.throws(() => new Pool({ threads: 1, tasks: { echo: fixture('echo.cjs') } }), { name: 'TypeError', code: 'ERR_INVALID_ARG', message: MESSAGE })
  const pool = new Pool({ threads: 1 })
  assert.throws(() => pool.register({ echo: fixture('echo.cjs') }), { name: 'TypeError', code: 'ERR_INVALID_ARG', message: MESSAGE })
  assert.equal(await pool.exec('fib', 10), 55)
  await pool.close()
})
