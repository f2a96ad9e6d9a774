'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
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

test('a reload whose replacement crashes at boot stops there; the old workers keep serving', async (t) => {
  const port = await freePort()
  const flag = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-')), 'crash')
  t.after(() => fs.rmSync(path.dirname(flag), { recursive: true, force: true }))
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1 }, { env: { PORT: String(port), FIXTURE_CRASH_FILE: flag } })
  const ready = await cluster.waitFor('cluster-ready')
  const pids = ready.stats.workers.map((w) => w.pid)
  fs.writeFileSync(flag, '') // from now on a new worker exits(4) at boot
  cluster.child.kill('SIGUSR2')
  const failed = await cluster.waitFor('log-error')
  assert.match(failed.m, /reload failed: worker 1 \(pid \d+\) exited before it was ready \(code 4/)
  assert.equal(cluster.count((e) => e.event === 'fork'), 3)
  const exits = cluster.events.filter((e) => e.event === 'exit')
  assert.deepEqual(exits.map((e) => [e.worker, e.code, e.expected, pids.includes(e.pid)]), [[1, 4, false, false]])
  assert.equal(cluster.count((e) => e.event === 'restart'), 0) // the old worker 1 still holds the slot
  const seen = new Set()
  for (let i = 0; i < 20 && seen.size < 2; i++) seen.add(JSON.parse((await get(port, '/pid')).body).pid)
  assert.deepEqual([...seen].sort(), [...pids].sort())
  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
  assert.equal(cluster.count((e) => e.event === 'exit'), 3)
})
