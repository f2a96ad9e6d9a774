'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { startCluster, alive } = require('./fixtures/harness.js')

test('a worker that crashes at boot is restarted on the backoff schedule, then the guard stops the loop', async (t) => {
  const options = { workers: 1, initialDelay: 50, multiplier: 2, maxDelay: 300, resetAfter: 30000, maxRestarts: 4, restartWindow: 60000 }
  const cluster = startCluster(t, options, { env: { FIXTURE_CRASH_AT_BOOT: '1' } })
  const errored = await cluster.waitFor('errored', 30000)
  assert.deepEqual([errored.worker, errored.code, errored.signal, errored.restarts], [1, 3, null, 4])

  const restarts = cluster.events.filter((e) => e.event === 'restart')
  assert.deepEqual(restarts.map((e) => e.delay), [50, 100, 200, 300])
  const forks = cluster.events.filter((e) => e.event === 'fork')
  const exits = cluster.events.filter((e) => e.event === 'exit')
  assert.equal(forks.length, 5)
  assert.equal(exits.length, 5)
  for (const exit of exits) assert.deepEqual([exit.code, exit.signal, exit.expected], [3, null, false])
  // Each re-fork waits its delay after the exit before it (the primary's timer, real time).
  for (let i = 0; i < 4; i++) {
    const gap = forks[i + 1].t - exits[i].t
    assert.ok(gap >= restarts[i].delay, `fork ${i + 2} came ${gap} ms after exit ${i + 1}, delay ${restarts[i].delay}`)
    assert.ok(gap < restarts[i].delay + 1000, `fork ${i + 2} came ${gap} ms after exit ${i + 1}`)
  }

  const ready = await cluster.waitFor('cluster-ready')
  assert.equal(ready.stats.workers[0].state, 'errored')
  assert.deepEqual([ready.stats.workers[0].lastExit.code, ready.stats.workers[0].restarts], [3, 4])

  // Its only worker errored: the primary stops by itself and exits 1 for its supervisor.
  assert.deepEqual(await cluster.exited.then((e) => [e.code, e.signal]), [1, null])
  assert.deepEqual(cluster.forkedPids().filter(alive), []) // no worker outlives the primary
  assert.equal(cluster.count((e) => e.event === 'fork'), 5)
  assert.equal(cluster.count((e) => e.event === 'errored'), 1)
})
