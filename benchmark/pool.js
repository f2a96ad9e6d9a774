'use strict'
// corepool's native pool side by side with piscina and the main thread on the same work.
// Every implementation's output is checked before it is timed; rounds rotate the order and
// the table shows medians. Run: node benchmark/pool.js

const crypto = require('node:crypto')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const { Piscina } = require('piscina')
const { Pool } = require('..')
const { header, median, percentile, table, fmt, rotate } = require('./common.js')

const ROUNDS = 5
/** Fresh processes per implementation for the no-op rows. */
const PROCESSES = 5
const THREADS = 2
const WORKER = path.join(__dirname, 'workers', 'piscina-task.js')
const payload = crypto.randomBytes(64 * 1024)
const fibJs = (n) => (n < 2 ? n : fibJs(n - 1) + fibJs(n - 2))

const workloads = {
  noop: { input: undefined, expected: undefined, count: 100_000 },
  'fib(25)': { task: 'fib', input: 25, expected: 75025, count: 400 },
  'sha256 64 KiB': { task: 'sha256', input: payload, expected: crypto.createHash('sha256').update(payload).digest('hex'), count: 3000 }
}
for (const [name, w] of Object.entries(workloads)) w.task ??= name

function implementations () {
  const pool = new Pool({ threads: THREADS })
  const nicePool = new Pool({ threads: THREADS, niceIncrement: 0 })
  const piscina = new Piscina({ filename: WORKER, minThreads: THREADS, maxThreads: THREADS, idleTimeout: 60_000 })
  return {
    impls: {
      corepool: { run: (task, input) => pool.exec(task, input) },
      'corepool, niceIncrement 0 (before 19 was the default)': { run: (task, input) => nicePool.exec(task, input) },
      piscina: { run: (task, input) => piscina.run({ task, input }) },
      'main thread': {
        sync: true,
        run: (task, input) => task === 'fib' ? fibJs(input) : task === 'sha256' ? crypto.createHash('sha256').update(input).digest('hex') : undefined
      }
    },
    close: () => Promise.all([pool.close(), nicePool.close(), piscina.destroy()])
  }
}

/** Completes `count` tasks keeping `inFlight` outstanding; returns ops/s and event-loop delay p99. */
async function throughput (impl, workload, inFlight) {
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const start = process.hrtime.bigint()
  if (impl.sync) {
    for (let i = 0; i < workload.count; i++) impl.run(workload.task, workload.input)
  } else {
    await new Promise((resolve, reject) => {
      let sent = 0
      let done = 0
      const next = () => {
        if (sent === workload.count) return
        sent++
        impl.run(workload.task, workload.input).then(() => {
          if (++done === workload.count) resolve()
          else next()
        }, reject)
      }
      for (let i = 0; i < inFlight; i++) next()
    })
  }
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  await new Promise(setImmediate) // let the histogram see a blocked loop end
  delay.disable()
  return { opsPerSec: workload.count / seconds, delayP99: impl.sync ? seconds * 1000 : delay.percentile(99) / 1e6 }
}

async function roundTrip (impl, count = 5000) {
  const times = []
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint()
    await impl.run('noop')
    times.push(Number(process.hrtime.bigint() - start) / 1000)
  }
  times.sort((a, b) => a - b)
  return { p50: percentile(times, 0.5), p99: percentile(times, 0.99) }
}

/**
 * A fresh child process: time from construction to the first result and RSS per thread, or
 * (mode 'trips') serial round trips after 2000 warm-up ones, then no-op throughput.
 */
function childMeasure (which, threads, mode) {
  return JSON.parse(execFileSync(process.execPath, [__filename, '--child', which, String(threads), mode], { encoding: 'utf8' }))
}

async function child ([which, threadsText, mode]) {
  const threads = Number(threadsText)
  const rssBefore = process.memoryUsage.rss()
  const start = process.hrtime.bigint()
  const impl = which === 'corepool'
    ? new Pool({ threads })
    : new Piscina({ filename: WORKER, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 })
  const run = which === 'corepool' ? (task, input) => impl.exec(task, input) : (task, input) => impl.run({ task, input })
  await run('noop')
  const firstMs = Number(process.hrtime.bigint() - start) / 1e6
  if (mode === 'rss') {
    // Keep every thread busy at once so that each has really started and run a task.
    await Promise.all(Array.from({ length: threads * 4 }, () => run('fib', 22)))
  }
  const rssPerThreadMb = (process.memoryUsage.rss() - rssBefore) / threads / 2 ** 20
  let perProcess = {}
  if (mode === 'trips') {
    const { p50, p99 } = await roundTrip({ run }, 2000).then(() => roundTrip({ run }))
    const { opsPerSec } = await throughput({ run }, workloads.noop, 512)
    perProcess = { p50, p99, noopPerSec: opsPerSec }
  }
  await (which === 'corepool' ? impl.close() : impl.destroy())
  process.stdout.write(JSON.stringify({ firstMs, rssPerThreadMb, ...perProcess }))
}

async function main () {
  header(`corepool vs piscina vs the main thread (${THREADS} threads each)`)
  const { impls, close } = implementations()

  for (const [name, workload] of Object.entries(workloads)) {
    for (const [implName, impl] of Object.entries(impls)) {
      const got = await impl.run(workload.task, workload.input)
      if (got !== workload.expected) throw new Error(`${implName} gave ${got} for ${name}, expected ${workload.expected}`)
    }
  }

  const rows = []
  const ratios = {}
  for (const [name, workload] of Object.entries(workloads)) {
    if (name === 'noop') continue // measured per process, below
    const results = await rotate(impls, ROUNDS, (impl) => throughput(impl, workload, 64))
    for (const [implName, samples] of Object.entries(results)) {
      const ops = median(samples.map((s) => s.opsPerSec))
      ratios[`${name}/${implName}`] = ops
      rows.push({ workload: name, implementation: implName, 'ops/s': fmt(ops), 'event-loop delay p99 (ms)': fmt(median(samples.map((s) => s.delayP99)), 2) })
    }
  }
  console.log('Throughput (median of rounds, 64 in flight):')
  table(rows)

  const noSpin = new Pool({ threads: THREADS, spinMicros: 0 })
  const trips = await rotate({
    'corepool (spinMicros 20, default)': impls.corepool,
    'corepool (spinMicros 0)': { run: (task, input) => noSpin.exec(task, input) },
    piscina: impls.piscina
  }, ROUNDS, (impl) => roundTrip(impl))
  await noSpin.close()
  console.log('\nSerial round trip of a no-op task (µs, median of rounds):')
  table(Object.entries(trips).map(([implementation, s]) => ({
    implementation, p50: fmt(median(s.map((x) => x.p50)), 1), p99: fmt(median(s.map((x) => x.p99)), 1)
  })))
  const pool = new Pool({ threads: THREADS })
  const tiny = new Array(200_000).fill(0)
  const check = await pool.execMany('noop', tiny)
  if (check.length !== tiny.length || check.some((v) => v !== undefined)) throw new Error('execMany gave wrong results')
  const batch = await rotate({
    'execMany(noop, 200k inputs)': () => pool.execMany('noop', tiny),
    'Promise.all(inputs.map(exec))': () => Promise.all(tiny.map((i) => pool.exec('noop', i)))
  }, ROUNDS, async (run) => {
    const start = process.hrtime.bigint()
    await run()
    return tiny.length / (Number(process.hrtime.bigint() - start) / 1e9)
  })
  await pool.close()
  console.log('\nBatch submit of tiny tasks (median of rounds):')
  const batchRows = Object.entries(batch).map(([way, samples]) => ({ way, 'tasks/s': fmt(median(samples)) }))
  table(batchRows)
  ratios.execMany = median(batch['execMany(noop, 200k inputs)'])
  ratios.execAll = median(batch['Promise.all(inputs.map(exec))'])
  await close()

  // A pool's speed can differ between processes of the same build (issue 13 saw one in three
  // run ten times slower), so these rows come from fresh processes, each shown.
  const perProcess = { corepool: [], piscina: [] }
  for (let round = 0; round < PROCESSES; round++) {
    for (const which of round % 2 ? ['piscina', 'corepool'] : ['corepool', 'piscina']) perProcess[which].push(childMeasure(which, THREADS, 'trips'))
  }
  console.log(`\nNo-op tasks in ${PROCESSES} fresh processes each (serial round trips in µs; throughput with 512 in flight):`)
  const each = (which, key, digits) => perProcess[which].map((r) => fmt(r[key], digits)).join(' ')
  table(['corepool', 'piscina'].map((implementation) => ({
    implementation,
    'serial p50, each process': each(implementation, 'p50', 1),
    'serial p99, each process': each(implementation, 'p99', 1),
    'no-op tasks/s, each process': each(implementation, 'noopPerSec', 0),
    'median p50 / p99 / tasks/s': ['p50', 'p99', 'noopPerSec'].map((key) => fmt(median(perProcess[implementation].map((r) => r[key])), key === 'noopPerSec' ? 0 : 1)).join(' / ')
  })))
  const perProcessMedian = (which, key) => median(perProcess[which].map((r) => r[key]))

  const startup = { corepool: [], piscina: [] }
  const rss = { corepool: [], piscina: [] }
  for (let round = 0; round < 3; round++) {
    for (const which of ['corepool', 'piscina']) {
      startup[which].push(childMeasure(which, 8, 'first').firstMs)
      rss[which].push(childMeasure(which, which === 'corepool' ? 64 : 8, 'rss').rssPerThreadMb)
    }
  }
  console.log('\nStart-up and memory (fresh processes, median of 3):')
  table(['corepool', 'piscina'].map((implementation) => ({
    implementation,
    'new pool (8 threads) to first result (ms)': fmt(median(startup[implementation]), 2),
    'RSS per thread (MB)': fmt(median(rss[implementation]), 2)
  })))

  console.log('\nRatios from this run:')
  table([
    { measure: 'no-op throughput, corepool / piscina (medians of the processes)', value: `${fmt(perProcessMedian('corepool', 'noopPerSec') / perProcessMedian('piscina', 'noopPerSec'), 1)}x`, target: '>= 30x' },
    { measure: 'serial round trip p50 / p99, corepool (µs)', value: `${fmt(perProcessMedian('corepool', 'p50'), 1)} / ${fmt(perProcessMedian('corepool', 'p99'), 1)}`, target: '<= 4 / <= 25' },
    { measure: 'new pool (8 threads) to first result, corepool (ms)', value: fmt(median(startup.corepool), 2), target: '<= 1' },
    { measure: 'execMany no-op tasks/s', value: fmt(ratios.execMany), target: '>= 5,000,000' },
    { measure: 'execMany / Promise.all(map(exec)), tiny tasks', value: `${fmt(ratios.execMany / ratios.execAll, 1)}x`, target: '>= 10x' },
    { measure: 'fib(25) throughput, corepool / piscina', value: `${fmt(ratios['fib(25)/corepool'] / ratios['fib(25)/piscina'], 2)}x`, target: '' },
    { measure: 'sha256 64 KiB throughput, corepool / piscina', value: `${fmt(ratios['sha256 64 KiB/corepool'] / ratios['sha256 64 KiB/piscina'], 2)}x`, target: '' },
    { measure: 'sha256 64 KiB throughput, corepool / main thread', value: `${fmt(ratios['sha256 64 KiB/corepool'] / ratios['sha256 64 KiB/main thread'], 2)}x`, target: '' }
  ])
}

if (process.argv[2] === '--child') child(process.argv.slice(3))
else main().catch((error) => { console.error(error); process.exit(1) })
