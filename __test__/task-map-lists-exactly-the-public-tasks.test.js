'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { Pool } = require('..')

/** The keys of `interface TaskMap { ... }` in index.d.ts. */
function taskMapKeys () {
  const source = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  const body = /export interface TaskMap \{([\s\S]*?)\n\}/.exec(source)[1]
  const keys = []
  for (const line of body.split('\n')) {
    const key = /^ {2}(?:'([^']+)'|([A-Za-z0-9_$]+)):/.exec(line)
    if (key) keys.push(key[1] ?? key[2])
  }
  return keys
}

test('the TaskMap of index.d.ts has exactly the tasks of Pool.tasks', () => {
  assert.deepEqual(taskMapKeys().sort(), Pool.tasks.sort())
})
