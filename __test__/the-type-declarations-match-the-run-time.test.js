'use strict'

// index.d.ts and cluster.d.ts say what the code does: __test__/types/*.ts state each result type
// exactly (Equal<...> = true) and mark each call the run time refuses with @ts-expect-error, so
// tsc fails on a wrong type and on a refusal the types no longer catch. The run-time half of each
// line is asserted by the test file named in its comment.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')

test('tsc accepts every type test and every @ts-expect-error line is an error', () => {
  const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
  const result = spawnSync(process.execPath, [tsc, '-p', path.join(__dirname, 'types')], { cwd: root, encoding: 'utf8' })
  assert.equal(result.stdout + result.stderr, '')
  assert.equal(result.status, 0)
})
