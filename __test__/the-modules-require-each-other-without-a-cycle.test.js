'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')

const root = path.join(__dirname, '..')

/** The local files `file` requires, resolved to paths relative to the package root. */
function localRequires (file) {
  const source = fs.readFileSync(path.join(root, file), 'utf8')
  return [...source.matchAll(/require\('(\.{1,2}\/[^']+)'\)/g)]
    .map((match) => path.relative(root, require.resolve(path.join(root, path.dirname(file), match[1]))))
}

test('no module of the package requires itself through others', () => {
  const files = ['index.js', 'cluster.js', ...fs.readdirSync(path.join(root, 'lib'), { recursive: true })
    .filter((name) => name.endsWith('.js')).map((name) => path.join('lib', name))]
  const visiting = new Set()
  const done = new Set()
  const visit = (file, trail) => {
    assert.ok(!visiting.has(file), `require cycle: ${[...trail, file].join(' -> ')}`)
    if (done.has(file)) return
    visiting.add(file)
    for (const next of localRequires(file)) if (next !== 'binding.js') visit(next, [...trail, file])
    visiting.delete(file)
    done.add(file)
  }
  for (const file of files) visit(file, [])
  assert.ok(done.has('lib/pool.js') && done.has('lib/cluster/worker.js'))
})

test('runCluster is defined whichever entry point loads first', () => {
  const out = execFileSync(process.execPath, ['-e', `
    const { runCluster } = require(${JSON.stringify(path.join(root, 'cluster.js'))})
    const index = require(${JSON.stringify(root)})
    console.log(typeof runCluster, typeof index.runCluster, typeof index.Pool, typeof index.availableCores)
  `], { encoding: 'utf8' })
  assert.equal(out.trim(), 'function function function function')
})
