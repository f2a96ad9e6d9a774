'use strict'

// `cargo package -p corepool-core` with the full verify build (from crates.io) is a release
// step; here the package itself is built offline, without the verify build, and its contents
// and metadata checked.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const path = require('node:path')

const root = path.join(__dirname, '..')
const cargo = (...args) => execFileSync('cargo', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })

test('cargo package builds corepool-core with its metadata, README, license and every source file', () => {
  cargo('package', '-p', 'corepool-core', '--no-verify', '--allow-dirty', '--offline')
  const files = cargo('package', '-p', 'corepool-core', '--list', '--allow-dirty', '--offline').trim().split('\n')
  for (const file of ['Cargo.toml', 'README.md', 'LICENSE', 'build.rs', 'src/lib.rs', 'src/surface.rs', 'src/pool/mod.rs', 'src/tasks/mod.rs', 'src/js_tasks/mod.rs']) {
    assert.ok(files.includes(file), `the package has ${file}`)
  }
  assert.deepEqual(files.filter((f) => !/^(Cargo\.(toml|toml\.orig|lock)|README\.md|LICENSE|build\.rs|\.cargo_vcs_info\.json|src\/.+\.(rs|md))$/.test(f)), [])
  const [meta] = JSON.parse(cargo('metadata', '--no-deps', '--format-version', '1', '--offline')).packages.filter((p) => p.name === 'corepool-core')
  assert.equal(meta.license, 'MIT')
  assert.ok(meta.description.length > 0 && meta.repository && meta.readme)
})
