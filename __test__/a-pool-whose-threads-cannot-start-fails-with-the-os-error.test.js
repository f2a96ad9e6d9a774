'use strict'

const test = require('node:test')
const assert = require('node:assert/strict')
const { spawn, spawnSync } = require('node:child_process')
const path = require('node:path')

// A real failure, not a mock: a child process caps its own address space (prlimit, from
// util-linux) just above what it uses, then asks for 1024 threads, whose stacks do not fit.
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

const hasPrlimit = spawnSync('prlimit', ['--version']).status === 0

test('new Pool throws ERR_POOL_THREADS with the OS error when its threads cannot start', { skip: !hasPrlimit && 'prlimit (util-linux) is not installed' }, async () => {
  // One malloc arena: glibc reserves 64 MiB of address space per thread arena otherwise, which
  // would exhaust the cap in an allocation (an abort) before the thread stacks do.
  const env = { ...process.env, MALLOC_ARENA_MAX: '1' }
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
  // Room for 64 MiB more: far less than 1024 thread stacks of 2 MiB each.
  const limit = (vmSizeKiB + 64 * 1024) * 1024
  assert.equal(spawnSync('prlimit', [`--pid=${child.pid}`, `--as=${limit}:${limit}`]).status, 0)
  child.stdin.write('go\n')
  const result = JSON.parse(await line())
  child.kill()
  assert.equal(result.code, 'ERR_POOL_THREADS')
  assert.match(result.message, /^could not start the pool's threads: .+ \(os error \d+\)$/)
})
