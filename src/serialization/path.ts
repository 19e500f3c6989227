/** Where a value sits inside session data: object keys and array (or Map/Set entry) indexes. */
export type ValuePath = readonly (string | number)[];

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** A path as people read it: `cart[2].price`, `prefs["a key"]`. */
export function formatPath(path: ValuePath): string {
  let text = "";
  for (const step of path) {
    if (typeof step === "number") text += `[${step}]`;
    else if (text === "") text = IDENTIFIER.test(step) ? step : JSON.stringify(step);
    else text += IDENTIFIER.test(step) ? `.${step}` : `[${JSON.stringify(step)}]`;
  }
  return text;
}
