'use strict'

// The primary's view of its workers' figures: totals, Prometheus text, and the endpoint.

const http = require('node:http')
const { render, merge, CONTENT_TYPE } = require('../metrics.js')
const { page } = require('./page.js')

const COUNTERS = ['submitted', 'completed', 'failed', 'cancelled']

/** Adds `total` to a per-worker snapshot. */
function aggregate (snapshot) {
  const total = { workers: 0, threads: 0, rss: 0, restarts: 0, active: 0, queued: 0 }
  for (const name of COUNTERS) total[name] = 0
  for (const w of snapshot.workers) {
    total.restarts += w.restarts
    if (w.pid === null) continue
    total.workers++
    total.threads += w.threads
    total.rss += w.rss
    if (w.pool === null) continue
    total.active += w.pool.active
    total.queued += w.pool.queued
    for (const name of COUNTERS) total[name] += w.pool[name]
  }
  return { ...snapshot, total }
}

/**
 * Prometheus text: the cluster's own families (budget, workers, restarts, RSS, uptime, event-loop
 * delay) and every worker's pool, process and Node.js families, labelled by worker.
 */
function prometheus (stats, workerMetrics) {
  const live = stats.workers.filter((w) => w.pid !== null)
  const gauge = (name, help, samples) => ({ name, help, type: 'gauge', values: samples })
  const summary = (name, help, samples) => ({ name, help, type: 'summary', values: samples })
  const sample = (labels, value) => ({ labels, value: Number.isFinite(value) ? value : 0 })
  const delays = live.filter((w) => w.eventLoopDelay !== null)
  const own = [
    gauge('corepool_budget_cores', 'Cores the cluster divides between its workers.', [sample({}, stats.budget)]),
    gauge('corepool_workers', 'Worker processes alive.', [sample({}, stats.total.workers)]),
    gauge('corepool_worker_up', '1 when the worker is ready to serve, else 0.',
      stats.workers.map((w) => sample({ worker: w.worker }, w.state === 'ready' ? 1 : 0))),
    gauge('corepool_worker_threads', 'Pool threads in the worker.', live.map((w) => sample({ worker: w.worker }, w.threads))),
    gauge('corepool_worker_rss_bytes', 'Resident set size of the worker process in bytes.', live.map((w) => sample({ worker: w.worker }, w.rss))),
    gauge('corepool_worker_uptime_seconds', 'Seconds since the worker was forked.', live.map((w) => sample({ worker: w.worker }, w.uptime))),
    { name: 'corepool_worker_restarts_total', help: 'Re-forks of the worker after an unexpected exit.', type: 'counter', values: stats.workers.map((w) => sample({ worker: w.worker }, w.restarts)) },
    summary('corepool_worker_event_loop_delay_seconds', 'Event-loop delay of the worker over the last stats interval.',
      delays.flatMap((w) => [
        sample({ worker: w.worker, quantile: '0.5' }, w.eventLoopDelay.p50 / 1000),
        sample({ worker: w.worker, quantile: '0.99' }, w.eventLoopDelay.p99 / 1000),
        sample({ worker: w.worker, quantile: '1' }, w.eventLoopDelay.max / 1000)
      ]))
  ]
  const workers = merge(workerMetrics.map(([, families]) => families), (index) => ({ worker: workerMetrics[index][0] }))
  return render([...own, ...workers])
}

/** How many samples each worker's history keeps: 10 minutes at the default 1 s stats interval. */
const HISTORY_LENGTH = 600

/** The last minutes of each worker's utilization and p99s, as reported. */
class History {
  #series = new Map()

  record (worker, stats) {
    if (!this.#series.has(worker)) this.#series.set(worker, [])
    const series = this.#series.get(worker)
    series.push({
      at: stats.at,
      utilization: stats.pool.utilization?.lastInterval ?? 0,
      waitP99: stats.pool.waitTime.p99,
      runP99: stats.pool.runTime.p99,
      eventLoopP99: stats.eventLoopDelay.p99
    })
    if (series.length > HISTORY_LENGTH) series.splice(0, series.length - HISTORY_LENGTH)
  }

  toJSON () {
    return Object.fromEntries(this.#series)
  }
}

/** Serves GET / (and /stats) as JSON and GET /metrics as Prometheus text. Resolves when listening. */
function startStatsServer (primary, host, port) {
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0]
    const wantsPage = path === '/' && /\btext\/html\b/.test(req.headers.accept ?? '')
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end()
    } else if (wantsPage) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(page())
    } else if (path === '/' || path === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(primary.stats()))
    } else if (path === '/history') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(primary.history()))
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(prometheus(primary.stats(), primary.workerMetrics()))
    } else {
      res.writeHead(404).end()
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve(server) })
  })
}

module.exports = { aggregate, prometheus, startStatsServer, History }
