'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { once } = require('node:events')
const { setTimeout: delay } = require('node:timers/promises')
const { freePort, startCluster, alive } = require('./fixtures/harness.js')

test('when the primary is SIGKILLed, no worker is alive 1 s later', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const pids = ready.stats.workers.map((w) => w.pid)
  assert.equal(pids.length, 2)
  for (const pid of pids) assert.equal(alive(pid), true)

  process.kill(cluster.child.pid, 'SIGKILL')
  await once(cluster.child, 'exit')
  // The deadline itself is the property under test: 1 s after the primary died.
  await delay(1000)
  assert.deepEqual(pids.filter(alive), [])
})
