import type { Duplex } from 'node:stream';
import type { WebSocket } from 'ws';
import type { Logger } from '../log.ts';

/** Unsent bytes one connection may hold; a client that stops reading is cut off before it costs more memory. */
export const WS_MAX_BUFFERED_BYTES = 1024 * 1024;
/**
 * How long messages wait to be written together: at least the shortest window, and as long as the last flush took
 * up to the longest. A burst of status changes then costs one system call per subscriber and window instead of
 * one per subscriber and event (the write is most of the fan-out's cost), and while writing to thousands of
 * sockets is slow the window widens so the flushes leave time for the checks that produce the events; the delay
 * stays below what a dashboard can show.
 */
export const WS_FLUSH_WINDOW_MS = { shortest: 5, longest: 20 };

/**
 * Batches WebSocket writes: frames sent to a connection within one flush window leave in one write, and the
 * sender does not wait for each write to complete, so one slow client cannot hold up the fan-out. What a client
 * does not read piles up in its socket buffer, so once more than WS_MAX_BUFFERED_BYTES is still unsent from
 * earlier windows the connection is cut.
 */
export class WsWriteBatcher {
  private readonly corked = new Set<Duplex>();
  private timer: NodeJS.Timeout | null = null;
  private windowMs = WS_FLUSH_WINDOW_MS.shortest;

  constructor(private readonly logger: Logger) {}

  /** Routes every later `ws.send` through the batch; `socket` is the connection the WebSocket was upgraded on. */
  attach(ws: WebSocket, socket: Duplex): void {
    const send = ws.send.bind(ws);
    const onWritten = (err?: Error) => {
      if (err) this.logger.debug({ err }, 'graphql-ws: write failed');
    };
    ws.send = ((data: string, optionsOrCallback?: unknown, callback?: unknown) => {
      const done = (typeof optionsOrCallback === 'function' ? optionsOrCallback : callback) as ((err?: Error) => void) | undefined;
      if (ws.readyState !== ws.OPEN) return done?.();
      // Measured at a window's first message, before this window adds to it: what is left is what the client has
      // not taken from earlier windows.
      if (!this.corked.has(socket) && ws.bufferedAmount > WS_MAX_BUFFERED_BYTES) {
        this.logger.warn({ buffered: ws.bufferedAmount }, 'graphql-ws: client is not reading its messages; connection cut');
        ws.terminate();
      } else {
        this.cork(socket);
        send(data, onWritten);
      }
      done?.();
    }) as WebSocket['send'];
    socket.once('close', () => this.corked.delete(socket));
  }

  /** Writes everything waiting now (shutdown, so close frames are not held back). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const sockets = [...this.corked];
    this.corked.clear();
    const started = performance.now();
    for (const socket of sockets) socket.uncork();
    const took = performance.now() - started;
    this.windowMs = Math.min(WS_FLUSH_WINDOW_MS.longest, Math.max(WS_FLUSH_WINDOW_MS.shortest, took));
  }

  private cork(socket: Duplex): void {
    if (this.corked.has(socket)) return;
    socket.cork();
    this.corked.add(socket);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs).unref();
  }
}
