'use strict'

// @node-rs/argon2 runs on argon2-rust, as corepool's argon2 tasks now do; this pins that the two
// packages read each other's PHC strings, for each type, lane count and the OWASP parameters.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

let nodeRs = null
let skip = false
try {
  nodeRs = require('@node-rs/argon2')
} catch (error) {
  skip = `@node-rs/argon2 could not be loaded: ${error.message}`
}

const CASES = [
  { type: 'argon2id', algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 },
  { type: 'argon2i', algorithm: 1, memoryCost: 1024, timeCost: 3, parallelism: 4 },
  { type: 'argon2d', algorithm: 0, memoryCost: 2048, timeCost: 1, parallelism: 2 }
]

test('argon2 interoperates with @node-rs/argon2', { skip }, async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  for (const { type, algorithm, ...costs } of CASES) {
    await t.test(`${type}, m=${costs.memoryCost}, t=${costs.timeCost}, p=${costs.parallelism}`, async () => {
      const ours = await pool.exec('argon2.hash', 'correct horse', { type, ...costs })
      assert.equal(await nodeRs.verify(ours, 'correct horse'), true)
      assert.equal(await nodeRs.verify(ours, 'correct horsf'), false)
      const theirs = await nodeRs.hash('correct horse', { algorithm, ...costs, outputLen: 32 })
      assert.equal(await pool.exec('argon2.verify', { password: 'correct horse', hash: theirs }), true)
      assert.equal(await pool.exec('argon2.verify', { password: 'correct horsf', hash: theirs }), false)
    })
  }
})
