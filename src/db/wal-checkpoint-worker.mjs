// The WAL checkpointer's thread (src/db/wal-checkpoints.ts). Plain JavaScript on purpose: started without tsx, it
// costs a bare worker and a better-sqlite3 connection, not the TypeScript loader of src/off-thread/entry.mjs.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

// The connection never writes, so it needs no journal settings: the database file's own WAL mode holds for it.
const conn = new Database(workerData.file, { fileMustExist: true });

parentPort.on('message', (message) => {
  if (message.close) {
    conn.close();
    parentPort.close();
    return;
  }
  try {
    conn.pragma(`busy_timeout = ${Number(message.busyTimeoutMs)}`);
    parentPort.postMessage({ result: checkpoint(message.mode) });
  } catch (err) {
    // A failed checkpoint is the caller's to log; the thread stays up for the next one.
    parentPort.postMessage({ error: { message: err.message, code: err.code } });
  }
});

/**
 * PASSIVE copies what it can without taking the writer lock. TRUNCATE first does that too, so that its own turn,
 * which holds the writer lock and waits for readers, has little left to copy before it empties the file.
 */
function checkpoint(mode) {
  const passive = conn.pragma('wal_checkpoint(PASSIVE)')[0];
  return mode === 'TRUNCATE' ? conn.pragma('wal_checkpoint(TRUNCATE)')[0] : passive;
}
