'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const { promisify } = require('node:util')
const { Pool } = require('..')

const scrypt = promisify(crypto.scrypt)

test('scrypt equals node:crypto', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())

  await t.test('for each set of N, r, p and keylen, and every encoding', async () => {
    const cases = [
      { password: 'password', salt: 'NaCl', N: 1024, r: 8, p: 16, keylen: 64 },
      { password: crypto.randomBytes(33), salt: crypto.randomBytes(16), N: 2, r: 1, p: 1, keylen: 1 },
      { password: '', salt: '', N: 256, r: 4, p: 3, keylen: 100 },
      { password: 'pässwörd ✓', salt: new Uint8Array([1, 2, 3]), N: 4096, r: 2, p: 1, keylen: 1024 }
    ]
    for (const { password, salt, N, r, p, keylen } of cases) {
      const expected = await scrypt(password, salt, keylen, { N, r, p })
      assert.equal(await pool.exec('scrypt', password, { salt, N, r, p, keylen }), expected.toString('hex'), `N=${N} r=${r} p=${p}`)
      assert.deepEqual(await pool.exec('scrypt', password, { salt, N, r, p, keylen, encoding: 'buffer' }), expected)
      assert.equal(await pool.exec('scrypt', password, { salt, N, r, p, keylen, encoding: 'base64' }), expected.toString('base64'))
    }
  })

  await t.test('RFC 7914 test vector 2 comes out as published', async () => {
    assert.equal(
      await pool.exec('scrypt', 'password', { salt: 'NaCl', N: 1024, r: 8, p: 16, keylen: 64 }),
      'fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640'
    )
  })

  await t.test('the defaults are Node\'s: N 16384, r 8, p 1, and a 64-byte key', async () => {
    assert.equal(await pool.exec('scrypt', 'pw', { salt: 'salt' }), (await scrypt('pw', 'salt', 64)).toString('hex'))
  })
})
