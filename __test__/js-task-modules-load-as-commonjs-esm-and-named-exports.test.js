'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { pathToFileURL } = require('node:url')
const { Pool } = require('..')
const { fixture } = require('./helpers/js-tasks.js')
const { counters } = require('./helpers/counters.js')

test('CommonJS, ESM, named exports and file: URLs all run, and exec runs them like kernels', async () => {
  const pool = new Pool({
    threads: 2,
    tasks: {
      echo: fixture('echo.cjs'),
      double: { filename: fixture('named.cjs'), export: 'double' },
      square: pathToFileURL(fixture('square.mjs')).href,
      cube: { filename: pathToFileURL(fixture('square.mjs')), export: 'cube' }
    }
  })
  pool.register({ negate: { filename: fixture('named.cjs'), export: 'negate' } })
  assert.deepEqual(await pool.exec('echo', { a: [1, 'two'] }), { a: [1, 'two'] })
  assert.equal(await pool.exec('double', 21), 42)
  assert.equal(await pool.exec('square', 12), 144)
  assert.equal(await pool.exec('cube', 3), 27, 'an async named ESM export')
  assert.equal(await pool.exec('negate', 5), -5)
  assert.deepEqual(await pool.execMany('square', [1, 2, 3]), [1, 4, 9])
  assert.deepEqual(await pool.execMany('double', [1, 'x'], { settled: true }), [
    { status: 'fulfilled', value: 2 },
    { status: 'fulfilled', value: NaN }
  ])
  assert.equal(await pool.exec('fib', 10), 55, 'built-in kernels still run beside them')
  const stats = pool.stats()
  assert.deepEqual(counters(stats.tasks.square), { submitted: 4, completed: 4, failed: 0, cancelled: 0 })
  assert.deepEqual(counters(stats.tasks.echo), { submitted: 1, completed: 1, failed: 0, cancelled: 0 })
  await pool.close()
})
