'use strict'

// The primary's view of its workers' figures: totals, Prometheus text, and the endpoint.

const http = require('node:http')

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

/** Prometheus text exposition format (version 0.0.4), prom-client naming conventions. */
function prometheus (stats) {
  const lines = []
  const family = (name, type, help, samples) => {
    lines.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`)
    for (const [labels, value] of samples) {
      const text = Object.entries(labels).map(([k, v]) => `${k}="${String(v).replace(/["\\\n]/g, '\\$&')}"`).join(',')
      lines.push(`${name}${text === '' ? '' : `{${text}}`} ${Number.isFinite(value) ? value : 0}`)
    }
  }
  const live = stats.workers.filter((w) => w.pid !== null)
  const withPool = live.filter((w) => w.pool !== null)
  family('corepool_budget_cores', 'gauge', 'Cores the cluster divides between its workers.', [[{}, stats.budget]])
  family('corepool_workers', 'gauge', 'Worker processes alive.', [[{}, stats.total.workers]])
  family('corepool_worker_up', 'gauge', '1 when the worker is ready to serve, else 0.',
    stats.workers.map((w) => [{ worker: w.worker }, w.state === 'ready' ? 1 : 0]))
  family('corepool_worker_threads', 'gauge', 'Pool threads in the worker.', live.map((w) => [{ worker: w.worker }, w.threads]))
  family('corepool_worker_rss_bytes', 'gauge', 'Resident set size of the worker process in bytes.', live.map((w) => [{ worker: w.worker }, w.rss]))
  family('corepool_worker_uptime_seconds', 'gauge', 'Seconds since the worker was forked.', live.map((w) => [{ worker: w.worker }, w.uptime]))
  family('corepool_worker_restarts_total', 'counter', 'Re-forks of the worker after an unexpected exit.',
    stats.workers.map((w) => [{ worker: w.worker }, w.restarts]))
  for (const name of COUNTERS) {
    family(`corepool_tasks_${name}_total`, 'counter', `Pool tasks ${name} by the worker.`, withPool.map((w) => [{ worker: w.worker }, w.pool[name]]))
  }
  family('corepool_tasks_active', 'gauge', 'Pool tasks running now.', withPool.map((w) => [{ worker: w.worker }, w.pool.active]))
  family('corepool_tasks_queued', 'gauge', 'Pool tasks waiting for a thread.', withPool.map((w) => [{ worker: w.worker }, w.pool.queued]))
  const delays = live.filter((w) => w.eventLoopDelay !== null)
  family('corepool_worker_event_loop_delay_seconds', 'gauge', 'Event-loop delay of the worker over the last stats interval.',
    delays.flatMap((w) => [
      [{ worker: w.worker, quantile: '0.5' }, w.eventLoopDelay.p50 / 1000],
      [{ worker: w.worker, quantile: '0.99' }, w.eventLoopDelay.p99 / 1000],
      [{ worker: w.worker, quantile: '1' }, w.eventLoopDelay.max / 1000]
    ]))
  return lines.join('\n') + '\n'
}

/** Serves GET / (and /stats) as JSON and GET /metrics as Prometheus text. Resolves when listening. */
function startStatsServer (primary, host, port) {
  const server = http.createServer((req, res) => {
    const path = req.url.split('?')[0]
    if (req.method !== 'GET') {
      res.writeHead(405, { allow: 'GET' }).end()
    } else if (path === '/' || path === '/stats') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(primary.stats()))
    } else if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(prometheus(primary.stats()))
    } else {
      res.writeHead(404).end()
    }
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => { server.off('error', reject); resolve(server) })
  })
}

module.exports = { aggregate, prometheus, startStatsServer }
