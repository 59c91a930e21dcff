import type en from "../en/admin";
import type { Shape } from "../shape";

export default {} satisfies Shape<typeof en>;
