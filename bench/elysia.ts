// The framework's floor: a minimal Elysia app, no hooks, answering the bytes and headers the app sends for GET /login.
import { Elysia } from "elysia";

const { body, headers } = JSON.parse(await Bun.file(process.env.BARE_RESPONSE ?? "").text()) as {
  body: string;
  headers: Record<string, string>;
};
new Elysia().get("/", () => new Response(body, { headers })).listen(Number(process.env.PORT));
console.info(`minimal Elysia app on ${process.env.PORT}`);
