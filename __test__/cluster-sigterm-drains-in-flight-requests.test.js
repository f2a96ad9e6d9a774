'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const { freePort, startCluster, get, alive } = require('./fixtures/harness.js')

test('SIGTERM lets every in-flight request finish, idle keep-alive connections do not hold it up, exit 0', async (t) => {
  const port = await freePort()
  const killTimeout = 4000
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1, killTimeout }, { env: { PORT: String(port) } })
  await cluster.waitFor('cluster-ready')

  // An idle keep-alive connection, as a browser leaves behind.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  t.after(() => agent.destroy())
  assert.equal((await get(port, '/pid', { agent })).status, 200)

  // 20 requests that take 600 ms each, all in flight (each worker told the primary) before SIGTERM.
  const inFlight = Array.from({ length: 20 }, () => get(port, '/slow?ms=600'))
  await cluster.waitForNth((e) => e.event === 'slow', 20)
  const sigtermAt = Date.now()
  cluster.child.kill('SIGTERM')

  const results = await Promise.allSettled(inFlight)
  const failures = results.filter((r) => r.status === 'rejected' || r.value.status !== 200 || r.value.body !== 'slow done')
  assert.equal(failures.length, 0, JSON.stringify(failures))
  const exit = await cluster.exited
  assert.deepEqual(cluster.forkedPids().filter(alive), []) // no worker outlives the primary
  assert.deepEqual([exit.code, exit.signal], [0, null])
  assert.ok(exit.at - sigtermAt < killTimeout, `exited ${exit.at - sigtermAt} ms after SIGTERM`)
  const exits = cluster.events.filter((e) => e.event === 'exit')
  assert.equal(exits.length, 2)
  for (const e of exits) assert.deepEqual([e.code, e.signal, e.expected], [0, null, true])
})

test('a worker still busy at killTimeout is SIGKILLed then, and the primary still exits 0', async (t) => {
  const port = await freePort()
  const killTimeout = 1500
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1, killTimeout }, { env: { PORT: String(port) } })
  await cluster.waitFor('cluster-ready')

  const stuckRequest = get(port, '/stuck').then(() => 'answered', (error) => error.code)
  const stuck = await cluster.waitFor('stuck')
  const sigtermAt = Date.now()
  cluster.child.kill('SIGTERM')

  const exit = await cluster.exited
  assert.deepEqual(cluster.forkedPids().filter(alive), []) // no worker outlives the primary
  assert.deepEqual([exit.code, exit.signal], [0, null])
  const elapsed = exit.at - sigtermAt
  assert.ok(elapsed >= killTimeout && elapsed < killTimeout + 1000, `exited ${elapsed} ms after SIGTERM`)
  assert.equal(await stuckRequest, 'ECONNRESET')
  const exits = cluster.events.filter((e) => e.event === 'exit')
  assert.equal(exits.length, 2)
  const killed = exits.filter((e) => e.signal === 'SIGKILL')
  assert.deepEqual(killed.map((e) => e.pid), [stuck.pid])
  assert.deepEqual(exits.filter((e) => e.pid !== stuck.pid).map((e) => [e.code, e.signal]), [[0, null]])
})

test('Ctrl-C (SIGINT to the whole process group) drains like SIGTERM: no request lost, exit 0', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1, killTimeout: 4000 }, { env: { PORT: String(port) } })
  await cluster.waitFor('cluster-ready')
  const inFlight = Array.from({ length: 10 }, () => get(port, '/slow?ms=400'))
  await cluster.waitForNth((e) => e.event === 'slow', 10)
  process.kill(-cluster.child.pid, 'SIGINT')
  const results = await Promise.allSettled(inFlight)
  assert.deepEqual(results.map((r) => r.status === 'fulfilled' ? r.value.body : r.reason.code), Array(10).fill('slow done'))
  assert.deepEqual(await cluster.exited.then((e) => [e.code, e.signal]), [0, null])
  assert.deepEqual(cluster.forkedPids().filter(alive), []) // no worker outlives the primary
  const exits = cluster.events.filter((e) => e.event === 'exit')
  assert.deepEqual(exits.map((e) => [e.code, e.signal, e.expected]), [[0, null, true], [0, null, true]])
  assert.equal(cluster.count((e) => e.event === 'restart'), 0)
})
