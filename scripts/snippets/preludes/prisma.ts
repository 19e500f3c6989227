// biome-ignore-all lint/correctness: a prelude declares what the block after it uses
// The reader's Prisma client (the fixture's prisma.ts).
import { prisma } from "./prisma.js";
