'use strict'

// A private redis-server for one test file: a free loopback port, no persistence (no RDB, no AOF,
// a temporary working directory), stopped after. Where redis-server is not installed, `reason`
// says so and the tests skip with it (.ci/run installs Debian's package).

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')
const { freePort } = require('../fixtures/harness.js')

const found = spawnSync('redis-server', ['--version'], { encoding: 'utf8' })
const installed = found.status === 0

/** Why the Redis tests skip here, or false when they run. */
const skipReason = installed
  ? false
  : 'redis-server is not installed (Debian: apt-get install -y redis-server; .ci/run installs it)'
if (skipReason) console.log(`skipping the Redis tests: ${skipReason}`)

/**
 * Starts redis-server. Resolves with { port, connection, defer(fn) }: `defer` registers a clean-up
 * (closing a queue, a worker, a pool) that runs, last registered first, before Redis stops.
 */
async function startRedis (t) {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-redis-'))
  const child = spawn('redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no',
    '--dir', dir, '--daemonize', 'no', '--loglevel', 'notice', '--logfile', ''
  ], { stdio: ['ignore', 'pipe', 'inherit'] })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  const cleanups = []
  t.after(async () => {
    for (const cleanup of cleanups.reverse()) await cleanup()
    child.kill('SIGKILL')
    await exited
    fs.rmSync(dir, { recursive: true, force: true })
  })
  await waitUntilAccepting(child, exited)
  return { port, connection: { host: '127.0.0.1', port }, defer: (fn) => { cleanups.push(fn) } }
}

/** Resolves once redis-server logs that it accepts connections; rejects if it exits first. */
function waitUntilAccepting (child, exited) {
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout })
    lines.on('line', (line) => { if (line.includes('Ready to accept connections')) resolve() })
    exited.then((code) => reject(new Error(`redis-server exited (${code}) before it accepted connections`)))
  })
}

/**
 * A private Redis with a Queue and a ready QueueEvents on `name` (both closed before Redis stops).
 * Resolves with startRedis's { port, connection, defer } and { queue, events }.
 */
async function startQueue (t, name) {
  const { Queue, QueueEvents } = require('bullmq')
  const redis = await startRedis(t)
  const queue = new Queue(name, { connection: redis.connection })
  redis.defer(() => queue.close())
  queue.setMaxListeners(0) // job.waitUntilFinished adds one listener per job awaited
  const events = new QueueEvents(name, { connection: redis.connection })
  redis.defer(() => events.close())
  await events.waitUntilReady()
  return { ...redis, queue, events }
}

module.exports = { skipReason, startRedis, startQueue }
