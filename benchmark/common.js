'use strict'
// Shared helpers for the benchmarks: environment header, medians, tables.
const os = require('node:os')

function header (title) {
  console.log(`\n## ${title}`)
  console.log(`Node ${process.version}, ${os.cpus()[0]?.model ?? 'unknown CPU'}, ${require('../index.js').availableCores()} usable cores\n`)
}

function median (values) {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
}

function percentile (sortedValues, p) {
  return sortedValues[Math.min(sortedValues.length - 1, Math.floor(sortedValues.length * p))]
}

function table (rows) {
  const keys = Object.keys(rows[0])
  const widths = keys.map((k) => Math.max(k.length, ...rows.map((r) => String(r[k]).length)))
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`
  console.log(line(keys))
  console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`)
  for (const row of rows) console.log(line(keys.map((k) => row[k])))
}

function fmt (n, digits = 0) {
  return Number.isFinite(n) ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }) : String(n)
}

/** Runs each implementation's round in a rotating order, `rounds` times; returns medians. */
async function rotate (implementations, rounds, runRound) {
  const results = Object.fromEntries(Object.keys(implementations).map((name) => [name, []]))
  const names = Object.keys(implementations)
  for (let round = 0; round < rounds; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + round) % names.length]
      results[name].push(await runRound(implementations[name], name))
    }
  }
  return results
}

module.exports = { header, median, percentile, table, fmt, rotate }
