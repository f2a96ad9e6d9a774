'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawnSync } = require('node:child_process')
const { Pool } = require('..')

/** The incumbent package, or the reason it cannot be loaded here (the test is then skipped). */
function load (name) {
  try {
    return { lib: require(name), skip: false }
  } catch (error) {
    return { lib: null, skip: `${name} could not be loaded: ${error.message}` }
  }
}

// Small costs keep the suite fast; the parameters still go through every code path.
const COSTS = { memoryCost: 1024, timeCost: 2, parallelism: 2 }
const TYPES = ['argon2id', 'argon2i', 'argon2d']

/**
 * The `argon2` package runs in a child process: its native addon was seen to die on its own
 * with SIGSEGV on this machine (exit 139), which must not take this test file down with it. The
 * child verifies the pairs it is given and makes hashes of its own; a child killed by a signal
 * is retried, and one that crashes every time skips the test with the reason.
 */
const FOREIGN = `
  const argon2 = require('argon2')
  const { verify, costs } = JSON.parse(process.argv[1])
  const TYPE = { argon2id: argon2.argon2id, argon2i: argon2.argon2i, argon2d: argon2.argon2d }
  ;(async () => {
    const verified = []
    for (const [hash, password] of verify) verified.push(await argon2.verify(hash, password))
    const hashes = {}
    for (const type of Object.keys(TYPE)) hashes[type] = await argon2.hash('correct horse', { type: TYPE[type], ...costs })
    const unicode = await argon2.hash(Buffer.from('pässwörd ✓'), costs)
    process.stdout.write(JSON.stringify({ verified, hashes, unicode }))
  })()
`
const ATTEMPTS = 3

function runForeign (verify) {
  const crashes = []
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const child = spawnSync(process.execPath, ['-e', FOREIGN, JSON.stringify({ verify, costs: COSTS })], {
      cwd: __dirname, encoding: 'utf8', timeout: 60_000
    })
    if (child.status === 0) return { result: JSON.parse(child.stdout) }
    if (child.signal === null) throw new Error(`the argon2 package failed: ${child.stderr}`)
    crashes.push(child.signal)
  }
  return { crashed: `the argon2 package crashed on its own ${ATTEMPTS} times (${crashes.join(', ')})` }
}

const argon2Loads = spawnSync(process.execPath, ['-e', "require('argon2')"], { cwd: __dirname }).status === 0

test('argon2 interoperates with the argon2 package', { skip: !argon2Loads && 'the argon2 package could not be loaded' }, async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  // Our side first: hashes the argon2 package must verify (true), with a wrong password (false).
  const ours = {}
  for (const type of TYPES) {
    ours[type] = await pool.exec('argon2.hash', 'correct horse', { type, ...COSTS })
    assert.match(ours[type], new RegExp(`^\\$${type}\\$v=19\\$m=1024,t=2,p=2\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$`))
  }
  const short = await pool.exec('argon2.hash', 'pw', { ...COSTS, hashLength: 16 })
  const byDefault = await pool.exec('argon2.hash', 'pw')
  const verify = [
    ...TYPES.flatMap((type) => [[ours[type], 'correct horse'], [ours[type], 'correct horsf']]),
    [short, 'pw'],
    [byDefault, 'pw']
  ]
  const foreign = runForeign(verify)
  if (foreign.crashed) return t.skip(foreign.crashed)
  const { verified, hashes, unicode } = foreign.result

  await t.test('the argon2 package verifies our hashes of every type, and rejects a wrong password', () => {
    assert.deepEqual(verified.slice(0, TYPES.length * 2), TYPES.flatMap(() => [true, false]))
  })

  await t.test('we verify the argon2 package\'s hashes of every type, and reject a wrong password', async () => {
    for (const type of TYPES) {
      assert.ok(hashes[type].startsWith(`$${type}$v=19$`), hashes[type])
      assert.equal(await pool.exec('argon2.verify', { password: 'correct horse', hash: hashes[type] }), true, type)
      assert.equal(await pool.exec('argon2.verify', { password: 'correct horsf', hash: hashes[type] }), false, type)
    }
  })

  await t.test('byte and string passwords of the same bytes verify alike, beyond ASCII too', async () => {
    const password = 'pässwörd ✓'
    assert.equal(await pool.exec('argon2.verify', { password, hash: unicode }), true)
    assert.equal(await pool.exec('argon2.verify', { password: new Uint8Array(Buffer.from(password)), hash: unicode }), true)
  })

  await t.test('options.hashLength sets the length of the hash part', () => {
    assert.equal(Buffer.from(short.split('$').pop(), 'base64').length, 16)
    assert.equal(verified[TYPES.length * 2], true)
  })

  await t.test('two hashes of one password differ by their random salt', async () => {
    const [a, b] = await Promise.all([pool.exec('argon2.hash', 'pw', COSTS), pool.exec('argon2.hash', 'pw', COSTS)])
    assert.notEqual(a.split('$')[4], b.split('$')[4])
  })

  await t.test('the defaults are argon2id, 64 MiB, 3 passes and 4 lanes, as in the argon2 package', () => {
    assert.match(byDefault, /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/)
    assert.equal(verified[TYPES.length * 2 + 1], true)
  })
})

const nodeRs = load('@node-rs/argon2')

test('argon2 interoperates with @node-rs/argon2', { skip: nodeRs.skip }, async (t) => {
  const lib = nodeRs.lib
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  // @node-rs/argon2's Algorithm enum: Argon2d = 0, Argon2i = 1, Argon2id = 2.
  const ALGORITHM = { argon2d: 0, argon2i: 1, argon2id: 2 }
  for (const type of TYPES) {
    const ours = await pool.exec('argon2.hash', 'correct horse', { type, ...COSTS })
    assert.equal(await lib.verify(ours, 'correct horse'), true, `@node-rs/argon2 verifies our ${type}`)
    assert.equal(await lib.verify(ours, 'correct horsf'), false, type)
    const theirs = await lib.hash('correct horse', { algorithm: ALGORITHM[type], ...COSTS })
    assert.equal(theirs.startsWith(`$${type}$v=19$`), true, theirs)
    assert.equal(await pool.exec('argon2.verify', { password: 'correct horse', hash: theirs }), true, `we verify @node-rs/argon2's ${type}`)
    assert.equal(await pool.exec('argon2.verify', { password: 'correct horsf', hash: theirs }), false, type)
  }
})
