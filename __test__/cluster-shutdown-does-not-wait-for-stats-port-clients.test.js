'use strict'

// A stats page left open in a browser kept the primary alive after SIGTERM: server.close() ends
// only the connections idle at that moment. A connection with a request half sent is never idle.
const test = require('node:test')
const assert = require('node:assert/strict')
const net = require('node:net')
const { once } = require('node:events')
const { freePort, startCluster } = require('./fixtures/harness.js')

test('SIGTERM stops the primary while a stats port client holds a connection with a request half sent', { timeout: 30_000 }, async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 1, threadsPerWorker: 1, statsPort: 0 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const client = net.connect(ready.statsAddress.port, '127.0.0.1')
  await once(client, 'connect')
  client.write('GET /stats HTTP/1.1\r\nhost: 127.0.0.1\r\n') // the headers never end
  const ended = once(client, 'close')
  cluster.child.kill('SIGTERM')
  const exit = await cluster.exited
  assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null })
  await ended
})
