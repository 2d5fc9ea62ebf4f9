// A real SMTP server for the email tests (smtp-server, no TLS or auth): keeps every
// message it is given, parsed, with its envelope recipients, and refuses a
// recipient when told to (one attempt per refusal), as a mail server would.
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
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    logger: false,
    onRcptTo(address, _session, callback) {
      attempts.set(address.address, (attempts.get(address.address) ?? 0) + 1);
      const index = refusals.findIndex((r) => r.to === address.address);
      if (index >= 0) {
        const [refusal] = refusals.splice(index, 1);
        return callback(Object.assign(new Error(refusal.code >= 500 ? 'Mailbox unavailable' : 'Try again later'), { responseCode: refusal.code }));
      }
      callback();
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
    to: (address: string) => received.filter((r) => r.to.includes(address)),
    /** Listens on a free loopback port; resolves with it. */
    listen: () => new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.server.address() as AddressInfo).port))),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
