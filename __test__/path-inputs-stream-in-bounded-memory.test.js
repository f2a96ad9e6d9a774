'use strict'

// A { path } input was read whole before its kernel ran: a 2 GiB file peaked at 2 GiB of RSS.
// Hashes and compression now consume the file as they read it, one chunk at a time. A 1 GiB
// sparse file (no disk space, no page cache to speak of) is hashed and gzipped in a fresh child
// process, whose peak RSS (VmHWM) must stay far below the file's size, and whose results must
// equal node:crypto's and node:zlib's, both streamed.
const test = require('node:test')
const assert = require('node:assert/strict')
const crypto = require('node:crypto')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const zlib = require('node:zlib')
const { pipeline } = require('node:stream/promises')
const { execFileSync } = require('node:child_process')

const GiB = 1024 ** 3
const MiB = 1024 ** 2
const skip = process.platform !== 'linux' && 'reads VmHWM from /proc/self/status (Linux)'

async function streamedSha256 (stream) {
  const hash = crypto.createHash('sha256')
  await pipeline(stream, hash)
  return hash.digest('hex')
}

test('sha256 and gzip of a 1 GiB { path } input equal node\'s, in a process that peaks far below 1 GiB', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corepool-stream-'))
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }))
  const file = path.join(dir, 'sparse.bin')
  const gz = path.join(dir, 'sparse.bin.gz')
  // Sparse: all zeros but a few marked bytes, so that a chunk read out of order would show.
  const fd = fs.openSync(file, 'w')
  for (const at of [0, 256 * 1024 - 1, 256 * 1024, 512 * MiB + 7, GiB - 1]) fs.writeSync(fd, Buffer.from([at % 251 + 1]), 0, 1, at)
  fs.closeSync(fd)
  assert.equal(fs.statSync(file).size, GiB)

  const child = path.join(__dirname, 'fixtures', 'stream-a-large-file.js')
  const out = JSON.parse(execFileSync(process.execPath, [child, file, gz], { encoding: 'utf8' }))
  const expected = await streamedSha256(fs.createReadStream(file))
  assert.equal(out.sha256, expected)
  assert.equal(out.bytesWritten, fs.statSync(gz).size)
  assert.equal(await streamedSha256(fs.createReadStream(gz).pipe(zlib.createGunzip())), expected)
  // Reading the file whole would take the peak past 1 GiB; streaming adds a few chunks.
  t.diagnostic(`peak RSS ${(out.beforeKiB / 1024).toFixed(0)} MiB before the tasks, ${(out.peakKiB / 1024).toFixed(0)} MiB after`)
  assert.ok(out.peakKiB * 1024 < 256 * MiB, `peak RSS ${out.peakKiB} KiB`)
  assert.ok(out.peakKiB - out.beforeKiB < 64 * 1024, `the tasks raised the peak by ${out.peakKiB - out.beforeKiB} KiB`)
})
