import { MemoryConnector } from "../../src/connectors/memory.js";
import { describeConnectorConformance, describeInventoryConformance } from "../../src/testing/index.js";

describeConnectorConformance("MemoryConnector", async () => ({ connector: new MemoryConnector() }));
describeInventoryConformance("MemoryConnector", async () => ({ connector: new MemoryConnector() }));
