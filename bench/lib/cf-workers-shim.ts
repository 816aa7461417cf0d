// For loading the Worker bundle in Node (import-time measurement only): the one export Loglane
// takes from `cloudflare:workers`.
export class DurableObject<Env = unknown> {
  constructor(
    protected ctx: unknown,
    protected env: Env,
  ) {}
}
