// From the repository root (its tsconfig enables decorators): `npx tsx examples/nestjs-app/src/main.ts`
// serves the NestJS example on http://localhost:3001 (PORT), sessions in ./sessions.db (SESSIONS_DB).
import "reflect-metadata";
import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module.js";

const app = await NestFactory.create(AppModule);
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 3001));
console.log(`NestJS example: ${await app.getUrl()}`);
