#!/usr/bin/env node
'use strict'

// The `corepool` command. Subcommands: `top [url | port] [--once] [--interval ms]`.

const USAGE = 'usage: corepool top [url | port] [--once] [--interval ms]'

async function main (args) {
  const [command, ...rest] = args
  if (command !== 'top') {
    process.stderr.write(`${command === undefined ? '' : `unknown command '${command}'\n`}${USAGE}\n`)
    return 2
  }
  const top = require('../lib/top.js')
  let options
  try {
    options = top.parseArgs(rest)
  } catch (error) {
    process.stderr.write(`${error.message}\n`)
    return 2
  }
  if (options.once) {
    await top.once(options)
    return 0
  }
  await top.live(options).stopped
  return 0
}

// Exits explicitly: an HTTP request still in flight or a paused stdin pipe must not keep the
// command running after the user quit.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => { process.stderr.write(`corepool top: ${error.message}\n`); process.exit(1) }
)
