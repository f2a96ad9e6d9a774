'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { performance } = require('node:perf_hooks')
const { setTimeout: sleep } = require('node:timers/promises')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')

const EMPTY = { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0, p999: 0 }

test('stats report the queue wait and run time of tasks held for a known time, per pool and per task', async () => {
  const pool = new Pool({ threads: 1 })
  const running = blocker(pool)
  await running.started()
  const submittedAt = performance.now()
  const queued = pool.exec('noop') // waits behind the blocker for as long as it is held
  await sleep(120) // the duration under measurement, not a synchronisation
  const heldFor = performance.now() - submittedAt
  running.release()
  await Promise.all([running.promise, queued])
  const settledAfter = performance.now() - submittedAt

  const stats = pool.stats()
  const run = stats.tasks['test.waitFlag'].runTime
  const wait = stats.tasks.noop.waitTime
  // min and max are exact; with one sample every percentile is that sample.
  assert.equal(run.count, 1)
  assert.ok(run.min >= heldFor && run.min < heldFor + 1000, `run ${run.min} ms, held ${heldFor} ms`)
  assert.deepEqual([run.max, run.mean, run.p50, run.p90, run.p99, run.p999], Array(6).fill(run.min))
  assert.equal(wait.count, 1)
  // Submitted after `submittedAt` and started before its promise settled. (Not bounded by the
  // blocker's run: after that run ends, a nice-19 thread can be preempted before it takes the
  // next task, which once made the wait 0.1 ms longer than the run.)
  assert.ok(wait.min >= heldFor && wait.min <= settledAfter, `wait ${wait.min} ms, held ${heldFor} ms, settled after ${settledAfter} ms`)
  // The pool's histograms hold both tasks: two waits and two runs.
  assert.equal(stats.waitTime.count, 2)
  assert.equal(stats.runTime.count, 2)
  assert.equal(stats.runTime.max, run.max)
  assert.equal(stats.waitTime.max, wait.max)
  assert.ok(stats.tasks.noop.runTime.max < run.min)
  await pool.close()
})

test('percentiles of many tasks fall in the bucket of the true value', async () => {
  const pool = new Pool({ threads: 1 })
  for (let i = 0; i < 100; i++) await pool.exec('fib', 20)
  const fib = pool.stats().tasks.fib.runTime
  const long = blocker(pool)
  await long.started()
  const startedBy = performance.now()
  await sleep(50) // the duration under measurement; a libuv timer can fire early, so it is timed
  const heldFor = performance.now() - startedBy
  long.release()
  await long.promise
  const all = pool.stats().runTime
  // 101 runs: ranks 51 (p50) and 100 (p99) are fib runs, rank 101 (p99.9) the long one. A
  // percentile is the middle of its bucket, and a bucket is at most 1/8 of its lower edge wide.
  assert.equal(fib.count, 100)
  assert.ok(fib.min <= fib.p50 && fib.p50 <= fib.p90 && fib.p90 <= fib.p99 && fib.p99 <= fib.max)
  assert.equal(all.count, 101)
  assert.ok(all.p50 <= fib.max * 1.0625 && all.p99 <= fib.max * 1.0625, `p50 ${all.p50}, p99 ${all.p99}, fib max ${fib.max}`)
  assert.ok(all.max >= heldFor && all.p999 >= heldFor / 1.125 && all.p999 <= all.max, `p99.9 ${all.p999}, max ${all.max}, held ${heldFor}`)
  await pool.close()
})

test('resetStats clears the histograms and the queue high-water mark, and keeps the counters', async () => {
  const pool = new Pool({ threads: 1 })
  const running = blocker(pool)
  await running.started()
  const queued = [pool.exec('noop'), pool.exec('noop'), pool.exec('noop')]
  assert.equal(pool.stats().queueHighWater, 3)
  running.release()
  await Promise.all([running.promise, ...queued])
  assert.equal(pool.stats().waitTime.count, 4)
  pool.resetStats()
  const stats = pool.stats()
  assert.deepEqual([stats.waitTime, stats.runTime, stats.queueHighWater], [EMPTY, EMPTY, 0])
  assert.deepEqual([stats.tasks.noop.waitTime, stats.tasks.noop.runTime], [EMPTY, EMPTY])
  assert.deepEqual([stats.submitted, stats.completed], [4, 4])
  await pool.exec('noop')
  assert.equal(pool.stats().runTime.count, 1)
  await pool.close()
})

test('with recordTimings: false nothing is timed and utilization is null', async () => {
  const pool = new Pool({ threads: 1, recordTimings: false })
  await pool.exec('fib', 20)
  const stats = pool.stats()
  assert.deepEqual([stats.waitTime, stats.runTime, stats.utilization, stats.completed], [EMPTY, EMPTY, null, 1])
  await assert.rejects(async () => new Pool({ recordTimings: 1 }), { code: 'ERR_INVALID_ARG', message: 'options.recordTimings must be a boolean, got 1' })
  await pool.close()
})
