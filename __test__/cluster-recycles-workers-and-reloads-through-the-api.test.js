'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { freePort, startCluster, get } = require('./fixtures/harness.js')

/** Asserts that the worker `pid` was replaced gracefully: its successor ready before it exited with 0. */
function assertReplaced (cluster, pid, slot) {
  const exit = cluster.events.find((e) => e.event === 'exit' && e.pid === pid)
  assert.deepEqual([exit.worker, exit.code, exit.signal, exit.expected], [slot, 0, null, true])
  const successor = cluster.events.find((e) => e.event === 'ready' && e.worker === slot && e.pid !== pid && e.t <= exit.t)
  assert.notEqual(successor, undefined, `no successor was ready before ${pid} exited`)
  return successor
}

test('reload() through the API replaces every worker, each successor ready first', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1 }, { env: { PORT: String(port), FIXTURE_RELOAD_ON_READY: '1' } })
  const ready = await cluster.waitFor('cluster-ready')
  const reloaded = await cluster.waitFor('api-reloaded')
  for (const w of ready.stats.workers) assertReplaced(cluster, w.pid, w.worker)
  assert.deepEqual(reloaded.stats.workers.map((w) => [w.state, w.restarts]), [['ready', 0], ['ready', 0]])
  assert.equal(cluster.count((e) => e.event === 'exit'), 2)
  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
})

test('maxTasks recycles a worker once its pool has taken that many tasks', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 1, maxTasks: 5, statsInterval: 50 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const first = ready.stats.workers[0].pid
  for (let i = 0; i < 5; i++) assert.equal((await get(port, '/hash')).status, 200)
  const recycle = await cluster.waitFor('recycle')
  assert.deepEqual([recycle.worker, recycle.pid, recycle.reason], [1, first, 'maxTasks'])
  await cluster.waitFor((e) => e.event === 'exit' && e.pid === first)
  const successor = assertReplaced(cluster, first, 1)
  assert.equal(JSON.parse((await get(port, '/pid')).body).pid, successor.pid)
  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
  assert.equal(cluster.count((e) => e.event === 'recycle'), 1)
})

test('maxMemory recycles a worker whose RSS goes over it', async (t) => {
  const port = await freePort()
  // 1 byte: every report is over, so the first report already triggers a recycle.
  const cluster = startCluster(t, { workers: 1, maxMemory: 1, statsInterval: 1000 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const first = ready.stats.workers[0].pid
  const recycle = await cluster.waitFor('recycle')
  assert.deepEqual([recycle.worker, recycle.pid, recycle.reason], [1, first, 'maxMemory'])
  await cluster.waitFor((e) => e.event === 'exit' && e.pid === first)
  assertReplaced(cluster, first, 1)
  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
})
