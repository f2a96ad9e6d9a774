'use strict'

// The loader tries the local build, then the platform package; with neither, require('corepool')
// fails with an error that names this platform, the package it looked for and the command that
// builds from source, and keeps the loader's own error as its cause.
const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')

test('a copy of the package without any addon fails to load with ERR_COREPOOL_NO_NATIVE_ADDON', (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-no-addon-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const pkg = path.join(dir, 'node_modules', 'corepool')
  fs.mkdirSync(pkg, { recursive: true })
  for (const file of ['package.json', 'index.js', 'cluster.js', 'binding.js', 'lib']) {
    fs.cpSync(path.join(root, file), path.join(pkg, file), { recursive: true })
  }
  const script = `
    try { require('corepool'); console.log('loaded') } catch (e) {
      console.log(JSON.stringify({ code: e.code, message: e.message, cause: e.cause instanceof Error }))
    }`
  const result = spawnSync(process.execPath, ['-e', script], { cwd: dir, encoding: 'utf8' })
  assert.equal(result.status, 0, result.stderr)
  const error = JSON.parse(result.stdout)
  const report = process.report.getReport().header
  const platform = process.platform === 'linux'
    ? `linux-${process.arch}-${report.glibcVersionRuntime ? 'gnu' : 'musl'}`
    : process.platform === 'win32' ? `win32-${process.arch}-msvc` : `${process.platform}-${process.arch}`
  assert.equal(error.code, 'ERR_COREPOOL_NO_NATIVE_ADDON')
  assert.equal(error.cause, true)
  assert.ok(error.message.includes(`no native addon for ${platform} (Node ${process.version})`), error.message)
  assert.ok(error.message.includes(`the prebuilt package corepool-${platform}`), error.message)
  assert.ok(error.message.endsWith('npm install github:corepool/corepool'), error.message)
})
