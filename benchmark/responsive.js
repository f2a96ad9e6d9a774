'use strict'
// How responsive the process stays while its pool is saturated, under each scheduling candidate.
// Each candidate runs in fresh child processes (rounds rotated), with threads = usable cores and
// a mix of fib, sha256 and gzip kept 4 deep per thread. Per candidate:
// - the event loop's delay p99 (monitorEventLoopDelay, 1 ms resolution) and the pool's throughput;
// - `fs.readFile` p99 of a 64 KiB file, as a multiple of its p99 with the pool idle.
// Run: node benchmark/responsive.js [seconds per phase, default 3] [rounds, default 3] [candidates]
// where candidates is a comma-separated list of name prefixes (default: all).

const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const { execFileSync } = require('node:child_process')
const { monitorEventLoopDelay } = require('node:perf_hooks')
const { Pool, availableCores } = require('..')
const { header, median, percentile, table, fmt } = require('./common.js')

const isChild = process.argv[2] === '--child'
const SECONDS = Number((isChild ? process.argv[4] : process.argv[2]) ?? 3)
const ROUNDS = Number(process.argv[3] ?? 3)

const hashInput = crypto.randomBytes(1 << 20)
const gzipInput = Buffer.from('corepool keeps the event loop free. '.repeat(8000))
const work = [
  { task: 'fib', input: 27, check: (r) => r === 196418 },
  { task: 'sha256', input: hashInput, check: (r) => r === crypto.createHash('sha256').update(hashInput).digest('hex') },
  { task: 'gzip', input: gzipInput, check: (r) => zlib.gunzipSync(r).equals(gzipInput) }
]

/** Each candidate: the pool options that make it. */
const candidates = {
  // Every candidate names its nice increment: `{}` would be today's default (19).
  'nice 0, SCHED_OTHER (the default before)': { niceIncrement: 0 },
  'nice 5': { niceIncrement: 5 },
  'nice 10': { niceIncrement: 10 },
  'nice 19 (the default)': { niceIncrement: 19 },
  SCHED_BATCH: { schedulingPolicy: 'batch', niceIncrement: 0 },
  'SCHED_BATCH + nice 10': { schedulingPolicy: 'batch', niceIncrement: 10 },
  SCHED_IDLE: { schedulingPolicy: 'idle', niceIncrement: 0 },
  'threads = cores - 1': { threads: Math.max(1, availableCores() - 1), niceIncrement: 0 }
}

/** Keeps the pool saturated until `until()` is true; returns tasks completed per second. */
async function saturate (pool, threads, until) {
  const start = process.hrtime.bigint()
  let done = 0
  await new Promise((resolve, reject) => {
    let outstanding = 0
    let next = 0
    const submit = () => {
      if (until()) { if (outstanding === 0) resolve(); return }
      const { task, input } = work[next++ % work.length]
      outstanding++
      pool.exec(task, input).then(() => { outstanding--; done++; submit() }, reject)
    }
    for (let i = 0; i < threads * 4; i++) submit()
  })
  return done / (Number(process.hrtime.bigint() - start) / 1e9)
}

async function readFileP99 (file, until) {
  const times = []
  while (!until()) {
    const start = process.hrtime.bigint()
    await fs.promises.readFile(file)
    times.push(Number(process.hrtime.bigint() - start) / 1e6)
  }
  return percentile(times.sort((a, b) => a - b), 0.99)
}

const deadline = (ms) => { const end = Date.now() + ms; return () => Date.now() >= end }

async function child (name) {
  const pool = new Pool({ threads: availableCores(), ...candidates[name] })
  const threads = pool.threads
  for (const { task, input, check } of work) if (!check(await pool.exec(task, input))) throw new Error(`wrong ${task} result`)
  const file = path.join(os.tmpdir(), `corepool-responsive-${process.pid}`)
  fs.writeFileSync(file, crypto.randomBytes(64 * 1024))
  const ms = SECONDS * 1000

  const idleRead = await readFileP99(file, deadline(ms / 2))
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  const opsPerSec = await saturate(pool, threads, deadline(ms))
  delay.disable()
  let stop = false
  const [busyRead] = await Promise.all([
    readFileP99(file, deadline(ms)).finally(() => { stop = true }),
    saturate(pool, threads, () => stop)
  ])
  fs.rmSync(file)
  await pool.close()
  process.stdout.write(JSON.stringify({ delayP99: delay.percentile(99) / 1e6, opsPerSec, readRatio: busyRead / idleRead }))
}

function main () {
  header(`Responsiveness while the pool is saturated (${SECONDS} s per phase, ${ROUNDS} fresh processes per candidate, load ${os.loadavg()[0].toFixed(2)})`)
  const wanted = process.argv[4]?.split(',')
  const names = Object.keys(candidates).filter((name, i) => i === 0 || !wanted || wanted.some((prefix) => name.startsWith(prefix)))
  const results = Object.fromEntries(names.map((name) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]
      results[name].push(JSON.parse(execFileSync(process.execPath, [__filename, '--child', name, String(SECONDS)], { encoding: 'utf8' })))
    }
  }
  const baseline = median(results[names[0]].map((r) => r.opsPerSec))
  table(names.map((name) => {
    const rounds = results[name]
    const ops = median(rounds.map((r) => r.opsPerSec))
    return {
      candidate: name,
      'event-loop p99 (ms)': fmt(median(rounds.map((r) => r.delayP99)), 2),
      'each process': rounds.map((r) => fmt(r.delayP99, 1)).join(' '),
      'readFile p99 / idle': `${fmt(median(rounds.map((r) => r.readRatio)), 1)}x`,
      'tasks/s': fmt(ops),
      'vs nice 0': `${fmt((ops / baseline - 1) * 100, 1)}%`
    }
  }))
  console.log('\nTargets with default options: event-loop p99 <= 2 ms, readFile p99 <= 2x idle, throughput within 5% of nice 0 (the default before).')
}

if (isChild) child(process.argv[3]).catch((error) => { console.error(error); process.exit(1) })
else main()
