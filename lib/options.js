'use strict'

// The options of `new Pool(options)` and of `exec`: one table each, with the defaults, the
// validation and the names users bring from elsewhere. docs/adding-an-option.md lists where a
// new option goes.

const { invalidArg, describe } = require('./errors.js')
const { availableCores } = require('./cores.js')

/** Most threads one pool may run. */
const MAX_THREADS = 1024
/** The longest a thread that ran out of work polls the queue before it sleeps. */
const MAX_SPIN_MICROS = 10_000
/** The highest nice value Linux has: an increment beyond it changes nothing. */
const MAX_NICE_INCREMENT = 19

/**
 * `new Pool(options)`: per option its default and its check. README.md documents each;
 * `PoolConfig` in crates/corepool-core/src/surface.rs receives them.
 */
const POOL_OPTIONS = {
  threads: { default: Math.min(availableCores(), MAX_THREADS), check: integerIn(1, MAX_THREADS) },
  spinMicros: { default: 20, check: integerIn(0, MAX_SPIN_MICROS) },
  maxQueue: { default: Infinity, check: checkQueueLength },
  niceIncrement: { default: 19, check: integerIn(0, MAX_NICE_INCREMENT) },
  schedulingPolicy: { default: 'normal', check: oneOf(['normal', 'batch', 'idle']) },
  recordTimings: { default: true, check: checkBoolean }
}

/** `new Pool(options)` for user JS tasks: lib/js-tasks/options.js validates these. */
const JS_POOL_OPTIONS = ['tasks', 'jsThreads', 'jsSpinMicros', 'idleTimeout', 'terminateAfter', 'resourceLimits', 'env', 'execArgv', 'workerData']

/** `exec` / `execMany` options every task takes; a task's own are in `Pool.taskOptions`. */
const EXEC_OPTIONS = ['priority', 'timeout', 'signal', 'destination']
/** `exec` options of a user JS task, besides EXEC_OPTIONS. */
const JS_EXEC_OPTIONS = ['transfer']
/** `execMany` only. */
const EXEC_MANY_OPTIONS = ['settled']

/** What piscina (and others) call an option, and what to pass corepool instead. */
const FOREIGN_NAMES = {
  maxThreads: "use 'threads' (corepool's pool keeps a fixed number of threads)",
  minThreads: "use 'threads' (corepool's pool keeps a fixed number of threads)",
  concurrentTasksPerWorker: 'each corepool thread runs one task at a time',
  useAtomics: "corepool's threads poll for work for 'spinMicros' instead",
  taskQueue: "use the 'priority' exec option to order queued tasks",
  closeTimeout: 'use close({ force: true }) to stop without waiting for queued tasks',
  transferList: "use 'transfer' (a JS task's inputs); a native task reads its input in place",
  name: 'the task is the first argument of exec(task, input, options)'
}

/** Defaults for `new Pool(options)`. */
const DEFAULTS = Object.freeze(Object.fromEntries(Object.entries(POOL_OPTIONS).map(([name, rule]) => [name, rule.default])))
/** Every name `new Pool(options)` takes. */
const POOL_OPTION_NAMES = new Set([...Object.keys(POOL_OPTIONS), ...JS_POOL_OPTIONS])

/** Whether `new Pool(options)` was given a JS-task option. */
function hasJsOptions (options) {
  return JS_POOL_OPTIONS.some((name) => options[name] !== undefined)
}

/** Validates `new Pool(options)` and fills the defaults: the `PoolConfig` for the native pool. */
function validatePoolOptions (options, where = 'options') {
  if (options === null || typeof options !== 'object') {
    throw invalidArg(`${where} must be an object, got ${describe(options)}`)
  }
  rejectUnknown(options, POOL_OPTION_NAMES, where, 'a Pool option')
  const config = { ...DEFAULTS }
  for (const name of Object.keys(options)) {
    const value = options[name]
    // A default needs no check; a JS-task option is lib/js-tasks/options.js's.
    if (value === undefined || value === null || !Object.hasOwn(POOL_OPTIONS, name)) continue
    POOL_OPTIONS[name].check(value, `${where}.${name}`)
    config[name] = value
  }
  return config
}

/** The one integer rule of the JS side, as a check for an option table. */
function integerIn (min, max) {
  return (value, name) => checkInteger(value, name, min, max)
}

/** Throws unless `value` is an integer from `min` to `max`; the message states the range. */
function checkInteger (value, name, min, max) {
  if (!Number.isInteger(value)) throw invalidArg(`${name} must be an integer, got ${describe(value)}`)
  if (value < min || value > max) throw invalidArg(`${name} must be from ${min} to ${max}, got ${value}`, RangeError)
}

/** A check that `value` is one of `choices` (strings). */
function oneOf (choices) {
  return (value, name) => {
    if (!choices.includes(value)) throw invalidArg(`${name} must be ${choices.map((c) => `'${c}'`).join(', ')}, got ${describe(value)}`)
  }
}

function checkBoolean (value, name) {
  if (typeof value !== 'boolean') throw invalidArg(`${name} must be a boolean, got ${describe(value)}`)
}

function checkQueueLength (value, name) {
  if (typeof value !== 'number' || Number.isNaN(value)) throw invalidArg(`${name} must be a number, got ${describe(value)}`)
  if (value !== Infinity && (!Number.isInteger(value) || value < 0)) {
    throw invalidArg(`${name} must be a non-negative integer or Infinity, got ${value}`, RangeError)
  }
}

/**
 * Throws ERR_INVALID_ARG for an own key of `options` that `known` (an object or a Set) lacks,
 * with a hint: the corepool name of a foreign option, or the known name it is a typo of.
 */
function rejectUnknown (options, known, where, what) {
  const has = known instanceof Set ? (name) => known.has(name) : (name) => Object.hasOwn(known, name)
  for (const name of Object.keys(options)) {
    if (has(name)) continue
    const names = known instanceof Set ? [...known] : Object.keys(known)
    throw invalidArg(`${where}.${name} is not ${what}${hint(name, names)}`)
  }
}

function hint (name, names) {
  const foreign = Object.keys(FOREIGN_NAMES).find((known) => known.toLowerCase() === name.toLowerCase())
  if (foreign !== undefined) return `: ${FOREIGN_NAMES[foreign]}`
  const close = closest(name, names)
  if (close !== undefined) return `; did you mean '${close}'?`
  return names.length === 0 ? ' (this task takes no options of its own)' : `; it takes ${names.map((n) => `'${n}'`).join(', ')}`
}

/** The known name at most 2 edits (or a case change) away from `name`, if any. */
function closest (name, names) {
  let best
  let bestDistance = 3
  for (const candidate of names) {
    const distance = candidate.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name, candidate)
    if (distance < bestDistance) { best = candidate; bestDistance = distance }
  }
  return best
}

function editDistance (a, b) {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    const current = [i]
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1))
    }
    previous = current
  }
  return previous[b.length]
}

module.exports = { DEFAULTS, EXEC_OPTIONS, EXEC_MANY_OPTIONS, JS_EXEC_OPTIONS, MAX_SPIN_MICROS, validatePoolOptions, hasJsOptions, checkInteger, rejectUnknown }
