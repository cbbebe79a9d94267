import { HttpError } from "./http-error";
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Reads an `application/x-www-form-urlencoded` body strictly: at most 64 KB, valid UTF-8,
 * no NUL bytes, and each field once. Anything else is a 4xx, never a half-read form.
 */
export async function readForm(request: Request): Promise<Record<string, string>> {
  const type = request.headers.get("content-type")?.split(";")[0]?.trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded") {
    throw new HttpError(415, "Unsupported form", "Send this form as application/x-www-form-urlencoded.");
  }
  const bytes = await readAtMost(request, MAX_BODY_BYTES);
  const form: Record<string, string> = Object.create(null);
  for (const pair of decodeUtf8(bytes).split("&")) {
    if (pair === "") continue;
    const separator = pair.indexOf("=");
    const name = decodeComponent(separator === -1 ? pair : pair.slice(0, separator));
    const value = decodeComponent(separator === -1 ? "" : pair.slice(separator + 1));
    if (name in form) throw badForm(`The field "${name}" was sent more than once.`);
    if (name.includes("\0") || value.includes("\0")) throw badForm("The form contained a NUL character.");
    form[name] = value;
  }
  return form;
}

async function readAtMost(request: Request, limit: number): Promise<Uint8Array> {
  const declared = request.headers.get("content-length");
  if (Number(declared) > limit) throw tooLarge();
  if (!request.body) return new Uint8Array();
  if (declared !== null) {
    // A body with a length is read at once; its size is checked again, for a Request built
    // in-process whose header may not match.
    const bytes = new Uint8Array(await request.arrayBuffer());
    if (bytes.byteLength > limit) throw tooLarge();
    return bytes;
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  // Counted while streaming: a chunked body has no content-length to trust.
  for await (const chunk of request.body) {
    size += chunk.byteLength;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw badForm("The form was not valid UTF-8.");
  }
}

function decodeComponent(raw: string): string {
  try {
    // decodeURIComponent throws on percent-escapes that are not UTF-8, where URLSearchParams would silently put U+FFFD.
    return decodeURIComponent(raw.replaceAll("+", " "));
  } catch {
    throw badForm("The form was not valid UTF-8.");
  }
}

const tooLarge = () => new HttpError(413, "Form too large", `A form may be at most ${MAX_BODY_BYTES / 1024} KB.`);
const badForm = (message: string) => new HttpError(400, "Bad form", message);
