'use strict'

// `corepool top [url]`: the cluster's stats endpoint drawn in the terminal every second, one row
// per worker process and a busy bar per pool thread, in 80 columns. `frame()` is pure, so the
// same text serves the live view and `--once`.

const http = require('node:http')

const WIDTH = 80
const BAR = 16

/** GETs `url` as JSON; rejects with a coded error when it cannot. */
function fetchStats (url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'application/json' }, timeout: 5000 }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk) => { body += chunk })
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(Object.assign(new Error(`${url} answered ${res.statusCode}`), { code: 'ERR_STATS_HTTP' }))
        try { resolve(JSON.parse(body)) } catch (error) { reject(Object.assign(new Error(`${url} did not answer JSON: ${error.message}`), { code: 'ERR_STATS_HTTP' })) }
      })
    })
    req.on('timeout', () => req.destroy(Object.assign(new Error(`${url} did not answer within 5 s`), { code: 'ETIMEDOUT' })))
    req.on('error', reject)
  })
}

const ms = (value) => value >= 100 ? `${value.toFixed(0)}ms` : value >= 1 ? `${value.toFixed(1)}ms` : `${(value * 1000).toFixed(0)}us`
const mb = (bytes) => `${Math.round(bytes / 1048576)}MB`
const age = (s) => s >= 3600 ? `${(s / 3600).toFixed(1)}h` : s >= 60 ? `${(s / 60).toFixed(1)}m` : `${s.toFixed(0)}s`

function bar (ratio) {
  const filled = Math.round(Math.max(0, Math.min(1, ratio)) * BAR)
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${String(Math.round(ratio * 100)).padStart(3)}%`
}

function settled (pool) {
  return pool === null ? 0 : pool.completed + pool.failed + pool.cancelled
}

/**
 * One frame of text, at most 80 columns a line. `previous` is the stats read `seconds` earlier,
 * for tasks/s (null: shown as '-').
 */
function frame (url, stats, previous, seconds) {
  const lines = []
  const t = stats.total
  lines.push(`corepool top  ${url}`)
  lines.push(`${t.workers} workers x ${stats.threadsPerWorker} threads, budget ${stats.budget} cores, up ${age(stats.uptime)}, ${t.completed} done, ${t.queued} queued`)
  lines.push('')
  lines.push('worker     pid  uptime  rst    rss  loop p99  tasks/s  queue  wait p99  run p99')
  for (const w of stats.workers) {
    const before = previous?.workers.find((p) => p.worker === w.worker && p.pid === w.pid)
    const rate = before === undefined || seconds <= 0 ? '-' : ((settled(w.pool) - settled(before.pool)) / seconds).toFixed(0)
    const pool = w.pool
    lines.push([
      String(w.worker).padStart(6),
      String(w.pid ?? '-').padStart(7),
      age(w.uptime).padStart(7),
      String(w.restarts).padStart(4),
      mb(w.rss).padStart(6),
      (w.eventLoopDelay === null ? '-' : ms(w.eventLoopDelay.p99)).padStart(9),
      rate.padStart(8),
      String(pool?.queued ?? '-').padStart(6),
      (pool === null ? '-' : ms(pool.waitTime.p99)).padStart(9),
      (pool === null ? '-' : ms(pool.runTime.p99)).padStart(8)
    ].join(' '))
    if (w.state !== 'ready') lines.push(`         ${w.state}`)
    const perThread = pool?.utilization?.perThread ?? []
    for (let i = 0; i < perThread.length; i += 2) {
      const cells = perThread.slice(i, i + 2).map((ratio, j) => `thread ${String(i + j).padStart(2)} ${bar(ratio)}`)
      lines.push(`         ${cells.join('   ')}`)
    }
  }
  return lines.map((line) => line.slice(0, WIDTH))
}

/** Parses argv (after `top`); returns { url, once, interval } or throws a coded error. */
function parseArgs (args) {
  const options = { url: 'http://127.0.0.1:9464/stats', once: false, interval: 1000 }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (arg === '--once') options.once = true
    else if (arg === '--interval') {
      const value = Number(args[++i])
      if (!Number.isInteger(value) || value < 100) throw Object.assign(new Error(`--interval must be an integer of at least 100 (ms), got ${args[i]}`), { code: 'ERR_INVALID_ARG' })
      options.interval = value
    } else if (/^https?:\/\//.test(arg)) {
      const url = new URL(arg)
      if (url.pathname === '/') url.pathname = '/stats'
      options.url = url.href
    } else if (/^\d+$/.test(arg)) options.url = `http://127.0.0.1:${arg}/stats`
    else throw Object.assign(new Error(`unknown argument '${arg}': usage: corepool top [url | port] [--once] [--interval ms]`), { code: 'ERR_INVALID_ARG' })
  }
  return options
}

/** `--once`: two reads `interval` apart (for tasks/s), one frame on stdout. */
async function once ({ url, interval }, out = process.stdout) {
  const first = await fetchStats(url)
  await new Promise((resolve) => setTimeout(resolve, interval))
  const second = await fetchStats(url)
  out.write(frame(url, second, first, interval / 1000).join('\n') + '\n')
}

/**
 * The live view: redraws in place every `interval` until `q`, Ctrl-C, SIGINT or SIGTERM.
 * Returns `{ stop, stopped }`; `stopped` resolves once the terminal is restored.
 */
function live ({ url, interval }, stdin = process.stdin, out = process.stdout) {
  let previous = null
  let previousAt = 0
  let timer = null
  let stopped = false
  let resolveStopped
  const done = new Promise((resolve) => { resolveStopped = resolve })
  const stop = () => {
    if (stopped) return
    stopped = true
    clearTimeout(timer)
    out.write('\x1b[?25h\x1b[?1049l') // cursor back, main screen back
    if (stdin.isTTY) stdin.setRawMode(false)
    stdin.pause()
    resolveStopped()
  }
  const draw = async () => {
    let lines
    try {
      const stats = await fetchStats(url)
      const now = Date.now()
      lines = frame(url, stats, previous, (now - previousAt) / 1000)
      previous = stats
      previousAt = now
    } catch (error) {
      lines = [`corepool top  ${url}`, '', `no answer: ${error.message}`.slice(0, WIDTH)]
    }
    if (stopped) return
    // Home, each line cleared to its end, then the rest of the screen: no full clear, no flicker.
    out.write('\x1b[H' + lines.map((line) => line + '\x1b[K').join('\n') + '\n\x1b[J')
    timer = setTimeout(draw, interval)
  }
  out.write('\x1b[?1049h\x1b[?25l') // alternate screen, cursor hidden
  if (stdin.isTTY) stdin.setRawMode(true)
  stdin.setEncoding('utf8')
  stdin.on('data', (key) => { if (key === 'q' || key === 'Q' || key === '\u0003') stop() })
  stdin.resume()
  process.once('SIGINT', stop)
  process.once('SIGTERM', stop)
  draw()
  return { stop, stopped: done }
}

module.exports = { frame, parseArgs, once, live, fetchStats }
