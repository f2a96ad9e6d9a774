'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const path = require('node:path')

// A real failure, not a mock: a child process's address space is capped (prlimit, from
// util-linux) at 256 MiB above what it uses, and its Rust threads ask for 1 GiB stacks
// (RUST_MIN_STACK), so the first pool thread's stack cannot be mapped while ordinary allocations
// still fit. A cap close to 1024 small stacks instead raced: sometimes a malloc hit it first, and
// the process aborted ("memory allocation of 1520 bytes failed").
const CHILD = `
  const { Pool } = require(${JSON.stringify(path.join(__dirname, '..'))})
  process.stdin.once('data', () => {
    try {
      new Pool({ threads: 1024 })
      console.log(JSON.stringify({ created: true }))
    } catch (error) {
      console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }))
    }
  })
  process.stdout.write('ready\\n')
`

const STACK = 1024 * 1024 * 1024
const HEADROOM = 256 * 1024 * 1024

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0

test('new Pool throws ERR_POOL_THREADS with the OS error when its threads cannot start', { skip: !hasPrlimit && 'prlimit (util-linux) is not installed' }, async () => {
  const env = { ...process.env, RUST_MIN_STACK: String(STACK) }
  const child = spawn(process.execPath, ['-e', CHILD], { stdio: ['pipe', 'pipe', 'inherit'], env })
  let out = ''
  child.stdout.setEncoding('utf8')
  const line = () => new Promise((resolve) => {
    const onData = (chunk) => {
      out += chunk
      const end = out.indexOf('\n')
      if (end === -1) return
      child.stdout.off('data', onData)
      const first = out.slice(0, end)
      out = out.slice(end + 1)
      resolve(first)
    }
    child.stdout.on('data', onData)
  })
  assert.equal(await line(), 'ready')
  const status = require('node:fs').readFileSync(`/proc/${child.pid}/status`, 'utf8')
  const vmSizeKiB = Number(/VmSize:\s+(\d+) kB/.exec(status)[1])
  const limit = vmSizeKiB * 1024 + HEADROOM
  assert.equal(spawnSync('prlimit', [`--pid=${child.pid}`, `--as=${limit}:${limit}`]).status, 0)
  child.stdin.write('go\n')
  const result = JSON.parse(await line())
  child.kill()
  assert.equal(result.code, 'ERR_POOL_THREADS')
  assert.match(result.message, /^could not start the pool's threads: .+ \(os error \d+\)$/)
})
