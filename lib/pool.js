'use strict'

const { EventEmitter } = require('node:events')
const binding = require('./native.js')
const { codedError, abortError, invalidArg, taskError, describe } = require('./errors.js')
const { DEFAULTS, EXEC_OPTIONS, EXEC_MANY_OPTIONS, JS_EXEC_OPTIONS, validatePoolOptions, hasJsOptions, rejectUnknown } = require('./options.js')
const { forEachFailure, FailureCursor } = require('./settle.js')
const { validateJsOptions } = require('./js-tasks/options.js')

const { TaskPriority, SubmitMode, Cancelled } = binding
/** Every registered task by name: its index for `submit`, and the exec option names it knows. */
const TASKS = new Map(binding.tasks().map(({ name, options }, index) => [name, {
  index,
  options: new Set([...EXEC_OPTIONS, ...options]),
  manyOptions: new Set([...EXEC_OPTIONS, ...EXEC_MANY_OPTIONS, ...options])
}]))
/** Kernels for corepool's own tests: reachable only with COREPOOL_TEST_TASKS=1 in the environment. */
const isTestTask = (name) => name.startsWith('test.')
const TASK_NAMES = [...TASKS.keys()].filter((name) => !isTestTask(name))
/** Every kernel's name by its native index (test kernels included). */
const KERNEL_NAMES = [...TASKS.keys()]
/** The exec options a user JS task takes (lib/js-tasks/ reads `transfer`). */
const JS_TASK_OPTIONS = new Set([...EXEC_OPTIONS, ...JS_EXEC_OPTIONS])
/** A Map, not an object literal: a name like '__proto__' or 'toString' is not a priority. */
const PRIORITIES = new Map([['high', TaskPriority.High], ['normal', TaskPriority.Normal], ['low', TaskPriority.Low]])
/** The largest `options.timeout`, in ms: setTimeout's bound (2^31 - 1, about 24.8 days). */
const MAX_TIMEOUT = 2 ** 31 - 1

/** `pool[kTimings]()`: the native histograms with their buckets, for lib/metrics.js. */
const kTimings = Symbol('corepool.timings')

/** The pool's promises, by task id, waiting for their settlement from the native side. */
class Pool extends EventEmitter {
  #native
  /** What the per-task native calls (`submitTo`, `pollSettled`) name this pool by. */
  #key
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
  /** The busy clocks at the previous `stats()`, for utilization over the last interval. */
  #lastBusy = null
  /** User JS tasks (lib/js-tasks/): made on the first registration. */
  #js = null
  #jsOptions
  /** The event loop polls (`#stayAwake`) until this `performance.now()`. */
  #awakeUntil = 0
  #awake = false

  constructor (options = {}) {
    super()
    const config = validatePoolOptions(options)
    // Checked now when given; their defaults wait for the first registration (most pools have none).
    this.#jsOptions = hasJsOptions(options) ? validateJsOptions(options, config.threads) : null
    this.#threads = config.threads
    this.#maxQueue = config.maxQueue
    this.#native = new binding.NativePool(config, (ids, values, errors) => this.#settleBatch(ids, values, errors))
    this.#key = this.#native.key
    if (options.tasks !== undefined) this.register(options.tasks)
  }

  /**
   * Registers user JS task modules: `{ name: '/abs/path.js' | 'file:...' | { filename, export } }`.
   * Throws ERR_INVALID_ARG naming a taken name, a relative path or a missing file.
   */
  register (tasks) {
    if (this.#state !== 'open') throw codedError('ERR_POOL_CLOSED', 'the pool is closed')
    // Loaded on the first registration: it brings node:worker_threads and node:v8.
    this.#jsOptions ??= validateJsOptions({}, this.#threads)
    this.#js ??= new (require('./js-tasks/index.js').JsTasks)(this.#native, this.#key, this.#jsOptions)
    this.#js.register(tasks, (name) => TASKS.has(name))
  }

  /** The number of threads this pool runs. */
  get threads () { return this.#threads }

  /** The registered task names. */
  static get tasks () { return TASK_NAMES.slice() }

  /**
   * True while `maxQueue` tasks wait (queued, or loading a `{ path }` input), so a task would be
   * refused with ERR_QUEUE_FULL; a `'drain'` event follows.
   */
  get needsDrain () {
    return this.#native.needsDrain()
  }

  /** Runs `task` on a pool thread; resolves with its result. Never throws synchronously. */
  exec (task, input, options) {
    try {
      return this.#submit(task, input, options, SubmitMode.Single)
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
      let mode = SubmitMode.All
      if (options !== undefined && options !== null && typeof options === 'object' && options.settled !== undefined) {
        if (typeof options.settled !== 'boolean') throw invalidArg(`options.settled must be a boolean, got ${describe(options.settled)}`)
        if (options.settled) mode = SubmitMode.Settled
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
    let known = TASKS.get(task)
    if (known !== undefined && isTestTask(task) && process.env.COREPOOL_TEST_TASKS !== '1') known = undefined
    if (known === undefined) return this.#submitJs(task, input, options, mode)
    const read = options === undefined ? NO_EXEC_OPTIONS : readExecOptions(task, options, mode === SubmitMode.Single ? known.options : known.manyOptions)
    if (read instanceof Error) return Promise.reject(read)
    const id = binding.submitTo(this.#key, known.index, input, options, read.priority, read.timeout, mode)
    return this.#track(id, read.signal, mode, false, undefined)
  }

  /** `#submit` of a user JS task (a function apart: a pool without JS tasks never compiles it). */
  #submitJs (task, input, options, mode) {
    const jsIndex = this.#js?.indexOf(task)
    if (jsIndex === undefined) return Promise.reject(unknownTask(task))
    if (mode !== SubmitMode.Single) return this.#execManyJs(task, input, options, mode)
    const read = options === undefined ? NO_EXEC_OPTIONS : readExecOptions(task, options, JS_TASK_OPTIONS)
    if (read instanceof Error) return Promise.reject(read)
    const { id, error, keep } = this.#js.submit(jsIndex, input, options, read.priority, read.timeout)
    const promise = this.#track(error ?? id, read.signal, mode, true, keep)
    if (error === undefined) {
      this.#stayAwake()
      if (read.timeout > 0) this.#js.watch(id, read.timeout, () => this.#pending.has(id))
    }
    return promise
  }

  /**
   * Waits for submitted task `id` to settle, or rejects with the Error that the native side
   * returned instead of an id. `keep`: what the task uses and must outlive it (JS tasks).
   */
  #track (id, signal, mode, js, keep) {
    if (typeof id !== 'number') {
      if (id.code === 'ERR_QUEUE_FULL') this.#needsDrain = true
      return Promise.reject(id)
    }
    this.#outstanding++
    let entry
    const promise = new Promise((resolve, reject) => {
      // `abortCause`: a JS task's (lib/js-tasks/ settles it outside the kernels' token).
      entry = { resolve, reject, signal, onAbort: null, mode, abortCause: undefined, js, keep }
    })
    this.#pending.set(id, entry)
    if (signal !== null) {
      entry.onAbort = () => this.#abort(id)
      signal.addEventListener('abort', entry.onAbort, { once: true })
    }
    if (this.#maxQueue !== Infinity && !this.#needsDrain && this.needsDrain) this.#needsDrain = true
    return promise
  }

  /**
   * Counts per pool and per task name (once drained, completed + failed + cancelled =
   * submitted), queue wait and run time percentiles, utilization and the queue's high-water mark.
   */
  stats () {
    const { threads, active, queued, total, tasks } = this.#native.stats()
    const timings = this.#native.timings()
    const timingsByTask = new Map(timings.tasks.map(({ index, timings }) => [index, timings]))
    const utilization = timings.enabled ? utilizationOf(timings, this.#lastBusy) : null
    this.#lastBusy = timings
    return {
      threads,
      active,
      idle: Math.max(0, threads - active),
      queued,
      queueHighWater: timings.queueHighWater,
      ...total,
      utilization,
      ...waitAndRun(timings.pool),
      tasks: Object.fromEntries(tasks.map(({ index, counters }) => [this.#taskName(index), { ...counters, ...waitAndRun(timingsByTask.get(index)) }]))
    }
  }

  /** A task's name from its native index: a kernel's, or past them a user JS task's. */
  #taskName (index) {
    return index < KERNEL_NAMES.length ? KERNEL_NAMES[index] : this.#js.names[index - KERNEL_NAMES.length]
  }

  /** Clears the wait and run histograms and the queue's high-water mark; utilization restarts. */
  resetStats () {
    this.#native.resetTimings()
    this.#lastBusy = null
  }

  /** The native histograms with their cumulative buckets (see histogramBounds), for metrics. */
  [kTimings] () {
    return this.#native.timings()
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
    // Running tasks reject as soon as their kernels stop, at their next cancellation check; one
    // whose work had already finished keeps its result.
    this.#native.cancelRunning()
    this.#js?.terminateAll()
    for (const entry of this.#pending.values()) if (entry.js) entry.abortCause ??= this.#closeReason
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
    const finish = () => {
      this.#resolveClosed()
      this.emit('close')
    }
    if (this.#js === null) finish()
    else this.#js.close().then(finish)
  }

  #abort (id) {
    const entry = this.#pending.get(id)
    if (entry === undefined) return
    // Removed from the queue (1): settle here. Running (2): it stops at its next cancellation
    // check and rejects with ABORT_ERR then, so that once it settles the task no longer reads (or
    // sorts) the caller's input. Already finished (0): its result is on its way and stands.
    if (this.#native.cancel(id) === Cancelled.Removed) {
      this.#outstanding--
      this.#rejectEntry(id, abortError(entry.signal.reason))
      this.#afterSettle()
    } else if (entry.js) {
      // A running JS task: its promise rejects once the task has stopped (or its worker was
      // terminated after terminateAfter).
      entry.abortCause ??= entry.signal.reason
      this.#js.watch(id, 0, () => this.#pending.has(id))
    }
  }

  /** Ids the native side removed from the queue without running: reject them here. */
  #rejectIds (ids) {
    for (const id of ids) {
      this.#outstanding--
      this.#rejectEntry(id, abortError(this.#closeReason))
    }
    // With nothing running, these were the last tasks: a closing pool finishes now.
    if (ids.length > 0) this.#maybeFinishClose()
  }

  #rejectEntry (id, error) {
    const entry = this.#pending.get(id)
    if (entry === undefined) return
    this.#pending.delete(id)
    if (entry.onAbort !== null) entry.signal.removeEventListener('abort', entry.onAbort)
    if (entry.js) this.#js.settled(id)
    failEntry(entry, error)
  }

  /**
   * The native wake-up for one batch: `ids` (Float64Array); `values[i]` for ids[i], or no array
   * when every value is undefined; `errors` in the settle format (lib/settle.js), or none.
   */
  #settleBatch (ids, values, errors) {
    this.#outstanding -= ids.length
    if (this.#js?.outstanding > 0) this.#stayAwake()
    // Most batches have no failure: no cursor then.
    const failures = errors === undefined ? null : new FailureCursor(errors)
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i]
      const failed = failures !== null && i === failures.nextIndex
      let code, message
      if (failed) ({ code, message } = failures.take())
      const entry = this.#pending.get(id)
      if (entry === undefined) continue // already rejected by an abort or destroy
      this.#pending.delete(id)
      if (entry.onAbort !== null) entry.signal.removeEventListener('abort', entry.onAbort)
      if (entry.js) {
        this.#settleJs(id, entry, failed, code, message, values === undefined ? undefined : values[i])
      } else if (!failed) {
        const value = values === undefined ? undefined : values[i]
        if (entry.mode === SubmitMode.Single) fulfilEntry(entry, value)
        else settleMany(entry, value[0], value[1])
      } else if (code === 'ABORT_ERR') {
        failEntry(entry, abortError(entry.signal?.aborted ? entry.signal.reason : this.#closeReason))
      } else {
        failEntry(entry, taskError(code, message))
      }
    }
    this.#afterSettle()
  }

  /** Settles JS task `id`'s promise: its result bytes decoded, or its error rebuilt. */
  #settleJs (id, entry, failed, code, message, bytes) {
    this.#js.settled(id)
    if (entry.abortCause !== undefined || code === 'ABORT_ERR') {
      failEntry(entry, abortError(entry.abortCause ?? (entry.signal?.aborted ? entry.signal.reason : this.#closeReason)))
    } else if (failed) {
      failEntry(entry, code === 'ERR_TASK_TIMEOUT' ? taskError(code, message) : this.#js.error(code, message))
    } else {
      let value
      try {
        value = this.#js.decodeResult(bytes)
      } catch (error) {
        failEntry(entry, codedError('ERR_TASK_RESULT', `the task's result could not be read: ${error.message}`))
        return
      }
      fulfilEntry(entry, value)
    }
  }

  /** execMany for a JS task: one engine task per input, settled together. */
  #execManyJs (task, inputs, options, mode) {
    // One transfer list cannot move to every input's task: the first would detach it for the rest.
    if (options?.transfer !== undefined) {
      return Promise.reject(invalidArg('options.transfer moves buffers to one task: use exec for each input that moves buffers'))
    }
    const { settled, ...each } = options ?? {}
    const promises = inputs.map((input) => this.exec(task, input, each))
    return mode === SubmitMode.All ? Promise.all(promises) : Promise.allSettled(promises)
  }

  /**
   * Keeps the event loop polling instead of sleeping for `jsSpinMicros` after a JS task is
   * submitted or settles, while fewer tasks are outstanding than the pool has threads: a thread
   * asleep in epoll takes 30-50 µs to wake on a virtual machine, longer than a short JS task's
   * round trip (a short kernel's result is usually there before the loop would sleep). With as
   * many tasks as threads, the pool needs the cores, and the loop sleeps.
   */
  #stayAwake () {
    const { jsSpinMicros } = this.#jsOptions
    if (this.#outstanding >= this.#threads || jsSpinMicros === 0) return
    this.#awakeUntil = performance.now() + jsSpinMicros / 1000
    if (!this.#awake) {
      this.#awake = true
      setImmediate(this.#poll)
    }
  }

  /**
   * One turn of the polling loop: settles what has finished. While it goes on, finished tasks
   * do not wake the loop (a pool thread's wake-up of a polling loop costs both threads a lock
   * handover, 5-10 µs); its last turn turns the wake-up back on.
   */
  #poll = () => {
    const more = this.#js.outstanding > 0 && this.#outstanding < this.#threads && performance.now() < this.#awakeUntil
    if (more) setImmediate(this.#poll)
    else this.#awake = false
    binding.pollSettled(this.#key, more)
    this.#afterSettle() // a held wake-up may have been the engine's call for 'drain'
  }

  #afterSettle () {
    if (this.#needsDrain && !this.needsDrain) {
      this.#needsDrain = false
      this.emit('drain')
    }
    this.#maybeFinishClose()
  }
}

/** What an exec without options runs with. */
const NO_EXEC_OPTIONS = Object.freeze({ priority: TaskPriority.Normal, timeout: 0, signal: null })

/**
 * An exec's options as `{ priority, timeout, signal }`, or the Error that rejects the call. Apart
 * from #submit so that V8 compiles it only for an exec with options: V8 compiles a function at
 * its first call, a cost that `new Pool` to its first result pays for every line on the way.
 */
function readExecOptions (task, options, known) {
  if (options === null || typeof options !== 'object') {
    return invalidArg(`options must be an object, got ${describe(options)}`)
  }
  rejectUnknown(options, known, 'options', `an option of '${task}'`)
  let priority = TaskPriority.Normal
  let timeout = 0
  let signal = null
  if (options.priority !== undefined) {
    priority = typeof options.priority === 'string' ? PRIORITIES.get(options.priority) : undefined
    if (priority === undefined) {
      return invalidArg(`options.priority must be 'high', 'normal' or 'low', got ${describe(options.priority)}`)
    }
  }
  if (options.timeout !== undefined) {
    timeout = options.timeout
    if (typeof timeout !== 'number' || !(timeout > 0) || !(timeout <= MAX_TIMEOUT)) {
      return invalidArg(`options.timeout must be a positive number of milliseconds up to ${MAX_TIMEOUT}, got ${describe(timeout)}`, RangeError)
    }
  }
  if (options.signal !== undefined && options.signal !== null) {
    signal = options.signal
    if (!isAbortSignal(signal)) {
      return invalidArg(`options.signal must be an AbortSignal, got ${describe(signal)}`)
    }
    if (signal.aborted) return abortError(signal.reason)
  }
  return { priority, timeout, signal }
}

/**
 * Settles `entry`'s promise, and lets go of its resolve and reject: an entry in flight often
 * lives long enough for V8 to allocate its kind in old space, and an old entry still holding
 * them would keep the result reachable from old space, so that every scavenge copied it until
 * the next full GC (about 4 MB per scavenge in the 10 KB object benchmark, against 0.13 MB).
 */
function fulfilEntry (entry, value) {
  const resolve = entry.resolve
  entry.resolve = entry.reject = null
  resolve(value)
}

function failEntry (entry, error) {
  const reject = entry.reject
  entry.resolve = entry.reject = null
  reject(error)
}

/** Settles an execMany promise from its `values` and its failures in the settle format. */
function settleMany (entry, values, errors) {
  // The native side leaves undefined results and failures as holes: one pass here costs less
  // than a napi_set_element each.
  if (entry.mode === SubmitMode.All) {
    const failures = new FailureCursor(errors)
    if (failures.nextIndex !== -1) {
      const { code, message } = failures.take()
      return failEntry(entry, taskError(code, message))
    }
    for (let i = 0; i < values.length; i++) if (!(i in values)) values[i] = undefined
    return fulfilEntry(entry, values)
  }
  const results = Array.from(values, (value) => ({ status: 'fulfilled', value })) // a hole reads as undefined
  forEachFailure(errors, (index, code, message) => {
    results[index] = { status: 'rejected', reason: taskError(code, message) }
  })
  fulfilEntry(entry, results)
}

/** `waitTime` and `runTime` in ms, from a native WaitAndRun (or zeros for a task that never ran). */
function waitAndRun (timings) {
  return { waitTime: summary(timings?.wait), runTime: summary(timings?.run) }
}

function summary (histogram) {
  if (histogram === undefined || histogram.count === 0) {
    return { count: 0, mean: 0, min: 0, max: 0, p50: 0, p90: 0, p99: 0, p999: 0 }
  }
  const { count, mean, min, max, p50, p90, p99, p999 } = histogram
  return { count, mean, min, max, p50, p90, p99, p999 }
}

/**
 * Busy time ÷ (threads × elapsed), since the pool started (or `resetStats()`), and over the
 * interval since the previous `stats()` call, in total and per thread.
 */
function utilizationOf (now, before) {
  const threads = now.busyMs.length
  const sum = (values) => values.reduce((a, b) => a + b, 0)
  const ratio = (busy, elapsed) => elapsed > 0 ? Math.min(1, Math.max(0, busy / elapsed)) : 0
  const fresh = before === null || before.elapsedMs > now.elapsedMs // reset since
  const span = fresh ? now.elapsedMs : now.elapsedMs - before.elapsedMs
  const busy = now.busyMs.map((ms, i) => fresh ? ms : ms - before.busyMs[i])
  return {
    sinceStart: ratio(sum(now.busyMs), threads * now.elapsedMs),
    lastInterval: ratio(sum(busy), threads * span),
    intervalMs: span,
    perThread: busy.map((ms) => ratio(ms, span))
  }
}

function isAbortSignal (value) {
  return value instanceof AbortSignal ||
    (typeof value === 'object' && typeof value.aborted === 'boolean' && typeof value.addEventListener === 'function')
}

function unknownTask (task) {
  return codedError('ERR_UNKNOWN_TASK', `task must be one of ${TASK_NAMES.map((n) => `'${n}'`).join(', ')}, got ${describe(task)}`)
}

module.exports = { Pool, DEFAULTS, kTimings }
