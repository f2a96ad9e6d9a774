'use strict'

// corepool/bullmq: a Pool as the processor of BullMQ queues. Redis and BullMQ share the jobs
// between machines; each machine's pool runs its share on its cores, off the event loop, so that
// BullMQ's lock renewal (a timer on that loop) keeps its schedule and no CPU job goes "stalled".

const { Pool } = require('./pool.js')
const { codedError, invalidArg, describe } = require('./errors.js')

let bullmq
try {
  bullmq = require('bullmq')
} catch (error) {
  throw codedError('ERR_MISSING_PEER', "corepool/bullmq needs the 'bullmq' package: npm install bullmq", Error, { cause: error })
}

/** Defaults for createProcessor's options; docs/bullmq.md documents each. */
const PROCESSOR_DEFAULTS = Object.freeze({
  map: undefined, // job => ({ task, input, options, progress }); task = job.name, input = job.data
  timeout: undefined, // ms each job's task may run; none by default
  progressInterval: 250, // ms between two reads of a task's progress
  serialize: toJSONSafe // result => the JSON-safe value BullMQ stores
})

/** Defaults for createConsumer's own options (the rest goes to BullMQ's Worker). */
const CONSUMER_DEFAULTS = Object.freeze({
  shutdownTimeout: 3000 // ms running jobs get to finish on close() before they are re-queued
})

/** Why a task was aborted when its consumer ran out of shutdown time: the job goes back to wait. */
const REQUEUE = Symbol('corepool.bullmq.requeue')

/**
 * Runs BullMQ jobs on one pool. Invariant: `#running` holds one entry per job whose processor call
 * has not returned; each call returns (or throws) exactly once, after its task settled.
 */
class JobRunner {
  #pool
  #config
  #running = new Set()
  /** The BullMQ Worker that fetches for us: paused while the pool's queue is full. */
  #worker = null
  #pausedByUs = false

  constructor (pool, config) {
    this.#pool = pool
    this.#config = config
    pool.on('drain', () => this.#resumeFetching())
    // BullMQ passes the AbortSignal only to a processor that declares three parameters.
    const runner = this
    this.processor = async function corepoolProcessor (job, token, signal) {
      if (looksLikeWorker(this)) runner.attach(this)
      return runner.#process(job, token, signal)
    }
  }

  attach (worker) { this.#worker = worker }

  /** Aborts every running job's task; each job is moved back to wait, not failed. */
  requeueRunning () {
    for (const entry of this.#running) entry.controller.abort(REQUEUE)
  }

  async #process (job, token, bullSignal) {
    const { task, input, options, progress } = this.#plan(job)
    const controller = new AbortController()
    const entry = { controller }
    const forward = () => controller.abort(bullSignal.reason)
    if (bullSignal != null) {
      if (bullSignal.aborted) forward()
      else bullSignal.addEventListener('abort', forward, { once: true })
    }
    this.#running.add(entry)
    let watcher = null
    try {
      const execOptions = { ...options, signal: controller.signal }
      if (execOptions.timeout === undefined && this.#config.timeout !== undefined) execOptions.timeout = this.#config.timeout
      const running = this.#exec(task, input, execOptions, controller.signal)
      if (progress !== undefined) watcher = new ProgressWatcher(job, progress, this.#config.progressInterval)
      const result = await running
      if (watcher !== null) await watcher.stop()
      return this.#config.serialize(result)
    } catch (error) {
      if (watcher !== null) await watcher.stop().catch(() => {}) // the task's own error wins
      if (controller.signal.reason === REQUEUE || error?.code === 'ERR_POOL_CLOSED') {
        // Shutdown ran out of time, or the pool closed first: the job goes back to wait, without
        // spending an attempt, for this or another consumer to run.
        await job.moveToWait(token)
        throw new bullmq.WaitingError()
      }
      if (error?.code === 'ABORT_ERR' && bullSignal?.aborted) {
        // Cancelled through worker.cancelJob(): fail it for good, as BullMQ's guide advises.
        const failure = new bullmq.UnrecoverableError(`cancelled: ${reasonText(bullSignal.reason)}`)
        failure.code = 'ABORT_ERR'
        failure.cause = error
        throw failure
      }
      throw error
    } finally {
      this.#running.delete(entry)
      bullSignal?.removeEventListener('abort', forward)
    }
  }

  /** Submits the task; while the pool's queue is full, stops fetching and waits for 'drain'. */
  async #exec (task, input, options, signal) {
    for (;;) {
      try {
        const promise = this.#pool.exec(task, input, options)
        if (this.#pool.needsDrain) this.#pauseFetching()
        return await promise
      } catch (error) {
        if (error?.code !== 'ERR_QUEUE_FULL') throw error
        this.#pauseFetching()
        await untilDrainOrAbort(this.#pool, signal)
      }
    }
  }

  #plan (job) {
    const mapped = this.#config.map === undefined ? {} : this.#config.map(job)
    if (mapped === null || typeof mapped !== 'object') {
      throw invalidArg(`options.map(job) must return an object, got ${describe(mapped)}`)
    }
    const plan = {
      task: mapped.task === undefined ? job.name : mapped.task,
      input: mapped.input === undefined ? job.data : mapped.input,
      options: mapped.options ?? {},
      progress: mapped.progress
    }
    if (typeof plan.task !== 'string') throw invalidArg(`the job's task must be a string, got ${describe(plan.task)}`)
    if (typeof plan.options !== 'object') throw invalidArg(`options.map(job).options must be an object, got ${describe(plan.options)}`)
    if (plan.progress !== undefined && typeof plan.progress !== 'function') {
      throw invalidArg(`options.map(job).progress must be a function, got ${describe(plan.progress)}`)
    }
    return plan
  }

  #pauseFetching () {
    const worker = this.#worker
    if (worker === null || this.#pausedByUs || worker.isPaused() || worker.closing) return
    this.#pausedByUs = true
    worker.pause(true).catch((error) => worker.emit('error', error))
  }

  #resumeFetching () {
    if (!this.#pausedByUs) return
    this.#pausedByUs = false
    if (!this.#worker.closing) this.#worker.resume()
  }
}

/**
 * Reads a task's progress every `interval` ms and stores it with job.updateProgress when it changes.
 * A reader that throws stops the watching; stop() then rejects with its error, failing the job.
 */
class ProgressWatcher {
  #job
  #read
  #last = undefined
  #writing = Promise.resolve()
  #timer
  #readError = null

  constructor (job, read, interval) {
    this.#job = job
    this.#read = read
    this.#timer = setInterval(() => this.#check(), interval)
  }

  /** Stops reading; the last value read is stored before this resolves. */
  async stop () {
    clearInterval(this.#timer)
    if (this.#readError === null) this.#check()
    await this.#writing
    if (this.#readError !== null) throw this.#readError
  }

  #check () {
    let value
    try {
      value = this.#read()
    } catch (error) {
      this.#readError = error
      clearInterval(this.#timer)
      return
    }
    if (value === undefined || value === this.#last) return
    this.#last = value
    // Writes stay in order; a failed write (say, the job's lock was lost) only loses that update.
    this.#writing = this.#writing.then(() => this.#job.updateProgress(value)).catch(() => {})
  }
}

/**
 * A BullMQ processor `(job, token, signal) => Promise` that runs each job on `pool`: the task
 * `job.name` with input `job.data`, unless `options.map(job)` says otherwise.
 */
function createProcessor (pool, options) {
  if (!(pool instanceof Pool)) throw invalidArg(`pool must be a corepool Pool, got ${describe(pool)}`)
  return new JobRunner(pool, resolveProcessorOptions(options)).processor
}

/**
 * The whole set-up: a BullMQ Worker on `queueName` whose processor runs on `pool`, with
 * `concurrency` = pool.threads, and a graceful close(). `target` is a Pool or runCluster's worker
 * context (`{ pool, onShutdown }`); with a context, close() runs when the cluster worker stops.
 */
function createConsumer (target, queueName, options) {
  const { pool, onShutdown } = resolveTarget(target)
  if (typeof queueName !== 'string' || queueName === '') throw invalidArg(`queueName must be a non-empty string, got ${describe(queueName)}`)
  if (options === null || typeof options !== 'object') throw invalidArg(`options must be an object, got ${describe(options)}`)
  const processorOptions = {}
  const workerOptions = {}
  let shutdownTimeout = CONSUMER_DEFAULTS.shutdownTimeout
  for (const [key, value] of Object.entries(options)) {
    if (key in PROCESSOR_DEFAULTS) processorOptions[key] = value
    else if (key === 'shutdownTimeout') shutdownTimeout = value
    else workerOptions[key] = value
  }
  if (!Number.isInteger(shutdownTimeout)) throw invalidArg(`options.shutdownTimeout must be an integer, got ${describe(shutdownTimeout)}`)
  if (shutdownTimeout < 0 || shutdownTimeout > 2 ** 31 - 1) throw invalidArg(`options.shutdownTimeout must be from 0 to ${2 ** 31 - 1}, got ${shutdownTimeout}`, RangeError)
  if (workerOptions.connection === undefined) throw invalidArg('options.connection is required (BullMQ\'s Redis connection)')
  workerOptions.concurrency ??= pool.threads
  const runner = new JobRunner(pool, resolveProcessorOptions(processorOptions))
  const worker = new bullmq.Worker(queueName, runner.processor, workerOptions)
  runner.attach(worker)
  const consumer = new Consumer(worker, runner, shutdownTimeout)
  if (onShutdown !== undefined) onShutdown(() => consumer.close())
  return consumer
}

/** A BullMQ Worker fed to a pool, with a close() that never loses a running job. */
class Consumer {
  #runner
  #shutdownTimeout
  #closing = null

  constructor (worker, runner, shutdownTimeout) {
    /** The BullMQ Worker: its events ('completed', 'failed', 'error', ...) and methods. */
    this.worker = worker
    this.#runner = runner
    this.#shutdownTimeout = shutdownTimeout
  }

  /**
   * Stops fetching, lets running jobs finish for up to `shutdownTimeout` ms, then aborts the rest
   * and moves them back to wait (another consumer, or this one restarted, runs them), and closes
   * the worker's Redis connections. It does not close the pool. Idempotent.
   */
  close () {
    if (this.#closing !== null) return this.#closing
    const timer = setTimeout(() => this.#runner.requeueRunning(), this.#shutdownTimeout)
    this.#closing = this.worker.close().finally(() => clearTimeout(timer))
    return this.#closing
  }
}

function resolveTarget (target) {
  if (target instanceof Pool) return { pool: target, onShutdown: undefined }
  if (target !== null && typeof target === 'object' && target.pool instanceof Pool && typeof target.onShutdown === 'function') {
    return { pool: target.pool, onShutdown: target.onShutdown }
  }
  throw invalidArg(`target must be a corepool Pool or runCluster's worker context, got ${describe(target)}`)
}

function resolveProcessorOptions (options) {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') throw invalidArg(`options must be an object, got ${describe(options)}`)
  const resolved = { ...PROCESSOR_DEFAULTS }
  for (const key of Object.keys(options)) {
    if (!(key in PROCESSOR_DEFAULTS)) throw invalidArg(`options.${key} is not a createProcessor option`)
    if (options[key] !== undefined) resolved[key] = options[key]
  }
  if (resolved.map !== undefined && typeof resolved.map !== 'function') throw invalidArg(`options.map must be a function, got ${describe(resolved.map)}`)
  if (typeof resolved.serialize !== 'function') throw invalidArg(`options.serialize must be a function, got ${describe(resolved.serialize)}`)
  const { timeout, progressInterval } = resolved
  if (timeout !== undefined && (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout))) {
    throw invalidArg(`options.timeout must be a positive, finite number of milliseconds, got ${describe(timeout)}`, typeof timeout === 'number' ? RangeError : TypeError)
  }
  if (!Number.isInteger(progressInterval)) throw invalidArg(`options.progressInterval must be an integer, got ${describe(progressInterval)}`)
  if (progressInterval < 1 || progressInterval > 2 ** 31 - 1) throw invalidArg(`options.progressInterval must be from 1 to ${2 ** 31 - 1}, got ${progressInterval}`, RangeError)
  return resolved
}

/**
 * The value BullMQ stores (it JSON.stringifies results): bytes (Buffer, Uint8Array, ArrayBuffer)
 * become base64 strings, other typed arrays and Sets arrays, Maps objects, bigints decimal
 * strings, undefined null; arrays and plain objects are converted element by element; values with
 * a toJSON method (Date) are left to it.
 */
function toJSONSafe (value) {
  if (value === undefined) return null
  if (typeof value === 'bigint') return value.toString()
  if (value === null || typeof value !== 'object') return value
  if (value instanceof ArrayBuffer) return Buffer.from(value).toString('base64')
  if (value instanceof Uint8Array) return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')
  if (ArrayBuffer.isView(value)) return Array.from(value, toJSONSafe)
  if (Array.isArray(value) || value instanceof Set) return Array.from(value, toJSONSafe)
  if (value instanceof Map) return Object.fromEntries(Array.from(value, ([key, item]) => [String(key), toJSONSafe(item)]))
  if (typeof value.toJSON === 'function') return value // a Date, or a value that says how it serializes
  const result = {}
  for (const [key, item] of Object.entries(value)) result[key] = toJSONSafe(item)
  return result
}

function looksLikeWorker (value) {
  return value instanceof bullmq.Worker
}

function untilDrainOrAbort (pool, signal) {
  if (!pool.needsDrain) return Promise.resolve()
  return new Promise((resolve) => {
    const done = () => {
      pool.off('drain', done)
      pool.off('close', done)
      signal.removeEventListener('abort', done)
      resolve()
    }
    pool.once('drain', done)
    pool.once('close', done)
    signal.addEventListener('abort', done, { once: true })
    // An abort while waiting: the retried exec sees the aborted signal and rejects with it.
  })
}

function reasonText (reason) {
  if (reason instanceof Error) return reason.message
  return reason === undefined ? 'no reason given' : String(reason)
}

module.exports = { createProcessor, createConsumer, toJSONSafe, PROCESSOR_DEFAULTS, CONSUMER_DEFAULTS }
