'use strict'

// `require('corepool/metrics')`: a pool's figures as Prometheus metric families. With prom-client
// (an optional peer dependency) they register on its registry beside its default metrics; without
// it, `text()` and `serve()` render the same families, and a small set of the process and Node.js
// metrics that prom-client's defaults would give, under the same names.
//
// A family is what prom-client's `getMetricsAsJSON()` returns for one metric:
// `{ name, help, type, values: [{ labels, value, metricName? }] }`. The cluster shim sends these
// over IPC and the primary adds a `worker` label, so every process renders through `render()`.

const http = require('node:http')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const binding = require('./native.js')
const { Pool, kTimings } = require('./pool.js')
const { invalidArg, codedError, describe } = require('./errors.js')

const BOUNDS = binding.histogramBounds()
const OUTCOMES = ['completed', 'failed', 'cancelled']

/**
 * Reads one pool into metric families. Each collector keeps its own previous busy sample, so
 * that `corepool_utilization_ratio` covers the time since this collector's last read (a scrape
 * interval), whoever else reads `pool.stats()`.
 */
class PoolCollector {
  #pool
  #labels
  #previous = null

  constructor (pool, labels = {}) {
    if (!(pool instanceof Pool)) throw invalidArg(`pool must be a corepool Pool, got ${describe(pool)}`)
    validateLabels(labels, 'labels')
    this.#pool = pool
    this.#labels = labels
  }

  families () {
    const stats = this.#pool.stats()
    const timings = this.#pool[kTimings]()
    const labels = this.#labels
    const tasks = Object.entries(stats.tasks)
    const byTask = new Map(timings.tasks.map(({ name, timings }) => [name, timings]))
    const busyMs = timings.busyMs.reduce((a, b) => a + b, 0)
    const previous = this.#previous
    const fresh = previous === null || previous.elapsedMs > timings.elapsedMs
    const spanMs = fresh ? timings.elapsedMs : timings.elapsedMs - previous.elapsedMs
    const spanBusyMs = fresh ? busyMs : busyMs - previous.busyMs
    this.#previous = { elapsedMs: timings.elapsedMs, busyMs }
    const histogram = (name, help, pick) => family(name, 'histogram', help, tasks.flatMap(([task]) => {
      const data = byTask.get(task)?.[pick]
      return data === undefined ? [] : histogramValues(name, { ...labels, task }, data)
    }))
    return [
      family('corepool_tasks_submitted_total', 'counter', 'Tasks submitted to the pool.',
        tasks.map(([task, counts]) => ({ labels: { ...labels, task }, value: counts.submitted }))),
      family('corepool_tasks_total', 'counter', 'Tasks settled, by outcome (completed, failed, cancelled).',
        tasks.flatMap(([task, counts]) => OUTCOMES.map((outcome) => ({ labels: { ...labels, task, outcome }, value: counts[outcome] })))),
      histogram('corepool_task_wait_seconds', 'Time tasks waited in the queue, from submit to the start of their run.', 'wait'),
      histogram('corepool_task_run_seconds', 'Time tasks ran on a pool thread.', 'run'),
      family('corepool_queue_depth', 'gauge', 'Tasks waiting in the queue.', [{ labels, value: stats.queued }]),
      family('corepool_queue_depth_max', 'gauge', 'The most tasks queued at once since the pool started or resetStats().',
        [{ labels, value: stats.queueHighWater }]),
      family('corepool_threads', 'gauge', 'Pool threads, by state (busy or idle).', [
        { labels: { ...labels, state: 'busy' }, value: stats.active },
        { labels: { ...labels, state: 'idle' }, value: stats.idle }
      ]),
      family('corepool_busy_seconds_total', 'counter', 'Thread time spent running tasks, summed over the pool threads.',
        [{ labels, value: busyMs / 1000 }]),
      family('corepool_utilization_ratio', 'gauge', 'Busy thread time / (threads x elapsed) since the previous scrape.',
        [{ labels, value: spanMs > 0 ? Math.min(1, spanBusyMs / (stats.threads * spanMs)) : 0 }])
    ]
  }
}

function family (name, type, help, values) {
  return { name, help, type, values }
}

/** `_bucket` per bound and `+Inf`, then `_sum` and `_count`, as prom-client lays a histogram out. */
function histogramValues (name, labels, data) {
  return [
    ...BOUNDS.map((le, i) => ({ metricName: `${name}_bucket`, labels: { ...labels, le }, value: data.buckets[i] })),
    { metricName: `${name}_bucket`, labels: { ...labels, le: '+Inf' }, value: data.count },
    { metricName: `${name}_sum`, labels, value: data.sumSeconds },
    { metricName: `${name}_count`, labels, value: data.count }
  ]
}

/**
 * The process and Node.js metrics that the cluster and `serve()` add when prom-client is not
 * installed: the names and meanings of prom-client's defaults, a subset of them.
 */
class ProcessCollector {
  #delay = monitorEventLoopDelay({ resolution: 10 })
  #startSeconds = Math.round(Date.now() / 1000 - process.uptime())

  constructor () {
    this.#delay.enable()
  }

  families () {
    const cpu = process.cpuUsage()
    const memory = process.memoryUsage()
    const delay = this.#delay
    const seconds = (nanos) => Number.isFinite(nanos) ? nanos / 1e9 : 0
    const lag = [
      ['nodejs_eventloop_lag_min_seconds', 'The minimum recorded event loop delay.', seconds(delay.min)],
      ['nodejs_eventloop_lag_max_seconds', 'The maximum recorded event loop delay.', seconds(delay.max)],
      ['nodejs_eventloop_lag_mean_seconds', 'The mean of the recorded event loop delays.', seconds(delay.mean)],
      ['nodejs_eventloop_lag_p50_seconds', 'The 50th percentile of the recorded event loop delays.', seconds(delay.percentile(50))],
      ['nodejs_eventloop_lag_p90_seconds', 'The 90th percentile of the recorded event loop delays.', seconds(delay.percentile(90))],
      ['nodejs_eventloop_lag_p99_seconds', 'The 99th percentile of the recorded event loop delays.', seconds(delay.percentile(99))]
    ]
    return [
      family('process_cpu_user_seconds_total', 'counter', 'Total user CPU time spent in seconds.', [{ labels: {}, value: cpu.user / 1e6 }]),
      family('process_cpu_system_seconds_total', 'counter', 'Total system CPU time spent in seconds.', [{ labels: {}, value: cpu.system / 1e6 }]),
      family('process_cpu_seconds_total', 'counter', 'Total user and system CPU time spent in seconds.', [{ labels: {}, value: (cpu.user + cpu.system) / 1e6 }]),
      family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.', [{ labels: {}, value: this.#startSeconds }]),
      family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.', [{ labels: {}, value: memory.rss }]),
      ...lag.map(([name, help, value]) => family(name, 'gauge', help, [{ labels: {}, value }])),
      family('nodejs_heap_size_total_bytes', 'gauge', 'Process heap size from Node.js in bytes.', [{ labels: {}, value: memory.heapTotal }]),
      family('nodejs_heap_size_used_bytes', 'gauge', 'Process heap size used from Node.js in bytes.', [{ labels: {}, value: memory.heapUsed }]),
      family('nodejs_external_memory_bytes', 'gauge', 'Node.js external memory size in bytes.', [{ labels: {}, value: memory.external }]),
      family('nodejs_version_info', 'gauge', 'Node.js version info.', [{ labels: { version: process.version }, value: 1 }])
    ]
  }

  close () {
    this.#delay.disable()
  }
}

/** prom-client, when the application has it installed; null otherwise. */
function promClient () {
  try {
    return require('prom-client')
  } catch (error) {
    if (error.code === 'MODULE_NOT_FOUND') return null
    throw error
  }
}

/**
 * Registers the pool's metrics on a prom-client registry (default: prom-client's global one).
 * Returns a function that unregisters them. Throws ERR_MISSING_PEER without prom-client.
 */
function register (pool, options = {}) {
  if (options === null || typeof options !== 'object') throw invalidArg(`options must be an object, got ${describe(options)}`)
  const client = promClient()
  if (client === null) {
    throw codedError('ERR_MISSING_PEER', 'register() needs prom-client: npm install prom-client (or use metrics.text() / metrics.serve())')
  }
  const registry = options.registry ?? client.register
  if (registry === null || typeof registry !== 'object' || typeof registry.registerMetric !== 'function') {
    throw invalidArg(`options.registry must be a prom-client Registry, got ${describe(registry)}`)
  }
  const collector = new PoolCollector(pool, options.labels)
  // prom-client asks each metric for its values at once per scrape; read the pool once per scrape.
  let snapshot = null
  const read = () => {
    if (snapshot === null) {
      snapshot = new Map(collector.families().map((f) => [f.name, f]))
      setImmediate(() => { snapshot = null })
    }
    return snapshot
  }
  const names = collector.families().map((f) => f.name)
  for (const name of names) {
    const help = read().get(name).help
    const type = read().get(name).type
    registry.registerMetric({ name, help, type, get: async () => read().get(name), reset () {} })
  }
  return () => { for (const name of names) registry.removeSingleMetric(name) }
}

/** Prometheus text exposition format 0.0.4 for a list of families. */
function render (families) {
  const lines = []
  for (const { name, help, type, values } of families) {
    lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`)
    for (const { metricName = name, labels = {}, value } of values) {
      const text = Object.entries(labels).map(([key, v]) => `${key}="${escapeLabel(String(v))}"`).join(',')
      lines.push(`${metricName}${text === '' ? '' : `{${text}}`} ${formatValue(value)}`)
    }
  }
  return lines.join('\n') + '\n'
}

/**
 * Merges families of the same name from several sources into one each, with `extra(index)`
 * labels added to source `index`'s samples (the cluster's `worker` label).
 */
function merge (sources, extra) {
  const merged = new Map()
  sources.forEach((families, index) => {
    for (const f of families) {
      if (!merged.has(f.name)) merged.set(f.name, { name: f.name, help: f.help, type: f.type, values: [] })
      const into = merged.get(f.name)
      if (into.type !== f.type) continue
      for (const v of f.values) into.values.push({ ...v, labels: { ...extra(index), ...v.labels } })
    }
  })
  return [...merged.values()]
}

/**
 * Where this process's default metrics come from: a private prom-client registry with its default
 * metrics, when the application has prom-client, else this module's subset. Made once per process;
 * the cluster worker makes it at start, since loading prom-client blocks the event loop a while.
 */
function defaultMetrics () {
  if (defaultsSource === null) {
    const client = promClient()
    if (client === null) {
      const collector = new ProcessCollector()
      defaultsSource = async () => collector.families()
    } else {
      const registry = new client.Registry()
      client.collectDefaultMetrics({ register: registry })
      // prom-client's gauges nodejs_active_{handles,requests,resources}_total break Prometheus'
      // naming rule (promtool rejects a non-counter named *_total); their per-type gauges
      // (nodejs_active_handles{type} ...) carry the same figures and are kept.
      defaultsSource = async () => (await registry.getMetricsAsJSON()).filter((f) => f.type === 'counter' || !f.name.endsWith('_total'))
    }
  }
  return defaultsSource
}
let defaultsSource = null

/** The families this process reports: the pool's, then the process and Node.js defaults. */
async function processFamilies (collector) {
  return [...collector.families(), ...await defaultMetrics()()]
}

/** The pool's metrics and the process defaults as Prometheus text. No prom-client needed. */
async function text (pool, options = {}) {
  if (options === null || typeof options !== 'object') throw invalidArg(`options must be an object, got ${describe(options)}`)
  return render(await processFamilies(new PoolCollector(pool, options.labels)))
}

/**
 * Serves `GET /metrics` on `port` (default 9464, host 127.0.0.1). Resolves with the listening
 * http.Server; close it to stop.
 */
function serve (pool, options = {}) {
  try {
    if (options === null || typeof options !== 'object') throw invalidArg(`options must be an object, got ${describe(options)}`)
    const { port = 9464, host = '127.0.0.1' } = options
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw invalidArg(`options.port must be an integer from 0 to 65535, got ${describe(port)}`)
    if (typeof host !== 'string') throw invalidArg(`options.host must be a string, got ${describe(host)}`)
    const collector = new PoolCollector(pool, options.labels)
    const server = http.createServer((req, res) => {
      if (req.method !== 'GET' || req.url.split('?')[0] !== '/metrics') return res.writeHead(404).end()
      processFamilies(collector).then(
        (families) => res.writeHead(200, { 'content-type': CONTENT_TYPE }).end(render(families)),
        (error) => res.writeHead(500).end(String(error))
      )
    })
    return new Promise((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, host, () => { server.off('error', reject); resolve(server) })
    })
  } catch (error) {
    return Promise.reject(error)
  }
}

const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

function validateLabels (labels, name) {
  if (labels === null || typeof labels !== 'object' || Array.isArray(labels)) throw invalidArg(`${name} must be an object, got ${describe(labels)}`)
  for (const [key, value] of Object.entries(labels)) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key) || key.startsWith('__')) throw invalidArg(`${name}: '${key}' is not a valid Prometheus label name`)
    if (typeof value !== 'string' && typeof value !== 'number') throw invalidArg(`${name}.${key} must be a string or a number, got ${describe(value)}`)
  }
}

function escapeHelp (text) {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

function escapeLabel (text) {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function formatValue (value) {
  // A NaN crosses IPC as null (JSON).
  if (value === null || Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

module.exports = { register, text, serve, render, merge, processFamilies, defaultMetrics, PoolCollector, CONTENT_TYPE }
