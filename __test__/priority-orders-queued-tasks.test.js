'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')

test('queued tasks run high first, then normal, then low', async () => {
  const pool = new Pool({ threads: 1 })
  const running = blocker(pool)
  await running.started()
  const order = []
  const submit = (name, priority) => pool.exec('noop', 0, priority && { priority }).then(() => order.push(name))
  const all = [submit('low', 'low'), submit('normal', undefined), submit('high', 'high'), submit('normal-2', 'normal')]
  running.release()
  await Promise.all([running.promise, ...all])
  assert.deepEqual(order, ['high', 'normal', 'normal-2', 'low'])
  await pool.close()
})

test('a low-priority task is not starved by a queue full of high-priority ones', async () => {
  const pool = new Pool({ threads: 1 })
  const running = blocker(pool)
  await running.started()
  const order = []
  const all = [pool.exec('noop', 0, { priority: 'low' }).then(() => order.push('low'))]
  for (let i = 0; i < 20; i++) all.push(pool.exec('noop', 0, { priority: 'high' }).then(() => order.push(i)))
  running.release()
  await Promise.all(all)
  // Aging serves a waiting lower level after at most 4 picks of a higher one.
  assert.equal(order.indexOf('low'), 4)
  await pool.close()
})
