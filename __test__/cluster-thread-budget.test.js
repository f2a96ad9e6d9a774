'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const { availableCores } = require('..')
const { freePort, startCluster, get } = require('./fixtures/harness.js')

/** Starts a cluster with default sizing and returns { budget, workers: [{ pid, threads }] } as served. */
async function measure (t, spawnOptions) {
  const port = await freePort()
  const cluster = startCluster(t, {}, { ...spawnOptions, env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const pids = new Set(ready.stats.workers.map((w) => w.pid))
  const served = new Map()
  for (let i = 0; i < 50 && served.size < pids.size; i++) {
    const info = JSON.parse((await get(port, '/pid')).body)
    served.set(info.pid, info)
  }
  assert.equal(served.size, pids.size)
  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
  return { budget: ready.stats.budget, workers: [...served.values()] }
}

function assertWithinBudget ({ budget, workers }, cores) {
  assert.equal(budget, cores)
  // The default rule: one worker per two cores (at least one), each pool floor(budget / workers).
  assert.equal(workers.length, Math.max(1, Math.floor(cores / 2)))
  let total = 0
  for (const w of workers) {
    assert.equal(w.threads, Math.floor(budget / workers.length))
    assert.equal(w.poolThreads, w.threads)
    assert.equal(w.poolStatsThreads, w.threads)
    total += w.poolThreads
  }
  assert.ok(total <= budget, `${total} threads on a budget of ${budget}`)
}

test('total pool threads across workers stay within the budget, availableCores()', async (t) => {
  const cores = availableCores()
  assertWithinBudget(await measure(t), cores)
})

let taskset = null
try {
  execFileSync('taskset', ['-c', '0', 'true'])
  taskset = 'taskset'
} catch (error) {
  taskset = null
  console.log(`# skipping the taskset case: taskset -c 0 is not usable here (${error.code ?? error.message})`)
}

test('under taskset -c 0 the budget follows the affinity: 1 core, 1 worker, 1 thread', { skip: taskset === null ? 'taskset is not available' : false }, async (t) => {
  const result = await measure(t, { command: 'taskset', prefix: ['-c', '0', process.execPath] })
  assertWithinBudget(result, 1)
  assert.deepEqual(result.workers.map((w) => w.threads), [1])
})
