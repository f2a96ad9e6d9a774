'use strict'

// The worker role: one Pool sized by the primary, the user's main(), stats reports over IPC, and
// a graceful drain when the primary (or PM2, or a signal in standalone mode) asks for it.

const { createHistogram, performance } = require('node:perf_hooks')
const { Pool } = require('../pool.js')
const { ServerDrain } = require('./drain.js')
const { message, dispatch } = require('./messages.js')
const { PoolCollector, processFamilies, defaultMetrics } = require('../metrics.js')
const { invalidArg, describe } = require('../errors.js')

/** The event-loop delay sampler's period, ms. */
const SAMPLE_MS = 10

/**
 * One worker process. States: 'starting' -> 'ready' -> 'draining' -> 'closed'
 * ('starting' -> 'draining' too, when asked to stop before main() settled).
 */
class ClusterWorker {
  #state = 'starting'
  #pool
  #slot
  #config
  #ipc
  #drains = []
  #hooks = []
  #statsTimer = null
  /** How late each SAMPLE_MS tick ran, in µs (see #sample for why not monitorEventLoopDelay). */
  #histogram = createHistogram()
  #sampler = null
  #lastTick = 0
  #stopping = null
  #resolveReady
  /** The pool's metric families for the primary's /metrics (utilization per stats interval). */
  #collector

  /** Resolves once main() has settled and every server it returned is listening. */
  ready = new Promise((resolve) => { this.#resolveReady = resolve })

  /**
   * `ipc`: true when our primary forked this process (reports go to it); false in standalone
   * mode (PM2 cluster/fork mode), where signals start the drain instead.
   */
  constructor (config, slot, ipc) {
    this.#config = config
    this.#slot = slot
    this.#ipc = ipc
    this.#pool = new Pool({ ...config.pool, threads: config.threadsPerWorker })
    this.#collector = new PoolCollector(this.#pool)
    defaultMetrics() // loads prom-client, if installed, before the event-loop sampler starts
  }

  /** Tells the two results of runCluster apart: 'worker' here, 'primary' in a ClusterPrimary. */
  get role () { return 'worker' }
  get state () { return this.#state }
  get pool () { return this.#pool }

  async start (main) {
    const handlers = {
      shutdown: () => this.stop(0)
    }
    if (this.#ipc) {
      process.on('message', (msg) => dispatch(handlers, msg))
      // The primary is gone (its IPC channel closed) and did not ask us to stop: exit now.
      process.once('disconnect', () => { if (this.#state !== 'draining') process.exit(1) })
      // Ctrl-C in a terminal sends SIGINT to the whole process group: the primary coordinates
      // the shutdown, so a worker ignores it. SIGTERM sent to a worker drains it (systemd's
      // control-group kill sends it to every process; the primary's own shutdown follows).
      process.on('SIGINT', () => {})
      process.on('SIGTERM', () => this.stop(0))
    }
    this.#lastTick = performance.now()
    this.#sampler = setInterval(() => this.#sample(), SAMPLE_MS)
    this.#sampler.unref()
    const context = {
      pool: this.#pool,
      worker: this.#slot,
      threads: this.#config.threadsPerWorker,
      workers: this.#config.workers,
      budget: this.#config.budget,
      onShutdown: (fn) => {
        if (typeof fn !== 'function') throw invalidArg(`onShutdown(fn): fn must be a function, got ${describe(fn)}`)
        this.#hooks.push(fn)
      }
    }
    let result
    try {
      result = await main(context)
    } catch (error) {
      console.error(`[corepool] worker ${this.#slot}: main() failed:`, error)
      process.exit(1)
    }
    const servers = result === undefined ? [] : Array.isArray(result) ? result : [result]
    for (const server of servers) {
      if (server === null || typeof server !== 'object' || typeof server.listen !== 'function') {
        console.error(`[corepool] worker ${this.#slot}: main() must return a server, an array of servers or undefined, got ${describe(server)}`)
        process.exit(1)
      }
      this.#drains.push(new ServerDrain(server))
    }
    try {
      await Promise.all(this.#drains.map((drain) => drain.listening()))
    } catch (error) {
      console.error(`[corepool] worker ${this.#slot}: a server failed to listen:`, error)
      process.exit(1)
    }
    if (this.#state !== 'starting') return
    this.#state = 'ready'
    this.#resolveReady()
    if (this.#ipc) {
      process.send(message('ready', { slot: this.#slot }))
      this.#statsTimer = setInterval(() => this.#report(), this.#config.statsInterval)
      this.#statsTimer.unref()
      this.#report()
    }
  }

  /**
   * Records how late this tick is. perf_hooks.monitorEventLoopDelay measures the same thing, but
   * its reset() also forgets the previous tick's time, so a block that ends just before a report
   * (the timer that reports runs first) is never recorded at all; here reset() only clears the
   * histogram and the late tick lands in the next report.
   */
  #sample () {
    const now = performance.now()
    const lateMicros = Math.round((now - this.#lastTick - SAMPLE_MS) * 1000)
    this.#lastTick = now
    this.#histogram.record(Math.max(1, lateMicros))
  }

  async #report () {
    const h = this.#histogram
    const ms = (micros) => Number.isFinite(micros) ? micros / 1000 : 0
    const eventLoopDelay = h.count === 0
      ? { min: 0, max: 0, mean: 0, p50: 0, p99: 0 }
      : { min: ms(h.min), max: ms(h.max), mean: ms(h.mean), p50: ms(h.percentile(50)), p99: ms(h.percentile(99)) }
    h.reset()
    const pool = this.#pool.stats()
    const metrics = await processFamilies(this.#collector)
    if (this.#state !== 'ready' || !process.connected) return
    process.send(message('stats', { slot: this.#slot, pool, metrics, rss: process.memoryUsage.rss(), eventLoopDelay }))
  }

  /** Drains servers, runs onShutdown hooks, closes the pool and exits with `code`. Idempotent. */
  stop (code = 0) {
    if (!Number.isInteger(code) || code < 0 || code > 255) {
      return Promise.reject(invalidArg(`code must be an integer from 0 to 255, got ${describe(code)}`, Number.isInteger(code) ? RangeError : TypeError))
    }
    if (this.#stopping !== null) return this.#stopping
    this.#state = 'draining'
    clearInterval(this.#statsTimer)
    this.#stopping = (async () => {
      await Promise.all(this.#drains.map((drain) => drain.close()))
      for (const hook of this.#hooks) {
        try { await hook() } catch (error) { console.error(`[corepool] worker ${this.#slot}: onShutdown hook failed:`, error) }
      }
      await this.#pool.close()
      clearInterval(this.#sampler)
      this.#state = 'closed'
      process.exit(code)
    })()
    return this.#stopping
  }
}

module.exports = { ClusterWorker }
