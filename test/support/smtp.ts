// A real SMTP server for the email tests (smtp-server, no TLS or auth): keeps every
// message it is given, parsed, with its envelope recipients, and refuses a
// recipient when told to (one attempt per refusal), as a mail server would. It can
// also hold its answer to a recipient until the test releases it (a slow mail server),
// so a test can look at what the sender does meanwhile.
import { SMTPServer } from 'smtp-server';
import { simpleParser, type ParsedMail } from 'mailparser';
import type { AddressInfo } from 'node:net';

export interface ReceivedEmail {
  to: string[];
  mail: ParsedMail;
}

export type SmtpReceiver = ReturnType<typeof smtpReceiver>;

export function smtpReceiver() {
  const received: ReceivedEmail[] = [];
  const refusals: { to: string; code: number }[] = [];
  const attempts = new Map<string, number>();
  const holds: { to: string; arrived: () => void; released: Promise<void> }[] = [];
  function answerRecipient(to: string, callback: (error?: Error) => void) {
    const index = refusals.findIndex((r) => r.to === to);
    if (index >= 0) {
      const [refusal] = refusals.splice(index, 1);
      return callback(Object.assign(new Error(refusal.code >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: refusal.code }));
    }
    callback();
  }
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      attempts.set(address.address, (attempts.get(address.address) ?? 0) + 1);
      const held = holds.findIndex((h) => h.to === address.address);
      if (held < 0) return answerRecipient(address.address, callback);
      const [hold] = holds.splice(held, 1);
      hold.arrived();
      void hold.released.then(() => answerRecipient(address.address, callback));
    },
    onData(stream, session, callback) {
      simpleParser(stream).then((mail) => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), mail });
        callback();
      }, callback);
    },
  });
  return {
    received,
    attempts,
    /** The next delivery attempt to this address is answered with `code`. */
    refuseNext: (to: string, code: number) => refusals.push({ to, code }),
    /**
     * The next delivery attempt to this address waits for `release()` before the server answers (then as usual);
     * `arrived` resolves when the sender is waiting.
     */
    holdNext(to: string): { arrived: Promise<void>; release: () => void } {
      let arrived!: () => void;
      let release!: () => void;
      const arrivedPromise = new Promise<void>((resolve) => (arrived = resolve));
      holds.push({ to, arrived, released: new Promise<void>((resolve) => (release = resolve)) });
      return { arrived: arrivedPromise, release };
    },
    to: (address: string) => received.filter((r) => r.to.includes(address)),
    /** Listens on a free loopback port; resolves with it. */
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
