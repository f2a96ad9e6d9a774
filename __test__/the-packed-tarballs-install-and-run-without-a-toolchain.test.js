'use strict'

// What a user gets from `npm install corepool`, tried for real: `npm run package` packs the main
// package and this platform's package into dist/; both install into a fresh project outside the
// repository with --ignore-scripts and a PATH without cargo or rustc. There, corepool loads its
// prebuilt addon, runs tasks on Node 20, 22 and 24, and an Express app on runCluster serves
// requests from its pool. No cargo target/ and no @napi-rs/cli land in the project.
const test = require('node:test')
const assert = require('node:assert/strict')
const { execFileSync } = require('node:child_process')
const crypto = require('node:crypto')
const fs = require('node:fs')
const http = require('node:http')
const os = require('node:os')
const path = require('node:path')
const { startCluster, get } = require('./fixtures/harness.js')
const { nodeBinary } = require('../scripts/node-binary.js')

const root = path.join(__dirname, '..')
const { version } = require('../package.json')
const PLATFORM = 'linux-x64-gnu'
const MAX_PLATFORM_TARBALL = 3 * 1024 * 1024
const onPlatform = process.platform === 'linux' && process.arch === 'x64' && Boolean(process.report.getReport().header.glibcVersionRuntime)
const hasCargo = process.env.PATH.split(path.delimiter).some((dir) => fs.existsSync(path.join(dir, 'cargo')))
const skip = (!onPlatform && 'the platform package built here is linux-x64-gnu') || (!hasCargo && 'npm run package builds the addon with cargo, which is not on PATH (CI runs this test in its linux-x64-gnu build job)')

const tarList = (tarball) => execFileSync('tar', ['-tzf', tarball], { encoding: 'utf8' }).trim().split('\n').map((f) => f.replace(/^package\//, '')).sort()

/** PATH without any folder that holds cargo or rustc. */
function pathWithoutRust () {
  return process.env.PATH.split(path.delimiter).filter((dir) => !['cargo', 'rustc'].some((bin) => fs.existsSync(path.join(dir, bin)))).join(path.delimiter)
}

function findDirs (dir, name, found = []) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue
    const full = path.join(dir, entry.name)
    if (entry.name === name) found.push(full)
    findDirs(full, name, found)
  }
  return found
}

function post (port, pathname, body) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: pathname, method: 'POST', agent: false, headers: { 'content-type': 'text/plain' } }, (res) => {
      let text = ''
      res.setEncoding('utf8')
      res.on('data', (c) => { text += c })
      res.on('end', () => resolve({ status: res.statusCode, body: text }))
    })
    req.on('error', reject)
    req.end(body)
  })
}

test('npm run package packs exactly the main and the linux-x64-gnu tarballs, which install and run without a toolchain', { skip, timeout: 600_000 }, async (t) => {
  execFileSync('npm', ['run', 'package'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] })
  const dist = path.join(root, 'dist')
  const main = path.join(dist, `corepool-${version}.tgz`)
  const native = path.join(dist, `corepool-${PLATFORM}-${version}.tgz`)
  assert.deepEqual(fs.readdirSync(dist).sort(), [path.basename(main), path.basename(native)])

  // The main package: JS, types, loader, docs; no Rust sources and no binary.
  const mainFiles = tarList(main)
  for (const needed of ['LICENSE', 'README.md', 'package.json', 'index.js', 'index.d.ts', 'cluster.js', 'cluster.d.ts', 'binding.js', 'lib/native.js', 'lib/pool.js', 'docs/cluster.md']) {
    assert.ok(mainFiles.includes(needed), `${needed} is in the main tarball`)
  }
  assert.deepEqual(mainFiles.filter((f) => /^(src|__test__|benchmark|npm|target)\/|^Cargo\.|^build\.rs$|\.node$/.test(f)), [])
  const manifest = JSON.parse(execFileSync('tar', ['-xzOf', main, 'package/package.json'], { encoding: 'utf8' }))
  assert.equal(manifest.scripts.install, undefined)
  assert.equal(manifest.scripts.postinstall, undefined)
  assert.equal(manifest.dependencies, undefined, 'no runtime dependencies')
  assert.equal(manifest.optionalDependencies[`corepool-${PLATFORM}`], version)
  assert.match(manifest.repository.url, /github\.com/)
  // The platform package: the addon alone, within the size budget.
  assert.deepEqual(tarList(native), ['LICENSE', 'README.md', `corepool.${PLATFORM}.node`, 'package.json'])
  assert.ok(fs.statSync(native).size <= MAX_PLATFORM_TARBALL, `${fs.statSync(native).size} bytes <= 3 MB`)

  const project = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-consumer-'))
  t.after(() => fs.rmSync(project, { recursive: true, force: true }))
  assert.ok(!fs.realpathSync(project).startsWith(fs.realpathSync(root) + path.sep))
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }))
  for (const file of ['app.js', 'smoke.js']) fs.copyFileSync(path.join(__dirname, 'fixtures', 'consumer', file), path.join(project, file))
  const env = { ...process.env, PATH: pathWithoutRust() }
  for (const bin of ['cargo', 'rustc']) {
    assert.throws(() => execFileSync('sh', ['-c', `command -v ${bin}`], { env, stdio: 'ignore' }), `${bin} is not on the install's PATH`)
  }
  execFileSync('npm', ['install', '--ignore-scripts', '--no-audit', '--no-fund', main, native, 'express@5'], { cwd: project, env, stdio: ['ignore', 'ignore', 'inherit'] })

  assert.deepEqual(findDirs(project, 'target'), [], 'no cargo target/ folder')
  assert.equal(fs.existsSync(path.join(project, 'node_modules', '@napi-rs', 'cli')), false, 'no @napi-rs/cli')
  assert.deepEqual(fs.readdirSync(path.join(project, 'node_modules', 'corepool')).filter((f) => f.endsWith('.node') || f === 'src'), [])

  const modules = fs.realpathSync(path.join(project, 'node_modules'))
  for (const major of [20, 22, 24]) {
    const node = nodeBinary(major)
    const out = JSON.parse(execFileSync(node, ['smoke.js'], { cwd: project, env, encoding: 'utf8' }))
    assert.equal(out.node.split('.')[0], String(major))
    assert.deepEqual(out, {
      node: out.node,
      results: [6765, 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad', ['Int32Array', -1, 2, 3], 'corepool'],
      cores: true,
      runCluster: 'function',
      esm: ['function', 'function'],
      corepool: path.join(modules, 'corepool', 'index.js'),
      addon: path.join(modules, `corepool-${PLATFORM}`, `corepool.${PLATFORM}.node`)
    }, `smoke on Node ${major}`)
  }

  const app = startCluster(t, undefined, { script: path.join(project, 'app.js'), env })
  const listening = await app.waitFor((e) => e.event === 'line' && /^listening on \d+$/.test(e.line))
  const port = Number(listening.line.split(' ').pop())
  assert.deepEqual(JSON.parse((await get(port, '/fib/25')).body), { fib: 75025 })
  assert.deepEqual(await post(port, '/sha256', 'hello'), { status: 200, body: crypto.createHash('sha256').update('hello').digest('hex') })
  app.child.kill('SIGTERM')
  assert.deepEqual(await app.exited.then((e) => [e.code, e.signal]), [0, null])
})
