import { Module } from "@nestjs/common";
import { PrismaConnector } from "../../../src/connectors/prisma.js";
import { SessionModule } from "../../../src/entries/nestjs.js";
import { AccountController } from "./account.controller.js";
import { PrismaModule, PrismaService } from "./prisma.service.js";

@Module({
  imports: [
    PrismaModule,
    // The session options come from the app's own PrismaService, injected.
    SessionModule.forRootAsync({
      inject: [PrismaService],
      useFactory: (prisma: PrismaService) => ({
        connector: new PrismaConnector(prisma),
        idleTimeout: { days: 7 },
        // Plain http in the example; keep the default ("auto": Secure outside development) in production.
        cookie: { secure: process.env.COOKIE_SECURE === "true" },
      }),
    }),
  ],
  controllers: [AccountController],
})
export class AppModule {}
