'use strict'

// `npm run demo:queue`: a private redis-server on a free local port (if redis-server is on PATH),
// one consumer "machine" (consumer.js, under runCluster), and the producer's batch; then a
// graceful stop of everything.

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const net = require('node:net')
const os = require('node:os')
const path = require('node:path')
const readline = require('node:readline')

if (spawnSync('redis-server', ['--version']).error !== undefined) {
  console.error('redis-server is not on PATH. Install Redis, then run this again:')
  console.error('  Debian/Ubuntu: sudo apt-get install -y redis-server')
  console.error('  macOS:         brew install redis')
  console.error('  or point REDIS_HOST/REDIS_PORT at a Redis you have and run consumer.js and producer.js yourself.')
  process.exit(1)
}

function freePort () {
  return new Promise((resolve) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => { const { port } = server.address(); server.close(() => resolve(port)) })
  })
}

function lines (child, onLine) {
  readline.createInterface({ input: child.stdout }).on('line', onLine)
}

async function main () {
  const port = await freePort()
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-demo-redis-'))
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--logfile', ''], { stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve) => lines(redis, (line) => { if (line.includes('Ready to accept connections')) resolve() }))
  console.log(`redis-server ready on 127.0.0.1:${port} (no persistence)`)
  const env = { ...process.env, REDIS_HOST: '127.0.0.1', REDIS_PORT: String(port) }

  const consumer = spawn(process.execPath, [path.join(__dirname, 'consumer.js')], { env, stdio: ['ignore', 'pipe', 'inherit'] })
  await new Promise((resolve) => lines(consumer, (line) => { console.log(`[consumer] ${line}`); if (line.includes('consuming')) resolve() }))
  const producer = spawn(process.execPath, [path.join(__dirname, 'producer.js')], { env, stdio: 'inherit' })
  const code = await new Promise((resolve) => producer.once('exit', resolve))

  consumer.kill('SIGTERM')
  await new Promise((resolve) => consumer.once('exit', resolve))
  redis.kill('SIGTERM')
  await new Promise((resolve) => redis.once('exit', resolve))
  fs.rmSync(dir, { recursive: true, force: true })
  console.log('consumer stopped gracefully, redis-server stopped')
  process.exitCode = code
}

main().catch((error) => { console.error(error); process.exitCode = 1 })
