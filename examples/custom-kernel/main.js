'use strict'
// npm start: corepool's JS API over this addon. Prints results, a cancelled task and an error
// code, then exits 0.

const { withBinding } = require('corepool')
const { Pool } = withBinding(require('./custom-kernel.node'))

async function main () {
  const pool = new Pool({ threads: 2 })
  console.log('tasks:', Pool.tasks.join(', '))

  // Results: which known word is closest to each typo?
  const typos = ['recieve', 'seperate', 'definately', 'occurence']
  const words = ['receive', 'separate', 'definitely', 'occurrence', 'deceive', 'desperate']
  const distances = await pool.exec('levenshtein', { left: typos, right: words })
  for (const [i, typo] of typos.entries()) {
    const row = distances.subarray(i * words.length, (i + 1) * words.length)
    const best = row.indexOf(Math.min(...row))
    console.log(`${typo} -> ${words[best]} (distance ${row[best]})`)
  }

  // Cancellation: a matrix of about a minute stops at the kernel's next token check.
  const long = Array.from({ length: 400 }, (_, i) => 'ab'.repeat(500) + i)
  const started = Date.now()
  const timedOut = await pool.exec('levenshtein', { left: long, right: long }, { timeout: 100 }).catch((error) => error)
  console.log(`timeout: ${timedOut.code} after ${Date.now() - started} ms`)
  const controller = new AbortController()
  const aborted = pool.exec('levenshtein', { left: long, right: long }, { signal: controller.signal }).catch((error) => error)
  setTimeout(() => controller.abort(new Error('user left')), 50)
  const abortError = await aborted
  console.log(`abort: ${abortError.code}, cause: ${abortError.cause.message}`)

  // Error codes: the kernel's own, and a validation error worded like corepool's.
  const tooLarge = await pool.exec('levenshtein', { left: typos, right: words }, { maxCells: 10 }).catch((error) => error)
  console.log(`${tooLarge.code}: ${tooLarge.message}`)
  const invalid = await pool.exec('levenshtein', { left: typos, right: [1] }).catch((error) => error)
  console.log(`${invalid.code}: ${invalid.message}`)

  const { levenshtein } = pool.stats().tasks
  console.log(`stats: ${levenshtein.submitted} submitted, ${levenshtein.completed} completed, ${levenshtein.failed} failed, ${levenshtein.cancelled} cancelled`)
  await pool.close()
}

main()
