// biome-ignore-all lint/correctness: a prelude declares what the block after it uses
// The reader's own connector.
import { MemoryConnector } from "prisma-sessions";

class MyConnector extends MemoryConnector {}
