'use strict'

// The guide's production template, done with corepool: a cluster of processes on one core
// budget, each with a native pool; I/O routes stay plain async, CPU routes go to the pool.
//
//   node examples/express/server.js        (or: npm run demo)
//   PORT=3000 HOST=127.0.0.1 STATS_PORT=9464 WORKERS=<n> THREADS=<n>
//
// Routes: see ROUTES (GET / lists them). The primary serves the whole cluster's stats on
// STATS_PORT: / (JSON) and /metrics (Prometheus).

const fs = require('node:fs/promises')
const zlib = require('node:zlib')
const { promisify } = require('node:util')
const { setTimeout: sleep } = require('node:timers/promises')
const express = require('express')
const { Pool } = require('corepool')
const { runCluster } = require('corepool/cluster')

const PORT = Number(process.env.PORT ?? 3000)
const HOST = process.env.HOST ?? '127.0.0.1'
const STATS_PORT = process.env.STATS_PORT === undefined ? 9464 : Number(process.env.STATS_PORT)
const int = (name) => (process.env[name] === undefined ? undefined : Number(process.env[name]))

const PAYLOAD = Buffer.alloc(64 * 1024, 'corepool ') // what GET /hash and GET /gzip work on
// The pool has a native 'gzip' task on builds that include it; otherwise zlib's async gzip
// (which runs on libuv's threadpool, not on our pool) stands in.
const HAS_GZIP = Pool.tasks.includes('gzip')
const gzip = promisify(zlib.gzip)

// User JS tasks run on the same pool threads' budget, on JS workers the pool starts lazily.
const tasks = { report: require.resolve('./report.js') }

const ROUTES = {
  'GET /': 'this list',
  'GET /ping': "'pong', straight from the event loop",
  'GET /io': 'I/O with plain async/await: a file read and a simulated 10 ms database call',
  'GET /hash': 'sha256 of a 64 KiB buffer, on the pool',
  'POST /hash': 'sha256 of the request body (any content type, up to 8 MB), on the pool',
  'GET /fib/:n': 'Fibonacci number n (0 to 78), on the pool',
  'GET /gzip': 'a 64 KiB buffer, gzipped on the pool',
  'GET /report?rows=N': 'an HTML report rendered by a user JS task (./report.js), on the pool',
  'GET /stats': "this worker's pool stats and memory"
}
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`

const primary = runCluster({ workers: int('WORKERS'), threadsPerWorker: int('THREADS'), statsPort: STATS_PORT, pool: { tasks } }, ({ pool, worker, threads, onShutdown }) => {
  const app = express()

  app.get('/', (req, res) => res.json({ routes: ROUTES }))
  app.get('/ping', (req, res) => res.send('pong'))

  // I/O: plain async/await, no pool (a file read and a simulated 10 ms database call).
  app.get('/io', async (req, res) => {
    const [pkg] = await Promise.all([fs.readFile(require.resolve('corepool/package.json'), 'utf8'), sleep(10)])
    res.json({ name: JSON.parse(pkg).name, waitedMs: 10 })
  })

  // CPU: through the pool, so this event loop stays free for /ping and /io.
  app.get('/hash', async (req, res, next) => {
    try { res.json({ sha256: await pool.exec('sha256', PAYLOAD), bytes: PAYLOAD.length }) } catch (error) { next(error) }
  })
  app.post('/hash', express.raw({ type: () => true, limit: '8mb' }), async (req, res, next) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)
    try { res.json({ sha256: await pool.exec('sha256', body), bytes: body.length }) } catch (error) { next(error) }
  })
  app.get('/fib/:n', async (req, res, next) => {
    const n = Number(req.params.n)
    if (!Number.isInteger(n) || n < 0 || n > 78) return res.status(400).json({ error: 'n must be an integer from 0 to 78' })
    try { res.json({ n, fib: await pool.exec('fib', n) }) } catch (error) { next(error) }
  })
  app.get('/gzip', async (req, res, next) => {
    try {
      const compressed = HAS_GZIP ? await pool.exec('gzip', PAYLOAD) : await gzip(PAYLOAD)
      res.set({ 'content-type': 'text/plain', 'content-encoding': 'gzip', 'x-gzip-engine': HAS_GZIP ? 'corepool' : 'zlib' }).send(compressed)
    } catch (error) { next(error) }
  })

  // A user JS task: the report renders on a JS worker, through the same queue as the kernels.
  app.get('/report', async (req, res, next) => {
    const count = Number(req.query.rows ?? 100)
    if (!Number.isInteger(count) || count < 0 || count > 100_000) return res.status(400).json({ error: 'rows must be an integer from 0 to 100000' })
    const rows = Array.from({ length: count }, (_, i) => ({ region: `region ${i}`, units: i % 7, price: 2.5 }))
    try {
      const { html, total } = await pool.exec('report', { title: 'Sales', rows }, { timeout: 5000 })
      res.set('x-report-total', String(total)).type('html').send(html)
    } catch (error) { next(error) }
  })

  app.get('/stats', (req, res) => {
    res.json({ worker, pid: process.pid, threads, rss: process.memoryUsage.rss(), pool: pool.stats() })
  })

  const server = app.listen(PORT, HOST, () => {
    const { port } = server.address()
    console.log(`worker ${worker} (pid ${process.pid}, ${plural(threads, 'pool thread')}) listening on http://${HOST}:${port}`)
  })
  onShutdown(() => console.log(`worker ${worker} (pid ${process.pid}) drained`))
  return server
})

if (primary.role === 'primary') {
  primary.on('restart', ({ worker, delay }) => console.log(`worker ${worker} exited unexpectedly; restarting in ${delay} ms`))
  primary.ready.then((stats) => {
    console.log(`primary ${process.pid}: ${plural(stats.workers.length, 'worker')} x ${plural(stats.threadsPerWorker, 'thread')} on a budget of ${plural(stats.budget, 'core')}`)
    const address = primary.statsAddress
    if (address !== null) console.log(`cluster stats on http://${address.address}:${address.port}/ and /metrics`)
  })
}
