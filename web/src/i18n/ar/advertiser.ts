import type en from "../en/advertiser";
import type { Shape } from "../shape";

export default {} satisfies Shape<typeof en>;
