// The main flows of the mobile app, written against the types openapi-typescript generates
// from openapi.yaml: register, sign in, read /me, change the profile with If-Match, list the
// matches. `make contract` compiles it with `tsc --strict` (it is never run): a change to the
// description that breaks how an app would use the API breaks the build.
import type { components, operations, paths } from "./generated/schema";

type Schemas = components["schemas"];
type JsonBody<Op extends keyof operations> = operations[Op] extends {
  requestBody: { content: { "application/json": infer Body } };
}
  ? Body
  : never;
type JsonResult<Op extends keyof operations, Status extends number> = operations[Op] extends {
  responses: { [S in Status]: { content: { "application/json": infer Result } } };
}
  ? Result
  : never;

export interface Answer<T> {
  status: number;
  body: T;
  headers: Headers;
}

export class HomeshareClient {
  private accessToken: string | null = null;

  constructor(private readonly baseUrl: string) {}

  private async call<T>(
    method: "GET" | "POST" | "PATCH",
    path: keyof paths,
    options: { body?: unknown; headers?: Record<string, string> } = {},
  ): Promise<Answer<T>> {
    const headers: Record<string, string> = { Accept: "application/json", ...options.headers };
    if (this.accessToken !== null) {
      headers.Authorization = `Bearer ${this.accessToken}`;
    }
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
    }
    const response = await fetch(new URL(path, this.baseUrl), {
      method,
      headers,
      body: options.body === undefined ? null : JSON.stringify(options.body),
    });
    if (!response.ok) {
      const problem = (await response.json()) as Schemas["Problem"];
      throw new Error(`${problem.status} ${problem.title}: ${problem.detail ?? problem.type}`);
    }
    return { status: response.status, body: (await response.json()) as T, headers: response.headers };
  }

  register(body: JsonBody<"register">): Promise<Answer<JsonResult<"register", 202>>> {
    return this.call("POST", "/api/v1/auth/register", { body });
  }

  async login(body: JsonBody<"login">): Promise<JsonResult<"login", 200>> {
    const tokens = (await this.call<JsonResult<"login", 200>>("POST", "/api/v1/auth/login", { body })).body;
    this.accessToken = tokens.access_token;
    return tokens;
  }

  async getMe(): Promise<Schemas["Account"]> {
    return (await this.call<JsonResult<"getMe", 200>>("GET", "/api/v1/me")).body;
  }

  getMyProfile(): Promise<Answer<JsonResult<"getMyProfile", 200>>> {
    return this.call("GET", "/api/v1/me/profile");
  }

  updateMyProfile(
    ifMatch: operations["updateMyProfile"]["parameters"]["header"]["If-Match"],
    body: JsonBody<"updateMyProfile">,
  ): Promise<Answer<JsonResult<"updateMyProfile", 200>>> {
    return this.call("PATCH", "/api/v1/me/profile", { body, headers: { "If-Match": ifMatch } });
  }

  async listMyMatches(): Promise<Schemas["OwnMatch"][]> {
    return (await this.call<JsonResult<"listMyMatches", 200>>("GET", "/api/v1/me/matches")).body.items;
  }
}

export async function newSharer(client: HomeshareClient, email: string, password: string): Promise<string[]> {
  // The same answer whether or not the email had an account: show it, then sign in.
  const registered = await client.register({ scheme: "demo", email, password, role: "sharer" });
  const nextStep: string = registered.body.message;
  const tokens = await client.login({ email, password });
  const expiresAt = new Date(Date.now() + tokens.expires_in * 1000);

  const me = await client.getMe();
  // Always there, possibly null: the compiler makes the app say what an admin (no scheme) sees.
  const schemeName: string = me.scheme === null ? "no scheme" : me.scheme.name;
  const lastSeen: string = me.last_login_at ?? "never";

  const read = await client.getMyProfile();
  const etag = read.headers.get("ETag");
  if (etag === null) {
    throw new Error("A profile is always served with its ETag.");
  }
  const missing: string[] = read.body.completeness.missing_for_matching;
  const changed = await client.updateMyProfile(etag, {
    preferred_name: "Sam",
    interests: ["cooking", "chess"],
    sharer: { hours_offered_per_week: 10, occupation: "student" },
  });
  const hours: number | null = changed.body.sharer === null ? null : changed.body.sharer.hours_offered_per_week;

  const matches = await client.listMyMatches();
  const steps = matches.map((match) => {
    const answer: "accepted" | "declined" | "not yet" = match.your_response ?? "not yet";
    const name = match.other_party.contact?.first_name ?? match.other_party.district ?? "someone";
    return `${match.state} with ${name}: ${answer}, next ${match.next_step ?? "nothing"}`;
  });
  // Null until the code sent by email is entered (verifyEmail); until then no match is proposed.
  const verified: string = me.email_verified_at ?? "verify your email";
  return [nextStep, me.email ?? "no login", verified, expiresAt.toISOString(), schemeName, lastSeen, ...missing, String(hours), ...steps];
}
