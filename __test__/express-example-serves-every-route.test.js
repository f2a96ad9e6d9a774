'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const http = require('node:http')
const path = require('node:path')
const zlib = require('node:zlib')
const { startCluster, get } = require('./fixtures/harness.js')

const SERVER = path.join(__dirname, '..', 'examples', 'express', 'server.js')

function post (port, pathname, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: 'POST', agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

function getRaw (port, pathname) {
  return new Promise((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: pathname, agent: false }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }))
    }).on('error', reject)
  })
}

test('the Express example starts for real and answers every route', async (t) => {
  const app = startCluster(t, undefined, { script: SERVER, env: { PORT: '0', STATS_PORT: '0', WORKERS: '2', THREADS: '1' } })
  const listening = await app.waitFor((e) => e.event === 'line' && /listening on http:\/\/127\.0\.0\.1:\d+$/.test(e.line))
  const port = Number(listening.line.match(/:(\d+)$/)[1])
  const primaryLine = await app.waitFor((e) => e.event === 'line' && e.line.startsWith('cluster stats on '))
  const statsPort = Number(primaryLine.line.match(/:(\d+)\//)[1])

  const primaryStarted = await app.waitFor((e) => e.event === 'line' && e.line.startsWith('primary '))
  assert.match(primaryStarted.line, /^primary \d+: 2 workers x 1 thread on a budget of \d+ cores?$/)
  const index = JSON.parse((await get(port, '/')).body)
  assert.deepEqual(Object.keys(index.routes), ['GET /', 'GET /ping', 'GET /io', 'GET /hash', 'POST /hash', 'GET /fib/:n', 'GET /gzip', 'GET /report?rows=N', 'GET /stats'])
  assert.deepEqual(await get(port, '/ping').then((r) => [r.status, r.body]), [200, 'pong'])
  assert.deepEqual(JSON.parse((await get(port, '/io')).body), { name: 'corepool', waitedMs: 10 })

  const payload = Buffer.alloc(64 * 1024, 'corepool ')
  const sha = (b) => crypto.createHash('sha256').update(b).digest('hex')
  assert.deepEqual(JSON.parse((await get(port, '/hash')).body), { sha256: sha(payload), bytes: 65536 })
  const body = crypto.randomBytes(1000)
  const posted = await post(port, '/hash', body)
  assert.deepEqual([posted.status, JSON.parse(posted.body)], [200, { sha256: sha(body), bytes: 1000 }])

  assert.deepEqual(JSON.parse((await get(port, '/fib/25')).body), { n: 25, fib: 75025 })
  assert.equal((await get(port, '/fib/79')).status, 400)

  const report = await getRaw(port, '/report?rows=3')
  assert.equal(report.status, 200)
  assert.equal(report.headers['x-report-total'], '7.5')
  assert.equal(report.body.toString(), '<h1>Sales</h1><table><tr><th>region</th><th>units</th><th>amount</th></tr>' +
    '<tr><td>region 0</td><td>0</td><td>0.00</td></tr><tr><td>region 1</td><td>1</td><td>2.50</td></tr>' +
    '<tr><td>region 2</td><td>2</td><td>5.00</td></tr></table><p>total 7.50</p>')
  assert.equal((await get(port, '/report?rows=x')).status, 400)

  const gz = await getRaw(port, '/gzip')
  assert.equal(gz.status, 200)
  assert.equal(gz.headers['content-encoding'], 'gzip')
  assert.ok(['corepool', 'zlib'].includes(gz.headers['x-gzip-engine']))
  assert.deepEqual(zlib.gunzipSync(gz.body), payload)

  const stats = JSON.parse((await get(port, '/stats')).body)
  assert.equal(stats.threads, 1)
  assert.ok(stats.pool.completed >= 1)

  const cluster = JSON.parse((await get(statsPort, '/')).body)
  assert.equal(cluster.workers.length, 2)
  assert.match((await get(statsPort, '/metrics')).body, /^# HELP corepool_budget_cores /)

  app.child.kill('SIGTERM')
  assert.deepEqual(await app.exited.then((e) => [e.code, e.signal]), [0, null])
})
