// A real SMTP server, small: it speaks the protocol over TCP on 127.0.0.1 and keeps each message
// it is given, so the mail path is tested as it runs, through nodemailer and a socket, not a mock.

import type { Socket } from "bun";

export type ReceivedMail = { from: string; to: string[]; subject: string; text: string };

/** A message's body as written: quoted-printable soft breaks joined and its escapes decoded. */
function decodedBody(body: string): string {
  return body
    .replace(/=\r?\n/g, "")
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16)));
}

function parseMessage(raw: string, from: string, to: string[]): ReceivedMail {
  const split = raw.indexOf("\r\n\r\n");
  const headers = raw.slice(0, split);
  const subject = /^Subject: (.*(?:\r\n[ \t].*)*)/im.exec(headers)?.[1]?.replace(/\r\n[ \t]/g, " ") ?? "";
  const bytes = Buffer.from(decodedBody(raw.slice(split + 4)), "latin1");
  return { from, to, subject, text: bytes.toString("utf8").replace(/\r\n/g, "\n").trim() };
}

type Session = { buffer: string; data: string[] | null; from: string; to: string[] };

/**
 * Listens on a free port. `refuse` makes it answer every message 554, as a server that will not
 * take mail does. `stop()` closes it.
 */
export function smtpSink({ refuse = false } = {}) {
  const received: ReceivedMail[] = [];
  const sessions = new WeakMap<Socket<undefined>, Session>();
  const reply = (socket: Socket<undefined>, line: string) => socket.write(`${line}\r\n`);

  function onLine(socket: Socket<undefined>, session: Session, line: string) {
    if (session.data) {
      if (line !== ".") {
        session.data.push(line.startsWith("..") ? line.slice(1) : line);
        return;
      }
      const raw = session.data.join("\r\n");
      session.data = null;
      if (refuse) return reply(socket, "554 5.7.1 Message refused");
      received.push(parseMessage(raw, session.from, session.to));
      return reply(socket, "250 2.0.0 Queued");
    }
    const command = line.slice(0, 4).toUpperCase();
    if (command === "EHLO" || command === "HELO") return reply(socket, "250 sink.test");
    if (command === "MAIL") {
      session.from = /<(.*)>/.exec(line)?.[1] ?? "";
      session.to = [];
      return reply(socket, "250 2.1.0 OK");
    }
    if (command === "RCPT") {
      session.to.push(/<(.*)>/.exec(line)?.[1] ?? "");
      return reply(socket, "250 2.1.5 OK");
    }
    if (command === "DATA") {
      session.data = [];
      return reply(socket, "354 End data with <CR><LF>.<CR><LF>");
    }
    if (command === "RSET" || command === "NOOP") return reply(socket, "250 OK");
    if (command === "QUIT") {
      reply(socket, "221 Bye");
      return socket.end();
    }
    return reply(socket, "502 5.5.2 Command not recognized");
  }

  const server = Bun.listen<undefined>({
    hostname: "127.0.0.1",
    port: 0,
    socket: {
      open(socket) {
        sessions.set(socket, { buffer: "", data: null, from: "", to: [] });
        reply(socket, "220 sink.test ESMTP");
      },
      data(socket, chunk) {
        const session = sessions.get(socket);
        if (!session) return;
        session.buffer += chunk.toString("latin1");
        let end = session.buffer.indexOf("\r\n");
        while (end !== -1) {
          const line = session.buffer.slice(0, end);
          session.buffer = session.buffer.slice(end + 2);
          onLine(socket, session, line);
          end = session.buffer.indexOf("\r\n");
        }
      },
    },
  });

  return {
    url: `smtp://127.0.0.1:${server.port}`,
    received,
    /** Waits for the `count`th message, for up to 5 s. */
    async nth(count: number): Promise<ReceivedMail> {
      for (let waited = 0; waited < 5000 && received.length < count; waited += 10) await Bun.sleep(10);
      const mail = received[count - 1];
      if (!mail) throw new Error(`no message number ${count}; ${received.length} received`);
      return mail;
    },
    stop: () => server.stop(true),
  };
}
