'use strict'

// One JS worker of a pool. It takes its tasks from the pool's queue (never from a message per
// task): after each task it polls for `jsSpinMicros`, then returns to its event loop, where a
// pool thread wakes it through a threadsafe function when it hands over a task. So the loop runs
// timers and I/O between tasks, and `terminate()` always finds JS or an idle loop, never a
// thread blocked in native code. See crates/corepool-core/src/js_tasks/README.md.

const { parentPort, receiveMessageOnPort } = require('node:worker_threads')
const { pathToFileURL } = require('node:url')
const { performance } = require('node:perf_hooks')
const { encode, decode, decodesToViews, crossesAsItself, describeError } = require('./codec.js')

const abortedGetter = Object.getOwnPropertyDescriptor(AbortSignal.prototype, 'aborted').get

/**
 * Where `takeTask` copies an input that fits, after its length (4 bytes, little-endian): a task
 * then costs no new Buffer. Most inputs of short tasks fit; a larger one comes as its own Buffer.
 */
const inbox = Buffer.alloc(64 * 1024)
/** Registered tasks by index: { filename, exportName, fn, loading }. */
const tasks = []
/** SharedArrayBuffers from the main thread by id, and their ids. */
const shared = new Map()
const sharedIds = new WeakMap()
/** Transfer lists the main thread handed over, by parcel id, until the task's input is read. */
const parcels = new Map()
/** Set to 1 by the main thread after it posts a parcel (an Int32Array over shared memory). */
let wake = null
let messages = null
let port = null
/** The addon, and the key its per-task functions (`takeTask`, `resolveTask`) name `port` by. */
let binding = null
let portKey = 0
let spinMs = 0
let idleTimeout = Infinity
let idleTimer = null
/** The task running now: { controller, signal } (signal made on first use); null when idle. */
let current = null
let busy = false

parentPort.once('message', (boot) => {
  messages = boot.port
  messages.unref()
  wake = boot.wake
  spinMs = boot.spinMicros / 1000
  idleTimeout = boot.idleTimeout
  for (const message of boot.messages) handle(message)
  process.on('exit', (code) => port?.exiting(code))
  // The pool's own addon: corepool's, or one built on corepool-core (lib/with-binding.js).
  binding = require(boot.binding)
  port = new binding.JsWorkerPort(boot.key, boot.index, onWake)
  portKey = port.key
  drain()
})

/** A message from the main thread: a task registered, or a shared buffer made known or dropped. */
function handle (message) {
  if (message.task !== undefined) {
    const [index, filename, exportName] = message.task
    tasks[index] = { filename, exportName, fn: null, loading: null }
  } else if (message.shared !== undefined) {
    const [id, buffer] = message.shared
    shared.set(id, buffer)
    sharedIds.set(buffer, id)
  } else if (message.forget !== undefined) {
    shared.delete(message.forget)
  } else if (message.parcel !== undefined) {
    const [id, buffers] = message.parcel
    parcels.set(id, buffers)
  }
}

function readMessages () {
  for (let received = receiveMessageOnPort(messages); received !== undefined; received = receiveMessageOnPort(messages)) {
    handle(received.message)
  }
}

function bufferOf (id) {
  if (!shared.has(id)) readMessages() // posted before the task was queued, so it is there now
  return shared.get(id)
}

/**
 * The transfer list of the input being read: asked of the main thread, which posts it (moving
 * the buffers) at its loop's next turn. The task cannot start without it, so this waits; a
 * `terminate()` still ends the wait.
 */
function parcelOf (id) {
  messages.postMessage({ want: id })
  for (;;) {
    Atomics.store(wake, 0, 0)
    readMessages()
    const buffers = parcels.get(id)
    if (buffers !== undefined) {
      parcels.delete(id)
      if (buffers === null) throw new Error('the transferred buffers are gone: the task was stopped before it started')
      return buffers
    }
    Atomics.wait(wake, 0, 0)
  }
}

function idOf (buffer) {
  const id = sharedIds.get(buffer)
  if (id === undefined) {
    throw new TypeError('a SharedArrayBuffer created inside a task cannot be returned; pass one in with the input')
  }
  return id
}

/** A pool thread handed over a task while this worker slept, or aborted the running task. */
function onWake () {
  if (idleTimer !== null) {
    clearTimeout(idleTimer)
    idleTimer = null
  }
  if (current !== null && current.signal !== null && port.aborted()) current.controller.abort(stopReason())
  if (!busy) drain()
}

/** Runs tasks while they come; returns when it goes to sleep or a task awaits. */
function drain () {
  for (;;) {
    let job = binding.takeTask(portKey, inbox)
    if (job == null) {
      const until = performance.now() + spinMs
      do job = binding.takeTask(portKey, inbox); while (job == null && performance.now() < until)
      if (job == null) {
        if (!port.sleep()) continue
        readMessages()
        if (idleTimeout !== Infinity) idleTimer = setTimeout(retire, idleTimeout)
        return
      }
    }
    const pending = typeof job === 'number' ? run(job, inboxInput()) : run(job[0], job[1])
    if (pending !== undefined) {
      busy = true
      pending.then(() => {
        busy = false
        drain()
      })
      return
    }
  }
}

/** The input `takeTask` left in the inbox; a copy if decoding could keep views into it, which
 * the next task's input would overwrite. */
function inboxInput () {
  const bytes = inbox.subarray(4, 4 + inbox.readUInt32LE(0))
  return decodesToViews(bytes) ? Buffer.from(bytes) : bytes
}

function retire () {
  idleTimer = null
  if (port.retire()) {
    messages.close() // nothing keeps the loop alive now: the worker exits with code 0
  } else {
    drain()
  }
}

/** Runs one task; returns a promise when it is asynchronous. */
function run (index, input) {
  const task = tasks[index] ?? (readMessages(), tasks[index])
  if (task.fn === null) {
    const kept = Buffer.from(input) // the inbox holds the next task's input by the time this runs
    return load(task).then(() => run(index, kept), (error) => {
      port.reject('ERR_TASK_LOAD', JSON.stringify(loadFailure(task, error)))
    })
  }
  const context = { controller: null, signal: null }
  current = context
  let result
  try {
    result = task.fn(decode(input, bufferOf, parcelOf), new TaskOptions(context))
  } catch (error) {
    fail(context, error)
    return undefined
  }
  if (result !== null && typeof result === 'object' && typeof result.then === 'function') {
    return Promise.resolve(result).then((value) => succeed(context, value), (error) => fail(context, error))
  }
  succeed(context, result)
  return undefined
}

function succeed (context, value) {
  if (current === context) current = null
  if (crossesAsItself(value)) {
    binding.resolveTaskPlain(portKey, value)
    return
  }
  let bytes
  try {
    bytes = encode(value, idOf)
  } catch (error) {
    port.reject('ERR_TASK_RESULT', `the task's result could not be cloned: ${error.message}`)
    return
  }
  binding.resolveTask(portKey, bytes)
}

function fail (context, error) {
  if (current === context) current = null
  port.reject('ERR_JS_THROWN', JSON.stringify(describeError(error)))
}

/** A task's second argument: `{ signal }`, made on first use. A class, since an object literal
 * with a getter costs a slow property definition per task. */
class TaskOptions {
  #context
  constructor (context) {
    this.#context = context
  }

  get signal () {
    return this.#context.signal ?? makeSignal(this.#context)
  }
}

/** An AbortSignal whose `aborted` also reads the native flag, so a synchronous loop sees it. */
function makeSignal (context) {
  const controller = new AbortController()
  const signal = controller.signal
  Object.defineProperty(signal, 'aborted', {
    get () {
      if (abortedGetter.call(signal)) return true
      if (current !== context || !port.aborted()) return false
      controller.abort(stopReason())
      return true
    }
  })
  signal.throwIfAborted = function throwIfAborted () {
    if (signal.aborted) throw signal.reason
  }
  context.controller = controller
  context.signal = signal
  return signal
}

function stopReason () {
  if (port.stopReason() === 'ERR_TASK_TIMEOUT') {
    const error = new Error('The task ran past its timeout')
    error.code = 'ERR_TASK_TIMEOUT'
    return error
  }
  return new DOMException('The operation was aborted', 'AbortError')
}

/** Loads a task's module once: require() for CommonJS, import() for ES modules. */
function load (task) {
  task.loading ??= (async () => {
    let namespace
    try {
      namespace = require(task.filename)
    } catch (error) {
      if (error.code !== 'ERR_REQUIRE_ESM' && error.code !== 'ERR_REQUIRE_ASYNC_MODULE') throw error
      namespace = await import(pathToFileURL(task.filename).href)
    }
    task.fn = pick(namespace, task)
  })()
  return task.loading
}

function pick (namespace, task) {
  let fn
  if (task.exportName !== undefined) {
    fn = namespace?.[task.exportName]
  } else {
    fn = typeof namespace === 'function' ? namespace : namespace?.default
    if (typeof fn !== 'function' && typeof fn?.default === 'function') fn = fn.default // CJS via import()
  }
  if (typeof fn !== 'function') {
    const what = task.exportName === undefined ? 'a default export or module.exports' : `an export named '${task.exportName}'`
    throw new TypeError(`${task.filename} has no function as ${what}`)
  }
  return fn
}

function loadFailure (task, error) {
  task.loading = null // a later task tries again (the file may have been fixed)
  const description = describeError(new Error(`could not load the task module ${task.filename}: ${error?.message ?? error}`))
  description.props.code = 'ERR_TASK_LOAD'
  description.cause = describeError(error)
  return description
}
