'use strict'

const { EventEmitter } = require('node:events')
const binding = require('./native.js')
const { codedError, abortError, invalidArg, taskError, describe } = require('./errors.js')

const TASK_NAMES = binding.taskNames()
const TASK_INDEX = new Map(TASK_NAMES.map((name, index) => [name, index]))
const PRIORITIES = { high: 0, normal: 1, low: 2 }
/** How `submit` treats its input: one task, or an execMany batch (all-or-nothing, or settled). */
const SINGLE = 0
const MANY_ALL = 1
const MANY_SETTLED = 2
const MAX_THREADS = 1024
const MAX_SPIN_MICROS = 10_000

/** Defaults for `new Pool(options)`; README.md documents each. */
const DEFAULTS = Object.freeze({
  threads: binding.availableCores(),
  spinMicros: 20,
  maxQueue: Infinity,
  niceIncrement: 0
})

/** The pool's promises, by task id, waiting for their settlement from the native side. */
class Pool extends EventEmitter {
  #native
  #threads
  #maxQueue
  /** id -> { resolve, reject, signal, onAbort }: one entry per unsettled promise. */
  #pending = new Map()
  /** Tasks the native side still holds (a promise may already be settled by an abort). */
  #outstanding = 0
  #state = 'open' // 'open' -> 'closing' -> 'closed'
  #closeReason = null
  #closed = null
  #resolveClosed = null
  #needsDrain = false

  constructor (options = {}) {
    super()
    const { threads, spinMicros, maxQueue, niceIncrement } = validatePoolOptions(options)
    this.#threads = threads
    this.#maxQueue = maxQueue
    this.#native = new binding.NativePool(threads, spinMicros, maxQueue, niceIncrement, (ids, values, errors) => this.#settleBatch(ids, values, errors))
  }

  /** The number of threads this pool runs. */
  get threads () { return this.#threads }

  /** The registered task names. */
  static get tasks () { return TASK_NAMES.slice() }

  /** True while the queue holds `maxQueue` tasks or more; a `'drain'` event follows. */
  get needsDrain () {
    return this.#native.queued() >= this.#maxQueue
  }

  /** Runs `task` on a pool thread; resolves with its result. Never throws synchronously. */
  exec (task, input, options) {
    try {
      return this.#submit(task, input, options, SINGLE)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /**
   * Runs `task` once per element of `inputs`, submitted in one crossing into native code and
   * spread over the pool's threads; resolves with the results in order (rejecting with the first
   * failure), or with `{ status, value | reason }` per input when `options.settled` is true.
   * One `signal` cancels the whole batch. Never throws synchronously.
   */
  execMany (task, inputs, options) {
    try {
      if (!Array.isArray(inputs)) throw invalidArg(`inputs must be an array, got ${describe(inputs)}`)
      let mode = MANY_ALL
      if (options !== undefined && options !== null && typeof options === 'object' && options.settled !== undefined) {
        if (typeof options.settled !== 'boolean') throw invalidArg(`options.settled must be a boolean, got ${describe(options.settled)}`)
        if (options.settled) mode = MANY_SETTLED
      }
      return this.#submit(task, inputs, options, mode)
    } catch (error) {
      return Promise.reject(error)
    }
  }

  #submit (task, input, options, mode) {
    if (this.#state !== 'open') {
      return Promise.reject(codedError('ERR_POOL_CLOSED', 'the pool is closed'))
    }
    const index = TASK_INDEX.get(task)
    if (index === undefined) return Promise.reject(unknownTask(task))
    let priority = 1
    let timeout = 0
    let signal = null
    if (options !== undefined) {
      if (options === null || typeof options !== 'object') {
        return Promise.reject(invalidArg(`options must be an object, got ${describe(options)}`))
      }
      if (options.priority !== undefined) {
        priority = PRIORITIES[options.priority]
        if (typeof options.priority !== 'string' || priority === undefined) {
          return Promise.reject(invalidArg(`options.priority must be 'high', 'normal' or 'low', got ${describe(options.priority)}`))
        }
      }
      if (options.timeout !== undefined) {
        timeout = options.timeout
        if (typeof timeout !== 'number' || !(timeout > 0) || !Number.isFinite(timeout)) {
          return Promise.reject(invalidArg(`options.timeout must be a positive, finite number of milliseconds, got ${describe(timeout)}`, RangeError))
        }
      }
      if (options.signal !== undefined && options.signal !== null) {
        signal = options.signal
        if (!isAbortSignal(signal)) {
          return Promise.reject(invalidArg(`options.signal must be an AbortSignal, got ${describe(signal)}`))
        }
        if (signal.aborted) return Promise.reject(abortError(signal.reason))
      }
    }
    const id = this.#native.submit(index, input, options, priority, timeout, mode)
    if (typeof id !== 'number') {
      if (id.code === 'ERR_QUEUE_FULL') this.#needsDrain = true
      return Promise.reject(id)
    }
    this.#outstanding++
    let entry
    const promise = new Promise((resolve, reject) => {
      entry = { resolve, reject, signal, onAbort: null, mode, abortCause: undefined }
    })
    this.#pending.set(id, entry)
    if (signal !== null) {
      entry.onAbort = () => this.#abort(id)
      signal.addEventListener('abort', entry.onAbort, { once: true })
    }
    if (this.#maxQueue !== Infinity && !this.#needsDrain && this.needsDrain) this.#needsDrain = true
    return promise
  }

  /** Counts per pool and per task name; once drained, completed + failed + cancelled = submitted. */
  stats () {
    const flat = this.#native.stats()
    const counters = (at) => ({ submitted: flat[at], completed: flat[at + 1], failed: flat[at + 2], cancelled: flat[at + 3] })
    const tasks = {}
    TASK_NAMES.forEach((name, index) => {
      const at = 7 + index * 4
      if (flat[at] > 0) tasks[name] = counters(at)
    })
    return { threads: flat[0], active: flat[1], queued: flat[2], ...counters(3), tasks }
  }

  /**
   * Stops taking tasks, lets queued and running ones finish, then stops the threads.
   * With `{ force: true }`, queued tasks reject with an AbortError instead; running ones finish.
   */
  close (options) {
    try {
      let force = false
      if (options !== undefined) {
        if (options === null || typeof options !== 'object') throw invalidArg(`options must be an object, got ${describe(options)}`)
        if (options.force !== undefined && typeof options.force !== 'boolean') {
          throw invalidArg(`options.force must be a boolean, got ${describe(options.force)}`)
        }
        force = options.force === true
      }
      this.#beginClose()
      if (force) {
        this.#closeReason = codedError('ERR_POOL_CLOSED', 'the pool was closed with { force: true } before the task ran')
        this.#rejectIds(this.#native.cancelQueued())
      }
      return this.#closed
    } catch (error) {
      return Promise.reject(error)
    }
  }

  /** Rejects every queued and running task with an AbortError now, and stops the threads. */
  destroy () {
    this.#beginClose()
    this.#closeReason = codedError('ERR_POOL_DESTROYED', 'the pool was destroyed before the task finished')
    this.#rejectIds(this.#native.cancelQueued())
    this.#native.cancelRunning()
    // Running tasks reject as soon as their kernels stop, at their next cancellation check.
    for (const entry of this.#pending.values()) entry.abortCause ??= this.#closeReason
    return this.#closed
  }

  [Symbol.asyncDispose] () {
    return this.close()
  }

  #beginClose () {
    if (this.#state !== 'open') return
    this.#state = 'closing'
    this.#native.stopAccepting()
    this.#closed = new Promise((resolve) => { this.#resolveClosed = resolve })
    this.#maybeFinishClose()
  }

  #maybeFinishClose () {
    if (this.#state !== 'closing' || this.#outstanding !== 0) return
    this.#state = 'closed'
    this.#rejectIds(this.#native.shutdown())
    this.#resolveClosed()
    this.emit('close')
  }

  #abort (id) {
    const entry = this.#pending.get(id)
    if (entry === undefined) return
    if (this.#native.cancel(id) === 1) {
      this.#outstanding--
      this.#rejectEntry(id, abortError(entry.signal.reason))
      this.#afterSettle()
    } else {
      // Running: it stops at its next cancellation check. The promise rejects when it has, so
      // that once it settles the task no longer reads (or sorts) the caller's input.
      entry.abortCause ??= entry.signal.reason
    }
  }

  /** Ids the native side removed from the queue without running: reject them here. */
  #rejectIds (ids) {
    for (const id of ids) {
      this.#outstanding--
      this.#rejectEntry(id, abortError(this.#closeReason))
    }
  }

  #rejectEntry (id, error) {
    const entry = this.#pending.get(id)
    if (entry === undefined) return
    this.#pending.delete(id)
    if (entry.onAbort !== null) entry.signal.removeEventListener('abort', entry.onAbort)
    entry.reject(error)
  }

  /**
   * The native wake-up for one batch: `ids` (Float64Array); `values[i]` for ids[i], or no array
   * when every value is undefined; `errors` as flat `[index, code, message, ...]`, or none.
   */
  #settleBatch (ids, values, errors) {
    this.#outstanding -= ids.length
    let nextError = errors === undefined ? -1 : errors[0]
    let errorAt = 0
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      const failed = i === nextError
      let code, message
      if (failed) {
        code = errors[errorAt + 1]
        message = errors[errorAt + 2]
        errorAt += 3
        nextError = errorAt < errors.length ? errors[errorAt] : -1
      }
      const entry = this.#pending.get(id)
      if (entry === undefined) continue // already rejected by an abort or destroy
      this.#pending.delete(id)
      if (entry.onAbort !== null) entry.signal.removeEventListener('abort', entry.onAbort)
      if (entry.abortCause !== undefined) {
        entry.reject(abortError(entry.abortCause))
      } else if (!failed) {
        const value = values === undefined ? undefined : values[i]
        if (entry.mode === SINGLE) entry.resolve(value)
        else settleMany(entry, value[0], value[1])
      } else if (code === 'ABORT_ERR') {
        entry.reject(abortError(entry.signal?.aborted ? entry.signal.reason : this.#closeReason))
      } else {
        entry.reject(taskError(code, message))
      }
    }
    this.#afterSettle()
  }

  #afterSettle () {
    if (this.#needsDrain && !this.needsDrain) {
      this.#needsDrain = false
      this.emit('drain')
    }
    this.#maybeFinishClose()
  }
}

/** Settles an execMany promise from its `values` and flat `[index, code, message, ...]` errors. */
function settleMany (entry, values, errors) {
  if (entry.mode === MANY_ALL) {
    if (errors === undefined) entry.resolve(values)
    else entry.reject(taskError(errors[1], errors[2]))
    return
  }
  const results = values.map((value) => ({ status: 'fulfilled', value }))
  for (let i = 0; errors !== undefined && i < errors.length; i += 3) {
    results[errors[i]] = { status: 'rejected', reason: taskError(errors[i + 1], errors[i + 2]) }
  }
  entry.resolve(results)
}

function validatePoolOptions (options) {
  if (options === null || typeof options !== 'object') {
    throw invalidArg(`options must be an object, got ${describe(options)}`)
  }
  const threads = options.threads ?? DEFAULTS.threads
  if (!Number.isInteger(threads)) throw invalidArg(`options.threads must be an integer, got ${describe(threads)}`)
  if (threads < 1 || threads > MAX_THREADS) throw invalidArg(`options.threads must be from 1 to ${MAX_THREADS}, got ${threads}`, RangeError)
  const spinMicros = options.spinMicros ?? DEFAULTS.spinMicros
  if (!Number.isInteger(spinMicros)) throw invalidArg(`options.spinMicros must be an integer, got ${describe(spinMicros)}`)
  if (spinMicros < 0 || spinMicros > MAX_SPIN_MICROS) throw invalidArg(`options.spinMicros must be from 0 to ${MAX_SPIN_MICROS}, got ${spinMicros}`, RangeError)
  const maxQueue = options.maxQueue ?? DEFAULTS.maxQueue
  if (typeof maxQueue !== 'number' || Number.isNaN(maxQueue)) throw invalidArg(`options.maxQueue must be a number, got ${describe(maxQueue)}`)
  if (maxQueue !== Infinity && (!Number.isInteger(maxQueue) || maxQueue < 0)) {
    throw invalidArg(`options.maxQueue must be a non-negative integer or Infinity, got ${maxQueue}`, RangeError)
  }
  const niceIncrement = options.niceIncrement ?? DEFAULTS.niceIncrement
  if (!Number.isInteger(niceIncrement)) throw invalidArg(`options.niceIncrement must be an integer, got ${describe(niceIncrement)}`)
  if (niceIncrement < 0 || niceIncrement > 19) throw invalidArg(`options.niceIncrement must be from 0 to 19, got ${niceIncrement}`, RangeError)
  return { threads, spinMicros, maxQueue, niceIncrement }
}

function isAbortSignal (value) {
  return value instanceof AbortSignal ||
    (typeof value === 'object' && typeof value.aborted === 'boolean' && typeof value.addEventListener === 'function')
}

function unknownTask (task) {
  return codedError('ERR_UNKNOWN_TASK', `task must be one of ${TASK_NAMES.map((n) => `'${n}'`).join(', ')}, got ${describe(task)}`)
}

module.exports = { Pool, DEFAULTS, TASK_NAMES }
