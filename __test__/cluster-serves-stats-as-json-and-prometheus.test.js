'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { freePort, startCluster, get } = require('./fixtures/harness.js')

test('the primary aggregates each worker\'s pool stats, RSS and event-loop delay, as JSON and /metrics', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1, statsPort: 0, statsInterval: 50 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  assert.equal(ready.statsAddress.address, '127.0.0.1')
  const statsPort = ready.statsAddress.port
  const pids = ready.stats.workers.map((w) => w.pid)

  // 6 hashes on fresh connections: round-robin gives each worker 3.
  for (let i = 0; i < 6; i++) assert.equal((await get(port, '/hash')).status, 200)
  // Wait (by polling the endpoint, which is what a scraper does) until both reports include them.
  let stats
  do {
    stats = JSON.parse((await get(statsPort, '/stats')).body)
  } while (stats.total.completed < 6)
  assert.equal(stats.total.completed, 6)
  assert.equal(stats.total.submitted, 6)
  assert.equal(stats.total.failed, 0)
  assert.deepEqual([stats.budget, stats.threadsPerWorker, stats.total.workers, stats.total.threads, stats.total.restarts], [ready.stats.budget, 1, 2, 2, 0])
  assert.deepEqual(stats.workers.map((w) => [w.worker, w.pid, w.state, w.pool.completed, w.pool.tasks.sha256.completed]), [
    [1, pids[0], 'ready', 3, 3],
    [2, pids[1], 'ready', 3, 3]
  ])
  for (const w of stats.workers) {
    assert.ok(w.rss > 10 * 1024 * 1024 && w.rss < 1024 * 1024 * 1024, `rss ${w.rss}`)
    assert.equal(stats.total.rss >= w.rss, true)
    assert.deepEqual(Object.keys(w.eventLoopDelay).sort(), ['max', 'mean', 'min', 'p50', 'p99'])
    assert.ok(w.eventLoopDelay.p99 >= w.eventLoopDelay.p50 && w.eventLoopDelay.max >= w.eventLoopDelay.p99)
    assert.ok(w.uptime > 0)
    assert.equal(w.lastExit, null)
  }

  const metrics = await get(statsPort, '/metrics')
  assert.equal(metrics.status, 200)
  assert.equal(metrics.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8')
  const lines = metrics.body.split('\n')
  const sample = (name, labels) => {
    const line = lines.find((l) => l.startsWith(`${name}${labels} `))
    assert.notEqual(line, undefined, `${name}${labels} missing`)
    return Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  assert.ok(lines.includes('# TYPE corepool_tasks_total counter'))
  assert.ok(lines.includes('# TYPE corepool_worker_rss_bytes gauge'))
  assert.equal(sample('corepool_budget_cores', ''), stats.budget)
  for (const w of [1, 2]) {
    assert.ok(sample('corepool_tasks_total', `{worker="${w}",task="sha256",outcome="completed"}`) >= 3)
    assert.equal(sample('corepool_tasks_total', `{worker="${w}",task="sha256",outcome="failed"}`), 0)
    assert.equal(sample('corepool_worker_threads', `{worker="${w}"}`), 1)
    assert.equal(sample('corepool_worker_up', `{worker="${w}"}`), 1)
    assert.equal(sample('corepool_worker_restarts_total', `{worker="${w}"}`), 0)
    assert.ok(sample('corepool_worker_rss_bytes', `{worker="${w}"}`) > 10 * 1024 * 1024)
    assert.ok(sample('corepool_worker_event_loop_delay_seconds', `{worker="${w}",quantile="0.99"}`) >= 0)
  }
  // Every sample line is `name{labels} number`, every family has HELP and TYPE.
  for (const line of lines.filter((l) => l !== '' && !l.startsWith('#'))) {
    assert.match(line, /^[a-z_0-9]+(\{[a-z_]+="[^"]*"(,[a-z_]+="[^"]*")*\})? (-?[0-9.e+-]+|NaN)$/)
  }
  assert.equal((await get(statsPort, '/nope')).status, 404)

  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
})

test('a worker whose event loop was blocked for 300 ms reports that delay; the other does not', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 1, statsPort: 0, statsInterval: 500 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const statsPort = ready.statsAddress.port
  const blocked = Number((await get(port, '/block?ms=300')).body)
  const deadline = Date.now() + 5000
  let stats
  do {
    stats = JSON.parse((await get(statsPort, '/stats')).body)
  } while (!(stats.workers.find((w) => w.pid === blocked).eventLoopDelay?.max >= 250) && Date.now() < deadline)
  const worker = stats.workers.find((w) => w.pid === blocked)
  const other = stats.workers.find((w) => w.pid !== blocked)
  assert.ok(worker.eventLoopDelay.max >= 250 && worker.eventLoopDelay.max < 1000, `max ${worker.eventLoopDelay.max} ms`)
  assert.ok(other.eventLoopDelay.max < 250, `the other worker's max ${other.eventLoopDelay.max} ms`)
  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
})
