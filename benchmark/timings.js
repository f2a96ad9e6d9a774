'use strict'
// What the pool's own histograms cost, and what they show beside piscina's on the same load.
// 1. No-op throughput (512 in flight) and serial round trip with recordTimings on and off, in one
//    process, rounds rotated, medians: the recording must cost at most 5%.
// 2. fib(25) at 64 in flight on 2 threads: p50/p99 queue wait and run time from corepool's
//    histograms (stats().waitTime / runTime) and from piscina's (piscina.histogram).
// Run: node benchmark/timings.js

const path = require('node:path')
const { Piscina } = require('piscina')
const { Pool } = require('..')
const { header, median, percentile, table, fmt, rotate } = require('./common.js')

const THREADS = 2
const ROUNDS = 7
const WORKER = path.join(__dirname, 'workers', 'piscina-task.js')

async function throughput (run, count, inFlight) {
  const start = process.hrtime.bigint()
  await new Promise((resolve, reject) => {
    let sent = 0
    let done = 0
    const next = () => {
      if (sent === count) return
      sent++
      run().then(() => { if (++done === count) resolve(); else next() }, reject)
    }
    for (let i = 0; i < inFlight; i++) next()
  })
  return count / (Number(process.hrtime.bigint() - start) / 1e9)
}

async function roundTripP50 (run, count = 5000) {
  const times = []
  for (let i = 0; i < count; i++) {
    const start = process.hrtime.bigint()
    await run()
    times.push(Number(process.hrtime.bigint() - start) / 1000)
  }
  return percentile(times.sort((a, b) => a - b), 0.5)
}

async function main () {
  header('The cost of recording timings, and the histograms beside piscina\'s')
  const on = new Pool({ threads: THREADS })
  const off = new Pool({ threads: THREADS, recordTimings: false })
  if (await on.exec('fib', 20) !== 6765 || await off.exec('fib', 20) !== 6765) throw new Error('wrong fib(20)')
  const pools = { 'recordTimings: true (default)': on, 'recordTimings: false': off }
  const ops = await rotate(pools, ROUNDS, (pool) => throughput(() => pool.exec('noop'), 100_000, 512))
  const trips = await rotate(pools, ROUNDS, (pool) => roundTripP50(() => pool.exec('noop')))
  const rows = Object.keys(pools).map((name) => ({
    pool: name,
    'no-op tasks/s (median)': fmt(median(ops[name])),
    'each round': ops[name].map((n) => fmt(n / 1000) + 'k').join(' '),
    'round trip p50 (µs)': fmt(median(trips[name]), 1)
  }))
  table(rows)
  const cost = 1 - median(ops['recordTimings: true (default)']) / median(ops['recordTimings: false'])
  console.log(`\nrecording costs ${fmt(cost * 100, 1)}% of no-op throughput (target <= 5%)\n`)
  await Promise.all([on.close(), off.close()])

  const pool = new Pool({ threads: THREADS })
  const piscina = new Piscina({ filename: WORKER, minThreads: THREADS, maxThreads: THREADS, idleTimeout: 60_000 })
  if (await pool.exec('fib', 25) !== 75025 || await piscina.run({ task: 'fib', input: 25 }) !== 75025) throw new Error('wrong fib(25)')
  pool.resetStats()
  const count = 1000
  await throughput(() => pool.exec('fib', 25), count, 64)
  await throughput(() => piscina.run({ task: 'fib', input: 25 }), count, 64)
  const s = pool.stats()
  const p = piscina.histogram
  console.log(`fib(25), ${count} tasks at 64 in flight, ${THREADS} threads, each pool's own histograms (ms):`)
  table([
    { pool: 'corepool', 'wait p50': fmt(s.waitTime.p50, 3), 'wait p99': fmt(s.waitTime.p99, 3), 'run p50': fmt(s.runTime.p50, 3), 'run p99': fmt(s.runTime.p99, 3) },
    { pool: 'piscina', 'wait p50': fmt(p.waitTime.p50, 3), 'wait p99': fmt(p.waitTime.p99, 3), 'run p50': fmt(p.runTime.p50, 3), 'run p99': fmt(p.runTime.p99, 3) }
  ])
  await Promise.all([pool.close(), piscina.destroy()])
}

main().catch((error) => { console.error(error); process.exit(1) })
