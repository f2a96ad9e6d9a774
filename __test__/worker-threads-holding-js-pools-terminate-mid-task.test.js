'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

test('20 worker threads, each with a pool running a JS task that never stops, are terminated mid-task', () => {
  const child = spawnSync(process.execPath, [path.join(__dirname, 'fixtures', 'js-tasks', 'nested-pools.js')], {
    encoding: 'utf8',
    timeout: 120_000
  })
  assert.equal(child.error, undefined)
  assert.deepEqual([child.status, child.signal], [0, null], child.stderr)
  const { seen, codes } = JSON.parse(child.stdout)
  assert.deepEqual(seen, Array.from({ length: 20 }, (_, index) => index))
  assert.deepEqual(codes, Array(20).fill(1))
})
