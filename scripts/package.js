'use strict'

// `npm run package`: builds the release addon for this machine, places it in its platform
// package (npm/<platform>/), and packs the main package and that platform package into dist/.
// dist/ holds those two tarballs and nothing else. Prints what it packed, one JSON line per tarball.

const { execFileSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

const root = path.join(__dirname, '..')
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm'
const run = (args, cwd) => execFileSync(npm, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] })

run(['run', 'build'], root)

// `napi build --platform` names the addon corepool.<platform>.node; that platform names the package.
const built = fs.readdirSync(root).filter((f) => /^corepool\.[\w-]+\.node$/.test(f))
if (built.length !== 1) throw new Error(`expected one corepool.<platform>.node after the build, found ${JSON.stringify(built)}`)
const platform = built[0].slice('corepool.'.length, -'.node'.length)
const platformDir = path.join(root, 'npm', platform)
if (!fs.existsSync(path.join(platformDir, 'package.json'))) {
  throw new Error(`npm/${platform}/package.json is missing: add the target to napi.targets and run \`npx napi create-npm-dirs\``)
}
fs.copyFileSync(path.join(root, built[0]), path.join(platformDir, built[0]))
fs.copyFileSync(path.join(root, 'LICENSE'), path.join(platformDir, 'LICENSE'))

const dist = path.join(root, 'dist')
fs.rmSync(dist, { recursive: true, force: true })
fs.mkdirSync(dist)
// --ignore-scripts: the addon was just built; `prepare` would build it again.
function pack (dir) {
  const [packed] = JSON.parse(run(['pack', '--json', '--ignore-scripts', '--pack-destination', dist], dir))
  console.log(JSON.stringify({ tarball: path.join('dist', packed.filename), size: packed.size, unpackedSize: packed.unpackedSize, files: packed.entryCount }))
}
// package.json's files take a local build (corepool.*.node) so that an install from the repository
// (`npm install github:...`, which builds through `prepare`) ships it; the published main package
// leaves it to the platform package. So the main package is packed from a copy of its files
// without the addon (the working tree is left alone: tests running from it keep their addon).
const [listing] = JSON.parse(run(['pack', '--dry-run', '--json', '--ignore-scripts'], root))
const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-pack-'))
try {
  for (const { path: file } of listing.files) {
    if (file.endsWith('.node')) continue
    fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true })
    fs.copyFileSync(path.join(root, file), path.join(stage, file))
  }
  pack(stage)
} finally {
  fs.rmSync(stage, { recursive: true, force: true })
}
pack(platformDir)
