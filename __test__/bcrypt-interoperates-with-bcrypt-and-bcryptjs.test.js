'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

/** The incumbent package, or the reason it cannot be loaded here (its tests are then skipped). */
function load (name) {
  try {
    return { lib: require(name), skip: false }
  } catch (error) {
    return { lib: null, skip: `${name} could not be loaded: ${error.message}` }
  }
}

const BCRYPT_FORMAT = /^\$2b\$05\$[./A-Za-z0-9]{53}$/
// 80 bytes: beyond bcrypt's 72-byte limit, so truncation must agree too.
const PASSWORDS = ['correct horse', '', 'pässwörd ✓', 'x'.repeat(80)]

for (const name of ['bcrypt', 'bcryptjs']) {
  const incumbent = load(name)

  test(`bcrypt interoperates with the ${name} package`, { skip: incumbent.skip }, async (t) => {
    const lib = incumbent.lib
    const pool = new Pool({ threads: 2 })
    t.after(() => pool.close())

    await t.test(`${name} verifies our $2b$ hashes, and rejects a wrong password`, async () => {
      for (const password of PASSWORDS) {
        const hash = await pool.exec('bcrypt.hash', password, { cost: 5 })
        assert.match(hash, BCRYPT_FORMAT)
        assert.equal(await lib.compare(password, hash), true, `${password.length} characters`)
        assert.equal(await lib.compare(password + '!', hash), password.length >= 72, `${password.length} characters, one more`)
      }
    })

    await t.test(`we verify ${name}'s hashes, and reject a wrong password`, async () => {
      for (const password of PASSWORDS) {
        const hash = await lib.hash(password, 5)
        assert.equal(await pool.exec('bcrypt.verify', { password, hash }), true, `${password.length} characters`)
        assert.equal(await pool.exec('bcrypt.verify', { password: password + '!', hash }), password.length >= 72)
      }
    })

    await t.test(`we verify ${name}'s $2a$ hashes`, async () => {
      const hash = (await lib.hash('pw', 4)).replace(/^\$2b\$/, '$2a$')
      assert.equal(await pool.exec('bcrypt.verify', { password: 'pw', hash }), true)
    })
  })
}

test('bcrypt.hash defaults to cost 10 and salts every hash afresh', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const [a, b] = await Promise.all([pool.exec('bcrypt.hash', 'pw', { cost: 4 }), pool.exec('bcrypt.hash', 'pw', { cost: 4 })])
  assert.notEqual(a.slice(7, 29), b.slice(7, 29))
  const hash = await pool.exec('bcrypt.hash', 'pw')
  assert.equal(hash.slice(0, 7), '$2b$10$')
  assert.equal(await pool.exec('bcrypt.verify', { password: 'pw', hash }), true)
})

test('bcrypt.verify accepts the published crypt_blowfish vector', async (t) => {
  const pool = new Pool({ threads: 1 })
  t.after(() => pool.close())
  const hash = '$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'
  assert.equal(await pool.exec('bcrypt.verify', { password: 'U*U', hash }), true)
  assert.equal(await pool.exec('bcrypt.verify', { password: 'U*V', hash }), false)
})
