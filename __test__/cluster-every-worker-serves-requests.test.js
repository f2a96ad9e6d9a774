'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { freePort, startCluster, get, alive } = require('./fixtures/harness.js')

test('every worker serves requests on the shared port, and the pool answers in each', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  assert.deepEqual(ready.stats.workers.map((w) => w.state), ['ready', 'ready'])
  const pids = new Set(ready.stats.workers.map((w) => w.pid))
  assert.equal(pids.size, 2)

  // Fresh connections are handed out round-robin by the primary: both workers answer.
  const seen = new Set()
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const { status, body } = await get(port, '/pid')
    assert.equal(status, 200)
    const info = JSON.parse(body)
    assert.equal(pids.has(info.pid), true)
    assert.equal(info.threads, 1)
    seen.add(info.pid)
  }
  assert.deepEqual([...seen].sort(), [...pids].sort())

  const expected = crypto.createHash('sha256').update('x'.repeat(4096)).digest('hex')
  for (let i = 0; i < 4; i++) assert.equal((await get(port, '/hash')).body, expected)

  cluster.child.kill('SIGTERM')
  const exit = await cluster.exited
  assert.deepEqual(cluster.forkedPids().filter(alive), []) // no worker outlives the primary
  assert.deepEqual([exit.code, exit.signal], [0, null])
  assert.equal(cluster.count((e) => e.event === 'exit'), 2)
  assert.equal(cluster.count((e) => e.event === 'exit' && e.expected === true && e.code === 0), 2)
})

test('workers: 1 runs the same code path with one worker', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 1 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  assert.equal(ready.stats.workers.length, 1)
  const info = JSON.parse((await get(port, '/pid')).body)
  assert.equal(info.pid, ready.stats.workers[0].pid)
  cluster.child.kill('SIGINT')
  assert.equal((await cluster.exited).code, 0)
  assert.deepEqual(cluster.forkedPids().filter(alive), []) // no worker outlives the primary
})
