'use strict'

// Process-level cases run in child processes: what keeps Node alive, and what ends it cleanly.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const run = (fixture, timeout = 60_000) => spawnSync(process.execPath, [path.join(__dirname, 'fixtures', fixture)], {
  encoding: 'utf8',
  timeout
})

test('an idle pool does not keep the process alive', () => {
  const child = run('idle-pool.js')
  assert.equal(child.error, undefined)
  assert.deepEqual([child.status, child.signal, child.stdout], [0, null, 'created\n'])
})

test('a top-level await of exec gets its result and then exits by itself', () => {
  const child = run('top-level-await.mjs')
  assert.equal(child.error, undefined)
  assert.deepEqual([child.status, child.signal, child.stdout], [0, null, '196418\n'])
})

test('a pending task keeps the process alive until it settles', () => {
  const child = run('pending-task-keeps-alive.js')
  assert.equal(child.error, undefined)
  assert.deepEqual([child.status, child.signal, child.stdout], [0, null, 'primes 1857859\n'])
})

test('process.exit() with work in flight exits cleanly, every time', () => {
  for (let i = 0; i < 15; i++) {
    const child = run('exit-with-work-in-flight.js')
    assert.equal(child.error, undefined)
    assert.deepEqual([child.status, child.signal, child.stderr], [0, null, ''], `run ${i}`)
  }
})

test('the addon loads in the main thread and 20 worker threads, and terminating them mid-task crashes nothing', () => {
  const child = run('worker-threads.js', 120_000)
  assert.equal(child.error, undefined)
  assert.deepEqual([child.status, child.signal], [0, null], child.stderr)
  const seen = JSON.parse(child.stdout)
  const fib = [55, 89, 144, 233, 377]
  assert.deepEqual(seen.results, Array.from({ length: 20 }, (_, index) => ({ index, fib: fib[index % 5] })))
  assert.deepEqual(seen.codes, Array(20).fill(1))
  assert.equal(seen.mainResult, 6765)
})
