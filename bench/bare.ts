// The physical limit: a bare Bun.serve answering the bytes and headers that the app sends for GET /login.
const { body, headers } = JSON.parse(await Bun.file(process.env.BARE_RESPONSE ?? "").text()) as {
  body: string;
  headers: Record<string, string>;
};
const server = Bun.serve({ port: Number(process.env.PORT), fetch: () => new Response(body, { headers }) });
console.info(`bare server on ${server.port}`);

export {};
