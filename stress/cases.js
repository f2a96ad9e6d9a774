'use strict'

// The stress run uses corepool's test kernels ('test.panic', ...): opt in before loading it.
process.env.COREPOOL_TEST_TASKS = '1'

// The hostile run's cases. Each runs in a fresh child process (see run.js) and prints one JSON
// line: { runs, crash, hang, lost, duplicate, wrongCode, notes }.

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { spawn, execFileSync } = require('node:child_process')
const { Worker } = require('node:worker_threads')
const util = require('node:util')
const { Pool } = require('..')
const { poolThreadCount } = require('../__test__/helpers/threads.js')

const SCALE = Number(process.env.COREPOOL_STRESS_SCALE ?? 1)
const scaled = (n, min = 1) => Math.max(min, Math.round(n * SCALE))
const MiB = 1024 * 1024
const rssMiB = () => Math.round(process.memoryUsage().rss / MiB)
const result = () => ({ runs: 0, crash: 0, hang: 0, lost: 0, duplicate: 0, wrongCode: 0, notes: '' })

/** Wraps a task promise: counts settlements per id; the expected codes decide `wrongCode`. */
function settleCounter (r) {
  const settled = new Map()
  return {
    watch (id, promise, expect) {
      settled.set(id, 0)
      return promise.then(
        (value) => { settled.set(id, settled.get(id) + 1); if (!expect.includes('ok')) r.wrongCode++; return 'ok' },
        (error) => {
          settled.set(id, settled.get(id) + 1)
          const code = error?.code
          if (!expect.includes(code)) { r.wrongCode++; if (r.wrongCode < 4) r.notes += ` unexpected ${code} (${error?.message});` }
          return code
        })
    },
    finish () {
      for (const count of settled.values()) {
        if (count === 0) r.lost++
        if (count > 1) r.duplicate++
      }
    }
  }
}

function balanced (stats) {
  return stats.submitted === stats.completed + stats.failed + stats.cancelled && stats.active === 0 && stats.queued === 0
}

const CASES = {
  /** 10^6 mixed tasks: results, panics, aborts (queued and running), timeouts, execMany. */
  async 'settle-once' () {
    const r = result()
    const total = scaled(1e6, 1000)
    const pool = new Pool({ threads: 2, maxQueue: 20000 })
    const counter = settleCounter(r)
    const tally = { ok: 0, ABORT_ERR: 0, ERR_TASK_TIMEOUT: 0, ERR_TASK_PANICKED: 0, ERR_INVALID_ARG: 0 }
    const small = Buffer.alloc(256, 1)
    let inFlight = []
    for (let i = 0; i < total; i++) {
      const kind = i % 10
      let promise
      let expect
      if (kind <= 3) { promise = pool.exec('noop', i); expect = ['ok'] } else if (kind === 4) { promise = pool.exec('fib', 15); expect = ['ok'] } else if (kind === 5) { promise = pool.exec('sha256', small); expect = ['ok'] } else if (kind === 6) {
        const controller = new AbortController()
        promise = pool.exec('fib', 25, { signal: controller.signal }); expect = ['ok', 'ABORT_ERR']
        if (i % 20 === 6) controller.abort(); else queueMicrotask(() => controller.abort())
      } else if (kind === 7) { promise = pool.exec('fib', 28, { timeout: 1 }); expect = ['ok', 'ERR_TASK_TIMEOUT'] } else if (kind === 8) { promise = pool.exec('test.panic', 'boom'); expect = ['ERR_TASK_PANICKED'] } else { promise = pool.execMany('fib', [1, 2, 3]); expect = ['ok'] }
      inFlight.push(counter.watch(i, promise, expect).then((code) => { tally[code] = (tally[code] ?? 0) + 1 }))
      r.runs++
      if (inFlight.length >= 10000) { await Promise.all(inFlight); inFlight = [] }
    }
    await Promise.all(inFlight)
    await pool.close()
    counter.finish()
    const s = pool.stats()
    const statsMatch = s.completed === tally.ok && s.cancelled === tally.ABORT_ERR && s.failed === tally.ERR_TASK_TIMEOUT + tally.ERR_TASK_PANICKED && s.submitted === r.runs
    if (!balanced(s) || !statsMatch) { r.lost++; r.notes += ` stats unbalanced ${JSON.stringify(s)} vs ${JSON.stringify(tally)}` }
    r.notes += ` ok ${tally.ok}, aborted ${tally.ABORT_ERR}, timed out ${tally.ERR_TASK_TIMEOUT}, panicked ${tally.ERR_TASK_PANICKED}; stats balanced`
    return r
  },

  /** 10^4 panics: each rejects one promise; nothing on stderr (run.js checks); the pool still serves. */
  async panics () {
    const r = result()
    const pool = new Pool({ threads: 2 })
    const counter = settleCounter(r)
    const all = []
    for (let i = 0; i < scaled(1e4, 100); i++) { all.push(counter.watch(i, pool.exec('test.panic', `panic ${i}`), ['ERR_TASK_PANICKED'])); r.runs++ }
    await Promise.all(all)
    if (await pool.exec('fib', 20) !== 6765) { r.wrongCode++; r.notes += ' pool stopped serving' }
    await pool.close()
    counter.finish()
    r.notes += ` stats.failed ${pool.stats().failed}`
    return r
  },

  /** exit, throw and SIGTERM with work in flight, and an idle pool: each child must end as asked. */
  async exits () {
    const r = result()
    const runs = scaled(200, 4)
    const kinds = { exit: { code: 0 }, throw: { code: 1 }, sigterm: { signal: 'SIGTERM' }, idle: { code: 0 } }
    const seen = {}
    const one = (kind) => new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(__dirname, 'exit-child.js'), kind], { stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      child.stderr.on('data', (d) => { stderr += d })
      child.stdout.once('data', () => { if (kind === 'sigterm') child.kill('SIGTERM') })
      const timer = setTimeout(() => { r.hang++; child.kill('SIGKILL') }, 20000)
      child.on('exit', (code, signal) => {
        clearTimeout(timer)
        const want = kinds[kind]
        const fine = want.signal ? signal === want.signal : code === want.code && signal === null
        if (!fine) {
          if (signal === 'SIGSEGV' || signal === 'SIGABRT' || signal === 'SIGBUS' || code === 134 || code === 139) r.crash++
          else if (signal !== 'SIGKILL') r.wrongCode++
          if (r.notes.length < 300) r.notes += ` ${kind}: code ${code} signal ${signal} ${stderr.slice(0, 120)};`
        }
        seen[kind] = (seen[kind] ?? 0) + 1
        resolve()
      })
    })
    for (let i = 0; i < runs; i++) {
      await Promise.all(Object.keys(kinds).map(one))
      r.runs += 4
    }
    r.notes += ` ${runs} each of ${Object.keys(kinds).join(', ')}`
    return r
  },

  /** Rounds of 20 worker_threads that each make a pool and are terminated mid-task. */
  'worker-threads': () => workerRounds('corepool'),
  /** The same rounds with no corepool in the workers: the control for the RSS series. */
  'worker-threads-control': () => workerRounds('control'),
  /** A soak of mixed load, sampling RSS every second. */
  async soak () {
    const r = result()
    const seconds = scaled(60, 3)
    const pool = new Pool({ threads: 2, maxQueue: 5000 })
    const samples = [rssMiB()]
    // V8 may grow its heap (young generation) under this allocation rate while little of it is
    // used: RSS minus the heap is what corepool and the allocator hold.
    const heapMiB = () => Math.round(process.memoryUsage().heapTotal / MiB)
    const heap = [heapMiB()]
    const deadline = Date.now() + seconds * 1000
    let nextSample = Date.now() + 1000
    const buffer = Buffer.alloc(64 * 1024, 3)
    let i = 0
    while (Date.now() < deadline) {
      // A counter per batch: one for the whole soak would hold an entry per task, and its growth
      // would be the RSS this case measures.
      const counter = settleCounter(r)
      const batch = []
      for (let k = 0; k < 500; k++, i++) {
        const kind = i % 4
        const promise = kind === 0 ? pool.exec('sha256', buffer) : kind === 1 ? pool.exec('gzip', buffer, { level: 1 }) : kind === 2 ? pool.exec('fib', 18) : pool.exec('sort', new Float64Array(256).map(Math.random))
        batch.push(counter.watch(i, promise, ['ok']))
        r.runs++
      }
      await Promise.all(batch)
      counter.finish()
      if (Date.now() >= nextSample) { samples.push(rssMiB()); heap.push(heapMiB()); nextSample += 1000 }
    }
    await pool.close()
    const outsideHeap = samples.map((rss, i) => rss - heap[i])
    r.notes += ` RSS MiB per s: first ${samples[0]}, max ${Math.max(...samples)}, last ${samples.at(-1)} [${samples.join(' ')}];` +
      ` V8 heapTotal MiB first ${heap[0]}, last ${heap.at(-1)}; RSS minus heapTotal first ${outsideHeap[0]}, max ${Math.max(...outsideHeap)}, last ${outsideHeap.at(-1)}`
    return r
  },

  /** Pool churn: make a pool, run 100 tasks, close it, for a while; count live pool threads. */
  async churn () {
    const r = result()
    const seconds = scaled(60, 3)
    const counter = settleCounter(r)
    let peak = 0
    let pools = 0
    const deadline = Date.now() + seconds * 1000
    while (Date.now() < deadline) {
      const pool = new Pool({ threads: 2 })
      const all = []
      for (let k = 0; k < 100; k++) all.push(counter.watch(`${pools}-${k}`, pool.exec('fib', k % 15), ['ok']))
      await Promise.all(all)
      await pool.close()
      pools++
      r.runs++
      if (pools % 100 === 0) peak = Math.max(peak, poolThreadCount())
    }
    counter.finish()
    const end = poolThreadCount()
    if (end !== 0) { r.lost++; r.notes += ' pool threads outlived close();' }
    r.notes += ` ${pools} pools; pool threads alive: peak ${peak} (sampled), at the end ${end}`
    return r
  },

  /** Every task and execMany with wrong and odd arguments: each call must settle once with a code. */
  async fuzz () {
    const r = result()
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-fuzz-'))
    const fifo = path.join(dir, 'fifo')
    execFileSync('mkfifo', [fifo])
    const fifoInput = { path: fifo }
    const pool = new Pool({ threads: 2 })
    const counter = settleCounter(r)
    const detached = new Uint8Array(16); structuredClone(detached.buffer, { transfer: [detached.buffer] })
    const resizable = new Float64Array(new ArrayBuffer(64, { maxByteLength: 128 })).fill(1)
    let flip = 0
    const inputs = [
      undefined, null, 0, -1, 1.5, NaN, Infinity, 2 ** 60, 1n, '', 'text', '\0', true, Symbol('s'), () => 1, [], [1, 2],
      {}, { password: 'x' }, { password: 'x', hash: 'not a hash' }, Buffer.alloc(0), Buffer.from('abc'), new Float64Array([3, 1, 2]),
      new Int32Array(new SharedArrayBuffer(8)), new BigInt64Array(2), new DataView(new ArrayBuffer(4)), detached, resizable,
      new Proxy({}, { get () { throw trap('trap') } }), { get path () { throw trap('getter') } },
      { get path () { return flip++ % 2 ? '/dev/null' : 42 } }, { path: '/dev/zero' }, { path: dir }, { path: '/proc/self/status' },
      { path: path.join(dir, 'missing') }, { path: 'a\0b' }, fifoInput
    ]
    // Every object option bounds the work (a timeout, small inputs read from files), so that
    // the fuzz stays short: it looks for crashes and uncoded errors, not for results.
    const bounded = { timeout: 100, maxInputLength: 64 * 1024 }
    const password = /argon2|bcrypt|scrypt/
    // Password hashes cannot stop midway: give them their cheapest costs.
    const cheapCosts = { memoryCost: 1024, timeCost: 1, cost: 4, N: 16 }
    const options = [() => undefined, () => null, () => 5, () => ({ ...bounded }), () => ({ timeout: 5, maxInputLength: MiB }),
      () => ({ ...bounded, signal: AbortSignal.timeout(20) }), () => ({ ...bounded, priority: '__proto__' }),
      () => ({ ...bounded, encoding: 'base64', key: 'k', salt: 'salt', cost: 4, level: 1, maxOutputLength: MiB, N: 16, keylen: 16, memoryCost: 1024, timeCost: 1 }),
      () => new Proxy({}, { get () { throw trap('options trap') } }), () => ({ timeout: 1, maxInputLength: 1024 })]
    // Options that leave the work unbounded run only on inputs that are cheap or invalid anyway.
    const unbounded = new Set([0, 1, 2, 8])
    const cheap = (input) => typeof input !== 'object' || input === null || Array.isArray(input) || ArrayBuffer.isView(input)
    const skip = new Set(['test.waitFlag'])
    const isCoded = (error) => typeof error?.code === 'string' && error instanceof Error
    const all = []
    let n = 0
    for (const task of Pool.tasks.filter((name) => !skip.has(name))) {
      const started = Date.now()
      for (const input of inputs) {
        for (const [index, option] of options.entries()) {
          if (unbounded.has(index) && (password.test(task) || !cheap(input))) continue
          // A FIFO with no writer waits forever unless something stops it: always give it a timeout.
          let opts = input === fifoInput ? { timeout: 20, signal: AbortSignal.timeout(50) } : option()
          if (password.test(task) && opts !== null && typeof opts === 'object' && !util.types.isProxy(opts)) opts = { ...cheapCosts, ...opts }
          for (const call of [() => pool.exec(task, input, opts), () => pool.execMany(task, [input, input], opts)]) {
            let promise
            try { promise = call() } catch (error) { r.wrongCode++; r.notes += ` ${task} threw synchronously;`; continue }
            const id = n++
            all.push(counter.watch(id, promise.catch((error) => {
              if (!isCoded(error)) { r.wrongCode++; if (r.notes.length < 400) r.notes += ` ${task}: uncoded ${error};` }
              throw error
            }), ['ok', ...CODES]))
            r.runs++
          }
        }
      }
      await Promise.all(all.splice(0))
      if (Date.now() - started > 10000) r.notes += ` ${task} took ${Date.now() - started} ms;`
    }
    await Promise.all(all)
    await pool.close()
    counter.finish()
    fs.rmSync(dir, { recursive: true, force: true })
    if (!balanced(pool.stats())) { r.lost++; r.notes += ' stats unbalanced' }
    r.notes += ` ${Pool.tasks.length - skip.size} tasks x ${inputs.length} inputs x ${options.length} options x exec/execMany`
    return r
  },

  /** close(), destroy() and submits racing, round after round. */
  async 'close-destroy-race' () {
    const r = result()
    const counter = settleCounter(r)
    for (let round = 0; round < scaled(200, 5); round++) {
      const pool = new Pool({ threads: 2 })
      const all = []
      const submit = (k) => all.push(counter.watch(`${round}-${k}`, pool.exec('fib', 22 + (k % 4)), ['ok', 'ABORT_ERR', 'ERR_POOL_CLOSED']))
      for (let k = 0; k < 20; k++) submit(k)
      const order = round % 4
      const closing = [order === 0 ? pool.close() : pool.destroy()]
      submit(100)
      closing.push(order === 2 ? pool.close({ force: true }) : pool.close())
      queueMicrotask(() => { closing.push(pool.destroy()); submit(101) })
      await new Promise(setImmediate)
      const settled = await Promise.race([Promise.all(closing).then(() => true), new Promise((resolve) => setTimeout(resolve, 10000, false))])
      if (!settled) r.hang++
      await Promise.all(all)
      if (!balanced(pool.stats())) { r.lost++; r.notes += ` round ${round}: stats unbalanced;` }
      r.runs++
    }
    counter.finish()
    return r
  }
}

async function workerRounds (mode) {
  const r = result()
  const rounds = scaled(100, 2)
  const rss = [rssMiB()]
  for (let round = 0; round < rounds; round++) {
    const workers = Array.from({ length: 20 }, (_, index) => new Worker(path.join(__dirname, 'worker-child.js'), { workerData: { index, mode } }))
    const started = workers.map((worker) => new Promise((resolve) => {
      worker.once('message', resolve)
      worker.once('error', (error) => { r.wrongCode++; r.notes += ` worker error ${error.message};`; resolve() })
    }))
    await Promise.all(started)
    await Promise.all(workers.map((worker) => worker.terminate()))
    r.runs += 20
    if ((round + 1) % Math.max(1, Math.floor(rounds / 10)) === 0) rss.push(rssMiB())
  }
  r.notes += ` ${rounds} rounds x 20 workers (${mode}); RSS MiB [${rss.join(' ')}]`
  return r
}

/** An error the fuzz's own getters and traps throw: it must reach the caller unchanged. */
const trap = (message) => Object.assign(new Error(message), { code: 'FUZZ_TRAP' })

const CODES = ['FUZZ_TRAP', 'ERR_INVALID_ARG', 'ERR_UNKNOWN_TASK', 'ABORT_ERR', 'ERR_TASK_TIMEOUT', 'ERR_TASK_PANICKED', 'ERR_OUTPUT_TOO_LARGE',
  'ERR_CORRUPT_DATA', 'ERR_TRUNCATED_DATA', 'ERR_INPUT_TOO_LARGE', 'ENOENT', 'EISDIR', 'EINVAL', 'EACCES', 'ENXIO']

module.exports = { CASES }

if (require.main === module) {
  const name = process.argv[2]
  CASES[name]().then((r) => {
    process.stdout.write(JSON.stringify(r) + '\n')
    // Leave no chance for a stray handle to keep the process alive after the report.
    process.exit(0)
  })
}
