'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

test('an integer option out of range names the whole range it takes', async () => {
  const pool = new Pool({ threads: 1 })
  const cases = [
    ['gunzip', Buffer.from('x'), { maxOutputLength: -1 }, 'options.maxOutputLength must be an integer from 1 to 4294967296, got -1'],
    ['gunzip', Buffer.from('x'), { maxOutputLength: 0 }, 'options.maxOutputLength must be an integer from 1 to 4294967296, got 0'],
    ['gzip', 'x', { level: 10 }, 'options.level must be an integer from 0 to 9, got 10'],
    ['bcrypt.hash', 'pw', { cost: 3 }, 'options.cost must be an integer from 4 to 16, got 3'],
    ['xxh64', 'x', { seed: -1 }, 'options.seed must be an integer from 0 to 9007199254740991, got -1'],
    ['fib', -1, undefined, 'input must be an integer from 0 to 78, got -1'],
    ['fib', 1.5, undefined, 'input must be an integer from 0 to 78, got 1.5']
  ]
  for (const [task, input, options, message] of cases) {
    await assert.rejects(pool.exec(task, input, options), { code: 'ERR_INVALID_ARG', message })
  }
  await pool.close()
})
