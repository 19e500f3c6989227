export {
  type ConformanceTarget,
  describeConnectorConformance,
  type RawColumn,
  type RawRow,
  type StoredStateInspector,
} from "../testing/conformance.js";
export { describeInventoryConformance, type InventoryTarget } from "../testing/inventory-conformance.js";
