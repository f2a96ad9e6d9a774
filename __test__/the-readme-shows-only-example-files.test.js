'use strict'

// Every JavaScript or TypeScript block in README.md is, byte for byte, a file under examples/
// (its first line names it), and every such file is run by a test. Shell blocks are commands.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')

const root = path.join(__dirname, '..')

function codeBlocks (markdown) {
  return [...markdown.matchAll(/^```(\w*)\n([\s\S]*?)^```$/gm)].map(([, lang, body]) => ({ lang, body }))
}

test('each README code block is an examples/ file that a test runs', () => {
  const blocks = codeBlocks(fs.readFileSync(path.join(root, 'README.md'), 'utf8'))
  const code = blocks.filter((b) => ['js', 'mjs', 'cjs', 'ts', 'mts'].includes(b.lang))
  assert.deepEqual(blocks.filter((b) => !code.includes(b)).map((b) => b.lang), blocks.filter((b) => b.lang === 'sh').map(() => 'sh'), 'other blocks are shell commands')
  const tests = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js') && f !== path.basename(__filename))
    .map((f) => fs.readFileSync(path.join(__dirname, f), 'utf8')).join('\n')
  const named = code.map(({ body }) => {
    const file = body.match(/^\/\/ (examples\/[\w./-]+?):? /)?.[1]
    assert.ok(file, `a README block starts with a comment naming its examples/ file:\n${body}`)
    assert.equal(body, fs.readFileSync(path.join(root, file), 'utf8'), `the README block is ${file}, unchanged`)
    assert.ok(tests.includes(path.basename(file)), `a test runs ${file}`)
    return file
  })
  assert.ok(named.some((f) => f.endsWith('.cjs')) && named.some((f) => f.endsWith('.mjs')) && named.some((f) => f.endsWith('.mts')),
    'the README shows CommonJS, ES modules and TypeScript')
})
