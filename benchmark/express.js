'use strict'

// Express CPU routes under autocannon load on 127.0.0.1, five ways (see express-server.js):
// req/s and p99 of the loaded route, and p99 of /ping measured by a sequential pinger during
// the same load. Every server's answers are checked before it is timed.
//
// Runs every server `--rounds` times, rotating their order each round, and reports medians.
// Then, latency at equal load: /fib offered at steady fixed rates (benchmark/open-loop.js) to every
// server, with /ping p50/p99/p999 at each rate, so that no server's event loop does more HTTP
// work than another's. A server is saturated at a rate when it answers under 95% of it.
//
//   node benchmark/express.js [--duration 5] [--rounds 2] [--connections 32] [--only main,corepool]
//                             [--rates 500,1000,2000] [--rate-only main,piscina,cluster-nopool,corepool]

const { spawn } = require('node:child_process')
const crypto = require('node:crypto')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { availableCores } = require('..')
const { median } = require('./common.js')

const args = process.argv.slice(2)
const arg = (name, fallback) => { const i = args.indexOf(`--${name}`); return i === -1 ? fallback : args[i + 1] }
const DURATION = Number(arg('duration', 5))
const ROUNDS = Number(arg('rounds', 2))
const CONNECTIONS = Number(arg('connections', 32))
const MODES = arg('only', 'main,piscina,cluster-nopool,corepool,corepool-nice0').split(',')
const RATES = arg('rates', '500,1000,2000').split(',').filter(Boolean).map(Number)
const RATE_MODES = arg('rate-only', 'main,piscina,cluster-nopool,corepool').split(',')
const ROUTES = ['/hash', '/fib']
const EXPECTED = {
  '/hash': crypto.createHash('sha256').update(Buffer.alloc(64 * 1024, 'corepool ')).digest('hex'),
  '/fib': '75025',
  '/ping': 'pong'
}

function freePort () {
  return new Promise((resolve) => {
    const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)) })
  })
}

async function startServer (mode) {
  const port = await freePort()
  const child = spawn(process.execPath, [path.join(__dirname, 'express-server.js')], {
    env: { ...process.env, MODE: mode, PORT: String(port) }, stdio: ['ignore', 'pipe', 'inherit'], detached: true
  })
  let split = null
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${mode} did not start`)), 20000)
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      if (line.startsWith('split ')) split = line.slice(6)
      if (line === `listening ${port}`) { clearTimeout(timer); resolve() }
    })
  })
  return { port, split, stop: () => { try { process.kill(-child.pid, 'SIGKILL') } catch {} } }
}

function get (port, route) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: route, agent: false }, (res) => {
      let body = ''
      res.on('data', (c) => { body += c })
      res.on('end', () => resolve(body))
    }).on('error', reject)
  })
}

const percentile = (sorted, p) => sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.ceil(p / 100 * sorted.length) - 1)]

const AUTOCANNON = require.resolve('autocannon/autocannon.js')

/** autocannon in its own process (its JSON result), so this process's event loop is free for the pinger. */
function autocannon ({ url, connections, duration }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AUTOCANNON, '-j', '-c', String(connections), '-d', String(duration), url], { stdio: ['ignore', 'pipe', 'ignore'] })
    let out = ''
    child.stdout.on('data', (c) => { out += c })
    child.on('error', reject)
    child.on('exit', (code) => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited ${code}`)))
  })
}

/** Runs `load()` with a sequential keep-alive pinger of /ping every `gapMs`; returns both. */
async function withPinger (port, gapMs, load) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  let pinging = true
  const pings = []
  const pinger = (async () => {
    while (pinging) {
      const t0 = process.hrtime.bigint()
      await new Promise((resolve, reject) => http.get({ host: '127.0.0.1', port, path: '/ping', agent }, (res) => { res.resume(); res.on('end', resolve) }).on('error', reject))
      pings.push(Number(process.hrtime.bigint() - t0) / 1e6)
      await new Promise((resolve) => setTimeout(resolve, gapMs))
    }
  })()
  const result = await load()
  pinging = false
  await pinger
  agent.destroy()
  return { result, pings: pings.sort((a, b) => a - b) }
}

async function measure (port, route) {
  // Warm-up, then the timed run with a sequential pinger alongside.
  await autocannon({ url: `http://127.0.0.1:${port}${route}`, connections: CONNECTIONS, duration: 1 })
  const { result, pings } = await withPinger(port, 5, () => autocannon({ url: `http://127.0.0.1:${port}${route}`, connections: CONNECTIONS, duration: DURATION }))
  return {
    reqPerSec: result.requests.average,
    p99: result.latency.p99,
    errors: result.errors + result.non2xx + result.timeouts,
    pingP99: percentile(pings, 99),
    pings: pings.length
  }
}

const OPEN_LOOP = path.join(__dirname, 'open-loop.js')

/** benchmark/open-loop.js in its own process: GET `url` at a steady `rate` for `seconds`. */
function openLoop (url, rate, seconds) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [OPEN_LOOP, url, String(rate), String(seconds)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (c) => { out += c })
    child.on('error', reject)
    child.on('exit', (code) => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`open-loop exited ${code}`)))
  })
}

/** /fib offered at a steady `rate` req/s; /ping latency percentiles during it. */
async function measureAtRate (port, rate) {
  const url = `http://127.0.0.1:${port}/fib`
  await openLoop(url, rate, 1)
  const { result, pings } = await withPinger(port, 2, () => openLoop(url, rate, DURATION))
  const answered = result.answered / DURATION
  return {
    answered,
    saturated: answered < rate * 0.95 || result.dropped + result.errors > 0,
    p50: percentile(pings, 50),
    p99: percentile(pings, 99),
    p999: percentile(pings, 99.9),
    pings: pings.length
  }
}

/** Starts each server of `modes` once per round (order rotated), checks its answers, runs `measure`. */
async function eachServer (modes, measure) {
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of modes.map((_, i) => modes[(i + round) % modes.length])) {
      const server = await startServer(mode)
      try {
        for (const route of [...ROUTES, '/ping']) {
          const body = await get(server.port, route)
          if (body !== EXPECTED[route]) throw new Error(`${mode} ${route} answered ${body.slice(0, 80)}`)
        }
        await measure(mode, server, round)
      } finally {
        server.stop()
      }
    }
  }
}

/** Every server at every rate, rounds rotated; prints /ping percentiles and where each saturates. */
async function equalLoad () {
  const runs = new Map() // `${mode} ${rate}` -> [result, ...]
  await eachServer(RATE_MODES, async (mode, server, round) => {
    for (const rate of RATES) {
      const r = await measureAtRate(server.port, rate)
      const key = `${mode} ${rate}`
      if (!runs.has(key)) runs.set(key, [])
      runs.get(key).push(r)
      console.error(`  round ${round + 1}: ${mode} /fib at ${rate}/s: answered ${r.answered.toFixed(0)}/s, /ping p99 ${r.p99.toFixed(2)} ms`)
    }
  })
  console.log(`\nLatency at equal load: /fib offered at fixed rates, /ping every 2 ms during it (ms, medians of ${ROUNDS} round(s))\n`)
  console.log('| server | /fib offered (req/s) | answered (req/s) | /ping p50 | /ping p99 | /ping p999 | saturated |')
  console.log('|---|---:|---:|---:|---:|---:|---|')
  for (const mode of RATE_MODES) {
    for (const rate of RATES) {
      const results = runs.get(`${mode} ${rate}`)
      const saturated = results.filter((r) => r.saturated).length
      console.log(`| ${mode} | ${rate} | ${median(results.map((r) => r.answered)).toFixed(0)} | ${median(results.map((r) => r.p50)).toFixed(2)} | ${median(results.map((r) => r.p99)).toFixed(2)} | ${median(results.map((r) => r.p999)).toFixed(2)} | ${saturated === 0 ? 'no' : `${saturated} of ${results.length} rounds`} |`)
    }
  }
  console.log('\nTarget: at every rate both serve, corepool\'s /ping p99 <= piscina\'s, and <= 5 ms below saturation.')
}

async function main () {
  const cpu = os.cpus()[0]?.model ?? 'unknown'
  console.log(`Node ${process.version}, ${cpu}, availableCores() = ${availableCores()}, ${os.cpus().length} logical CPUs`)
  console.log(`autocannon: ${CONNECTIONS} connections, ${DURATION} s per run (after a 1 s warm-up), on 127.0.0.1; autocannon in its own process; /ping: a sequential keep-alive pinger (this process) every 5 ms during the same load\n`)
  const runs = new Map() // `${mode} ${route}` -> [result, ...]
  await eachServer(MODES, async (mode, server, round) => {
    for (const route of ROUTES) {
      const r = await measure(server.port, route)
      const key = `${mode} ${route}`
      if (!runs.has(key)) runs.set(key, { mode: server.split === null ? mode : `${mode} (${server.split})`, route, results: [] })
      runs.get(key).results.push(r)
      console.error(`  round ${round + 1}: ${mode} ${route}: ${r.reqPerSec.toFixed(0)} req/s`)
    }
  })
  const rows = []
  for (const mode of MODES) {
    for (const route of ROUTES) {
      const { mode: label, results } = runs.get(`${mode} ${route}`)
      rows.push({
        mode: label,
        route,
        reqPerSec: median(results.map((r) => r.reqPerSec)),
        p99: median(results.map((r) => r.p99)),
        pingP99: median(results.map((r) => r.pingP99)),
        pings: results.reduce((n, r) => n + r.pings, 0),
        errors: results.reduce((n, r) => n + r.errors, 0)
      })
    }
  }
  console.log(`medians of ${ROUNDS} round(s), order rotated each round\n`)
  console.log('| server | route | req/s | p99 (ms) | /ping p99 under load (ms) | errors |')
  console.log('|---|---|---:|---:|---:|---:|')
  for (const r of rows) {
    console.log(`| ${r.mode} | ${r.route} | ${r.reqPerSec.toFixed(0)} | ${r.p99} | ${r.pingP99.toFixed(2)} (${r.pings} pings) | ${r.errors} |`)
  }
  const by = (mode, route) => rows.find((r) => r.mode.startsWith(mode) && r.route === route)
  for (const route of ROUTES) {
    const c = by('corepool', route)
    const p = by('piscina', route)
    if (c && p) console.log(`${route}: corepool cluster / Express+piscina = ${(c.reqPerSec / p.reqPerSec).toFixed(2)}x req/s (target >= 1.5x)`)
  }
  if (RATES.length > 0) await equalLoad()
}

main().catch((error) => { console.error(error); process.exitCode = 1 })
