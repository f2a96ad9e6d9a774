'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

test('the README\'s JS task example (examples/js-tasks/main.js with report.js) runs and prints its total', () => {
  const out = execFileSync(process.execPath, [path.join(__dirname, '..', 'examples', 'js-tasks', 'main.js')], { encoding: 'utf8' })
  const total = Array.from({ length: 1000 }, (_, i) => (i % 7) * 2.5).reduce((a, b) => a + b, 0)
  assert.equal(out, `total ${total}; report ran 1 time(s)\n`)
})
