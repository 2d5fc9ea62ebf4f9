// Prototype.js 1.6 (still on old Magento 1 shops) gives arrays a toJSON that returns a string: JSON.stringify then
// writes an array as a quoted string, and the outbox read back, or a socket.io packet the server decodes, is no
// array any more. The widget's own JSON is written with that method set aside for the call, the page's kept as it was.
import { Decoder, Encoder, type Packet } from 'socket.io-parser';

/** Runs `write` with Array.prototype.toJSON removed, then puts the page's method back exactly as it was. */
function withoutArrayToJSON<T>(write: () => T): T {
  const proto = Array.prototype as { toJSON?: unknown };
  const own = Object.getOwnPropertyDescriptor(proto, 'toJSON');
  if (!own?.configurable) return write();
  delete proto.toJSON;
  try {
    return write();
  } finally {
    Object.defineProperty(proto, 'toJSON', own);
  }
}

export const stringify = (value: unknown): string => withoutArrayToJSON(() => JSON.stringify(value));

/** socket.io-client's `parser` option: the standard one, encoding packets without the page's Array#toJSON. */
export const safeParser = {
  Encoder: class extends Encoder {
    override encode(packet: Packet) {
      return withoutArrayToJSON(() => super.encode(packet));
    }
  },
  Decoder,
};
