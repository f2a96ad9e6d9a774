'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { TASKS } = require('./helpers/js-tasks.js')
const { counters } = require('./helpers/counters.js')

test('process.exit in a task rejects that task with ERR_WORKER_EXITED and its code; a new worker runs the next', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS })
  const before = await pool.exec('threadId')
  await assert.rejects(pool.exec('exit', 7), (error) => {
    assert.equal(error.code, 'ERR_WORKER_EXITED')
    assert.equal(error.exitCode, 7)
    assert.equal(error.message, 'the worker running the task exited with code 7')
    return true
  })
  const after = await pool.exec('threadId')
  assert.notEqual(after, before, 'a replacement worker')
  assert.equal(await pool.exec('echo', 'still serving'), 'still serving')
  assert.deepEqual(counters(pool.stats().tasks.exit), { submitted: 1, completed: 0, failed: 1, cancelled: 0 })
  await pool.close()
})

test('an uncaught error in a timer kills the worker: only its task rejects, with exit code 1', async () => {
  const pool = new Pool({ threads: 2, tasks: TASKS })
  const others = [pool.exec('echo', 1), pool.exec('echo', 2)]
  await assert.rejects(pool.exec('throwLater'), { code: 'ERR_WORKER_EXITED', exitCode: 1 })
  assert.deepEqual(await Promise.all(others), [1, 2])
  assert.equal(await pool.exec('echo', 3), 3)
  await pool.close()
})

test('a worker that runs out of its resourceLimits memory rejects its task and is replaced', async () => {
  const pool = new Pool({ threads: 1, tasks: { ...TASKS, hog: require('node:path').join(__dirname, 'fixtures', 'js-tasks', 'hog.cjs') }, resourceLimits: { maxOldGenerationSizeMb: 16 } })
  await assert.rejects(pool.exec('hog'), { code: 'ERR_WORKER_EXITED' })
  assert.equal(await pool.exec('echo', 'ok'), 'ok')
  await pool.close()
})

test('a worker that cannot start rejects the tasks waiting for it with ERR_WORKER_EXITED, saying why', async () => {
  const pool = new Pool({ threads: 1, tasks: TASKS, execArgv: ['--no-such-flag'] })
  for (let i = 0; i < 2; i++) {
    await assert.rejects(pool.exec('echo', i), (error) => {
      assert.equal(error.code, 'ERR_WORKER_EXITED')
      assert.match(error.message, /^a JS worker could not start: .*--no-such-flag/)
      return true
    })
  }
  assert.deepEqual(counters(pool.stats().tasks.echo), { submitted: 2, completed: 0, failed: 2, cancelled: 0 })
  await pool.close()
})
