import { MemoryConnector } from "../../src/connectors/memory.js";
import { describeConnectorConformance } from "../../src/testing/index.js";

describeConnectorConformance("MemoryConnector", async () => ({ connector: new MemoryConnector() }));
