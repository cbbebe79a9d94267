import type { Context } from "elysia";

/**
 * What a gate sees of Elysia's context: these fields, named. A hook or handler that takes the
 * whole context, or hands it on, makes Elysia's inference prepare all of it on every request
 * (the query, a headers object, the cookie jar): every hook and handler here names its fields.
 */
export type GateContext = Pick<Context, "request" | "set" | "body">;
