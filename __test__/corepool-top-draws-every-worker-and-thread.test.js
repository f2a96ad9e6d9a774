'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const path = require('node:path')
const { spawn, execFile } = require('node:child_process')
const { promisify } = require('node:util')
const { startCluster, get } = require('./fixtures/harness.js')

const SERVER = path.join(__dirname, '..', 'examples', 'express', 'server.js')
const BIN = path.join(__dirname, '..', 'bin', 'corepool.js')
const ESC = '\x1b'

async function startDemo (t) {
  const app = startCluster(t, undefined, { script: SERVER, env: { PORT: '0', STATS_PORT: '0', WORKERS: '2', THREADS: '2' } })
  const listening = await app.waitFor((e) => e.event === 'line' && /listening on http:\/\/127\.0\.0\.1:\d+$/.test(e.line))
  const primaryLine = await app.waitFor((e) => e.event === 'line' && e.line.startsWith('cluster stats on '))
  const port = Number(listening.line.match(/:(\d+)$/)[1])
  const statsPort = Number(primaryLine.line.match(/:(\d+)\//)[1])
  // Both workers ready and reporting.
  let stats
  do {
    stats = JSON.parse((await get(statsPort, '/stats')).body)
  } while (!stats.workers.every((w) => w.state === 'ready' && w.pool !== null))
  return { app, port, statsPort, stats }
}

test('corepool top --once prints one 80-column frame with every worker and every thread of the demo', async (t) => {
  const { app, port, statsPort, stats } = await startDemo(t)
  for (let i = 0; i < 4; i++) assert.equal((await get(port, '/fib/20')).status, 200)
  const url = `http://127.0.0.1:${statsPort}/`
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'top', url, '--once', '--interval', '200'])
  const lines = stdout.trimEnd().split('\n')
  assert.equal(lines[0], `corepool top  http://127.0.0.1:${statsPort}/stats`)
  assert.match(lines[1], /^2 workers x 2 threads, budget \d+ cores, up \d/)
  assert.equal(lines[3], 'worker     pid  uptime  rst    rss  loop p99  tasks/s  queue  wait p99  run p99')
  for (const w of stats.workers) {
    const row = lines.findIndex((l) => new RegExp(`^ {5}${w.worker} +${w.pid} `).test(l))
    assert.notEqual(row, -1, `no row for worker ${w.worker} (pid ${w.pid}):\n${stdout}`)
    assert.match(lines[row], /^ +\d+ +\d+ +[\d.]+[smh] +0 +\d+MB +[\d.]+(ms|us) +\d+ +0 +[\d.]+(ms|us) +[\d.]+(ms|us)$/)
    assert.match(lines[row + 1], /^ {9}thread {2}0 \[[#.]{16}\] +\d+% {3}thread {2}1 \[[#.]{16}\] +\d+%$/)
  }
  assert.ok(lines.every((l) => l.length <= 80), 'a line is wider than 80 columns')
  app.child.kill('SIGTERM')
  assert.equal((await app.exited).code, 0)
})

test('corepool top redraws in place on the alternate screen and quits on q', async (t) => {
  const { app, statsPort } = await startDemo(t)
  const top = spawn(process.execPath, [BIN, 'top', String(statsPort), '--interval', '100'], { stdio: ['pipe', 'pipe', 'inherit'] })
  let out = ''
  top.stdout.setEncoding('utf8')
  // Two frames drawn: then quit.
  await new Promise((resolve) => top.stdout.on('data', (chunk) => { out += chunk; if (out.split('\x1b[H').length > 2) resolve() }))
  top.stdin.write('q')
  const code = await new Promise((resolve) => top.once('exit', resolve))
  assert.equal(code, 0)
  assert.ok(out.startsWith('\x1b[?1049h\x1b[?25l'), 'enters the alternate screen and hides the cursor')
  assert.ok(out.endsWith('\x1b[?25h\x1b[?1049l'), 'leaves the alternate screen and shows the cursor')
  assert.ok(!out.includes('\x1b[2J'), 'never clears the whole screen (no flicker)')
  const frame = out.split('\x1b[H')[1]
  assert.match(frame, new RegExp(`^corepool top {2}http://127\\.0\\.0\\.1:\\d+/stats${ESC}\\[K\n`))
  app.child.kill('SIGTERM')
  await app.exited
})

test('corepool top refuses bad arguments with a usage line and exit code 2', async () => {
  const run = (args) => new Promise((resolve) => execFile(process.execPath, [BIN, ...args], (error, stdout, stderr) => resolve([error?.code ?? 0, stderr])))
  assert.deepEqual(await run(['top', '--interval', '5']), [2, '--interval must be an integer of at least 100 (ms), got 5\n'])
  assert.deepEqual(await run(['nope']), [2, "unknown command 'nope'\nusage: corepool top [url | port] [--once] [--interval ms]\n"])
  const [code, stderr] = await run(['top', 'http://127.0.0.1:1/', '--once'])
  assert.equal(code, 1)
  assert.match(stderr, /^corepool top: connect ECONNREFUSED 127\.0\.0\.1:1\n$/)
})
