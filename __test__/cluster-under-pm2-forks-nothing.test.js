'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { availableCores } = require('..')
const { freePort, startCluster, get } = require('./fixtures/harness.js')

// PM2 in cluster mode forks the processes itself and sets NODE_APP_INSTANCE and `instances` in
// each one's environment. Here the test plays PM2's part: it starts the app with those variables.
for (const instances of [1, 2]) {
  test(`with NODE_APP_INSTANCE set and instances=${instances}, nothing is forked and the pool gets budget / ${instances} threads`, async (t) => {
    const port = await freePort()
    const app = startCluster(t, {}, { env: { PORT: String(port), NODE_APP_INSTANCE: '0', instances: String(instances) } })
    await app.waitFor('worker-ready')
    const info = JSON.parse((await get(port, '/pid')).body)
    assert.equal(info.pid, app.child.pid) // served by the process PM2 started, not by a fork
    assert.equal(info.worker, 1)
    assert.equal(info.poolThreads, Math.max(1, Math.floor(availableCores() / instances)))
    app.child.kill('SIGINT') // what PM2 sends on stop/reload
    const exit = await app.exited
    assert.deepEqual([exit.code, exit.signal], [0, null])
    assert.equal(app.count((e) => e.event === 'fork'), 0)
  })
}
