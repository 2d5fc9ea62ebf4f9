// The baseline for bench:chat: a bare Socket.IO relay with the same event
// shapes as the real gateway (ack with an id, broadcast to the agents), but no
// auth, no validation, no database, no queue and no Redis adapter.
// BARE_BATCH_PER_TURN=1 sends the consoles one `messages:new` frame per
// event-loop turn, as the real gateway does, instead of one `message:new` per
// message: the same Socket.IO work without the persistence, for comparison.
import { createServer } from 'node:http';
import { Server } from 'socket.io';
import { perTurn } from '../server/realtime/per-turn.ts';

const http = createServer();
const io = new Server(http, { serveClient: false });
const agents = io.of('/agent');
const batched = process.env.BARE_BATCH_PER_TURN === '1';
const toConsoles = perTurn<unknown>((messages) => agents.to('agents').emit('messages:new', messages));
let nextId = 1;
io.of('/widget').on('connection', (socket) => {
  socket.on('message:send', (payload: { clientId: string; text: string }, ack: (r: unknown) => void) => {
    const id = nextId++;
    const message = { id, conversationId: 1, clientId: payload.clientId, author: { type: 'customer', id: null, name: null }, text: payload.text, private: false, metadata: {}, createdAt: new Date().toISOString() };
    ack({ ok: true, id, conversationId: 1, createdAt: message.createdAt, duplicate: false });
    if (batched) toConsoles.push(message);
    else agents.to('agents').emit('message:new', message);
  });
});
agents.on('connection', (socket) => socket.join('agents'));
http.listen(0, '127.0.0.1', () => {
  const address = http.address();
  console.log(`bare relay listening on http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`);
});
process.on('SIGTERM', () => process.exit(0));
