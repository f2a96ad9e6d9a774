'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const { freePort, startCluster, get } = require('./fixtures/harness.js')

const CHROMIUM = '/usr/bin/chromium'
const skip = !fs.existsSync(CHROMIUM)
  ? `${CHROMIUM} is not installed (Debian package chromium; .ci/run installs it)`
  : process.env.COREPOOL_BROWSER_TESTS === '0' ? 'COREPOOL_BROWSER_TESTS=0 is set' : false

test('the stats page loads in headless Chromium, fills in every worker and thread, and draws its charts', { skip }, async (t) => {
  const { chromium } = require('playwright-core')
  const port = await freePort()
  const cluster = startCluster(t, { workers: 2, threadsPerWorker: 2, statsPort: 0, statsInterval: 100 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const statsPort = ready.statsAddress.port
  for (let i = 0; i < 6; i++) assert.equal((await get(port, '/hash')).status, 200)

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-page-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
  })
  t.after(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1100, height: 620 } })
  const requests = []
  page.on('request', (request) => requests.push(request.url()))
  await page.goto(`http://127.0.0.1:${statsPort}/`)
  await page.waitForSelector('body[data-live="true"]')
  // Wait until the history holds two points per worker, so that each chart has its lines.
  await page.waitForFunction(() => document.querySelectorAll('#chart-utilization polyline').length === 2)
  const shot = path.join(dir, 'stats-page.png')
  await page.screenshot({ path: shot })
  assert.ok(fs.statSync(shot).size > 10_000)

  const rows = await page.$$eval('#workers tbody tr', (trs) => trs.map((tr) => ({
    worker: tr.dataset.worker,
    cells: [...tr.children].map((td) => td.textContent),
    bars: [...tr.querySelectorAll('.thread-bar')].map((bar) => Number(bar.dataset.busy))
  })))
  const stats = JSON.parse((await get(statsPort, '/stats')).body)
  assert.deepEqual(rows.map((r) => [r.worker, r.cells[1], r.cells[2]]), stats.workers.map((w) => [String(w.worker), String(w.pid), 'ready']))
  for (const row of rows) {
    assert.equal(row.bars.length, 2)
    assert.ok(row.bars.every((busy) => busy >= 0 && busy <= 1))
    assert.match(row.cells[5], /^\d+ MB$/)
  }
  assert.match(await page.textContent('#summary'), /^2 workers × 2 threads on a budget of \d+ cores · \d+ tasks completed/)
  assert.equal(await page.$$eval('#chart-p99 polyline', (lines) => lines.length), 4) // run and wait per worker
  // Everything came from the stats port: no CDN, no other host.
  assert.ok(requests.length >= 3)
  assert.deepEqual(requests.filter((url) => !url.startsWith(`http://127.0.0.1:${statsPort}/`)), [])
  t.diagnostic(`screenshot: ${shot}`)

  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
})

test('the stats port still answers JSON at / to clients that do not ask for HTML', async (t) => {
  const port = await freePort()
  const cluster = startCluster(t, { workers: 1, threadsPerWorker: 1, statsPort: 0, statsInterval: 50 }, { env: { PORT: String(port) } })
  const ready = await cluster.waitFor('cluster-ready')
  const statsPort = ready.statsAddress.port
  const json = await get(statsPort, '/')
  assert.equal(json.headers['content-type'], 'application/json')
  assert.equal(JSON.parse(json.body).workers.length, 1)
  const html = await fetch(`http://127.0.0.1:${statsPort}/`, { headers: { accept: 'text/html,application/xhtml+xml' } })
  assert.equal(html.headers.get('content-type'), 'text/html; charset=utf-8')
  const body = await html.text()
  assert.match(body, /^<!doctype html>/)
  assert.doesNotMatch(body, /<script[^>]+src=|<link[^>]+href=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/)
  let history
  do {
    history = JSON.parse((await get(statsPort, '/history')).body)
  } while (!(history['1']?.length >= 2))
  assert.deepEqual(Object.keys(history['1'][0]).sort(), ['at', 'eventLoopP99', 'runP99', 'utilization', 'waitP99'])
  cluster.child.kill('SIGTERM')
  assert.equal((await cluster.exited).code, 0)
})
