'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { freePort, startCluster, get, alive } = require('./fixtures/harness.js')
const { buildExample } = require('./helpers/custom-kernel.js')
const { runCluster } = require('../cluster.js')

const SCRIPT = path.join(__dirname, 'fixtures', 'custom-kernel-cluster.js')

test('runCluster with a custom binding runs its kernel in every worker', async (t) => {
  const port = await freePort()
  const env = { PORT: String(port), CUSTOM_KERNEL_ADDON: buildExample() }
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1 }, { env, script: SCRIPT })
  const ready = await cluster.waitFor('cluster-ready')
  const pids = new Set(ready.stats.workers.map((w) => w.pid))
  assert.equal(pids.size, 2)
  assert.deepEqual(JSON.parse((await get(port, '/tasks')).body), ['levenshtein', 'demo.panic'])
  const seen = new Set()
  for (let i = 0; i < 20 && seen.size < 2; i++) {
    const { status, body } = await get(port, '/distance?a=kitten&b=sitting')
    assert.equal(status, 200)
    const answer = JSON.parse(body)
    assert.equal(answer.distance, 3)
    assert.equal(pids.has(answer.pid), true)
    seen.add(answer.pid)
  }
  assert.equal(seen.size, 2) // both workers' pools ran the custom kernel
  cluster.child.kill('SIGTERM')
  assert.deepEqual(await cluster.exited.then(({ code, signal }) => [code, signal]), [0, null])
  assert.deepEqual(cluster.forkedPids().filter(alive), [])
})

test('runCluster refuses a binding that is not an addon built on corepool-core', () => {
  assert.throws(() => runCluster({ binding: {} }, () => {}), {
    code: 'ERR_INVALID_ARG', message: 'options.binding must be an addon built on corepool-core (with NativePool and tasks()), got an instance of Object'
  })
})
