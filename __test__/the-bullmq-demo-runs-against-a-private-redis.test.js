'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { skipReason } = require('./helpers/redis.js')

test('npm run demo:queue (examples/bullmq/demo.js) hashes its batch on a consumer.js machine and stops everything', { skip: skipReason }, async () => {
  const { stdout } = await promisify(execFile)(process.execPath, [path.join(__dirname, '..', 'examples', 'bullmq', 'demo.js')], { timeout: 240000 })
  assert.match(stdout, /^redis-server ready on 127\.0\.0\.1:\d+ \(no persistence\)$/m)
  assert.match(stdout, /^\[consumer\] worker \d+: consuming 'passwords' with \d+ pool threads$/m)
  const done = stdout.match(/^(\d+) hashes in [\d.]+ s \([\d.]+ jobs\/s\); first: (\$2b\$10\$\S{53})$/m)
  assert.ok(done, stdout)
  assert.match(stdout, /^enqueued (\d+) bcrypt\.hash jobs \(cost 10\)$/m)
  assert.equal(done[1], stdout.match(/^enqueued (\d+)/m)[1])
  assert.match(stdout, /consumer stopped gracefully, redis-server stopped\n$/)
})
