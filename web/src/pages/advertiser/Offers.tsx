import { useTranslation } from "react-i18next";
import { Link, useSearchParams } from "react-router";
import type { Schemas } from "../../api/client";
import { useOffers } from "../../api/hooks/offers";
import { LoadMore } from "../../components/LoadMore";
import { PageHeader } from "../../components/PageHeader";
import { QueryState } from "../../components/QueryState";
import { TableWrap } from "../../components/TableWrap";
import { currentLanguage } from "../../i18n";
import { formatDateTime } from "../../lib/format";
import { payoutText } from "./components/Payout";
import { OfferStatusBadge } from "./components/StatusBadge";
import "./advertiser.css";

const STATUSES: Schemas["OfferStatus"][] = [
  "draft",
  "pending_review",
  "approved",
  "rejected",
  "paused",
  "archived",
];

function statusParam(v: string | null): Schemas["OfferStatus"] | undefined {
  return STATUSES.find((s) => s === v);
}

export default function Offers() {
  const { t } = useTranslation("advertiser");
  const [params, setParams] = useSearchParams();
  const status = statusParam(params.get("status"));
  const offers = useOffers(status);
  const lang = currentLanguage();

  return (
    <section className="adv-root">
      <PageHeader
        title={t("offers.title")}
        actions={
          <Link to="/offers/new" className="btn btn-primary">
            {t("offers.new")}
          </Link>
        }
      />
      <div className="adv-filters">
        <div className="field">
          <label htmlFor="offer-status">{t("offers.status")}</label>
          <select
            id="offer-status"
            value={status ?? ""}
            onChange={(e) =>
              setParams(e.target.value ? { status: e.target.value } : {}, { replace: true })
            }
          >
            <option value="">{t("offers.allStatuses")}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {t(`offerStatus.${s}`)}
              </option>
            ))}
          </select>
        </div>
      </div>
      <QueryState query={offers}>
        {(data) => {
          const rows = data.pages.flatMap((p) => p.data);
          if (rows.length === 0) {
            return <p className="muted">{status ? t("offers.empty") : t("offers.emptyAll")}</p>;
          }
          return (
            <>
              <TableWrap label={t("offers.title")}>
                <table data-testid="offers">
                  <thead>
                    <tr>
                      <th scope="col">{t("offers.columns.name")}</th>
                      <th scope="col">{t("offers.columns.status")}</th>
                      <th scope="col" className="num">
                        {t("offers.columns.payout")}
                      </th>
                      <th scope="col">{t("offers.columns.category")}</th>
                      <th scope="col">{t("offers.columns.updated")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {rows.map((o) => (
                      <tr key={o.id} data-offer-id={o.id}>
                        <td>
                          <Link to={`/offers/${o.id}`}>{o.name}</Link>
                        </td>
                        <td>
                          <OfferStatusBadge status={o.status} />
                        </td>
                        <td className="num">
                          {payoutText(o)}{" "}
                          <span className="muted">{t(`payoutModelShort.${o.payout_model}`)}</span>
                        </td>
                        <td>{o.category}</td>
                        <td>{formatDateTime(o.updated_at, lang)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </TableWrap>
              <LoadMore query={offers} />
            </>
          );
        }}
      </QueryState>
    </section>
  );
}
