'use strict'

// What copying inputs at exec costs: the same task on a plain Buffer (copied at exec) and on a
// view of a SharedArrayBuffer (read in place), in one process, alternating, medians of 15.
// Run: node benchmark/input-copy.js
const { Pool } = require('..')

const MiB = 1024 * 1024
const median = (xs) => xs.slice().sort((a, b) => a - b)[xs.length >> 1]

async function main () {
  const pool = new Pool({ threads: 1 })
  console.log('| task | input | copied (ms) | in place (ms) | copied / in place |')
  console.log('|---|---|---|---|---|')
  for (const task of ['xxh3', 'sha256', 'sort']) {
    for (const size of [4 * 1024, MiB, 64 * MiB]) {
      const plain = task === 'sort' ? new Float64Array(size / 8).map(() => Math.random()) : Buffer.alloc(size, 7)
      const shared = task === 'sort' ? new Float64Array(new SharedArrayBuffer(size)) : new Uint8Array(new SharedArrayBuffer(size))
      shared.set(plain)
      const a = await pool.exec(task, plain)
      const b = await pool.exec(task, shared)
      if (JSON.stringify(Array.from(task === 'sort' ? a.subarray(0, 8) : [a])) !== JSON.stringify(Array.from(task === 'sort' ? b.subarray(0, 8) : [b]))) throw new Error(`${task}: results differ`)
      const reps = size >= 64 * MiB ? 15 : 200
      const times = { copied: [], shared: [] }
      for (let round = 0; round < 15; round++) {
        for (const [name, input] of round % 2 ? [['shared', shared], ['copied', plain]] : [['copied', plain], ['shared', shared]]) {
          const n = size >= 64 * MiB ? 1 : reps
          const start = process.hrtime.bigint()
          for (let i = 0; i < n; i++) await pool.exec(task, input)
          times[name].push(Number(process.hrtime.bigint() - start) / 1e6 / n)
        }
      }
      const c = median(times.copied)
      const s = median(times.shared)
      const label = size >= MiB ? `${size / MiB} MiB` : `${size / 1024} KiB`
      console.log(`| ${task} | ${label} | ${c.toFixed(3)} | ${s.toFixed(3)} | ${(c / s).toFixed(2)} |`)
    }
  }
  await pool.close()
}

main()
