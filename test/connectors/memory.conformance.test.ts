import { MemoryConnector } from "../../src/connectors/memory.js";
import { describeConnectorConformance, describeInventoryConformance } from "../../src/entries/testing.js";

describeConnectorConformance("MemoryConnector", async () => ({ connector: new MemoryConnector() }));
describeInventoryConformance("MemoryConnector", async () => ({ connector: new MemoryConnector() }));
