'use strict'

// runCluster's options: defaults in one object, validation up front, and the core budget rule.

const { invalidArg, describe } = require('../errors.js')
const { validatePoolOptions, checkInteger, rejectUnknown } = require('../options.js')

/** Defaults for `runCluster(options, main)`; docs/cluster.md documents each. */
const DEFAULTS = Object.freeze({
  budget: undefined, // availableCores()
  workers: undefined, // from the budget rule
  threadsPerWorker: undefined, // from the budget rule
  killTimeout: 5000,
  initialDelay: 100,
  multiplier: 1.5,
  maxDelay: 15000,
  resetAfter: 30000,
  maxRestarts: 10,
  restartWindow: 60000,
  maxMemory: 0, // off
  maxTasks: 0, // off
  statsInterval: 1000,
  statsPort: undefined, // off
  statsHost: '127.0.0.1',
  handleSignals: true,
  pool: undefined, // extra Pool options (every one but threads)
  binding: undefined, // another addon built on corepool-core (cluster.js); corepool's own by default
  logger: console
})

const INTEGER_OPTIONS = {
  budget: [1, 4096],
  workers: [1, 4096],
  threadsPerWorker: [1, 1024],
  killTimeout: [1, 2 ** 31 - 1],
  initialDelay: [0, 2 ** 31 - 1],
  maxDelay: [0, 2 ** 31 - 1],
  resetAfter: [0, 2 ** 31 - 1],
  maxRestarts: [0, 1e9],
  restartWindow: [1, 2 ** 31 - 1],
  maxMemory: [0, Number.MAX_SAFE_INTEGER],
  maxTasks: [0, Number.MAX_SAFE_INTEGER],
  statsInterval: [10, 2 ** 31 - 1],
  statsPort: [0, 65535]
}

/**
 * The budget rule: given `budget` cores, how many processes and how many pool threads each.
 * Measured on a 2-core machine (docs/cluster.md, benchmark/express.js): 1 worker x 2 threads
 * served a CPU-bound Express route better than 2 workers x 1 thread, so one process per two cores
 * (at least one), and the rest of the budget as pool threads: workers = max(1, floor(budget / 2)),
 * threads = max(1, floor(budget / workers)). Options override either.
 */
function split (budget, workers, threadsPerWorker) {
  const w = workers ?? Math.max(1, Math.floor(budget / 2))
  const t = threadsPerWorker ?? Math.max(1, Math.floor(budget / w))
  return { workers: w, threadsPerWorker: t }
}

/** Validates `options` and fills the defaults; `cores` is availableCores(). */
function resolveOptions (options, cores) {
  if (options === undefined) options = {}
  if (options === null || typeof options !== 'object') {
    throw invalidArg(`options must be an object, got ${describe(options)}`)
  }
  const resolved = { ...DEFAULTS }
  rejectUnknown(options, DEFAULTS, 'options', 'a runCluster option')
  for (const key of Object.keys(options)) {
    if (options[key] !== undefined) resolved[key] = options[key]
  }
  for (const [key, [min, max]] of Object.entries(INTEGER_OPTIONS)) {
    if (resolved[key] !== undefined) checkInteger(resolved[key], `options.${key}`, min, max)
  }
  if (typeof resolved.multiplier !== 'number' || !Number.isFinite(resolved.multiplier)) {
    throw invalidArg(`options.multiplier must be a finite number, got ${describe(resolved.multiplier)}`)
  }
  if (resolved.multiplier < 1) throw invalidArg(`options.multiplier must be 1 or more, got ${resolved.multiplier}`, RangeError)
  if (typeof resolved.statsHost !== 'string') throw invalidArg(`options.statsHost must be a string, got ${describe(resolved.statsHost)}`)
  if (typeof resolved.handleSignals !== 'boolean') throw invalidArg(`options.handleSignals must be a boolean, got ${describe(resolved.handleSignals)}`)
  if (resolved.pool !== undefined && (resolved.pool === null || typeof resolved.pool !== 'object')) {
    throw invalidArg(`options.pool must be an object, got ${describe(resolved.pool)}`)
  }
  if (resolved.pool !== undefined && 'threads' in resolved.pool) {
    throw invalidArg('options.pool.threads is not allowed: use options.threadsPerWorker')
  }
  if (resolved.pool !== undefined) validatePoolOptions(resolved.pool, 'options.pool')
  if (resolved.pool?.tasks !== undefined) {
    // Checked here, so that a bad path fails in the primary instead of crash-looping every worker.
    const { resolveTaskMap } = require('../js-tasks/options.js')
    const { Pool } = require('../pool.js')
    resolved.pool = { ...resolved.pool, tasks: resolveTaskMap(resolved.pool.tasks, (name) => Pool.tasks.includes(name)) }
  }
  const logger = resolved.logger
  if (logger !== null && (typeof logger !== 'object' || typeof logger.error !== 'function' || typeof logger.info !== 'function')) {
    throw invalidArg(`options.logger must be null or an object with info() and error(), got ${describe(logger)}`)
  }
  resolved.budget = resolved.budget ?? cores
  Object.assign(resolved, split(resolved.budget, resolved.workers, resolved.threadsPerWorker))
  return resolved
}

/** The options a worker needs, as JSON for its environment. */
function workerConfig (resolved) {
  return {
    budget: resolved.budget,
    workers: resolved.workers,
    threadsPerWorker: resolved.threadsPerWorker,
    statsInterval: resolved.statsInterval,
    pool: resolved.pool ?? {}
  }
}

module.exports = { DEFAULTS, resolveOptions, split, workerConfig }
