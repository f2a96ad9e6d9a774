'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const { buildExample, EXAMPLE } = require('./helpers/custom-kernel.js')

test('npm start in examples/custom-kernel prints its results, a cancelled task and error codes, and exits 0', () => {
  buildExample()
  const output = execFileSync('npm', ['start', '--silent'], { cwd: EXAMPLE, encoding: 'utf8' })
  const lines = output.trim().split('\n')
  assert.deepEqual(lines.slice(0, 5), [
    'tasks: levenshtein, demo.panic',
    'recieve -> receive (distance 2)',
    'seperate -> separate (distance 1)',
    'definately -> definitely (distance 1)',
    'occurence -> occurrence (distance 1)'
  ])
  assert.match(lines[5], /^timeout: ERR_TASK_TIMEOUT after \d+ ms$/)
  assert.deepEqual(lines.slice(6), [
    'abort: ABORT_ERR, cause: user left',
    'ERR_MATRIX_TOO_LARGE: the matrix would have 24 cells, more than options.maxCells (10)',
    'ERR_INVALID_ARG: input.right[0] must be a string, got 1',
    'stats: 3 submitted, 1 completed, 1 failed, 1 cancelled'
  ])
})
