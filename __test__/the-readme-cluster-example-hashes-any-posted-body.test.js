'use strict'

// examples/cluster.js, the README's cluster snippet, started for real: `curl -d hello` sends
// application/x-www-form-urlencoded, and the route hashes that body (express.raw() alone would
// leave it unparsed and answer 500).
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const http = require('node:http')
const path = require('node:path')
const { startCluster, get } = require('./fixtures/harness.js')

const SCRIPT = path.join(__dirname, '..', 'examples', 'cluster.js')

function post (port, pathname, body, contentType) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: 'POST', agent: false, headers: { 'content-type': contentType } }, (res) => {
      const chunks = []
      res.on('data', (c) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('examples/cluster.js hashes a form-encoded, a binary and a JSON body, and serves a user', async (t) => {
  const app = startCluster(t, undefined, { script: SCRIPT, env: { PORT: '0', STATS_PORT: '0' } })
  const listening = await app.waitFor((e) => e.event === 'line' && /^listening on port \d+$/.test(e.line))
  const port = Number(listening.line.match(/(\d+)$/)[1])
  const sha = (b) => crypto.createHash('sha256').update(b).digest('hex')

  for (const [body, type] of [['hello', 'application/x-www-form-urlencoded'], [crypto.randomBytes(100), 'application/octet-stream'], ['{"a":1}', 'application/json']]) {
    assert.deepEqual(await post(port, '/hash', body, type), { status: 200, body: sha(body) }, type)
  }
  assert.deepEqual(JSON.parse((await get(port, '/users/1')).body), { id: '1', name: 'Ada' })
  assert.equal((await get(port, '/users/2')).body, 'null')

  app.child.kill('SIGTERM')
  assert.deepEqual(await app.exited.then((e) => [e.code, e.signal]), [0, null])
})
