'use strict'

// Output sizes of gzip, deflate and deflateRaw against node:zlib at the default level, on
// repetitive text, repetitive JSON and log lines (each output is first decompressed by node:zlib
// and compared with the input). Then throughput of gzip, deflate, deflateRaw and brotli (default
// levels) of 256 KiB of log lines: corepool (2 threads) against node:zlib's async API, with the
// main thread's event-loop delay during each run; then the latency of fs.readFile while each one
// is saturated with gzip work (libuv starvation).
// Usage: node benchmark/compress.js

const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const { monitorEventLoopDelay, performance } = require('node:perf_hooks')
const { Pool, availableCores } = require('..')
const { repetitiveText, repetitiveJson } = require('../__test__/fixtures/compressible')

const ROUNDS = 3
/** Gzip loops that saturate a pool, and how long (at least) each round of reads lasts. */
const LOAD_LOOPS = 8
const READ_MS = 1000
const INPUT = textLike(256 * 1024)

/** Newline-delimited JSON log lines from a seeded generator. */
function textLike (bytes) {
  const words = ['request', 'served', 'user', 'cache', 'miss', 'hit', 'timeout', 'retry', 'db', 'query', 'ok', 'slow']
  const levels = ['info', 'info', 'info', 'warn', 'debug', 'error']
  let state = 2024
  const next = () => { state = (Math.imul(state, 1103515245) + 12345) >>> 0; return state >>> 8 }
  let out = ''
  let ts = 1_700_000_000_000
  while (out.length < bytes) {
    ts += next() % 1000
    const msg = Array.from({ length: 3 + next() % 6 }, () => words[next() % words.length]).join(' ')
    out += JSON.stringify({ ts, level: levels[next() % levels.length], id: next().toString(16), ms: next() % 5000, msg }) + '\n'
  }
  return Buffer.from(out.slice(0, bytes))
}

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[s.length >> 1] }
const p99 = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * 0.99))] }

function nodeAsync (name) {
  return (input) => new Promise((resolve, reject) => zlib[name](input, (err, out) => (err ? reject(err) : resolve(out))))
}

/** Runs `total` calls of `op`, `inFlight` at a time; returns ops/s and the event-loop delay p99 (ms). */
async function measure (op, total, inFlight) {
  const histogram = monitorEventLoopDelay({ resolution: 1 })
  histogram.enable()
  const start = process.hrtime.bigint()
  let started = 0
  const worker = async () => { while (started < total) { started++; await op(INPUT) } }
  await Promise.all(Array.from({ length: inFlight }, worker))
  const seconds = Number(process.hrtime.bigint() - start) / 1e9
  histogram.disable()
  return { opsPerSecond: total / seconds, loopP99: histogram.percentile(99) / 1e6 }
}

async function main () {
  const pool = new Pool({ threads: 2 })
  const deflates = [['gzip', zlib.gunzipSync], ['deflate', zlib.inflateSync], ['deflateRaw', zlib.inflateRawSync]]
  const cases = [
    ...deflates.map(([name, check]) => ({ name, total: 120, check, impls: { corepool: (input) => pool.exec(name, input), 'node:zlib async': nodeAsync(name) } })),
    { name: 'brotli', total: 6, check: zlib.brotliDecompressSync, impls: { corepool: (input) => pool.exec('brotliCompress', input), 'node:zlib async': nodeAsync('brotliCompress') } }
  ]
  console.log(`node ${process.version}, ${os.cpus()[0].model}, ${availableCores()} usable cores, input ${INPUT.length} bytes, median of ${ROUNDS} rounds`)
  await sizes(pool, deflates)
  const rows = []
  for (const { name, total, check, impls } of cases) {
    const names = Object.keys(impls)
    for (const impl of names) {
      const out = await impls[impl](INPUT)
      if (!check(out).equals(INPUT)) throw new Error(`${impl} ${name} does not round-trip`)
    }
    const results = Object.fromEntries(names.map((impl) => [impl, []]))
    for (let round = 0; round < ROUNDS; round++) {
      const order = names.map((_, i) => names[(i + round) % names.length])
      for (const impl of order) results[impl].push(await measure(impls[impl], total, 4))
    }
    for (const impl of names) {
      const ops = median(results[impl].map((r) => r.opsPerSecond))
      rows.push({ task: name, impl, 'ops/s': ops.toFixed(1), 'MB/s': (ops * INPUT.length / 1e6).toFixed(1), 'event-loop p99 ms': median(results[impl].map((r) => r.loopP99)).toFixed(1) })
    }
  }
  console.table(rows)
  for (const { name } of cases) {
    const [ours, node] = ['corepool', 'node:zlib async'].map((impl) => Number(rows.find((r) => r.task === name && r.impl === impl)['ops/s']))
    console.log(`${name} throughput, corepool / node:zlib: ${(ours / node).toFixed(2)}x`)
  }
  await starvation(pool)
  await pool.close()
}

/** Output bytes at the default level, corepool against node:zlib, after a round-trip check of both. */
async function sizes (pool, deflates) {
  const inputs = { 'repetitive text': repetitiveText(), 'repetitive JSON': repetitiveJson(), 'log lines': INPUT }
  const rows = []
  for (const [task, decompress] of deflates) {
    for (const [name, input] of Object.entries(inputs)) {
      const ours = await pool.exec(task, input)
      const node = await nodeAsync(task)(input)
      for (const [impl, out] of [['corepool', ours], ['node:zlib', node]]) {
        if (!decompress(out).equals(input)) throw new Error(`${impl} ${task} of ${name} does not round-trip`)
      }
      rows.push({ task, input: `${name} (${input.length} B)`, 'corepool bytes': ours.length, 'node:zlib bytes': node.length, 'corepool / node': (ours.length / node.length).toFixed(3) })
    }
  }
  console.log('Output size at the default level (6)')
  console.table(rows)
}

/**
 * fs.readFile of a small file: its p99 latency (ms) idle, then while gzip saturates each pool
 * (8 loops of gzip, measured once each loop has had a result, so that the pool is saturated and
 * warm), over at least READ_MS ms and 1,000 reads per round. The first read after the load starts
 * is reported apart: it shows what a burst of work does before the pool settles.
 */
async function starvation (pool) {
  const file = path.join(os.tmpdir(), `corepool-bench-${process.pid}.txt`)
  fs.writeFileSync(file, INPUT.subarray(0, 1024))
  const readOnce = async () => {
    const start = process.hrtime.bigint()
    await fs.promises.readFile(file)
    return Number(process.hrtime.bigint() - start) / 1e6
  }
  const reads = async () => {
    const latencies = []
    const end = performance.now() + READ_MS
    while (latencies.length < 1000 || performance.now() < end) latencies.push(await readOnce())
    return latencies
  }
  const underLoad = async (op) => {
    let stop = false
    let warm = 0
    let whenWarm
    const warmed = new Promise((resolve) => { whenWarm = resolve })
    const loop = async () => {
      await op(INPUT)
      if (++warm === LOAD_LOOPS) whenWarm()
      while (!stop) await op(INPUT)
    }
    const load = Array.from({ length: LOAD_LOOPS }, loop)
    const first = await readOnce()
    await warmed
    const latencies = await reads()
    stop = true
    await Promise.all(load)
    return { latencies, first }
  }
  const evenPool = new Pool({ threads: 2, niceIncrement: 0 })
  const scenarios = {
    idle: async () => ({ latencies: await reads(), first: NaN }),
    'gzip on corepool (default niceIncrement 19)': () => underLoad((input) => pool.exec('gzip', input)),
    'gzip on corepool, niceIncrement 0': () => underLoad((input) => evenPool.exec('gzip', input)),
    'gzip on node:zlib async': () => underLoad(nodeAsync('gzip'))
  }
  const results = Object.fromEntries(Object.keys(scenarios).map((name) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, run] of Object.entries(scenarios)) {
      const { latencies, first } = await run()
      results[name].push({ p99: p99(latencies), count: latencies.length, first })
    }
  }
  fs.unlinkSync(file)
  await evenPool.close()
  const idle = median(results.idle.map((r) => r.p99))
  console.log(`fs.readFile (1 KiB file) latency, at least ${READ_MS} ms and 1,000 reads per round, once the load is warm`)
  console.table(Object.entries(results).map(([name, rounds]) => {
    const p = median(rounds.map((r) => r.p99))
    return {
      scenario: name,
      reads: median(rounds.map((r) => r.count)),
      'p99 ms': p.toFixed(2),
      'x idle': (p / idle).toFixed(1),
      'first read after the load starts, ms': name === 'idle' ? '' : rounds.map((r) => r.first.toFixed(1)).join(' / ')
    }
  }))
}

main().catch((error) => { console.error(error); process.exitCode = 1 })
