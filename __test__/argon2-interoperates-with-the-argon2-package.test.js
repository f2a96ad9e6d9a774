'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

/** The incumbent package, or the reason it cannot be loaded here (the test is then skipped). */
function load (name) {
  try {
    return { lib: require(name), skip: false }
  } catch (error) {
    return { lib: null, skip: `${name} could not be loaded: ${error.message}` }
  }
}

const argon2 = load('argon2')
// Small costs keep the suite fast; the parameters still go through every code path.
const COSTS = { memoryCost: 1024, timeCost: 2, parallelism: 2 }
const TYPES = ['argon2id', 'argon2i', 'argon2d']

test('argon2 interoperates with the argon2 package', { skip: argon2.skip }, async (t) => {
  const lib = argon2.lib
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const LIB_TYPE = { argon2id: lib.argon2id, argon2i: lib.argon2i, argon2d: lib.argon2d }

  await t.test('the argon2 package verifies our hashes of every type, and rejects a wrong password', async () => {
    for (const type of TYPES) {
      const hash = await pool.exec('argon2.hash', 'correct horse', { type, ...COSTS })
      assert.match(hash, new RegExp(`^\\$${type}\\$v=19\\$m=1024,t=2,p=2\\$[A-Za-z0-9+/]{22}\\$[A-Za-z0-9+/]{43}$`))
      assert.equal(await lib.verify(hash, 'correct horse'), true, type)
      assert.equal(await lib.verify(hash, 'correct horsf'), false, type)
    }
  })

  await t.test('we verify the argon2 package\'s hashes of every type, and reject a wrong password', async () => {
    for (const type of TYPES) {
      const hash = await lib.hash('correct horse', { type: LIB_TYPE[type], ...COSTS })
      assert.equal(await pool.exec('argon2.verify', { password: 'correct horse', hash }), true, type)
      assert.equal(await pool.exec('argon2.verify', { password: 'correct horsf', hash }), false, type)
    }
  })

  await t.test('byte and string passwords of the same bytes verify alike, beyond ASCII too', async () => {
    const password = 'pässwörd ✓'
    const hash = await lib.hash(Buffer.from(password), COSTS)
    assert.equal(await pool.exec('argon2.verify', { password, hash }), true)
    assert.equal(await pool.exec('argon2.verify', { password: new Uint8Array(Buffer.from(password)), hash }), true)
  })

  await t.test('options.hashLength sets the length of the hash part', async () => {
    const hash = await pool.exec('argon2.hash', 'pw', { ...COSTS, hashLength: 16 })
    assert.equal(Buffer.from(hash.split('$').pop(), 'base64').length, 16)
    assert.equal(await lib.verify(hash, 'pw'), true)
  })

  await t.test('two hashes of one password differ by their random salt', async () => {
    const [a, b] = await Promise.all([pool.exec('argon2.hash', 'pw', COSTS), pool.exec('argon2.hash', 'pw', COSTS)])
    assert.notEqual(a.split('$')[4], b.split('$')[4])
  })

  await t.test('the defaults are argon2id, 64 MiB, 3 passes and 4 lanes, as in the argon2 package', async () => {
    const hash = await pool.exec('argon2.hash', 'pw')
    assert.match(hash, /^\$argon2id\$v=19\$m=65536,t=3,p=4\$/)
    assert.equal(await lib.verify(hash, 'pw'), true)
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
