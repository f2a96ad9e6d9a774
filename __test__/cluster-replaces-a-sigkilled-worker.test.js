'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { freePort, startCluster, get, alive } = require('./fixtures/harness.js')

test('a SIGKILLed worker is replaced after its backoff while the others keep serving', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1, initialDelay: 100 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const victim = ready.stats.workers[0]
  const survivor = ready.stats.workers[1]

  process.kill(victim.pid, 'SIGKILL')
  const exit = await cluster.waitFor((e) => e.event === 'exit' && e.pid === victim.pid)
  assert.deepEqual([exit.worker, exit.code, exit.signal, exit.expected], [1, null, 'SIGKILL', false])
  const restart = await cluster.waitFor('restart')
  assert.deepEqual([restart.worker, restart.delay, restart.restarts], [1, 100, 1])

  // Until the replacement is ready, every request is answered (by the survivor, or by the
  // replacement in the moment between its 'ready' message and our reading of that line).
  let replacement = null
  cluster.waitFor((e) => e.event === 'ready' && e.worker === 1 && e.pid !== victim.pid).then((e) => { replacement = e })
  let served = 0
  while (replacement === null) {
    const { status, body } = await get(port, '/pid')
    assert.equal(status, 200)
    assert.notEqual(JSON.parse(body).pid, victim.pid)
    if (JSON.parse(body).pid === survivor.pid) served++
  }
  assert.ok(served > 0)
  assert.ok(replacement.t - exit.t <= restart.delay + 2000, `replacement ready ${replacement.t - exit.t} ms after the exit`)

  // The replacement serves too.
  const seen = new Set()
  for (let i = 0; i < 20 && !seen.has(replacement.pid); i++) seen.add(JSON.parse((await get(port, '/pid')).body).pid)
  assert.equal(seen.has(replacement.pid), true)

  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
  assert.deepEqual(cluster.forkedPids().filter(alive), []) // no worker outlives the primary
  // Exactly one unexpected exit (the SIGKILL), then the two planned exits of the shutdown.
  assert.equal(cluster.count((e) => e.event === 'exit' && e.expected === false), 1)
  assert.equal(cluster.count((e) => e.event === 'exit'), 3)
  assert.equal(cluster.count((e) => e.event === 'restart'), 1)
  assert.equal(cluster.count((e) => e.event === 'fork'), 3)
})
