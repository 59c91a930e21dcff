import type en from "../en/stats";
import type { Shape } from "../shape";

export default {} satisfies Shape<typeof en>;
