'use strict'

// What `new Pool(options)` and `pool.register(tasks)` accept for user JS tasks: the option
// defaults and checks, and the task specs. Apart from lib/js-tasks/index.js, which loads
// node:worker_threads and node:v8, so that a pool without JS tasks never loads them.

const fs = require('node:fs')
const path = require('node:path')
const { fileURLToPath } = require('node:url')
const { invalidArg, describe } = require('../errors.js')
const { checkInteger, MAX_SPIN_MICROS } = require('../options.js')

/** Defaults of the JS-task options of `new Pool(options)`; README.md documents each. */
const JS_DEFAULTS = Object.freeze({
  // Longer than `spinMicros`: a JS task's round trip (tens of µs) outlasts a short spin, and a
  // worker or an event loop that fell asleep costs the next task two wake-ups.
  jsSpinMicros: 50,
  idleTimeout: 30_000,
  terminateAfter: 1000
})

/** Validates the JS-task options of `new Pool`; `threads` is the pool's validated thread count. */
function validateJsOptions (options, threads) {
  const jsThreads = options.jsThreads ?? threads
  if (!Number.isInteger(jsThreads)) throw invalidArg(`options.jsThreads must be an integer, got ${describe(jsThreads)}`)
  if (jsThreads < 1 || jsThreads > threads) {
    throw invalidArg(`options.jsThreads must be from 1 to options.threads (${threads}), got ${jsThreads}`, RangeError)
  }
  const jsSpinMicros = options.jsSpinMicros ?? JS_DEFAULTS.jsSpinMicros
  checkInteger(jsSpinMicros, 'options.jsSpinMicros', 0, MAX_SPIN_MICROS)
  const idleTimeout = options.idleTimeout ?? JS_DEFAULTS.idleTimeout
  milliseconds('idleTimeout', idleTimeout, true)
  const terminateAfter = options.terminateAfter ?? JS_DEFAULTS.terminateAfter
  milliseconds('terminateAfter', terminateAfter, false)
  // workerData is any value a worker can receive; these two must be objects.
  for (const name of ['resourceLimits', 'env']) {
    const value = options[name]
    if (value !== undefined && (value === null || typeof value !== 'object')) {
      throw invalidArg(`options.${name} must be an object, got ${describe(value)}`)
    }
  }
  const execArgv = options.execArgv
  if (execArgv !== undefined && (!Array.isArray(execArgv) || !execArgv.every((arg) => typeof arg === 'string'))) {
    throw invalidArg(`options.execArgv must be an array of strings, got ${describe(execArgv)}`)
  }
  return {
    jsThreads,
    jsSpinMicros,
    idleTimeout,
    terminateAfter,
    worker: { resourceLimits: options.resourceLimits, env: options.env, execArgv, workerData: options.workerData }
  }
}

function milliseconds (name, value, infinityAllowed) {
  if (typeof value !== 'number' || Number.isNaN(value) || value < 0 || (!infinityAllowed && !Number.isFinite(value))) {
    const range = infinityAllowed ? 'a non-negative number of milliseconds or Infinity' : 'a non-negative, finite number of milliseconds'
    throw invalidArg(`options.${name} must be ${range}, got ${describe(value)}`, typeof value === 'number' ? RangeError : TypeError)
  }
}

/** Reads one spec of a `tasks` map: an absolute path, a file: URL, or `{ filename, export }`. */
function readSpec (name, spec) {
  let filename = spec
  let exportName
  if (spec !== null && typeof spec === 'object' && !(spec instanceof URL)) {
    filename = spec.filename
    exportName = spec.export
    if (exportName !== undefined && (typeof exportName !== 'string' || exportName === '')) {
      throw invalidArg(`tasks.${name}.export must be a non-empty string, got ${describe(exportName)}`)
    }
  }
  if (filename instanceof URL || (typeof filename === 'string' && filename.startsWith('file:'))) {
    try {
      filename = fileURLToPath(filename)
    } catch (error) {
      throw invalidArg(`tasks.${name} is not a valid file: URL (${error.message})`)
    }
  }
  if (typeof filename !== 'string') {
    throw invalidArg(`tasks.${name} must be an absolute path, a file: URL or { filename, export }, got ${describe(filename)}`)
  }
  if (!path.isAbsolute(filename)) {
    throw invalidArg(`tasks.${name} must be an absolute path or a file: URL, got the relative path '${filename}'`)
  }
  if (!fs.statSync(filename, { throwIfNoEntry: false })?.isFile()) {
    throw invalidArg(`tasks.${name}: no file at ${filename}`)
  }
  return { filename, exportName }
}

/**
 * Checks a `tasks` map without a pool (the cluster primary, before its workers build theirs):
 * returns it with every spec as `{ filename, export }`, which survives JSON.
 */
function resolveTaskMap (map, taken) {
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw invalidArg(`tasks must be an object mapping names to task modules, got ${describe(map)}`)
  }
  return Object.fromEntries(Object.entries(map).map(([name, spec]) => {
    if (taken(name)) throw invalidArg(`the task name '${name}' is already taken`)
    const { filename, exportName } = readSpec(name, spec)
    return [name, { filename, export: exportName }]
  }))
}

module.exports = { validateJsOptions, readSpec, resolveTaskMap }
