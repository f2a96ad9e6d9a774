'use strict'

// BullMQ processors on one machine, same queue, same jobs (fib(32)): an inline processor (JS on
// the event loop), BullMQ's sandboxed worker-thread processor (JS, one thread per job slot), and
// corepool (createConsumer on a Pool; the native fib kernel), with niceIncrement 19 (the default) and 0. Each round enqueues the jobs, starts
// one fresh consumer process, and checks every stored result before its time counts. Order rotated
// each round; medians reported. Needs redis-server (a private one is started on a free port).
//
//   node benchmark/bullmq.js [--jobs 200] [--rounds 3]

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { performance } = require('node:perf_hooks')
const { header, median, table, fmt, rotate } = require('./common.js')

const args = process.argv.slice(2)
const arg = (name, fallback) => { const i = args.indexOf(`--${name}`); return i === -1 ? fallback : Number(args[i + 1]) }
const JOBS = arg('jobs', 200)
const ROUNDS = arg('rounds', 3)
const N = 32
const EXPECTED = 2178309 // fib(32)

function freePort () {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)) })
  })
}

async function startRedis () {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-bench-redis-'))
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve, reject) => {
    readline.createInterface({ input: child.stdout }).on('line', (line) => { if (line.includes('Ready to accept connections')) resolve() })
    child.once('exit', (code) => reject(new Error(`redis-server exited ${code}`)))
  })
  return { port, stop: () => { child.kill('SIGKILL'); fs.rmSync(dir, { recursive: true, force: true }) } }
}

function consume (mode, port, queue) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(__dirname, 'bullmq-consumer.js'), mode, String(port), queue, String(JOBS)], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk) => { out += chunk })
    child.on('exit', (code) => code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${mode} consumer exited ${code}`)))
  })
}

/**
 * One fib(32) alone, in JS and in corepool's native kernel (median of 5): the processors differ in
 * the kernel as well as in where it runs, and this line says by how much.
 */
async function kernelTimes () {
  const { fib } = require('./workers/bullmq-fib.js')
  const { Pool } = require('..')
  const pool = new Pool({ threads: 1 })
  const js = []
  const native = []
  for (let i = 0; i < 5; i++) {
    let start = performance.now()
    if (fib(N) !== EXPECTED) throw new Error('JS fib is wrong')
    js.push(performance.now() - start)
    start = performance.now()
    if (await pool.exec('fib', N) !== EXPECTED) throw new Error('native fib is wrong')
    native.push(performance.now() - start)
  }
  await pool.close()
  console.log(`one fib(${N}) alone: ${fmt(median(js), 1)} ms in JS, ${fmt(median(native), 1)} ms in corepool's native kernel\n`)
}

async function main () {
  header(`BullMQ processors: ${JOBS} fib(${N}) jobs through a local redis-server`)
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    console.log('(skipped: redis-server is not installed; Debian: apt-get install -y redis-server)')
    return
  }
  await kernelTimes()
  const { Queue } = require('bullmq')
  const redis = await startRedis()
  const connection = { host: '127.0.0.1', port: redis.port }
  const queue = new Queue('bench', { connection })
  try {
    const modes = { inline: 'inline', 'BullMQ worker threads': 'sandboxed', corepool: 'corepool', 'corepool, niceIncrement 0': 'corepool-nice0' }
    const results = await rotate(modes, ROUNDS, async (mode, name) => {
      await queue.obliterate({ force: true })
      await queue.addBulk(Array.from({ length: JOBS }, () => ({ name: 'fib', data: N })))
      const run = await consume(mode, redis.port, 'bench')
      const completed = await queue.getCompleted(0, -1)
      if (completed.length !== JOBS || completed.some((job) => job.returnvalue !== EXPECTED)) {
        throw new Error(`${name}: expected ${JOBS} results of ${EXPECTED}`)
      }
      console.log(`${name}: ${fmt(run.jobsPerSec, 1)} jobs/s, event-loop p99 ${fmt(run.eldP99Ms, 2)} ms`)
      return run
    })
    const inline = median(results.inline.map((r) => r.jobsPerSec))
    const threads = median(results['BullMQ worker threads'].map((r) => r.jobsPerSec))
    console.log(`\nmedians of ${ROUNDS} round(s), ${os.loadavg()[0].toFixed(1)} load average at the end\n`)
    table(Object.entries(results).map(([name, runs]) => {
      const jobsPerSec = median(runs.map((r) => r.jobsPerSec))
      return {
        processor: name,
        'jobs/s': fmt(jobsPerSec, 1),
        'x inline': fmt(jobsPerSec / inline, 2),
        'x worker threads': fmt(jobsPerSec / threads, 2),
        'event-loop p99 (ms)': fmt(median(runs.map((r) => r.eldP99Ms)), 2)
      }
    }))
  } finally {
    await queue.close()
    redis.stop()
  }
}

main().catch((error) => { console.error(error); process.exitCode = 1 })
