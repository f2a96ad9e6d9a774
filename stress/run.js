'use strict'

// `npm run stress`: the hostile run, kept. Each case runs in a fresh process, under a time limit,
// and the run prints one table. COREPOOL_STRESS_SCALE (default 1, about 10 minutes on 2 cores)
// scales every case's run count and duration; COREPOOL_STRESS_CASES=a,b runs only those cases.
// Exits 1 if any row has a failure.

const path = require('node:path')
const { spawn } = require('node:child_process')
const { CASES } = require('./cases.js')

const SCALE = Number(process.env.COREPOOL_STRESS_SCALE ?? 1)
if (!(SCALE > 0)) throw new Error(`COREPOOL_STRESS_SCALE must be a positive number, got ${process.env.COREPOOL_STRESS_SCALE}`)
const only = process.env.COREPOOL_STRESS_CASES?.split(',')
const names = Object.keys(CASES).filter((name) => !only || only.includes(name))
/** A case that runs past this is a hang (its own work is bounded well below it). */
const LIMIT_MS = Math.max(180_000, 600_000 * SCALE)

function runCase (name) {
  return new Promise((resolve) => {
    const started = Date.now()
    const child = spawn(process.execPath, [path.join(__dirname, 'cases.js'), name], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => { stdout += d })
    child.stderr.on('data', (d) => { stderr += d })
    let timedOut = false
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL') }, LIMIT_MS)
    child.on('exit', (code, signal) => {
      clearTimeout(timer)
      const seconds = ((Date.now() - started) / 1000).toFixed(1)
      let row
      try {
        row = JSON.parse(stdout.trim().split('\n').at(-1))
      } catch {
        row = { runs: 0, crash: 0, hang: 0, lost: 0, duplicate: 0, wrongCode: 0, notes: '' }
        if (timedOut) row.hang++
        else row.crash++
        row.notes = `exit ${code} ${signal ?? ''} ${stderr.slice(0, 300)}`
      }
      if (stderr.trim() !== '' && !row.notes.includes(stderr.slice(0, 50))) {
        row.wrongCode++
        row.notes += ` stderr: ${stderr.trim().slice(0, 200)}`
      }
      row.notes = `${seconds} s;${row.notes}`
      resolve(row)
    })
  })
}

async function main () {
  console.log(`corepool stress: scale ${SCALE}, Node ${process.version}`)
  const rows = []
  for (const name of names) {
    const row = await runCase(name)
    rows.push({ case: name, ...row })
    process.stderr.write(`  ${name}: done\n`)
  }
  const failures = (row) => row.crash + row.hang + row.lost + row.duplicate + row.wrongCode
  console.log('\n| case | runs | crash | hang | lost | duplicate | wrong code | notes |')
  console.log('|---|---|---|---|---|---|---|---|')
  for (const row of rows) {
    console.log(`| ${row.case} | ${row.runs} | ${row.crash} | ${row.hang} | ${row.lost} | ${row.duplicate} | ${row.wrongCode} | ${row.notes.trim()} |`)
  }
  const failed = rows.filter((row) => failures(row) > 0).map((row) => row.case)
  console.log(failed.length === 0 ? '\nno failures' : `\nfailures in: ${failed.join(', ')}`)
  process.exitCode = failed.length === 0 ? 0 : 1
}

main()
