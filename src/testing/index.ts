export {
  type ConformanceTarget,
  describeConnectorConformance,
  type RawColumn,
  type RawRow,
  type StoredStateInspector,
} from "./conformance.js";
export { describeInventoryConformance, type InventoryTarget } from "./inventory-conformance.js";
