'use strict'

// The README's Quick start, as examples/quick-start.{cjs,mjs,mts}, runs and prints the right
// values. The TypeScript one is compiled with tsc (which also checks its types) and then run.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')
const examples = path.join(root, 'examples')
const HELLO_SHA256 = crypto.createHash('sha256').update('hello').digest('hex')

for (const file of ['quick-start.cjs', 'quick-start.mjs']) {
  test(`examples/${file} runs`, () => {
    const out = execFileSync(process.execPath, [path.join(examples, file)], { cwd: root, encoding: 'utf8' })
    assert.equal(out, `${HELLO_SHA256} 832040\n`)
  })
}

test('examples/quick-start.mts type-checks, compiles and runs', (t) => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-ts-'))
  t.after(() => fs.rmSync(out, { recursive: true, force: true }))
  const tsc = path.join(path.dirname(require.resolve('typescript/package.json')), 'bin', 'tsc')
  execFileSync(process.execPath, [tsc, '--strict', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--target', 'es2022',
    '--types', 'node', '--rootDir', examples, '--outDir', out, path.join(examples, 'quick-start.mts')], { cwd: root, encoding: 'utf8' })
  // The compiled file lives outside the repository: it finds corepool the way an app would.
  fs.mkdirSync(path.join(out, 'node_modules'))
  fs.symlinkSync(root, path.join(out, 'node_modules', 'corepool'), 'dir')
  const printed = execFileSync(process.execPath, [path.join(out, 'quick-start.mjs')], { cwd: out, encoding: 'utf8' })
  assert.equal(printed, `${HELLO_SHA256} 32 1,2,3 832040\n`)
})
