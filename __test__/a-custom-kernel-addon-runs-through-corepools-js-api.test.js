'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { buildExample, EXAMPLE } = require('./helpers/custom-kernel.js')
const corepool = require('..')

const levenshtein = require(path.join(EXAMPLE, 'levenshtein.js'))
const addon = require(buildExample())
const { Pool } = corepool.withBinding(addon)

test('withBinding gives a Pool whose tasks are the addon\'s kernels', () => {
  assert.deepEqual(Pool.tasks, ['levenshtein', 'demo.panic'])
  assert.notEqual(Pool, corepool.Pool)
  assert.equal(corepool.withBinding(addon).Pool, Pool) // one API per addon
  assert.equal(corepool.Pool.tasks.includes('levenshtein'), false)
})

test('exec and execMany resolve with the kernel\'s results, equal to the same work in JS', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const input = { left: ['kitten', 'flaw', '', 'naïve', 'ab'.repeat(300)], right: ['sitting', 'lawn', 'abc', 'naive', 'ba'.repeat(300), ''] }
  const distances = await pool.exec('levenshtein', input)
  assert.ok(distances instanceof Uint32Array)
  assert.deepEqual(distances, levenshtein(input))
  assert.equal(distances[0], 3) // kitten -> sitting
  assert.equal(distances[1 * 6 + 1], 2) // flaw -> lawn
  assert.equal(distances[3 * 6 + 3], 1) // naïve -> naive, counted in code points
  const many = await pool.execMany('levenshtein', [input, { left: ['a'], right: ['b', 'ab'] }])
  assert.deepEqual(many, [levenshtein(input), Uint32Array.of(1, 1)])
})

test('invalid input, unknown options and the kernel\'s own error reject with their codes', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const input = { left: ['a', 'b'], right: ['c', 'd'] }
  await assert.rejects(pool.exec('levenshtein', { left: ['a'], right: [1] }), {
    name: 'TypeError', code: 'ERR_INVALID_ARG', message: 'input.right[0] must be a string, got 1'
  })
  await assert.rejects(pool.exec('levenshtein', 'ab'), { code: 'ERR_INVALID_ARG', message: "input must be an object { left: string[], right: string[] }, got 'ab'" })
  await assert.rejects(pool.exec('levenshtein', input, { maxcells: 3 }), { code: 'ERR_INVALID_ARG', message: /^options\.maxcells is not an option of 'levenshtein'/ })
  await assert.rejects(pool.exec('levenshtein', input, { maxCells: 3 }), {
    code: 'ERR_MATRIX_TOO_LARGE', message: 'the matrix would have 4 cells, more than options.maxCells (3)'
  })
  await assert.rejects(pool.exec('sha256', 'x'), { code: 'ERR_UNKNOWN_TASK' })
  assert.deepEqual(await pool.exec('levenshtein', input, { maxCells: 4 }), Uint32Array.of(1, 1, 1, 1))
})

test('the API\'s own metrics module renders a custom pool\'s kernel stats as Prometheus text', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  await pool.exec('levenshtein', { left: ['a'], right: ['b'] })
  const text = await corepool.withBinding(addon).metrics.text(pool)
  assert.match(text, /^corepool_tasks_total\{task="levenshtein",outcome="completed"\} 1$/m)
  assert.throws(() => require('../lib/metrics.js').register(pool), { code: 'ERR_INVALID_ARG' }) // corepool's own takes only its pools
})

test('JS tasks run on a pool over the custom addon', async (t) => {
  const pool = new Pool({ threads: 1, tasks: { square: path.join(__dirname, 'fixtures', 'js-tasks', 'square.mjs') } })
  t.after(() => pool.close())
  assert.equal(await pool.exec('square', 7), 49)
  assert.deepEqual(await pool.exec('levenshtein', { left: ['ab'], right: ['abc'] }), Uint32Array.of(1))
})

test('withBinding refuses what is not an addon built on corepool-core', () => {
  assert.throws(() => corepool.withBinding({}), {
    name: 'TypeError', code: 'ERR_INVALID_ARG', message: 'binding must be an addon built on corepool-core (with NativePool and tasks()), got an instance of Object'
  })
  assert.throws(() => corepool.withBinding(undefined), { code: 'ERR_INVALID_ARG', message: /got undefined$/ })
})
