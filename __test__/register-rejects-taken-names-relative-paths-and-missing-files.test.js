'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { fixture } = require('./helpers/js-tasks.js')
const { counters } = require('./helpers/counters.js')

test('a taken name, a relative path or a missing file is an ERR_INVALID_ARG that names it', async () => {
  const pool = new Pool({ threads: 1, tasks: { echo: fixture('echo.cjs') } })
  assert.throws(() => pool.register({ fib: fixture('echo.cjs') }),
    { code: 'ERR_INVALID_ARG', message: "the task name 'fib' is already taken" })
  assert.throws(() => pool.register({ echo: fixture('echo.cjs') }),
    { code: 'ERR_INVALID_ARG', message: "the task name 'echo' is already taken" })
  assert.throws(() => pool.register({ rel: './echo.cjs' }),
    { code: 'ERR_INVALID_ARG', message: "tasks.rel must be an absolute path or a file: URL, got the relative path './echo.cjs'" })
  assert.throws(() => pool.register({ gone: fixture('missing.cjs') }),
    { code: 'ERR_INVALID_ARG', message: `tasks.gone: no file at ${fixture('missing.cjs')}` })
  assert.throws(() => pool.register({ bad: { filename: fixture('named.cjs'), export: 3 } }),
    { code: 'ERR_INVALID_ARG', message: 'tasks.bad.export must be a non-empty string, got 3' })
  assert.throws(() => pool.register({ ok: fixture('named.cjs'), rel: 'x.js' }), { code: 'ERR_INVALID_ARG' })
  await assert.rejects(pool.exec('ok', 1), { code: 'ERR_UNKNOWN_TASK' }, 'nothing of a refused map is registered')
  assert.throws(() => new Pool({ tasks: { a: 'a.js' } }), { code: 'ERR_INVALID_ARG', message: /tasks\.a must be an absolute path/ })
  assert.throws(() => new Pool({ threads: 2, jsThreads: 3 }), { code: 'ERR_INVALID_ARG', message: 'options.jsThreads must be from 1 to options.threads (2), got 3' })
  assert.throws(() => new Pool({ jsSpinMicros: 1.5 }), { code: 'ERR_INVALID_ARG', message: 'options.jsSpinMicros must be an integer, got 1.5' })
  assert.throws(() => new Pool({ jsSpinMicros: 10_001 }), { code: 'ERR_INVALID_ARG', message: 'options.jsSpinMicros must be from 0 to 10000, got 10001' })
  assert.throws(() => new Pool({ terminateAfter: -1 }), { code: 'ERR_INVALID_ARG', message: 'options.terminateAfter must be a non-negative, finite number of milliseconds, got -1' })
  await pool.close()
})

test('a module that fails to load, or lacks the export, rejects with ERR_TASK_LOAD and the cause', async () => {
  const pool = new Pool({
    threads: 1,
    tasks: { broken: fixture('broken.cjs'), missing: { filename: fixture('named.cjs'), export: 'nope' } }
  })
  await assert.rejects(pool.exec('broken', 1), (error) => {
    assert.equal(error.code, 'ERR_TASK_LOAD')
    assert.match(error.message, /could not load the task module .*broken\.cjs: this module cannot load/)
    assert.equal(error.cause.name, 'SyntaxError')
    assert.equal(error.cause.message, 'this module cannot load')
    return true
  })
  await assert.rejects(pool.exec('missing', 1), (error) => {
    assert.equal(error.code, 'ERR_TASK_LOAD')
    assert.match(error.cause.message, /has no function as an export named 'nope'/)
    return true
  })
  assert.deepEqual(counters(pool.stats().tasks.broken), { submitted: 1, completed: 0, failed: 1, cancelled: 0 })
  await pool.close()
})
