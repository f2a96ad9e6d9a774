'use strict'
// What the pool's own histograms cost, and what they show beside piscina's on the same load.
// 1. No-op throughput (512 in flight) and serial round trip with recordTimings on and off, in one
//    process, rounds rotated, medians: the recording must cost at most 5%. The cost is the median
//    over many short pairs of back-to-back rounds (one on, one off, order alternating) of the
//    pair's ratio, so that a machine whose load drifts compares each round with its neighbour.
// 2. fib(25) at 64 in flight on 2 threads: p50/p99 queue wait and run time from corepool's
//    histograms (stats().waitTime / runTime) and from piscina's (piscina.histogram).
// Run: node benchmark/timings.js

const path = require('node:path')
const { Piscina } = require('piscina')
const { Pool } = require('..')
const { header, median, percentile, table, fmt, rotate } = require('./common.js')

const THREADS = 2
const ROUNDS = 7
const PAIRS = 41
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
  const pairCosts = []
  for (let pair = 0; pair < PAIRS; pair++) {
    const order = pair % 2 === 0 ? [on, off] : [off, on]
    const [first, second] = [await throughput(() => order[0].exec('noop'), 50_000, 512), await throughput(() => order[1].exec('noop'), 50_000, 512)]
    const [withTimings, without] = order[0] === on ? [first, second] : [second, first]
    pairCosts.push(1 - withTimings / without)
  }
  const cost = median(pairCosts)
  const sorted = [...pairCosts].sort((a, b) => a - b)
  console.log(`\nrecording costs ${fmt(cost * 100, 1)}% of no-op throughput (median of ${PAIRS} back-to-back pairs of 50k tasks; quartiles ${fmt(percentile(sorted, 0.25) * 100, 1)}% and ${fmt(percentile(sorted, 0.75) * 100, 1)}%; target <= 5%)\n`)
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
