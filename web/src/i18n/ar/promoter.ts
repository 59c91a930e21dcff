import type en from "../en/promoter";
import type { Shape } from "../shape";

export default {} satisfies Shape<typeof en>;
