'use strict'

// `npm pack`, then `npm install` of that tarball into a new project: the addon must build there
// from source and work. Compiled dependencies are shared through CARGO_TARGET_DIR to keep this
// test short; the corepool crate itself is compiled from the tarball's sources.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')

test('the npm pack tarball installs into a fresh project, builds there and works', { timeout: 900_000 }, (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-tarball-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: root, encoding: 'utf8' }))
  const tarball = path.join(dir, packed[0].filename)
  const files = packed[0].files.map((f) => f.path)
  for (const needed of ['index.js', 'lib/pool.js', 'Cargo.toml', 'Cargo.lock', 'build.rs', 'src/lib.rs']) {
    assert.equal(files.includes(needed), true, `${needed} is in the tarball`)
  }
  assert.equal(files.some((f) => f.endsWith('.node')), false, 'no prebuilt binary is shipped')

  const app = path.join(dir, 'app')
  fs.mkdirSync(app)
  fs.writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  const env = { ...process.env, CARGO_TARGET_DIR: path.join(root, 'target') }
  execFileSync('npm', ['install', '--no-audit', '--no-fund', tarball], { cwd: app, env, stdio: 'pipe' })

  const script = `
    const { Pool } = require('corepool')
    const pool = new Pool({ threads: 2 })
    Promise.all([pool.exec('fib', 20), pool.exec('sha256', 'abc')]).then(async (r) => {
      await pool.close()
      console.log(JSON.stringify([...r, require.resolve('corepool')]))
    })`
  const out = execFileSync(process.execPath, ['-e', script], { cwd: app, encoding: 'utf8' })
  const [fib, sha, resolved] = JSON.parse(out)
  assert.deepEqual([fib, sha], [6765, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'])
  assert.equal(resolved, path.join(fs.realpathSync(app), 'node_modules', 'corepool', 'index.js'))
})
