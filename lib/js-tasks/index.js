'use strict'

// The main-thread half of user JS tasks for one Pool: registering task modules, encoding inputs,
// starting and replacing workers, and the grace timer that terminates a worker whose cancelled
// task does not stop. The queue, budget and settlement are the engine's (crates/corepool-core/src/js_tasks/).

const path = require('node:path')
const { Worker, MessageChannel, receiveMessageOnPort, isMarkedAsUntransferable } = require('node:worker_threads')
const { encode, decode, crossesAsItself, rebuildError } = require('./codec.js')
const { codedError, invalidArg, describe } = require('../errors.js')
const { readSpec } = require('./options.js')
const { bindingFile } = require('../with-binding.js')
const binding = require('../native.js')

const WORKER_SCRIPT = path.join(__dirname, 'worker.js')
/** The addon file a worker loads its JsWorkerPort from: this realm's (lib/with-binding.js). */
let workerBinding
/** Must match `MAX_TASKS` in crates/corepool-core/src/js_tasks/mod.rs (stats slots reserved per pool). */
const MAX_TASKS = 256

/** One pool's JS tasks and workers. */
class JsTasks {
  #native
  #poolKey
  /** This pool's dispatcher, which its workers attach to. */
  #key
  #options
  /** name -> index, and per index [index, filename, exportName]. */
  #index = new Map()
  #specs = []
  /** worker index -> { worker, port, error } */
  #workers = new Map()
  #nextWorker = 0
  /** Submitted and not yet settled; workers start while fewer than this (up to jsThreads). */
  #outstanding = 0
  #closing = false
  /** Shared buffers: ids by buffer, and (weakly) by id for workers that start later. */
  #sharedIds = new WeakMap()
  #sharedById = new Map()
  #nextShared = 1
  #sharedGone = new FinalizationRegistry((id) => {
    this.#sharedById.delete(id)
    this.#broadcast({ forget: id })
  })

  /** Transfer lists not yet handed to a worker, by parcel id; parcel ids by task id until it settles. */
  #parcels = new Map()
  #parcelOfTask = new Map()
  #nextParcel = 1
  /** A channel to itself that detaches transfer lists: a postMessage through it moves the buffers,
   * where `structuredClone(list, { transfer })` costs about 50 µs more per call on Node 20. */
  #detacher = null

  /** `poolKey`: the pool's `NativePool.key`, which `submitJsTo` takes. */
  constructor (native, poolKey, options) {
    // Found now, so that an addon the workers cannot load fails the registration, not a task
    // that would then wait for a worker forever.
    workerBinding ??= bindingFile(binding)
    this.#native = native
    this.#poolKey = poolKey
    this.#options = options
    this.#key = native.enableJsTasks()
  }

  /** The registered names, in index order (index = position). */
  get names () {
    return [...this.#index.keys()]
  }

  indexOf (name) {
    return this.#index.get(name)
  }

  /** Registers every entry of `map`, or none if any is invalid. `taken(name)` names built-ins. */
  register (map, taken) {
    if (map === null || typeof map !== 'object' || Array.isArray(map)) {
      throw invalidArg(`tasks must be an object mapping names to task modules, got ${describe(map)}`)
    }
    const entries = Object.entries(map)
    if (this.#specs.length + entries.length > MAX_TASKS) {
      throw invalidArg(`a pool can register at most ${MAX_TASKS} JS tasks`, RangeError)
    }
    const read = entries.map(([name, spec]) => {
      if (name === '') throw invalidArg('a task name must not be empty')
      if (taken(name) || this.#index.has(name)) throw invalidArg(`the task name '${name}' is already taken`)
      return [name, readSpec(name, spec)]
    })
    for (const [name, { filename, exportName }] of read) {
      const index = this.#specs.length
      this.#index.set(name, index)
      this.#specs.push([index, filename, exportName])
      this.#broadcast({ task: [index, filename, exportName] })
    }
  }

  /**
   * Encodes `input` and queues task `index`: returns `{ id, keep }` (keep: the shared buffers
   * the task uses, held until it settles) or `{ error }`.
   */
  submit (index, input, options, priority, timeout) {
    const transfer = options?.transfer === undefined ? undefined : readTransfer(options.transfer)
    if (transfer instanceof Error) return { error: transfer }
    const parcel = transfer === undefined ? 0 : this.#nextParcel++
    const keep = []
    let bytes
    try {
      bytes = encode(input, (buffer) => {
        keep.push(buffer)
        return this.#sharedId(buffer)
      }, transfer, parcel)
    } catch (error) {
      return { error: codedError('ERR_INVALID_ARG', `input could not be cloned: ${error.message}`, TypeError) }
    }
    const id = binding.submitJsTo(this.#poolKey, this.#key, index, bytes, priority, timeout)
    if (typeof id !== 'number') return { error: id }
    if (transfer !== undefined) {
      // Detached in the caller now, as by postMessage; moved, not copied, into the parcel, which
      // the worker that starts the task asks for (`#handOver`).
      this.#parcels.set(parcel, this.#detach(transfer))
      this.#parcelOfTask.set(id, parcel)
    }
    this.#outstanding++
    this.#startWorkers()
    return { id, keep }
  }

  /** JS tasks submitted and not yet settled. */
  get outstanding () {
    return this.#outstanding
  }

  /** JS task `id` settled (by any path): a transfer list no worker asked for is dropped. */
  settled (id) {
    this.#outstanding--
    const parcel = this.#parcelOfTask.get(id)
    if (parcel === undefined) return
    this.#parcelOfTask.delete(id)
    this.#parcels.delete(parcel)
  }

  /** A fulfilled task's result: its bytes decoded, or the value itself if it crossed as itself. */
  decodeResult (result) {
    if (crossesAsItself(result)) return result
    return decode(result, (id) => this.#sharedById.get(id)?.deref())
  }

  /** The error a failed JS task rejects with. */
  error (code, message) {
    if (code === 'ERR_JS_THROWN' || code === 'ERR_TASK_LOAD') return rebuildError(JSON.parse(message))
    const error = codedError(code, message, code === 'ERR_INVALID_ARG' ? TypeError : Error)
    if (code === 'ERR_WORKER_EXITED') {
      const exit = /exited with code (-?\d+)/.exec(message)
      if (exit !== null) error.exitCode = Number(exit[1])
    }
    return error
  }

  /**
   * Task `id` was told to stop (abort now, or its timeout when `runLimit` ms of running pass):
   * once it has run that long, its signal's 'abort' event fires in its worker; if it still runs
   * `terminateAfter` ms later, its worker is terminated. `isPending()` says whether its promise
   * is still waiting.
   */
  watch (id, runLimit, isPending) {
    const limit = runLimit + this.#options.terminateAfter
    let signalled = false
    const check = () => {
      if (!isPending()) return
      const running = this.#native.jsRunning(this.#key, id)
      if (running === null || running === undefined) {
        // Still queued (its clock has not started), or being handed to a worker: look again.
        setTimeout(check, Math.max(1, runLimit)).unref()
        return
      }
      const [worker, ran] = running
      if (ran >= runLimit && !signalled) {
        signalled = true
        this.#native.jsSignal(this.#key, id)
      }
      if (ran >= limit) {
        this.#workers.get(worker)?.worker.terminate()
      } else {
        setTimeout(check, Math.max(1, (ran < runLimit ? runLimit : limit) - ran)).unref()
      }
    }
    if (runLimit === 0) check()
    else setTimeout(check, runLimit).unref()
  }

  /** Terminates every worker now (destroy): their tasks settle as stopped. */
  terminateAll () {
    for (const { worker } of this.#workers.values()) worker.terminate()
  }

  /** After the engine shut down: stops the workers; resolves once they have exited. */
  close () {
    this.#closing = true
    this.#native.closeJsTasks(this.#key)
    this.#detacher?.port1.close()
    const exits = [...this.#workers.values()].map(({ worker }) => new Promise((resolve) => {
      worker.ref() // until it has exited: code after `await pool.close()` must run
      worker.once('exit', resolve)
      worker.terminate()
    }))
    return Promise.all(exits).then(() => undefined)
  }

  #sharedId (buffer) {
    let id = this.#sharedIds.get(buffer)
    if (id === undefined) {
      id = this.#nextShared++
      this.#sharedIds.set(buffer, id)
      this.#sharedById.set(id, new WeakRef(buffer))
      this.#sharedGone.register(buffer, id)
      this.#broadcast({ shared: [id, buffer] })
    }
    return id
  }

  /** The buffers of `transfer`, moved: the caller's are detached. */
  #detach (transfer) {
    if (this.#detacher === null) {
      this.#detacher = new MessageChannel()
      this.#detacher.port1.unref()
      this.#detacher.port2.unref()
    }
    this.#detacher.port1.postMessage(transfer, transfer)
    return receiveMessageOnPort(this.#detacher.port2).message
  }

  /**
   * A worker starting a task asks for its transfer list: posted to it with the buffers in the
   * transfer list (a move), then its `wake` flag set. `null` if the task was stopped meanwhile.
   */
  #handOver (record, parcel) {
    const buffers = this.#parcels.get(parcel) ?? null
    this.#parcels.delete(parcel)
    record.port.postMessage({ parcel: [parcel, buffers] }, buffers ?? [])
    Atomics.store(record.wake, 0, 1)
    Atomics.notify(record.wake, 0)
  }

  #broadcast (message) {
    for (const { port } of this.#workers.values()) port.postMessage(message)
  }

  #startWorkers () {
    const { jsThreads } = this.#options
    while (!this.#closing && this.#workers.size < jsThreads && this.#workers.size < this.#outstanding) {
      if (!this.#start()) break
    }
  }

  /** Starts one worker; false if Node refused to (bad execArgv or resourceLimits). */
  #start () {
    const index = this.#nextWorker++
    let worker
    try {
      worker = new Worker(WORKER_SCRIPT, this.#options.worker)
    } catch (error) {
      // One task waiting for a worker fails with this; the next submit tries again.
      this.#native.jsWorkerExited(this.#key, index, 1, error.message)
      return false
    }
    worker.unref() // an idle worker never keeps the process alive; a pending task does
    const { port1, port2 } = new MessageChannel()
    const record = { worker, port: port1, error: null, wake: new Int32Array(new SharedArrayBuffer(4)) }
    port1.on('message', (message) => this.#handOver(record, message.want))
    port1.unref() // after the listener, which refs it
    this.#workers.set(index, record)
    const messages = this.#specs.map((task) => ({ task }))
    for (const [id, ref] of this.#sharedById) {
      const buffer = ref.deref()
      if (buffer !== undefined) messages.push({ shared: [id, buffer] })
    }
    worker.postMessage({
      binding: workerBinding,
      key: this.#key,
      index,
      port: port2,
      wake: record.wake,
      messages,
      spinMicros: this.#options.jsSpinMicros,
      idleTimeout: this.#options.idleTimeout
    }, [port2])
    worker.on('error', (error) => { record.error = error })
    worker.on('exit', (code) => {
      this.#workers.delete(index)
      port1.close()
      const why = record.error?.message ?? `the worker exited with code ${code} before it could take tasks`
      this.#native.jsWorkerExited(this.#key, index, code, why)
      this.#startWorkers()
    })
    return true
  }
}

/**
 * `options.transfer` checked as postMessage would check it, before anything is queued or
 * detached: ArrayBuffers, none twice, none detached, none that postMessage refuses (from Node 21
 * on, one marked untransferable, as the pool behind small Buffers is; Node 20 copies those).
 */
function readTransfer (transfer) {
  if (!Array.isArray(transfer) || !transfer.every((buffer) => buffer instanceof ArrayBuffer)) {
    return invalidArg(`options.transfer must be an array of ArrayBuffers, got ${describe(transfer)}`)
  }
  if (new Set(transfer).size !== transfer.length) return invalidArg('options.transfer lists an ArrayBuffer twice')
  const detached = transfer.findIndex(isDetached)
  if (detached >= 0) return invalidArg(`options.transfer[${detached}] is detached`)
  const refused = isMarkedAsUntransferable === undefined ? -1 : transfer.findIndex(isMarkedAsUntransferable)
  if (refused >= 0) return invalidArg(`options.transfer[${refused}] is marked untransferable (as the pool behind small Buffers is)`)
  return transfer.length === 0 ? undefined : transfer
}

/** Node 20 has no `ArrayBuffer.prototype.detached`; a view over a detached buffer cannot be made. */
function isDetached (buffer) {
  if (buffer.byteLength > 0) return false
  try {
    new Uint8Array(buffer) // eslint-disable-line no-new
    return false
  } catch {
    return true
  }
}

module.exports = { JsTasks }
