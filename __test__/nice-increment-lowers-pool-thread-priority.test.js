'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const { Pool } = require('..')
const { blocker } = require('./helpers/blocker.js')

/** Nice values of this process's threads named corepool-N, read from /proc. */
function poolThreadNices () {
  const nices = []
  for (const tid of fs.readdirSync('/proc/self/task')) {
    const comm = fs.readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim()
    if (!/^corepool-\d+$/.test(comm)) continue
    const stat = fs.readFileSync(`/proc/self/task/${tid}/stat`, 'utf8')
    // Fields after the ")" that closes the command name; nice is field 19 of stat.
    nices.push(Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]))
  }
  return nices.sort()
}

test('niceIncrement lowers the priority of every pool thread and only theirs', { skip: process.platform !== 'linux' && 'reads /proc (Linux only)' }, async () => {
  const before = Number(fs.readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ')[16])
  const pool = new Pool({ threads: 2, niceIncrement: 7 })
  const a = blocker(pool)
  const b = blocker(pool)
  await a.started()
  await b.started() // both threads exist and have run their start handler
  assert.deepEqual(poolThreadNices(), [before + 7, before + 7])
  const mainNice = Number(fs.readFileSync('/proc/thread-self/stat', 'utf8').split(') ')[1].split(' ')[16])
  assert.equal(mainNice, before)
  a.release(); b.release()
  await pool.close()
})
