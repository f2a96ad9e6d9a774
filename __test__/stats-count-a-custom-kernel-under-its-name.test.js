'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { buildExample } = require('./helpers/custom-kernel.js')
const { counters } = require('./helpers/counters.js')
const corepool = require('..')

const { Pool } = corepool.withBinding(require(buildExample()))

test('stats count a custom kernel under its name, with its wait and run times', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const input = { left: ['a', 'bb'], right: ['ab'] }
  await Promise.all(Array.from({ length: 5 }, () => pool.exec('levenshtein', input)))
  await pool.execMany('levenshtein', [input, input, input]) // a batch counts as one task
  await assert.rejects(pool.exec('levenshtein', input, { maxCells: 1 }), { code: 'ERR_MATRIX_TOO_LARGE' }) // refused: never submitted
  await assert.rejects(pool.exec('demo.panic', 'oops'), { code: 'ERR_TASK_PANICKED' })
  const stats = pool.stats()
  assert.deepEqual(Object.keys(stats.tasks).sort(), ['demo.panic', 'levenshtein'])
  assert.deepEqual(counters(stats.tasks.levenshtein), { submitted: 6, completed: 6, failed: 0, cancelled: 0 })
  assert.deepEqual(counters(stats.tasks['demo.panic']), { submitted: 1, completed: 0, failed: 1, cancelled: 0 })
  assert.deepEqual(counters(stats), { submitted: 7, completed: 6, failed: 1, cancelled: 0 })
  assert.equal(stats.tasks.levenshtein.runTime.count, 6)
  assert.equal(stats.tasks.levenshtein.waitTime.count, 6)
})
