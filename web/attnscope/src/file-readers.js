// One file of a checkpoint folder, read in pieces: { size, read(onChunk, streamError?) }. size is the
// byte length, or null when unknown; read calls onChunk(Uint8Array) for each piece in order (awaiting
// it when it returns a promise) and stops the underlying read when onChunk throws. Pieces of Files and
// Node files keep JS memory flat; a response body is read as the network delivers it.
import { nodeModule } from './platform.js';

const CHUNK_BYTES = 8 * 1024 * 1024;

export function blobFile(blob) {
  return {
    size: blob.size,
    async read(onChunk) {
      for (let pos = 0; pos < blob.size; pos += CHUNK_BYTES) {
        await onChunk(new Uint8Array(await blob.slice(pos, pos + CHUNK_BYTES).arrayBuffer()));
      }
    },
  };
}

export function bytesFile(bytes) {
  return { size: bytes.length, async read(onChunk) { await onChunk(bytes); } };
}

/**
 * A fetch Response's body. streamError(error) turns a failed read (a connection cut mid-body) into the
 * error to throw; an abort (AbortError) is thrown as it is.
 */
export function responseFile(response, size) {
  return {
    size,
    async read(onChunk, streamError = (error) => error) {
      if (!response.body) {
        await onChunk(new Uint8Array(await response.arrayBuffer()));
        return;
      }
      const reader = response.body.getReader();
      try {
        for (;;) {
          let next;
          try {
            next = await reader.read();
          } catch (error) {
            throw error?.name === 'AbortError' ? error : streamError(error);
          }
          if (next.done) return;
          await onChunk(next.value);
        }
      } finally {
        await reader.cancel().catch(() => {});  // stops the download when onChunk threw
      }
    },
  };
}

/** A file on disk in Node (`size` from its stat). */
export function nodeFile(file, size) {
  return {
    size,
    async read(onChunk) {
      const fs = await nodeModule('fs/promises');
      const handle = await fs.open(file, 'r');
      try {
        for (let pos = 0; pos < size;) {
          const buffer = new Uint8Array(Math.min(CHUNK_BYTES, size - pos));
          const { bytesRead } = await handle.read(buffer, 0, buffer.length, pos);
          if (bytesRead === 0) throw new Error(`${file} shrank while it was being read`);
          await onChunk(buffer.subarray(0, bytesRead));
          pos += bytesRead;
        }
      } finally {
        await handle.close();
      }
    },
  };
}
