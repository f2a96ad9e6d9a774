'use strict'
// npm run bench: the native kernel on corepool against the same work in JS (levenshtein.js) on
// piscina, both with 2 threads and the same chunks of rows in flight. Outputs are checked equal
// before timing; rounds rotate the order; the table shows medians.

const path = require('node:path')
const { Piscina } = require('piscina')
const { withBinding } = require('corepool')
const levenshtein = require('./levenshtein.js')
const { Pool } = withBinding(require('./custom-kernel.node'))

const THREADS = 2
const ROUNDS = 5
const ROWS = 1000
const COLUMNS = 1000
const ROWS_PER_TASK = 50

/** Deterministic words of 4 to 24 letters from a small alphabet (so distances vary). */
function words (count, seed) {
  let state = seed
  const next = () => { state = (state * 1103515245 + 12345) % 2 ** 31; return state }
  return Array.from({ length: count }, () => {
    const length = 4 + (next() % 21)
    return Array.from({ length }, () => 'aeioulnrst'[next() % 10]).join('')
  })
}

const left = words(ROWS, 1)
const right = words(COLUMNS, 2)
const chunks = []
for (let row = 0; row < ROWS; row += ROWS_PER_TASK) chunks.push({ left: left.slice(row, row + ROWS_PER_TASK), right })

async function main () {
  const pool = new Pool({ threads: THREADS })
  const piscina = new Piscina({ filename: path.join(__dirname, 'bench-worker.js'), minThreads: THREADS, maxThreads: THREADS })
  const impls = {
    'corepool + native kernel': (chunk) => pool.exec('levenshtein', chunk),
    'piscina + JS': (chunk) => piscina.run(chunk)
  }
  const expected = levenshtein({ left, right })
  for (const [name, run] of Object.entries(impls)) {
    const parts = await Promise.all(chunks.map(run))
    const got = Buffer.concat(parts.map((part) => Buffer.from(part.buffer, part.byteOffset, part.byteLength)))
    if (!got.equals(Buffer.from(expected.buffer))) throw new Error(`${name} computed a different matrix`)
  }
  const times = Object.fromEntries(Object.keys(impls).map((name) => [name, []]))
  for (let round = 0; round < ROUNDS; round++) {
    const names = Object.keys(impls)
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]
      const start = process.hrtime.bigint()
      await Promise.all(chunks.map(impls[name]))
      times[name].push(Number(process.hrtime.bigint() - start) / 1e6)
    }
  }
  const median = (values) => [...values].sort((a, b) => a - b)[values.length >> 1]
  const native = median(times['corepool + native kernel'])
  console.log(`${ROWS} x ${COLUMNS} Levenshtein matrix, ${chunks.length} tasks of ${ROWS_PER_TASK} rows, ${THREADS} threads, median of ${ROUNDS}`)
  console.log('| implementation | ms | vs corepool |')
  console.log('|---|---|---|')
  for (const [name, values] of Object.entries(times)) {
    const ms = median(values)
    console.log(`| ${name} | ${ms.toFixed(0)} | ${(ms / native).toFixed(2)}x |`)
  }
  await Promise.all([pool.close(), piscina.destroy()])
}

main()
