'use strict'

// corepool/cluster: a cluster of processes, each with a native Pool, on one core budget.
// This file only dispatches by role; lib/cluster/primary.js and lib/cluster/worker.js do the work.

const cluster = require('node:cluster')
const { resolveOptions, split, DEFAULTS } = require('./lib/cluster/options.js')
const { ENV_SLOT, ENV_CONFIG } = require('./lib/cluster/messages.js')
const { invalidArg, describe } = require('./lib/errors.js')
const { availableCores } = require('./lib/cores.js')

/**
 * Runs `main({ pool, worker, threads, workers, budget, onShutdown })` in every worker.
 * In the primary returns a ClusterPrimary (an EventEmitter with ready, reload(), shutdown(),
 * stats()); in a worker returns its ClusterWorker. Under PM2 (NODE_APP_INSTANCE set) forks
 * nothing and runs `main` in this process with budget / instances threads.
 */
function runCluster (options, main) {
  if (typeof options === 'function' && main === undefined) { main = options; options = undefined }
  if (typeof main !== 'function') throw invalidArg(`main must be a function, got ${describe(main)}`)
  if (options?.binding !== undefined) {
    // Another addon built on corepool-core: the same shim, over its own realm (lib/with-binding.js).
    const { withBinding } = require('./lib/with-binding.js')
    return withBinding(options.binding, 'options.binding').runCluster({ ...options, binding: undefined }, main)
  }
  const slot = process.env[ENV_SLOT]
  if (cluster.isWorker && slot !== undefined) {
    const { ClusterWorker } = require('./lib/cluster/worker.js')
    const worker = new ClusterWorker(JSON.parse(process.env[ENV_CONFIG]), Number(slot), true)
    worker.start(main)
    return worker
  }
  const resolved = resolveOptions(options, availableCores())
  if (process.env.NODE_APP_INSTANCE !== undefined) return runUnderPm2(resolved, options?.threadsPerWorker, main)
  const { ClusterPrimary } = require('./lib/cluster/primary.js')
  return new ClusterPrimary(cluster, resolved).start()
}

/** PM2 forked us: one process of `instances`; our pool gets this process's share of the budget. */
function runUnderPm2 (resolved, explicitThreads, main) {
  const { ClusterWorker } = require('./lib/cluster/worker.js')
  // PM2 copies the app's config into each process's environment: `instances` is its count.
  const instances = Number.parseInt(process.env.instances ?? '1', 10)
  const count = Number.isInteger(instances) && instances > 0 ? instances : 1
  const threads = explicitThreads ?? split(resolved.budget, count).threadsPerWorker
  const config = { budget: resolved.budget, workers: count, threadsPerWorker: threads, statsInterval: resolved.statsInterval, pool: resolved.pool ?? {} }
  const worker = new ClusterWorker(config, Number(process.env.NODE_APP_INSTANCE) + 1, false)
  const onStop = () => worker.stop(0)
  process.once('SIGINT', onStop)
  process.once('SIGTERM', onStop)
  worker.start(main)
  return worker
}

module.exports = { runCluster, defaults: DEFAULTS }
