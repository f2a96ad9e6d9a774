'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const run = (script, ...args) => spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'js-tasks', script), ...args], {
  encoding: 'utf8',
  timeout: 60_000
})

test('a pool whose JS workers idle out (idleTimeout: 20) lets the process exit by itself', () => {
  const child = run('idle-process.js', '20')
  assert.equal(child.error, undefined)
  assert.deepEqual([child.status, child.signal, child.stdout, child.stderr], [0, null, 'done\n', ''])
})

test('with idleTimeout: Infinity the idle workers stay, yet the process still exits by itself', () => {
  const child = run('idle-process.js', 'Infinity')
  assert.equal(child.error, undefined)
  assert.deepEqual([child.status, child.signal, child.stdout, child.stderr], [0, null, 'done\n', ''])
})

test('process.exit() while a JS task ignores its signal exits at once, every time', () => {
  for (let i = 0; i < 5; i++) {
    const child = run('exit-mid-task.js')
    assert.equal(child.error, undefined)
    assert.deepEqual([child.status, child.signal, child.stderr], [0, null, ''], `run ${i}`)
  }
})

test('an idle worker stops after idleTimeout: the process has as many threads as before it started', async () => {
  const fs = require('node:fs')
  const { Pool } = require('..')
  const { waitUntil } = require('./helpers/blocker.js')
  const { TASKS } = require('./helpers/js-tasks.js')
  const threads = () => fs.readdirSync('/proc/self/task').length
  const pool = new Pool({ threads: 1, idleTimeout: 10, tasks: TASKS })
  await pool.exec('noop')
  const before = threads()
  assert.equal(await pool.exec('echo', 1), 1)
  assert.ok(threads() > before, 'a worker thread started')
  await waitUntil(() => threads() === before)
  assert.equal(await pool.exec('echo', 2), 2, 'a new worker starts lazily for the next task')
  await pool.close()
})

test('code after await pool.close() runs: close keeps the process alive until its workers exited', () => {
  for (let i = 0; i < 5; i++) {
    const child = run('code-after-close.js')
    assert.equal(child.error, undefined)
    assert.deepEqual([child.status, child.signal, child.stdout, child.stderr], [0, null, 'closed\n', ''], `run ${i}`)
  }
})
