'use strict'

// The restart policy of one worker slot: exponential backoff (PM2's exp_backoff_restart_delay
// schedule) plus a crash-loop guard. Pure: time comes from an injectable clock.

/**
 * Decides, at each unexpected exit, whether and when to re-fork.
 * Invariant: the delay is initialDelay * multiplier^k capped at maxDelay, where k counts the
 * restarts since the last stable run; at most maxRestarts restarts fall in any restartWindow.
 */
class RestartPolicy {
  #initialDelay
  #multiplier
  #maxDelay
  #resetAfter
  #maxRestarts
  #restartWindow
  #now
  #nextDelay
  /** Times of the restarts granted inside the window, oldest first. */
  #restarts = []

  constructor (options, now = Date.now) {
    this.#initialDelay = options.initialDelay
    this.#multiplier = options.multiplier
    this.#maxDelay = options.maxDelay
    this.#resetAfter = options.resetAfter
    this.#maxRestarts = options.maxRestarts
    this.#restartWindow = options.restartWindow
    this.#now = now
    this.#nextDelay = this.#initialDelay
  }

  /**
   * A worker that started at `startedAt` exited unexpectedly now. Returns
   * `{ restart: true, delay }` or `{ restart: false, restartsInWindow }` (the crash-loop guard).
   */
  onExit (startedAt) {
    const now = this.#now()
    if (now - startedAt >= this.#resetAfter) this.#nextDelay = this.#initialDelay
    while (this.#restarts.length > 0 && now - this.#restarts[0] >= this.#restartWindow) this.#restarts.shift()
    if (this.#restarts.length >= this.#maxRestarts) {
      return { restart: false, restartsInWindow: this.#restarts.length }
    }
    this.#restarts.push(now)
    const delay = this.#nextDelay
    this.#nextDelay = Math.min(this.#maxDelay, Math.round(this.#nextDelay * this.#multiplier))
    return { restart: true, delay }
  }
}

module.exports = { RestartPolicy }
