import { useTranslation } from "react-i18next";
import type { Schemas } from "../../../api/client";

const offerTone: Record<Schemas["OfferStatus"], string> = {
  draft: "",
  pending_review: "badge-warn",
  approved: "badge-ok",
  rejected: "badge-danger",
  paused: "badge-warn",
  archived: "",
};

const conversionTone: Record<Schemas["ConversionStatus"], string> = {
  pending: "badge-warn",
  pending_review: "badge-warn",
  approved: "badge-ok",
  rejected: "badge-danger",
  reversed: "badge-danger",
  duplicate: "",
  over_cap: "",
  out_of_window: "",
  unknown_click: "",
  rejected_advertiser_mismatch: "badge-danger",
  rejected_fraud: "badge-danger",
};

export function OfferStatusBadge({ status }: { status: Schemas["OfferStatus"] }) {
  const { t } = useTranslation("advertiser");
  return (
    <span className={`badge ${offerTone[status]}`} data-status={status}>
      {t(`offerStatus.${status}`)}
    </span>
  );
}

export function ConversionStatusBadge({ status }: { status: Schemas["ConversionStatus"] }) {
  const { t } = useTranslation("advertiser");
  return (
    <span className={`badge ${conversionTone[status]}`} data-status={status}>
      {t(`conversionStatus.${status}`)}
    </span>
  );
}
