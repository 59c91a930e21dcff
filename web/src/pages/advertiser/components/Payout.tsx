import type { Schemas } from "../../../api/client";
import { currentLanguage } from "../../../i18n";
import { formatMoney } from "../../../lib/format";
import { formatPercentText } from "../lib/format";
import { isFixed } from "../lib/offerForm";

/** An offer's payout: its amount in its currency (cpa, cpl) or its percentage (cps, revshare). */
export function payoutText(o: Schemas["OfferView"]): string {
  const lang = currentLanguage();
  if (isFixed(o.payout_model)) {
    return o.payout_amount ? formatMoney(o.payout_amount, o.currency, lang) : "—";
  }
  return o.payout_percent ? formatPercentText(o.payout_percent, lang) : "—";
}
