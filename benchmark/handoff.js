'use strict'

// How long one cache line takes to move between this machine's CPUs: two threads take turns
// writing a shared counter (each waits, spinning, for the other's write), and each turn is one
// handoff of the line. On the 2-vCPU development VM it flips between about 60 and 180 ns within
// minutes (the host places the two vCPUs sharing a cache or not), and the pool's no-op throughput
// with it (about 1.4 and 0.7 M tasks/s): run it beside a benchmark to tell which one ran.
// `node benchmark/handoff.js [rounds]` prints the ns per handoff of each round.

const { Worker, isMainThread, workerData } = require('node:worker_threads')

const TURNS = 1_000_000

/** Takes turns with the other thread: writes `turn + 1` whenever the counter reads `turn`. */
function takeTurns (counter, first) {
  for (let turn = first; turn < 2 * TURNS; turn += 2) {
    while (Atomics.load(counter, 0) !== turn);
    Atomics.store(counter, 0, turn + 1)
  }
}

/** Nanoseconds per handoff over one round of TURNS turns each. */
async function measureHandoffNs () {
  const counter = new Int32Array(new SharedArrayBuffer(4))
  const other = new Worker(__filename, { workerData: counter })
  await new Promise((resolve) => other.once('online', resolve))
  const start = process.hrtime.bigint()
  takeTurns(counter, 0)
  const ns = Number(process.hrtime.bigint() - start) / (2 * TURNS)
  await new Promise((resolve) => other.once('exit', resolve))
  return ns
}

async function main () {
  const rounds = Number(process.argv[2] ?? 5)
  const results = []
  for (let round = 0; round < rounds; round++) results.push((await measureHandoffNs()).toFixed(0))
  console.log(`cache line handoff between two threads, ns per turn, each round: ${results.join(' ')}`)
}

if (!isMainThread) takeTurns(workerData, 1)
else if (require.main === module) main()

module.exports = { measureHandoffNs }
