import { join } from "node:path";
import { Global, Injectable, Module, type OnModuleDestroy, type OnModuleInit } from "@nestjs/common";
import { PrismaBetterSqlite3 } from "@prisma/adapter-better-sqlite3";
// The repository's generated SQLite client (`npm run generate`); in your app, your own client.
import { PrismaClient } from "../../../prisma/generated/sqlite/client.js";
import { ensureSessionTable } from "../../../src/entries/prisma.js";

/** The app's Prisma client on SQLite: SESSIONS_DB, else sessions.db in the working directory. */
@Injectable()
export class PrismaService extends PrismaClient implements OnModuleInit, OnModuleDestroy {
  constructor() {
    const file = process.env.SESSIONS_DB ?? join(process.cwd(), "sessions.db");
    super({ adapter: new PrismaBetterSqlite3({ url: `file:${file}` }) });
  }

  async onModuleInit(): Promise<void> {
    // Quick start: the library's shipped migration creates the table (use `prisma migrate` in production).
    await ensureSessionTable(this, { provider: "sqlite" });
  }

  async onModuleDestroy(): Promise<void> {
    await this.$disconnect();
  }
}

@Global()
@Module({ providers: [PrismaService], exports: [PrismaService] })
export class PrismaModule {}
