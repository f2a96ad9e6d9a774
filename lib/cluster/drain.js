'use strict'

// Graceful close of one server: stop accepting, let every in-flight request finish, tell
// keep-alive clients to go (Connection: close), and close connections that stay idle.

const net = require('node:net')
const http = require('node:http')

/** How long a keep-alive connection may sit idle, once draining, before we close it. */
const IDLE_GRACE_MS = 200

/**
 * Tracks a server's connections from the moment it is handed to us.
 * Invariant: `#sockets` holds every open connection and how many requests it has in flight.
 */
class ServerDrain {
  #server
  /** socket -> { inFlight, idleSince } */
  #sockets = new Map()
  #draining = false
  #closed = null
  #timer = null

  constructor (server) {
    this.#server = server
    server.on('connection', (socket) => {
      const state = { inFlight: 0, idleSince: Date.now() }
      this.#sockets.set(socket, state)
      socket.once('close', () => this.#sockets.delete(socket))
    })
    server.prependListener('request', (req, res) => {
      const state = this.#sockets.get(req.socket)
      if (state !== undefined) state.inFlight++
      if (this.#draining) res.setHeader('Connection', 'close')
      res.once('close', () => {
        if (state === undefined) return
        state.inFlight--
        state.idleSince = Date.now()
      })
    })
  }

  /** True once the server is listening (or was never asked to). */
  listening () {
    if (this.#server.listening) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const onListening = () => { this.#server.off('error', onError); resolve() }
      const onError = (error) => { this.#server.off('listening', onListening); reject(error) }
      this.#server.once('listening', onListening)
      this.#server.once('error', onError)
    })
  }

  /** Stops accepting and resolves once every connection has closed. Idempotent. */
  close () {
    if (this.#closed !== null) return this.#closed
    this.#draining = true
    this.#closed = new Promise((resolve) => {
      if (!this.#server.listening) {
        if (this.#sockets.size === 0) return resolve()
      }
      // http.Server#close() would close idle keep-alive connections at once, racing a client
      // that is just sending its next request on one. Stop listening only; idle connections
      // are closed below once they have stayed idle for IDLE_GRACE_MS.
      const isHttp = this.#server instanceof http.Server
      const done = () => { clearInterval(this.#timer); resolve() }
      if (this.#server.listening) {
        if (isHttp) net.Server.prototype.close.call(this.#server, done)
        else this.#server.close(done)
      } else {
        const check = setInterval(() => { if (this.#sockets.size === 0) { clearInterval(check); done() } }, 20)
      }
      this.#timer = setInterval(() => this.#closeIdle(), IDLE_GRACE_MS / 4)
    })
    return this.#closed
  }

  #closeIdle () {
    const now = Date.now()
    for (const [socket, state] of this.#sockets) {
      if (state.inFlight === 0 && now - state.idleSince >= IDLE_GRACE_MS) socket.end()
    }
  }
}

module.exports = { ServerDrain }
