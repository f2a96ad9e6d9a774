'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const autocannon = require('autocannon')
const { freePort, startCluster, get, alive } = require('./fixtures/harness.js')

/**
 * Sequential GETs until `stop()`, recording every failure. autocannon counts socket errors but
 * silently reconnects when a server closes a connection with a request in flight, so these
 * clients (Node's own, which report such a request as 'socket hang up') check for drops too.
 */
function checker (port, agent) {
  let running = true
  const outcome = { ok: 0, failures: [] }
  const loop = (async () => {
    while (running) {
      try {
        const { status } = await get(port, '/hash', { agent })
        if (status === 200) outcome.ok++
        else outcome.failures.push(status)
      } catch (error) {
        outcome.failures.push(error.code ?? error.message)
      }
    }
  })()
  return { outcome, stop: () => { running = false; return loop } }
}

test('SIGUSR2 replaces every worker one at a time under load: 0 errors, 0 non-2xx', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const oldPids = ready.stats.workers.map((w) => w.pid)

  const keepAlive = new http.Agent({ keepAlive: true })
  t.after(() => keepAlive.destroy())
  const checkers = [checker(port, keepAlive), checker(port, keepAlive), checker(port, false), checker(port, false)]
  const load = autocannon({ url: `http://127.0.0.1:${port}/hash`, connections: 16, duration: 30, timeout: 10 })
  t.after(() => load.stop())
  let responses = 0
  let reloadedAt = null
  let afterReload = 0
  const done = new Promise((resolve) => load.on('done', resolve))
  await new Promise((resolve) => {
    load.on('response', () => {
      responses++
      if (responses === 500) resolve()
      // Keep the load on for 500 more responses once the reload is done, then stop.
      if (reloadedAt !== null && ++afterReload === 500) load.stop()
    })
  })
  cluster.child.kill('SIGUSR2')
  await cluster.waitFor('reloaded', 30000)
  reloadedAt = Date.now()
  const result = await done
  await Promise.all(checkers.map((c) => c.stop()))
  for (const { outcome } of checkers) {
    assert.deepEqual(outcome.failures, [])
    assert.ok(outcome.ok > 0)
  }

  assert.equal(result.errors, 0)
  assert.equal(result.timeouts, 0)
  assert.equal(result.non2xx, 0)
  assert.ok(result.requests.total >= 1000, `only ${result.requests.total} requests`)

  // One at a time, each replacement ready before the worker it replaces exits.
  const forks = cluster.events.filter((e) => e.event === 'fork')
  assert.equal(forks.length, 4)
  const newPids = forks.slice(2).map((e) => e.pid)
  const seq = cluster.events.filter((e) => ['ready', 'exit'].includes(e.event) && (newPids.includes(e.pid) || oldPids.includes(e.pid)) && e.t >= forks[2].t)
  assert.deepEqual(seq.map((e) => [e.event, e.pid, e.worker]), [
    ['ready', newPids[0], 1], ['exit', oldPids[0], 1],
    ['ready', newPids[1], 2], ['exit', oldPids[1], 2]
  ])
  for (const e of cluster.events.filter((e) => e.event === 'exit')) assert.deepEqual([e.code, e.signal, e.expected], [0, null, true])
  assert.ok(forks[3].t >= seq[1].t, 'the second replacement was forked after the first old worker exited')

  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
  assert.deepEqual(cluster.forkedPids().filter(alive), []) // no worker outlives the primary
})
