'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { Pool } = require('..')

const HASHES = ['md5', 'sha1', 'sha256', 'sha384', 'sha512', 'sha3-256', 'blake3', 'xxh64', 'xxh3', 'xxh3-128', 'crc32', 'crc32c', 'hmac-sha256', 'hmac-sha512']
const BYTES = 'must be a Buffer, TypedArray, DataView, ArrayBuffer or string, got'
const BYTES_OR_FILE = 'must be a Buffer, TypedArray, DataView, ArrayBuffer, string or { path }, got'
const GOOD_BCRYPT = '$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW'
const GOOD_ARGON2 = '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc'

/** Asserts that exec(task, input, options) rejects with ERR_INVALID_ARG and exactly `message`. */
async function rejects (pool, task, input, options, message) {
  await assert.rejects(pool.exec(task, input, options), (error) => {
    assert.equal(error.code, 'ERR_INVALID_ARG', `${task}: ${error.message}`)
    assert.equal(error.message, message)
    return true
  })
}

test('hash and password tasks reject bad input with a code and a message naming the argument', async (t) => {
  const pool = new Pool({ threads: 2 })
  t.after(() => pool.close())
  const withKey = (task, options = {}) => (task.startsWith('hmac') ? { key: 'k', ...options } : options)

  await t.test('every hash rejects an input that is not bytes or a string', async () => {
    for (const task of HASHES) {
      await rejects(pool, task, 42, withKey(task), `input ${BYTES_OR_FILE} 42`)
      await rejects(pool, task, undefined, withKey(task), `input ${BYTES_OR_FILE} undefined`)
      await rejects(pool, task, null, withKey(task), `input ${BYTES_OR_FILE} null`)
      await rejects(pool, task, { length: 3 }, withKey(task), `input ${BYTES_OR_FILE} an instance of Object`)
      await rejects(pool, task, [1, 2, 3], withKey(task), `input ${BYTES_OR_FILE} an array`)
    }
  })

  await t.test('every hash rejects an unknown options.encoding', async () => {
    for (const task of HASHES) {
      await rejects(pool, task, 'abc', withKey(task, { encoding: 'utf8' }), "options.encoding must be one of 'hex', 'base64', 'buffer', got 'utf8'")
      await rejects(pool, task, 'abc', withKey(task, { encoding: 1 }), "options.encoding must be one of 'hex', 'base64', 'buffer', got 1")
    }
  })

  await t.test('xxh64 and xxh3 reject a seed that is not a whole number from 0 to 2^53 - 1', async () => {
    for (const task of ['xxh64', 'xxh3', 'xxh3-128']) {
      for (const [seed, shown] of [[-1, '-1'], [1.5, '1.5'], [2 ** 53, '9007199254740992'], ['1', "'1'"], [1n, '1n']]) {
        await rejects(pool, task, 'abc', { seed }, `options.seed must be an integer from 0 to 9007199254740991, got ${shown}`)
      }
    }
  })

  await t.test('hmac requires options.key as bytes or a string', async () => {
    for (const task of ['hmac-sha256', 'hmac-sha512']) {
      await rejects(pool, task, 'abc', undefined, `options.key ${BYTES} undefined`)
      await rejects(pool, task, 'abc', {}, `options.key ${BYTES} undefined`)
      await rejects(pool, task, 'abc', { key: 7 }, `options.key ${BYTES} 7`)
      await rejects(pool, task, 'abc', { key: null }, `options.key ${BYTES} null`)
    }
  })

  await t.test('argon2.hash rejects unknown types and costs outside their bounds', async () => {
    await rejects(pool, 'argon2.hash', 1, undefined, `input ${BYTES} 1`)
    await rejects(pool, 'argon2.hash', 'pw', { type: 'argon2' }, "options.type must be one of 'argon2id', 'argon2i', 'argon2d', got 'argon2'")
    await rejects(pool, 'argon2.hash', 'pw', { timeCost: 0 }, 'options.timeCost must be an integer from 1 to 16, got 0')
    await rejects(pool, 'argon2.hash', 'pw', { timeCost: 1000 }, 'options.timeCost must be an integer from 1 to 16, got 1000')
    await rejects(pool, 'argon2.hash', 'pw', { parallelism: 17 }, 'options.parallelism must be an integer from 1 to 16, got 17')
    await rejects(pool, 'argon2.hash', 'pw', { memoryCost: 2 ** 32 }, 'options.memoryCost must be an integer from 32 to 1048576, got 4294967296')
    await rejects(pool, 'argon2.hash', 'pw', { memoryCost: 16, parallelism: 4 }, 'options.memoryCost must be an integer from 32 to 1048576, got 16')
    await rejects(pool, 'argon2.hash', 'pw', { memoryCost: 8, parallelism: 1, hashLength: 8 }, 'options.hashLength must be an integer from 16 to 64, got 8')
    await rejects(pool, 'argon2.hash', 'pw', { timeCost: '3' }, "options.timeCost must be an integer from 1 to 16, got '3'")
  })

  await t.test('bcrypt.hash rejects a cost outside 4 to 16 at once, instead of hashing for days', async () => {
    await rejects(pool, 'bcrypt.hash', {}, undefined, `input ${BYTES} an instance of Object`)
    for (const [cost, shown] of [[31, '31'], [17, '17'], [3, '3'], [10.5, '10.5'], ['10', "'10'"], [NaN, 'NaN']]) {
      await rejects(pool, 'bcrypt.hash', 'pw', { cost }, `options.cost must be an integer from 4 to 16, got ${shown}`)
    }
  })

  await t.test('scrypt rejects a missing salt, bad N, r, p or keylen, and memory beyond options.maxmem', async () => {
    await rejects(pool, 'scrypt', 'pw', undefined, `options.salt ${BYTES} undefined`)
    await rejects(pool, 'scrypt', 'pw', { salt: 5 }, `options.salt ${BYTES} 5`)
    await rejects(pool, 'scrypt', true, { salt: 's' }, `input ${BYTES} true`)
    await rejects(pool, 'scrypt', 'pw', { salt: 's', N: 1000 }, 'options.N must be a power of 2 from 2 to 16777216, got 1000')
    await rejects(pool, 'scrypt', 'pw', { salt: 's', N: 1 }, 'options.N must be an integer from 2 to 16777216, got 1')
    await rejects(pool, 'scrypt', 'pw', { salt: 's', N: 2 ** 25 }, 'options.N must be an integer from 2 to 16777216, got 33554432')
    await rejects(pool, 'scrypt', 'pw', { salt: 's', r: 0 }, 'options.r must be an integer from 1 to 32, got 0')
    await rejects(pool, 'scrypt', 'pw', { salt: 's', p: 17 }, 'options.p must be an integer from 1 to 16, got 17')
    await rejects(pool, 'scrypt', 'pw', { salt: 's', keylen: 0 }, 'options.keylen must be an integer from 1 to 1024, got 0')
    await rejects(pool, 'scrypt', 'pw', { salt: 's', N: 2 ** 20 }, 'options.N and options.r need 128 * N * r = 1073741824 bytes, more than options.maxmem = 33554432')
    await rejects(pool, 'scrypt', 'pw', { salt: 's', maxmem: 2 ** 31 }, 'options.maxmem must be an integer from 1 to 1073741824, got 2147483648')
  })

  await t.test('verify tasks want an object { password, hash }', async () => {
    for (const task of ['argon2.verify', 'bcrypt.verify']) {
      await rejects(pool, task, 'pw', undefined, "input must be an object { password, hash }, got 'pw'")
      await rejects(pool, task, null, undefined, 'input must be an object { password, hash }, got null')
      await rejects(pool, task, ['pw', GOOD_BCRYPT], undefined, 'input must be an object { password, hash }, got an array')
      await rejects(pool, task, Buffer.from('pw'), undefined, 'input must be an object { password, hash }, got an instance of Buffer')
      await rejects(pool, task, { hash: GOOD_ARGON2 }, undefined, `input.password ${BYTES} undefined`)
      await rejects(pool, task, { password: 'pw', hash: Buffer.from(GOOD_BCRYPT) }, undefined, 'input.hash must be a string, got an instance of Buffer')
      await rejects(pool, task, { password: 'pw' }, undefined, 'input.hash must be a string, got undefined')
    }
  })

  await t.test('argon2.verify rejects malformed PHC strings and costs beyond the bounds', async () => {
    const verify = (hash, message) => rejects(pool, 'argon2.verify', { password: 'pw', hash }, undefined, message)
    await verify('', 'input.hash must be an argon2 PHC string: password hash string missing field')
    await verify(GOOD_BCRYPT, 'input.hash must be an argon2 PHC string: salt invalid: value to short')
    await verify('$scrypt$ln=4,r=8,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNo', 'input.hash must be an argon2 PHC string: the algorithm is not argon2id, argon2i or argon2d')
    await verify(GOOD_ARGON2.replace('m=65536', 'm=4194304'), 'input.hash has m=4194304; corepool verifies m up to 1048576')
    await verify(GOOD_ARGON2.replace('t=2', 't=4000'), 'input.hash has t=4000; corepool verifies t up to 16')
    await verify(GOOD_ARGON2.replace('p=1', 'p=64'), 'input.hash has p=64; corepool verifies p up to 16')
    await verify(GOOD_ARGON2.replace('v=19', 'v=20'), 'input.hash must be an argon2 PHC string: the version is not 16 or 19')
    await verify(GOOD_ARGON2.slice(0, GOOD_ARGON2.lastIndexOf('$')), 'input.hash must be an argon2 PHC string: it has no hash')
  })

  await t.test('bcrypt.verify rejects malformed hashes and a cost beyond the bounds', async () => {
    const verify = (hash, message) => rejects(pool, 'bcrypt.verify', { password: 'pw', hash }, undefined, message)
    const malformed = 'input.hash must be a bcrypt hash ($2a$, $2b$ or $2y$, 60 characters): '
    await verify('', malformed + 'it has 0 characters')
    await verify(GOOD_BCRYPT.slice(0, 59), malformed + 'it has 59 characters')
    await verify(GOOD_ARGON2, malformed + `it has ${GOOD_ARGON2.length} characters`)
    await verify(GOOD_BCRYPT.replace('$2b$', '$2x$'), malformed + 'the prefix is not $2a$, $2b$ or $2y$')
    await verify(GOOD_BCRYPT.split('$05$').join('$5$$'), malformed + 'the cost is not two digits followed by $')
    await verify(GOOD_BCRYPT.replace('E5Y', 'E!Y'), malformed + "the salt and hash are not in bcrypt's base64 alphabet")
    await verify(GOOD_BCRYPT.replace('$05$', '$31$'), 'input.hash has cost 31; corepool verifies costs from 4 to 16')
    await verify(GOOD_BCRYPT.replace('$05$', '$03$'), 'input.hash has cost 3; corepool verifies costs from 4 to 16')
  })

  await t.test('after every rejection the pool still hashes and verifies', async () => {
    assert.equal(await pool.exec('crc32', '123456789'), 'cbf43926')
    assert.equal(await pool.exec('bcrypt.verify', { password: 'U*U', hash: GOOD_BCRYPT.replace('$2b$', '$2a$') }), true)
    const stats = pool.stats()
    assert.equal(stats.completed + stats.failed + stats.cancelled, stats.submitted)
  })
})
