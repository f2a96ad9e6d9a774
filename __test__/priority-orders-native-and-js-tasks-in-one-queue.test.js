'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { fixture } = require('./helpers/js-tasks.js')
const { blocker } = require('./helpers/blocker.js')

test('JS and native tasks share one queue: high first, then normal, then low, FIFO within a level', async () => {
  const pool = new Pool({ threads: 1, tasks: { record: fixture('order.cjs') } })
  await pool.exec('record', { cells: new Int32Array(new SharedArrayBuffer(8)), tag: 0 }) // the worker is up
  const running = blocker(pool)
  await running.started()
  const cells = new Int32Array(new SharedArrayBuffer(64))
  const order = []
  const js = (tag, priority) => pool.exec('record', { cells, tag }, { priority }).then(() => order.push(`js-${tag}`))
  const native = (tag, priority) => pool.exec('noop', 0, { priority }).then(() => order.push(`native-${tag}`))
  const all = [js(1, 'low'), native(2, 'normal'), js(3, 'high'), native(4, 'high'), js(5, 'normal'), native(6, 'low')]
  running.release()
  await Promise.all([running.promise, ...all])
  assert.deepEqual(order, ['js-3', 'native-4', 'native-2', 'js-5', 'js-1', 'native-6'])
  assert.deepEqual([...cells.slice(0, 4)], [3, 3, 5, 1], 'the JS tasks ran in that order too')
  await pool.close()
})
