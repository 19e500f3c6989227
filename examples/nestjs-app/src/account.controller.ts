import { Body, Controller, Get, HttpCode, Inject, Param, Post } from "@nestjs/common";
import { CurrentSession } from "../../../src/entries/nestjs.js";
import { SessionManager, type SessionStore } from "../../../src/index.js";

export type Data = { user: string; cart: string[]; [key: string]: unknown };

@Controller()
export class AccountController {
  constructor(@Inject(SessionManager) private readonly sessions: SessionManager<Data>) {}

  /** The session's data and owner. */
  @Get("me")
  async me(@CurrentSession() session: SessionStore<Data>) {
    const data = await session.load();
    return { user: session.userId, data };
  }

  /** Sign in: a new key (against fixation), the data kept, the owner recorded. */
  @Post("sign-in")
  @HttpCode(200)
  async signIn(@CurrentSession() session: SessionStore<Data>, @Body() body: { user?: unknown }) {
    const user = typeof body.user === "string" ? body.user.trim() : "";
    if (user === "") return { error: "user is required" };
    await session.assignNewSessionKey();
    session.userId = user;
    session.set("user", user);
    return { user };
  }

  /** Changes one key of the session's data; parallel requests changing other keys are merged. */
  @Post("data/:key")
  @HttpCode(200)
  async setData(
    @CurrentSession() session: SessionStore<Data>,
    @Param("key") key: string,
    @Body() body: { value?: unknown },
  ) {
    await session.load();
    if (key !== "user") session.set(key, body.value);
    return session.toJSON();
  }

  @Post("cart")
  @HttpCode(200)
  async addToCart(@CurrentSession() session: SessionStore<Data>, @Body() body: { item?: unknown }) {
    await session.load();
    session.set("cart", [...(session.get("cart") ?? []), String(body.item)]);
    return { cart: session.get("cart") };
  }

  /** The signed-in user's sessions ("devices"); `current` marks this one. */
  @Get("devices")
  async devices(@CurrentSession() session: SessionStore<Data>) {
    await session.load();
    if (session.userId === null) return [];
    const list = await this.sessions.listUserSessions(session.userId);
    return list.map((device) => ({ id: device.id, expiresAt: device.expiresAt, current: device.id === session.id }));
  }

  @Post("sign-out-others")
  @HttpCode(200)
  async signOutOthers(@CurrentSession() session: SessionStore<Data>) {
    await session.load();
    if (session.userId === null) return { removed: 0 };
    return { removed: await this.sessions.destroyUserSessions(session.userId, { except: session }) };
  }

  @Post("sign-out")
  @HttpCode(200)
  async signOut(@CurrentSession() session: SessionStore<Data>) {
    await session.destroy();
    return { signedOut: true };
  }
}
