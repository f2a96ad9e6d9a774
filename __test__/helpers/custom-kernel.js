'use strict'

// The example addon built on corepool-core (examples/custom-kernel), built once per test process
// with its own `npm run build` (napi build, so cargo, sharing the workspace's target folder: only
// the example's crate compiles after corepool's own build). Returns the addon's file.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const EXAMPLE = path.join(__dirname, '..', '..', 'examples', 'custom-kernel')
const ADDON = path.join(EXAMPLE, 'custom-kernel.node')

let built = false

function buildExample () {
  if (!built) {
    execFileSync('npm', ['run', 'build'], { cwd: EXAMPLE, stdio: ['ignore', 'ignore', 'inherit'] })
    // What `npm install` does for the example's "corepool": "file:../.." dependency.
    const link = path.join(EXAMPLE, 'node_modules', 'corepool')
    if (!fs.existsSync(link)) {
      fs.mkdirSync(path.dirname(link), { recursive: true })
      fs.symlinkSync(path.relative(path.dirname(link), path.join(EXAMPLE, '..', '..')), link, 'dir')
    }
    built = true
  }
  return ADDON
}

module.exports = { buildExample, EXAMPLE }
