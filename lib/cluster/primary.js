'use strict'

// The primary role: forks one worker per slot, re-forks after an unexpected exit with backoff,
// stops a crash loop, replaces workers one at a time (reload, recycling), shuts down gracefully,
// aggregates the workers' stats and serves them. It never creates a Pool.

const { EventEmitter } = require('node:events')
const { RestartPolicy } = require('./backoff.js')
const { message, dispatch, ENV_SLOT, ENV_CONFIG } = require('./messages.js')
const { workerConfig } = require('./options.js')
const { aggregate, startStatsServer, History } = require('./stats.js')
const { codedError } = require('../errors.js')

/**
 * One forked process as the primary sees it. States, each entered at most once, in order:
 * 'starting' -> 'ready' -> 'stopping' -> 'exited' ('starting' -> 'stopping' and any -> 'exited'
 * are allowed). 'exit' is emitted exactly once per record.
 */
class WorkerRecord {
  constructor (slot, worker, now) {
    this.slot = slot
    this.worker = worker
    this.pid = worker.process.pid
    this.state = 'starting'
    this.startedAt = now
    this.readyAt = null
    this.stats = null
    this.killTimer = null
    this.exit = null
    this.ready = new Promise((resolve, reject) => { this.resolveReady = resolve; this.rejectReady = reject })
    this.ready.catch(() => {})
    this.exited = new Promise((resolve) => { this.resolveExited = resolve })
  }
}

/** A numbered place for one worker; it keeps its number, restarts and last exit across forks. */
class Slot {
  constructor (id, policy) {
    this.id = id
    this.policy = policy
    this.current = null
    this.restarts = 0
    this.lastExit = null
    this.errored = null
    this.restartTimer = null
    this.replacing = null
    this.everReady = false
  }
}

class ClusterPrimary extends EventEmitter {
  #cluster
  #options
  #clock
  #slots = []
  /** cluster worker id -> WorkerRecord */
  #records = new Map()
  #state = 'running' // 'running' -> 'stopping' -> 'stopped'
  #shutdown = null
  #reload = null
  #statsServer = null
  /** The last minutes of each worker's utilization and p99s, for the stats page's chart. */
  #history = new History()
  #startedAt
  #resolveReady
  #messages

  /** `clock`: { now, setTimeout, clearTimeout }, injectable for tests of the schedule. */
  constructor (cluster, options, clock = { now: Date.now, setTimeout, clearTimeout }) {
    super()
    this.#cluster = cluster
    this.#options = options
    this.#clock = clock
    this.#startedAt = clock.now()
    this.ready = new Promise((resolve) => { this.#resolveReady = resolve })
    this.#messages = {
      ready: (msg, record) => this.#onReady(record),
      stats: (msg, record) => this.#onStats(record, msg)
    }
  }

  /** Tells the two results of runCluster apart: 'primary' here, 'worker' in a ClusterWorker. */
  get role () { return 'primary' }
  get options () { return this.#options }

  /** The stats endpoint's address ({ address, port }) once it listens, else null. */
  get statsAddress () {
    return this.#statsServer?.address() ?? null
  }

  start () {
    const policyOptions = this.#options
    for (let id = 1; id <= this.#options.workers; id++) {
      this.#slots.push(new Slot(id, new RestartPolicy(policyOptions, this.#clock.now)))
    }
    // Fork on the next tick, so that listeners attached after runCluster() returns see 'fork'.
    process.nextTick(() => {
      if (this.#state !== 'running') return
      for (const slot of this.#slots) this.#fork(slot, true)
    })
    const pending = [this.#allSettledOnce()]
    if (this.#options.statsPort !== undefined) {
      pending.push(startStatsServer(this, this.#options.statsHost, this.#options.statsPort).then((server) => {
        this.#statsServer = server
      }))
    }
    Promise.all(pending).then(() => this.#resolveReady(this.stats()), (error) => {
      this.#log('error', `[corepool] stats endpoint failed: ${error.message}`)
      this.#resolveReady(this.stats())
    })
    if (this.#options.handleSignals) {
      const onStop = () => { this.shutdown().then(() => process.exit(0)) }
      process.on('SIGTERM', onStop)
      process.on('SIGINT', onStop)
      process.on('SIGUSR2', () => { this.reload().catch((error) => this.#log('error', `[corepool] reload failed: ${error.message}`)) })
    }
    return this
  }

  #allSettledOnce () {
    return new Promise((resolve) => {
      const check = () => {
        if (this.#slots.every((slot) => slot.everReady || slot.errored !== null)) {
          this.off('ready', check)
          this.off('errored', check)
          resolve()
        }
      }
      this.on('ready', check)
      this.on('errored', check)
    })
  }

  #fork (slot, asCurrent) {
    const env = {
      [ENV_SLOT]: String(slot.id),
      [ENV_CONFIG]: JSON.stringify(workerConfig(this.#options))
    }
    const worker = this.#cluster.fork(env)
    const record = new WorkerRecord(slot, worker, this.#clock.now())
    this.#records.set(worker.id, record)
    if (asCurrent) slot.current = record
    worker.on('message', (msg) => dispatch(this.#messages, msg, record))
    worker.on('exit', (code, signal) => this.#onExit(record, code, signal))
    worker.on('error', () => {}) // a send to a dying worker; 'exit' follows
    this.emit('fork', { worker: slot.id, pid: record.pid })
    return record
  }

  #onReady (record) {
    if (record.state !== 'starting') return
    record.state = 'ready'
    record.readyAt = this.#clock.now()
    record.slot.everReady = true
    record.resolveReady()
    this.emit('ready', { worker: record.slot.id, pid: record.pid })
  }

  #onStats (record, msg) {
    record.stats = { pool: msg.pool, metrics: msg.metrics ?? [], rss: msg.rss, eventLoopDelay: msg.eventLoopDelay, at: this.#clock.now() }
    if (record.slot.current === record) this.#history.record(record.slot.id, record.stats)
    const { maxMemory, maxTasks } = this.#options
    if (record.state !== 'ready' || record.slot.current !== record || this.#state !== 'running') return
    let reason = null
    if (maxMemory > 0 && msg.rss > maxMemory) reason = 'maxMemory'
    else if (maxTasks > 0 && msg.pool.submitted >= maxTasks) reason = 'maxTasks'
    if (reason === null || record.slot.replacing !== null) return
    this.emit('recycle', { worker: record.slot.id, pid: record.pid, reason })
    this.#replace(record.slot).catch((error) => this.#log('error', `[corepool] recycling worker ${record.slot.id} failed: ${error.message}`))
  }

  #onExit (record, code, signal) {
    if (record.state === 'exited') return
    const expected = record.state === 'stopping'
    record.state = 'exited'
    this.#clock.clearTimeout(record.killTimer)
    this.#records.delete(record.worker.id)
    const slot = record.slot
    record.exit = { code, signal, at: this.#clock.now(), expected }
    slot.lastExit = { code, signal, at: record.exit.at, pid: record.pid }
    record.rejectReady(codedError('ERR_WORKER_EXITED', `worker ${slot.id} (pid ${record.pid}) exited before it was ready (code ${code}, signal ${signal})`))
    this.emit('exit', { worker: slot.id, pid: record.pid, code, signal, expected })
    record.resolveExited(record.exit)
    if (slot.current !== record) return // replaced already, or a replacement that never got ready
    slot.current = null
    if (expected || this.#state !== 'running') return
    const decision = slot.policy.onExit(record.startedAt)
    if (decision.restart) {
      slot.restarts++
      this.emit('restart', { worker: slot.id, delay: decision.delay, restarts: slot.restarts })
      slot.restartTimer = this.#clock.setTimeout(() => {
        slot.restartTimer = null
        if (this.#state === 'running') this.#fork(slot, true)
      }, decision.delay)
    } else {
      slot.errored = { code, signal, restarts: slot.restarts, restartsInWindow: decision.restartsInWindow }
      this.#log('error', `[corepool] worker ${slot.id} is errored: ${decision.restartsInWindow} restarts within ${this.#options.restartWindow} ms; last exit code ${code}, signal ${signal}. Not restarting.`)
      this.emit('errored', { worker: slot.id, code, signal, restarts: slot.restarts })
      if (this.#slots.every((s) => s.errored !== null)) {
        // Nothing is left to serve: stop (the stats endpoint too) and let the process exit 1,
        // so that whatever supervises the primary (systemd, Kubernetes) sees the failure.
        this.#log('error', '[corepool] every worker is errored; the primary stops')
        process.exitCode = 1
        this.shutdown()
      }
    }
  }

  /** Asks a worker to drain and exit; SIGKILLs it at killTimeout. Resolves with its exit. */
  #stop (record) {
    if (record.state === 'exited' || record.state === 'stopping') return record.exited
    record.state = 'stopping'
    try {
      record.worker.send(message('shutdown'))
    } catch {}
    record.killTimer = this.#clock.setTimeout(() => {
      if (record.state !== 'exited') record.worker.process.kill('SIGKILL')
    }, this.#options.killTimeout)
    return record.exited
  }

  /** Forks a replacement for `slot`, waits until it listens, then stops the old worker. */
  #replace (slot) {
    if (slot.replacing !== null) return slot.replacing
    slot.replacing = (async () => {
      try {
        const old = slot.current
        const next = this.#fork(slot, false)
        await next.ready
        if (this.#state !== 'running') { await this.#stop(next); return }
        // If the old worker crashed meanwhile, a restart may be pending or already forked:
        // the replacement takes the slot and both of those go.
        this.#clock.clearTimeout(slot.restartTimer)
        slot.restartTimer = null
        const current = slot.current
        slot.current = next
        const leaving = [...new Set([old, current])].filter((r) => r !== null && r.state !== 'exited')
        await Promise.all(leaving.map((r) => this.#stop(r)))
      } finally {
        slot.replacing = null
      }
    })()
    return slot.replacing
  }

  /** Replaces every worker, one at a time, each new one listening before the old one goes. */
  reload () {
    if (this.#state !== 'running') return Promise.reject(codedError('ERR_CLUSTER_STOPPING', 'the cluster is shutting down'))
    if (this.#reload !== null) return this.#reload
    this.#reload = (async () => {
      try {
        for (const slot of this.#slots) {
          if (slot.errored !== null || slot.current === null) continue
          await this.#replace(slot)
        }
        this.emit('reload')
      } finally {
        this.#reload = null
      }
    })()
    return this.#reload
  }

  /** Stops every worker gracefully (SIGKILL at killTimeout) and the stats endpoint. Idempotent. */
  shutdown () {
    if (this.#shutdown !== null) return this.#shutdown
    this.#state = 'stopping'
    this.#shutdown = (async () => {
      for (const slot of this.#slots) {
        this.#clock.clearTimeout(slot.restartTimer)
        slot.restartTimer = null
      }
      await Promise.all([...this.#records.values()].map((record) => this.#stop(record)))
      if (this.#statsServer !== null) {
        const closed = new Promise((resolve) => this.#statsServer.close(resolve))
        // close() ends only idle connections, once: a client whose request was in flight then
        // (a stats page polling) would keep its connection, and the primary, alive.
        this.#statsServer.closeAllConnections()
        await closed
      }
      this.#state = 'stopped'
      this.emit('shutdown')
    })()
    return this.#shutdown
  }

  /** Per worker, the last minutes of `{ at, utilization, waitP99, runP99, eventLoopP99 }`. */
  history () {
    return this.#history.toJSON()
  }

  /** Each live worker's metric families (pool, process and Node.js), by worker id. */
  workerMetrics () {
    return this.#slots.filter((slot) => slot.current?.stats != null).map((slot) => [slot.id, slot.current.stats.metrics])
  }

  /** Per-worker and total figures: pool counters, RSS, event-loop delay, restarts, uptime. */
  stats () {
    const now = this.#clock.now()
    const workers = this.#slots.map((slot) => {
      const record = slot.current
      return {
        worker: slot.id,
        pid: record?.pid ?? null,
        state: slot.errored !== null ? 'errored' : record === null ? 'restarting' : record.state,
        threads: this.#options.threadsPerWorker,
        uptime: record === null ? 0 : (now - record.startedAt) / 1000,
        restarts: slot.restarts,
        lastExit: slot.lastExit,
        rss: record?.stats?.rss ?? 0,
        eventLoopDelay: record?.stats?.eventLoopDelay ?? null,
        pool: record?.stats?.pool ?? null
      }
    })
    return aggregate({
      budget: this.#options.budget,
      threadsPerWorker: this.#options.threadsPerWorker,
      uptime: (now - this.#startedAt) / 1000,
      workers
    })
  }

  #log (level, text) {
    const logger = this.#options.logger
    if (logger !== null) logger[level](text)
  }
}

module.exports = { ClusterPrimary }
